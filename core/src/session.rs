//! A `Session`: one server and one token. Entries (with the offline cache), unlock (idempotent,
//! retried on network errors, followed to its end), guest links, activity.

use std::collections::HashMap;
use std::time::Duration;

use ajar_protocol::{
    AccessGrant, AcsEntrance, AcsSystem, ActionAttempt, ActionAttemptStatus, Event, GuestLink,
    Role, UserIdentity,
};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::cache::Cache;
use crate::error::{CoreError, Result};

/// Who the token acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identity {
    /// An admin API key: the whole workspace, no cloud key of its own.
    ApiKey,
    /// A user's client session.
    User {
        user_identity_id: Uuid,
        display_name: String,
        role: Role,
        client_session_id: Uuid,
    },
}

impl Identity {
    pub fn label(&self) -> String {
        match self {
            Identity::ApiKey => "API key".to_owned(),
            Identity::User {
                display_name, role, ..
            } => format!("{display_name} ({})", role.as_str()),
        }
    }
}

/// A door as an app shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub acs_entrance_id: Uuid,
    pub name: String,
    pub site_id: Uuid,
    pub site_name: String,
    pub time_zone: String,
    pub can_unlock_with_cloud_key: bool,
    pub is_in_lockdown: bool,
    pub is_locked: bool,
    /// The signed-in user's cloud key for this door, if any.
    pub access_method_id: Option<Uuid>,
    /// The user's window on this door (`None` end = open-ended).
    pub access_starts_at: Option<DateTime<Utc>>,
    pub access_ends_at: Option<DateTime<Utc>>,
    /// Whether the door's driver is reachable (`false` shows the door as offline).
    #[serde(default = "yes")]
    pub is_online: bool,
    /// While the door is unlocked: when it relocks (apps show a countdown).
    #[serde(default)]
    pub unlocked_until: Option<DateTime<Utc>>,
}

fn yes() -> bool {
    true
}

impl Entry {
    /// Whether an Unlock button makes sense now (the server still decides).
    pub fn can_unlock(&self) -> bool {
        self.access_method_id.is_some() && self.can_unlock_with_cloud_key && !self.is_in_lockdown
    }
}

/// The entry list and how fresh it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryList {
    pub entries: Vec<Entry>,
    pub fetched_at: DateTime<Utc>,
    /// True when it comes from the cache (offline or not yet refreshed).
    pub stale: bool,
}

impl EntryList {
    pub fn age(&self) -> chrono::Duration {
        Utc::now() - self.fetched_at
    }
}

/// How an unlock ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum UnlockOutcome {
    /// The door reported that it opened.
    Confirmed { action_attempt_id: Uuid },
    /// Accepted, but the door did not confirm (in time).
    NotConfirmed {
        action_attempt_id: Uuid,
        reason: String,
    },
    /// The server refused, with the reason.
    Refused {
        action_attempt_id: Option<Uuid>,
        code: String,
        message: String,
    },
}

/// The innermost cause of a transport error ("Connection refused (os error 111)").
pub(crate) fn net_message(e: &reqwest::Error) -> String {
    let mut m = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(x) = cause {
        m = x.to_string();
        cause = x.source();
    }
    m
}

/// Connection to one server with one token.
#[derive(Debug, Clone)]
pub struct Session {
    server: String,
    token: String,
    http: reqwest::Client,
    profile: Option<String>,
    cache: Option<Cache>,
    identity: std::sync::Arc<OnceCell<Identity>>,
    /// Retries of an unlock after a network error, and the pause before the first.
    pub unlock_retries: u32,
    pub retry_pause: Duration,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ajar_protocol::ErrorBody,
}

impl Session {
    /// A session that has not talked to the server yet.
    pub fn offline(server: &str, token: &str) -> Result<Session> {
        let server = server.trim().trim_end_matches('/').to_owned();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(CoreError::InvalidInput(format!(
                "{server:?} is not an http(s) URL"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| CoreError::Network {
                server: server.clone(),
                message: e.to_string(),
            })?;
        Ok(Session {
            server,
            token: token.to_owned(),
            http,
            profile: None,
            cache: None,
            identity: Default::default(),
            unlock_retries: 3,
            retry_pause: Duration::from_millis(300),
        })
    }

    /// A session checked against the server. With no cache given, an in-memory one is used
    /// (headless use writes nothing).
    pub async fn connect(
        server: &str,
        token: &str,
        profile: Option<&str>,
        cache: Option<Cache>,
    ) -> Result<Session> {
        let mut s = Session::offline(server, token)?;
        s.profile = profile.map(str::to_owned);
        s.cache = Some(match cache {
            Some(c) => c,
            None => Cache::memory()?,
        });
        s.identity().await?;
        Ok(s)
    }

    pub(crate) fn with_profile(mut self, name: &str, cache: Cache) -> Session {
        self.profile = Some(name.to_owned());
        self.cache = Some(cache);
        self
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// POSTs a JSON body to a route and decodes `{key: …}` from the answer.
    pub async fn call<T: DeserializeOwned>(&self, path: &str, body: Value, key: &str) -> Result<T> {
        self.call_with(path, body, key, None).await
    }

    async fn call_with<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Value,
        key: &str,
        idem: Option<&str>,
    ) -> Result<T> {
        let v = self.raw(path, body, idem).await?;
        serde_json::from_value(v.get(key).cloned().unwrap_or(Value::Null)).map_err(|e| {
            CoreError::Server {
                status: 200,
                code: "invalid_response".into(),
                message: format!("{path}: unexpected answer ({e})"),
            }
        })
    }

    pub(crate) async fn raw(&self, path: &str, body: Value, idem: Option<&str>) -> Result<Value> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.server))
            .bearer_auth(&self.token)
            .json(&body);
        if self.token.starts_with("seam_cst") {
            req = req.header("client-session-token", &self.token);
        }
        if let Some(k) = idem {
            req = req.header("Idempotency-Key", k);
        }
        let resp = req.send().await.map_err(|e| CoreError::Network {
            server: self.server.clone(),
            message: net_message(&e),
        })?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| CoreError::Network {
            server: self.server.clone(),
            message: net_message(&e),
        })?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|e| CoreError::Server {
                status,
                code: "invalid_response".into(),
                message: format!("{path}: not JSON ({e})"),
            });
        }
        let err = serde_json::from_str::<ErrorEnvelope>(&text)
            .ok()
            .map(|e| e.error);
        Err(match (status, err) {
            (401, _) => CoreError::NotSignedIn(
                "the server refused the token (revoked or expired): sign in again".into(),
            ),
            // A route the server does not have: plain-text 404, or our envelope's generic not_found.
            (404, None) => CoreError::Unsupported {
                feature: path.to_owned(),
            },
            (404, Some(e)) if e.kind == "not_found" => CoreError::Unsupported {
                feature: path.to_owned(),
            },
            (404, Some(e)) => CoreError::NotFound { what: e.message },
            (400, Some(e)) => CoreError::InvalidInput(e.message),
            (403 | 409 | 410 | 422 | 429, Some(e)) => CoreError::Refused {
                code: e.kind,
                message: e.message,
            },
            (s, Some(e)) => CoreError::Server {
                status: s,
                code: e.kind,
                message: e.message,
            },
            (s, None) => CoreError::Server {
                status: s,
                code: "http_error".into(),
                message: text.chars().take(200).collect(),
            },
        })
    }

    /// Who the token acts as (asked once per session).
    pub async fn identity(&self) -> Result<Identity> {
        self.identity
            .get_or_try_init(|| async {
                if !self.token.starts_with("seam_cst") {
                    // An API key: check it works.
                    let _: Vec<AcsSystem> = self
                        .call("/acs/systems/list", json!({}), "acs_systems")
                        .await?;
                    return Ok(Identity::ApiKey);
                }
                let s: ajar_protocol::ClientSession = self
                    .call("/client_sessions/get", json!({}), "client_session")
                    .await?;
                let user = s
                    .user_identity_id
                    .ok_or_else(|| CoreError::NotSignedIn("session has no user".into()))?;
                let u: UserIdentity = self
                    .call(
                        "/user_identities/get",
                        json!({"user_identity_id": user}),
                        "user_identity",
                    )
                    .await?;
                Ok(Identity::User {
                    user_identity_id: user,
                    display_name: u.display_name,
                    role: u.role,
                    client_session_id: s.client_session_id,
                })
            })
            .await
            .cloned()
    }

    /// Ends this session on the server if it is a client session.
    pub async fn revoke_own_session(&self) -> Result<bool> {
        if !self.token.starts_with("seam_cst") {
            return Ok(false);
        }
        let s: ajar_protocol::ClientSession = self
            .call("/client_sessions/get", json!({}), "client_session")
            .await?;
        self.raw(
            "/client_sessions/revoke",
            json!({"client_session_id": s.client_session_id}),
            None,
        )
        .await?;
        Ok(true)
    }

    async fn all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        mut body: Value,
        key: &str,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for _ in 0..1000 {
            let v = self.raw(path, body.clone(), None).await?;
            let items: Vec<T> = serde_json::from_value(v.get(key).cloned().unwrap_or(json!([])))
                .map_err(|e| CoreError::Server {
                    status: 200,
                    code: "invalid_response".into(),
                    message: format!("{path}: {e}"),
                })?;
            out.extend(items);
            match v
                .pointer("/pagination/next_page_cursor")
                .and_then(Value::as_str)
            {
                Some(c) if v.pointer("/pagination/has_next_page") == Some(&json!(true)) => {
                    body["page_cursor"] = json!(c)
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// The entries from the cache, marked stale; `None` if nothing was cached yet.
    pub fn cached_entries(&self) -> Result<Option<EntryList>> {
        let Some(cache) = &self.cache else {
            return Ok(None);
        };
        Ok(match cache.get("entries")? {
            Some((body, fetched_at)) => Some(EntryList {
                entries: serde_json::from_str(&body)
                    .map_err(|e| CoreError::Storage(e.to_string()))?,
                fetched_at,
                stale: true,
            }),
            None => None,
        })
    }

    /// Fetches the doors the user may open (every door for front desk and admins), with the
    /// user's cloud key and window per door, and caches them. When the server cannot be reached,
    /// answers the cached list marked stale.
    pub async fn entries(&self) -> Result<EntryList> {
        match self.fetch_entries().await {
            Ok(list) => Ok(list),
            Err(CoreError::Network { server, message }) => match self.cached_entries()? {
                Some(list) => Ok(list),
                None => Err(CoreError::Network { server, message }),
            },
            Err(e) => Err(e),
        }
    }

    async fn fetch_entries(&self) -> Result<EntryList> {
        let me = self.identity().await?;
        let doors: Vec<AcsEntrance> = self
            .all_pages("/acs/entrances/list", json!({}), "acs_entrances")
            .await?;
        let sites: Vec<AcsSystem> = self
            .call("/acs/systems/list", json!({}), "acs_systems")
            .await?;
        let sites: HashMap<Uuid, AcsSystem> =
            sites.into_iter().map(|s| (s.acs_system_id, s)).collect();
        // The user's own grants: which key opens which door, and when.
        let mut keys: HashMap<Uuid, KeyWindow> = HashMap::new();
        if let Identity::User {
            user_identity_id, ..
        } = &me
        {
            let grants: Vec<AccessGrant> = self
                .all_pages(
                    "/access_grants/list",
                    json!({"user_identity_id": user_identity_id}),
                    "access_grants",
                )
                .await?;
            for g in grants {
                let Some(m) = g.access_method_ids.first().copied() else {
                    continue;
                };
                let doors = if g.acs_entrance_ids.is_empty() {
                    // Plain Seam has no acs_entrance_ids on grants: ask which doors the key opens.
                    let batch: Value = self
                        .call(
                            "/access_methods/get_related",
                            json!({"access_method_ids": [m], "include": ["acs_entrances"]}),
                            "batch",
                        )
                        .await?;
                    batch["acs_entrances"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|e| e["acs_entrance_id"].as_str()?.parse().ok())
                                .collect()
                        })
                        .unwrap_or_default()
                } else {
                    g.acs_entrance_ids.clone()
                };
                for d in doors {
                    keys.entry(d).or_insert((m, g.starts_at, g.ends_at));
                }
            }
        }
        let entries = doors
            .into_iter()
            .map(|d| {
                let site = sites.get(&d.acs_system_id);
                let key = keys.get(&d.acs_entrance_id);
                Entry {
                    acs_entrance_id: d.acs_entrance_id,
                    name: d.display_name,
                    site_id: d.acs_system_id,
                    site_name: site.map(|s| s.name.clone()).unwrap_or_default(),
                    time_zone: site
                        .and_then(|s| s.location.time_zone.clone())
                        .unwrap_or_else(|| d.ajar_metadata.time_zone.clone()),
                    can_unlock_with_cloud_key: d.can_unlock_with_cloud_key,
                    is_in_lockdown: d.ajar_metadata.is_in_lockdown,
                    is_locked: d.is_locked,
                    access_method_id: key.map(|k| k.0),
                    access_starts_at: key.map(|k| k.1),
                    access_ends_at: key.and_then(|k| k.2),
                    // A plain Seam endpoint has no ajar_metadata: its doors count as online.
                    is_online: d.ajar_metadata.is_online || d.ajar_metadata.driver.is_empty(),
                    unlocked_until: d.ajar_metadata.unlocked_until,
                }
            })
            .collect::<Vec<_>>();
        let now = Utc::now();
        if let Some(cache) = &self.cache {
            cache.put(
                "entries",
                &serde_json::to_string(&entries).map_err(|e| CoreError::Storage(e.to_string()))?,
                now,
            )?;
        }
        Ok(EntryList {
            entries,
            fetched_at: now,
            stale: false,
        })
    }

    /// Finds an entry by id or (case-insensitive) name, from the cache first, then the server.
    pub async fn find_entry(&self, reference: &str) -> Result<Entry> {
        let pick = |list: &EntryList| -> Result<Option<Entry>> {
            let r = reference.trim();
            if let Ok(id) = Uuid::parse_str(r) {
                return Ok(list
                    .entries
                    .iter()
                    .find(|e| e.acs_entrance_id == id)
                    .cloned());
            }
            let found: Vec<&Entry> = list
                .entries
                .iter()
                .filter(|e| e.name.eq_ignore_ascii_case(r))
                .collect();
            match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some((*one).clone())),
                _ => Err(CoreError::InvalidInput(format!(
                    "several doors are called {r:?}: use the id"
                ))),
            }
        };
        if let Some(list) = self.cached_entries()? {
            if let Some(e) = pick(&list)? {
                return Ok(e);
            }
        }
        pick(&self.entries().await?)?.ok_or_else(|| CoreError::NotFound {
            what: format!("door {reference:?}"),
        })
    }

    /// Unlocks a door with the user's own cloud key: one idempotency key for the whole call, so
    /// retries after network errors never unlock twice; follows the attempt to its end.
    pub async fn unlock(&self, reference: &str) -> Result<UnlockOutcome> {
        let entry = self.find_entry(reference).await?;
        let method = match entry.access_method_id {
            Some(m) => m,
            None => {
                return Ok(UnlockOutcome::Refused {
                    action_attempt_id: None,
                    code: "no_cloud_key".into(),
                    message: match self.identity().await? {
                        Identity::ApiKey => {
                            "an API key has no cloud key of its own: sign in as a user".into()
                        }
                        _ => format!("you have no cloud key for {}", entry.name),
                    },
                })
            }
        };
        self.unlock_with(method, entry.acs_entrance_id, &Uuid::new_v4().to_string())
            .await
    }

    /// Unlocks with a given key and idempotency key (retries reuse it).
    pub async fn unlock_with(
        &self,
        method: Uuid,
        entrance: Uuid,
        idempotency_key: &str,
    ) -> Result<UnlockOutcome> {
        let body = json!({"access_method_id": method, "acs_entrance_id": entrance});
        let mut pause = self.retry_pause;
        let mut tries = 0;
        let attempt: ActionAttempt = loop {
            match self
                .call_with(
                    "/access_methods/unlock_door",
                    body.clone(),
                    "action_attempt",
                    Some(idempotency_key),
                )
                .await
            {
                Ok(a) => break a,
                Err(CoreError::Network { .. }) if tries < self.unlock_retries => {
                    tries += 1;
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                Err(e) => return Err(e),
            }
        };
        self.follow(attempt).await
    }

    async fn follow(&self, mut a: ActionAttempt) -> Result<UnlockOutcome> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while a.status == ActionAttemptStatus::Pending && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(250)).await;
            a = self
                .call(
                    "/action_attempts/get",
                    json!({"action_attempt_id": a.action_attempt_id}),
                    "action_attempt",
                )
                .await?;
        }
        Ok(match a.status {
            ActionAttemptStatus::Success
                if a.result.as_ref().is_some_and(|r| r.was_confirmed_by_device) =>
            {
                UnlockOutcome::Confirmed {
                    action_attempt_id: a.action_attempt_id,
                }
            }
            ActionAttemptStatus::Success => UnlockOutcome::NotConfirmed {
                action_attempt_id: a.action_attempt_id,
                reason: "the door accepted the command but did not confirm it opened".into(),
            },
            ActionAttemptStatus::Pending => UnlockOutcome::NotConfirmed {
                action_attempt_id: a.action_attempt_id,
                reason: "no confirmation from the door within 10 s".into(),
            },
            ActionAttemptStatus::Error => {
                let e = a.error.unwrap_or(ajar_protocol::ActionAttemptError {
                    kind: "unknown".into(),
                    message: "refused".into(),
                });
                UnlockOutcome::Refused {
                    action_attempt_id: Some(a.action_attempt_id),
                    code: e.kind,
                    message: e.message,
                }
            }
        })
    }

    /// Guest links the user may see (their own; all for front desk and admins).
    pub async fn links(&self, state: Option<&str>) -> Result<Vec<GuestLink>> {
        let mut body = json!({});
        if let Some(s) = state {
            body["state"] = json!(s);
        }
        self.all_pages("/guest_links/list", body, "guest_links")
            .await
    }

    pub async fn link(&self, id: Uuid) -> Result<GuestLink> {
        self.call(
            "/guest_links/get",
            json!({"guest_link_id": id}),
            "guest_link",
        )
        .await
    }

    pub async fn revoke_link(&self, id: Uuid) -> Result<()> {
        self.raw("/guest_links/revoke", json!({"guest_link_id": id}), None)
            .await
            .map(|_| ())
    }

    /// Activity, newest first: for the user (default for members), a link, an entry or a site.
    pub async fn activity(&self, filter: ActivityFilter) -> Result<Vec<Event>> {
        let mut body = json!({"limit": filter.limit.unwrap_or(100)});
        if let Some(v) = filter.user_identity_id {
            body["user_identity_id"] = json!(v);
        }
        if let Some(v) = filter.guest_link_id {
            body["guest_link_id"] = json!(v);
        }
        if let Some(v) = filter.acs_entrance_id {
            body["acs_entrance_id"] = json!(v);
        }
        if let Some(v) = filter.acs_system_id {
            body["acs_system_id"] = json!(v);
        }
        if let Some(v) = filter.since {
            body["since"] = json!(ajar_protocol::time::format_ts(&v));
        }
        self.call("/events/list", body, "events").await
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// A user's cloud key on a door and its window.
type KeyWindow = (Uuid, DateTime<Utc>, Option<DateTime<Utc>>);

/// Which activity to list.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub user_identity_id: Option<Uuid>,
    pub guest_link_id: Option<Uuid>,
    pub acs_entrance_id: Option<Uuid>,
    pub acs_system_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}
