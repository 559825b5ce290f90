//! `AppState`: what each command does, as plain async methods over `ajar-core` (testable without a
//! window). Tokens stay here, in the secret store and the `Session`; nothing returned to the
//! webview carries one. Created links' URLs are kept in the secret store too (to show a QR again).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ajar_core::session::ActivityFilter;
use ajar_core::share::{resolve_window, SharePayload, ShareRequest, WindowInput};
use ajar_core::{Core, EntryList, Identity, Profile, SecretStore, Session, UnlockOutcome};
use ajar_protocol::time::format_in_zone;
use ajar_protocol::{Event, GuestLink, WebhookUrl};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::error::{UiError, UiResult};

const SLACK_KEY: &str = "setting:slack_webhook";

/// The signed-in profile as the views show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Me {
    pub profile: String,
    pub server: String,
    pub label: String,
}

/// Saved profiles and which one is open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profiles {
    pub profiles: Vec<Profile>,
    pub current: Option<String>,
}

/// A share sheet's content (the PNG stays on the Rust side for "Save QR").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareSheet {
    pub link: GuestLink,
    pub url: String,
    pub qr_svg: String,
    pub subject: String,
    pub text: String,
    pub webhook_urls: Vec<WebhookUrl>,
    pub door_names: Vec<String>,
    /// Whether a Slack webhook is set in settings.
    pub slack: bool,
}

/// A guest link in the Links view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkRow {
    pub link: GuestLink,
    pub door_names: Vec<String>,
    /// Whether this device kept its URL (so it can copy it and show its QR again).
    pub kept: bool,
    /// The window in the site's zone, for display.
    pub starts_local: String,
    pub ends_local: String,
}

/// A share window as the server will see it, with the offsets in the site's zone (DST visible).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowPreview {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub starts_local: String,
    pub ends_local: String,
    pub minutes: i64,
    /// True when the zone's UTC offset differs between start and end (a DST change inside).
    pub crosses_dst: bool,
}

/// One line of the Activity view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityItem {
    pub event_id: Uuid,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub occurred_local: String,
    pub door: String,
    pub acs_entrance_id: Option<Uuid>,
    pub site: String,
    /// Who: a person, or the guest link's description.
    pub who: String,
    /// How: "app", "guest link", "webhook", "API key".
    pub how: String,
    /// Link description and issuer, error message, …
    pub detail: String,
    pub ok: bool,
    pub guest_link_id: Option<Uuid>,
    /// A use of a guest link the signed-in user issued (these raise a desktop notification).
    pub my_link_used: bool,
}

/// Which activity to show.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ActivityQuery {
    pub acs_entrance_id: Option<Uuid>,
    pub guest_link_id: Option<Uuid>,
    pub limit: Option<u32>,
}

/// Settings the views can read (never the Slack webhook URL itself: it is a secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub slack_webhook_set: bool,
}

/// The app's state: the core, the open session, and this run's share payloads.
#[derive(Debug)]
pub struct AppState {
    core: Core,
    secrets: Arc<dyn SecretStore>,
    session: tokio::sync::RwLock<Option<Session>>,
    shares: Mutex<HashMap<Uuid, SharePayload>>,
    /// Events already seen by `poll_activity` and when it last looked.
    seen: Mutex<(HashSet<Uuid>, Option<DateTime<Utc>>)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn local(t: &DateTime<Utc>, zone: &str) -> String {
    let s = format_in_zone(t, zone).replace('T', " ");
    // "2026-03-29 09:30:00+02:00" -> "2026-03-29 09:30 +02:00"
    match (s.get(..16), s.get(19..)) {
        (Some(a), Some(b)) => format!("{a} {b}"),
        _ => s,
    }
}

/// An administrative change (the control center's, shown in Activity with how = "admin").
fn is_admin_change(e: &Event) -> bool {
    e.object_type.is_some()
        || matches!(
            e.event_type.as_str(),
            "acs_system.added"
                | "acs_entrance.added"
                | "api_key.created"
                | "api_key.revoked"
                | "client_session.deleted"
        )
}

fn offset(local: &str) -> &str {
    local.rsplit(' ').next().unwrap_or_default()
}

impl AppState {
    /// State over a data directory (profiles, caches) and a secret store (tokens, kept links).
    pub fn new(dir: impl Into<std::path::PathBuf>, secrets: Arc<dyn SecretStore>) -> Self {
        AppState {
            core: Core::new(dir, secrets.clone()),
            secrets,
            session: Default::default(),
            shares: Default::default(),
            seen: Default::default(),
        }
    }

    /// The open session (the admin commands call `Session::admin()` on it).
    pub async fn session(&self) -> UiResult<Session> {
        self.session
            .read()
            .await
            .clone()
            .ok_or_else(|| UiError::NotSignedIn("sign in first".into()))
    }

    fn me_of(&self, s: &Session) -> UiResult<Me> {
        let name = s.profile().unwrap_or_default().to_owned();
        let (profiles, _) = self.core.profiles()?;
        let p = profiles.into_iter().find(|p| p.name == name);
        Ok(Me {
            server: s.server().to_owned(),
            label: p.map(|p| p.label).unwrap_or_default(),
            profile: name,
        })
    }

    pub fn profiles(&self) -> UiResult<Profiles> {
        let (profiles, default) = self.core.profiles()?;
        Ok(Profiles {
            profiles,
            current: default,
        })
    }

    /// Signs in (token or sign-in code; the server may come from the code) and opens the profile.
    pub async fn sign_in(
        &self,
        profile: &str,
        server: Option<&str>,
        token_or_code: &str,
    ) -> UiResult<Me> {
        let server = server.map(str::trim).filter(|s| !s.is_empty());
        let s = self.core.sign_in(profile, server, token_or_code).await?;
        let me = self.me_of(&s)?;
        *self.session.write().await = Some(s);
        *lock(&self.seen) = Default::default();
        Ok(me)
    }

    /// Opens a saved profile (the default one when `None`) without touching the network, so the
    /// door list can be drawn from the cache at once.
    pub async fn open_profile(&self, profile: Option<&str>) -> UiResult<Me> {
        let s = self.core.session(profile).await?;
        if let Some(p) = profile {
            self.core.set_default(p)?;
        }
        let me = self.me_of(&s)?;
        *self.session.write().await = Some(s);
        *lock(&self.seen) = Default::default();
        lock(&self.shares).clear();
        Ok(me)
    }

    /// Signs a profile out (server session ended, token and cache deleted).
    pub async fn sign_out(&self, profile: &str) -> UiResult<bool> {
        let mut cur = self.session.write().await;
        if cur.as_ref().and_then(|s| s.profile()) == Some(profile) {
            *cur = None;
        }
        Ok(self.core.sign_out(profile).await?)
    }

    /// The doors from the cache (no network); `None` before the first fetch.
    pub async fn doors_cached(&self) -> UiResult<Option<EntryList>> {
        Ok(self.session().await?.cached_entries()?)
    }

    /// The doors from the server (the cache, marked stale, when it cannot be reached).
    pub async fn doors(&self) -> UiResult<EntryList> {
        Ok(self.session().await?.entries().await?)
    }

    pub async fn unlock(&self, door: &str) -> UiResult<UnlockOutcome> {
        Ok(self.session().await?.unlock(door).await?)
    }

    /// Resolves a share window in a zone now, as the share dialog shows it.
    pub fn preview_window(&self, zone: &str, window: &WindowInput) -> UiResult<WindowPreview> {
        let (a, b) = resolve_window(window, zone, Utc::now())?;
        let (sl, el) = (local(&a, zone), local(&b, zone));
        Ok(WindowPreview {
            starts_at: a,
            ends_at: b,
            crosses_dst: offset(&sl) != offset(&el),
            starts_local: sl,
            ends_local: el,
            minutes: (b - a).num_minutes(),
        })
    }

    fn sheet(&self, p: &SharePayload, door_names: Vec<String>) -> UiResult<ShareSheet> {
        Ok(ShareSheet {
            link: p.link.clone(),
            url: p.url.clone(),
            qr_svg: p.qr_svg.clone(),
            subject: p.subject.clone(),
            text: p.text.clone(),
            webhook_urls: p.webhook_urls.clone(),
            door_names,
            slack: self.settings()?.slack_webhook_set,
        })
    }

    async fn door_names(&self, s: &Session, ids: &[Uuid]) -> Vec<String> {
        let list = match s.cached_entries() {
            Ok(Some(l)) => Some(l),
            _ => s.entries().await.ok(),
        };
        ids.iter()
            .map(|id| {
                list.as_ref()
                    .and_then(|l| l.entries.iter().find(|e| e.acs_entrance_id == *id))
                    .map(|e| e.name.clone())
                    .unwrap_or_else(|| "a door".into())
            })
            .collect()
    }

    /// Creates a guest link, keeps its URL in the secret store, and answers the share sheet.
    pub async fn share(&self, req: &ShareRequest) -> UiResult<ShareSheet> {
        let s = self.session().await?;
        let p = s.share(req).await?;
        if let Some(profile) = s.profile() {
            self.core.keep_link(profile, &p)?;
        }
        let names = self.door_names(&s, &p.link.acs_entrance_ids).await;
        let sheet = self.sheet(&p, names)?;
        lock(&self.shares).insert(p.link.guest_link_id, p);
        Ok(sheet)
    }

    /// The share payload of a link: from this run, or kept in the secret store.
    async fn payload(&self, id: Uuid) -> UiResult<SharePayload> {
        if let Some(p) = lock(&self.shares).get(&id) {
            return Ok(p.clone());
        }
        let s = self.session().await?;
        let link = s.link(id).await?;
        let names = self.door_names(&s, &link.acs_entrance_ids).await;
        let profile = s.profile().unwrap_or_default();
        let p = self.core.kept_link(profile, link, &names)?.ok_or_else(|| {
            UiError::NotFound(
                "this link was created elsewhere: its URL is known only where it was made".into(),
            )
        })?;
        lock(&self.shares).insert(id, p.clone());
        Ok(p)
    }

    /// The share sheet of an existing link (re-show its QR).
    pub async fn show_link(&self, id: Uuid) -> UiResult<ShareSheet> {
        let p = self.payload(id).await?;
        let s = self.session().await?;
        let names = self.door_names(&s, &p.link.acs_entrance_ids).await;
        self.sheet(&p, names)
    }

    /// The link's URL (for the clipboard).
    pub async fn link_url(&self, id: Uuid) -> UiResult<String> {
        Ok(self.payload(id).await?.url)
    }

    /// The `mailto:` or `sms:` URI of a link.
    pub async fn share_uri(&self, id: Uuid, channel: &str) -> UiResult<String> {
        let p = self.payload(id).await?;
        match channel {
            "email" => Ok(p.mailto),
            "sms" => Ok(p.sms),
            other => Err(UiError::InvalidInput(format!(
                "unknown share channel {other:?}"
            ))),
        }
    }

    /// The QR code of a link as PNG bytes.
    pub async fn qr_png(&self, id: Uuid) -> UiResult<Vec<u8>> {
        Ok(self.payload(id).await?.qr_png)
    }

    /// Posts the link's message to the Slack incoming webhook from settings.
    pub async fn post_to_slack(&self, id: Uuid) -> UiResult<()> {
        let hook = self.secrets.get(SLACK_KEY)?.ok_or_else(|| {
            UiError::InvalidInput("set a Slack incoming webhook in Settings first".into())
        })?;
        let p = self.payload(id).await?;
        Ok(self.session().await?.post_to_slack(&hook, &p).await?)
    }

    pub fn settings(&self) -> UiResult<Settings> {
        Ok(Settings {
            slack_webhook_set: self.secrets.get(SLACK_KEY)?.is_some(),
        })
    }

    /// Sets (or with an empty string, clears) the Slack incoming webhook, kept in the secret store.
    pub fn set_slack_webhook(&self, url: &str) -> UiResult<Settings> {
        let url = url.trim();
        if url.is_empty() {
            self.secrets.delete(SLACK_KEY)?;
        } else if url.starts_with("https://") || url.starts_with("http://") {
            self.secrets.set(SLACK_KEY, url)?;
        } else {
            return Err(UiError::InvalidInput(
                "the Slack webhook must be an http(s) URL".into(),
            ));
        }
        self.settings()
    }

    /// Guest links with their doors and whether this device can show them again.
    pub async fn links(&self, state: Option<&str>) -> UiResult<Vec<LinkRow>> {
        let s = self.session().await?;
        let links = s.links(state.filter(|s| !s.is_empty())).await?;
        let profile = s.profile().unwrap_or_default().to_owned();
        let mut out = Vec::new();
        for link in links {
            let names = self.door_names(&s, &link.acs_entrance_ids).await;
            let kept = lock(&self.shares).contains_key(&link.guest_link_id)
                || self
                    .core
                    .kept_link(&profile, link.clone(), &names)
                    .ok()
                    .flatten()
                    .is_some();
            out.push(LinkRow {
                starts_local: local(&link.starts_at, &link.time_zone),
                ends_local: local(&link.ends_at, &link.time_zone),
                link,
                door_names: names,
                kept,
            });
        }
        Ok(out)
    }

    /// Revokes a link on the server and forgets its kept URL.
    pub async fn revoke_link(&self, id: Uuid) -> UiResult<()> {
        let s = self.session().await?;
        s.revoke_link(id).await?;
        lock(&self.shares).remove(&id);
        if let Some(p) = s.profile() {
            self.core.forget_link(p, id)?;
        }
        Ok(())
    }

    /// The audit trail, newest first, as readable lines.
    pub async fn activity(&self, q: &ActivityQuery) -> UiResult<Vec<ActivityItem>> {
        let s = self.session().await?;
        let events = s
            .activity(ActivityFilter {
                acs_entrance_id: q.acs_entrance_id,
                guest_link_id: q.guest_link_id,
                limit: Some(q.limit.unwrap_or(200)),
                ..Default::default()
            })
            .await?;
        self.describe(&s, events).await
    }

    /// New activity since the last poll; the uses of the user's own guest links among it are
    /// marked `my_link_used` (the shell raises a desktop notification for each).
    pub async fn poll_activity(&self) -> UiResult<Vec<ActivityItem>> {
        let s = self.session().await?;
        let since = lock(&self.seen).1;
        let now = Utc::now();
        let events = s
            .activity(ActivityFilter {
                since: Some(since.unwrap_or(now) - chrono::Duration::seconds(5)),
                limit: Some(200),
                ..Default::default()
            })
            .await?;
        let fresh: Vec<Event> = {
            let mut seen = lock(&self.seen);
            let first = seen.1.is_none();
            seen.1 = Some(now);
            let fresh = events
                .into_iter()
                .filter(|e| seen.0.insert(e.event_id))
                .collect::<Vec<_>>();
            // The first poll only sets the starting point: no notification for the past.
            if first {
                Vec::new()
            } else {
                fresh
            }
        };
        self.describe(&s, fresh).await
    }

    async fn describe(&self, s: &Session, events: Vec<Event>) -> UiResult<Vec<ActivityItem>> {
        let me = s.identity().await.ok();
        let my_id = match &me {
            Some(Identity::User {
                user_identity_id, ..
            }) => Some(*user_identity_id),
            _ => None,
        };
        let doors = match s.cached_entries() {
            Ok(Some(l)) => l.entries,
            _ => s.entries().await.map(|l| l.entries).unwrap_or_default(),
        };
        let mut links: HashMap<Uuid, GuestLink> = HashMap::new();
        if events.iter().any(|e| e.guest_link_id.is_some()) {
            for l in s.links(None).await.unwrap_or_default() {
                links.insert(l.guest_link_id, l);
            }
        }
        let mut people: HashMap<Uuid, String> = HashMap::new();
        if let Some(Identity::User {
            user_identity_id,
            display_name,
            ..
        }) = &me
        {
            people.insert(*user_identity_id, display_name.clone());
        }
        let users: Vec<ajar_protocol::UserIdentity> = s
            .call("/user_identities/list", json!({}), "user_identities")
            .await
            .unwrap_or_default();
        for u in users {
            people.insert(u.user_identity_id, u.display_name.clone());
        }
        // Who made each administrative change: the user behind the acting client session.
        let acting: HashSet<Uuid> = events
            .iter()
            .filter(|e| is_admin_change(e))
            .filter_map(|e| e.client_session_id)
            .collect();
        let mut actors: HashMap<Uuid, Uuid> = HashMap::new();
        for sid in acting {
            let got: Result<ajar_protocol::ClientSession, _> = s
                .call(
                    "/client_sessions/get",
                    json!({ "client_session_id": sid }),
                    "client_session",
                )
                .await;
            if let Some(u) = got.ok().and_then(|cs| cs.user_identity_id) {
                actors.insert(sid, u);
            }
        }
        let mut out = Vec::new();
        for e in events {
            let door = e
                .acs_entrance_id
                .and_then(|id| doors.iter().find(|d| d.acs_entrance_id == id));
            let link = e.guest_link_id.and_then(|l| links.get(&l));
            // The door's zone, else the link's, else the first site's.
            let zone = door
                .map(|d| d.time_zone.as_str())
                .or(link.map(|l| l.time_zone.as_str()))
                .or(doors.first().map(|d| d.time_zone.as_str()))
                .unwrap_or("UTC");
            let person = e
                .user_identity_id
                .and_then(|u| people.get(&u).cloned())
                .unwrap_or_else(|| "someone".into());
            let actor = e.actor_type.as_deref().unwrap_or_default();
            let admin = is_admin_change(&e);
            let (who, how) = match actor {
                "client_session" if admin => (
                    e.client_session_id
                        .and_then(|sid| actors.get(&sid))
                        .and_then(|u| people.get(u).cloned())
                        .unwrap_or_else(|| "an admin".into()),
                    "admin".to_owned(),
                ),
                "api_key" if admin => ("Admin".to_owned(), "admin".to_owned()),
                "guest_link" => (
                    link.map(|l| format!("Guest: {}", l.description))
                        .unwrap_or_else(|| "Guest".into()),
                    "guest link".to_owned(),
                ),
                "guest_link_webhook" => (
                    link.map(|l| format!("Webhook: {}", l.description))
                        .unwrap_or_else(|| "Webhook".into()),
                    "webhook".to_owned(),
                ),
                "api_key" => ("Admin".to_owned(), "API key".to_owned()),
                "system" => ("Ajar".to_owned(), "system".to_owned()),
                _ => (person.clone(), "app".to_owned()),
            };
            let mut detail = match link {
                Some(l) if actor.starts_with("guest_link") => {
                    format!("link issued by {}", l.issuer_display_name)
                }
                _ => String::new(),
            };
            if admin {
                // What changed: the person concerned and the names of the fields.
                let what = e
                    .object_type
                    .as_deref()
                    .unwrap_or_default()
                    .replace('_', " ");
                detail = match e.user_identity_id.and_then(|u| people.get(&u)) {
                    Some(p) if what != "user identity" => format!("{what} of {p}"),
                    Some(p) => p.clone(),
                    None => what,
                };
                if let Some(f) = e.changed_fields.as_ref().filter(|f| !f.is_empty()) {
                    detail.push_str(&format!(": {}", f.join(", ")));
                }
            }
            if let Some(m) = &e.error_message {
                if !detail.is_empty() {
                    detail.push_str(": ");
                }
                detail.push_str(m);
            }
            let ok = e.error_code.is_none() && !e.event_type.ends_with(".failed");
            let my_link_used = e.event_type == "lock.unlocked"
                && actor.starts_with("guest_link")
                && my_id.is_some()
                && link.map(|l| Some(l.issuer_user_identity_id)) == Some(my_id);
            out.push(ActivityItem {
                event_id: e.event_id,
                occurred_local: local(&e.occurred_at, zone),
                occurred_at: e.occurred_at,
                door: door.map(|d| d.name.clone()).unwrap_or_default(),
                acs_entrance_id: e.acs_entrance_id,
                site: door.map(|d| d.site_name.clone()).unwrap_or_default(),
                event_type: e.event_type,
                who,
                how,
                detail,
                ok,
                guest_link_id: e.guest_link_id,
                my_link_used,
            });
        }
        Ok(out)
    }
}
