//! The records and enums the bindings hand across, converted from the core's types. Ids are
//! strings (UUIDs) and times RFC 3339 strings, so every language reads them without custom types.

use ajar_protocol::time::{format_in_zone, format_ts};

fn opt_ts(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| format_ts(&t))
}

/// A saved sign-in.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Profile {
    pub name: String,
    pub server: String,
    pub label: String,
    pub is_default: bool,
}

/// Who a session acts as.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Identity {
    ApiKey,
    User {
        user_identity_id: String,
        display_name: String,
        role: String,
    },
}

impl From<ajar_core::Identity> for Identity {
    fn from(i: ajar_core::Identity) -> Self {
        match i {
            ajar_core::Identity::ApiKey => Identity::ApiKey,
            ajar_core::Identity::User {
                user_identity_id,
                display_name,
                role,
                ..
            } => Identity::User {
                user_identity_id: user_identity_id.to_string(),
                display_name,
                role: role.as_str().to_owned(),
            },
        }
    }
}

/// A door.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Entry {
    pub acs_entrance_id: String,
    pub name: String,
    pub site_id: String,
    pub site_name: String,
    pub time_zone: String,
    pub can_unlock_with_cloud_key: bool,
    pub is_in_lockdown: bool,
    pub is_locked: bool,
    /// Whether to show an Unlock button (the server still decides).
    pub can_unlock: bool,
    pub access_method_id: Option<String>,
    pub access_starts_at: Option<String>,
    pub access_ends_at: Option<String>,
    /// Whether the door's driver or agent is reachable (`false`: show the door as offline).
    pub is_online: bool,
    /// While the door is unlocked: when it relocks (RFC 3339), for a countdown.
    pub unlocked_until: Option<String>,
}

impl From<ajar_core::Entry> for Entry {
    fn from(e: ajar_core::Entry) -> Self {
        Entry {
            can_unlock: e.can_unlock(),
            acs_entrance_id: e.acs_entrance_id.to_string(),
            name: e.name,
            site_id: e.site_id.to_string(),
            site_name: e.site_name,
            time_zone: e.time_zone,
            can_unlock_with_cloud_key: e.can_unlock_with_cloud_key,
            is_in_lockdown: e.is_in_lockdown,
            is_locked: e.is_locked,
            access_method_id: e.access_method_id.map(|m| m.to_string()),
            access_starts_at: opt_ts(e.access_starts_at),
            access_ends_at: opt_ts(e.access_ends_at),
            is_online: e.is_online,
            unlocked_until: opt_ts(e.unlocked_until),
        }
    }
}

/// The doors and how fresh the list is.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EntryList {
    pub entries: Vec<Entry>,
    pub fetched_at: String,
    /// From the cache (offline or not refreshed yet).
    pub stale: bool,
    pub age_seconds: i64,
}

impl From<ajar_core::EntryList> for EntryList {
    fn from(l: ajar_core::EntryList) -> Self {
        EntryList {
            age_seconds: l.age().num_seconds(),
            fetched_at: format_ts(&l.fetched_at),
            stale: l.stale,
            entries: l.entries.into_iter().map(Entry::from).collect(),
        }
    }
}

/// How an unlock ended.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum UnlockOutcome {
    Confirmed {
        action_attempt_id: String,
    },
    NotConfirmed {
        action_attempt_id: String,
        reason: String,
    },
    Refused {
        action_attempt_id: Option<String>,
        code: String,
        message: String,
    },
}

impl From<ajar_core::UnlockOutcome> for UnlockOutcome {
    fn from(o: ajar_core::UnlockOutcome) -> Self {
        match o {
            ajar_core::UnlockOutcome::Confirmed { action_attempt_id } => UnlockOutcome::Confirmed {
                action_attempt_id: action_attempt_id.to_string(),
            },
            ajar_core::UnlockOutcome::NotConfirmed {
                action_attempt_id,
                reason,
            } => UnlockOutcome::NotConfirmed {
                action_attempt_id: action_attempt_id.to_string(),
                reason,
            },
            ajar_core::UnlockOutcome::Refused {
                action_attempt_id,
                code,
                message,
            } => UnlockOutcome::Refused {
                action_attempt_id: action_attempt_id.map(|a| a.to_string()),
                code,
                message,
            },
        }
    }
}

/// When a shared link is valid.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ShareWindow {
    /// From now, for this many seconds.
    For { seconds: i64 },
    /// Civil times in the site's zone (`2026-03-29T09:30`) or RFC 3339; `from` defaults to now.
    Between { from: Option<String>, until: String },
}

/// What to share.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ShareRequest {
    /// Door ids or names.
    pub entries: Vec<String>,
    pub description: String,
    pub window: ShareWindow,
    pub max_uses: Option<u32>,
}

impl From<ShareRequest> for ajar_core::ShareRequest {
    fn from(r: ShareRequest) -> Self {
        ajar_core::ShareRequest {
            entries: r.entries,
            description: r.description,
            window: match r.window {
                ShareWindow::For { seconds } => ajar_core::WindowInput::For { seconds },
                ShareWindow::Between { from, until } => {
                    ajar_core::WindowInput::Between { from, until }
                }
            },
            max_uses: r.max_uses,
        }
    }
}

/// A guest link (no secrets: the URL is only in a `SharePayload`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GuestLinkInfo {
    pub guest_link_id: String,
    pub issuer_name: String,
    pub description: String,
    pub acs_entrance_ids: Vec<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub time_zone: String,
    /// The window as civil times in the site's zone, with offsets.
    pub starts_at_local: String,
    pub ends_at_local: String,
    /// active, scheduled, expired, revoked or used_up.
    pub state: String,
    pub max_unlock_count: Option<u32>,
    pub unlock_count: u32,
    pub last_unlocked_at: Option<String>,
}

impl From<ajar_protocol::GuestLink> for GuestLinkInfo {
    fn from(l: ajar_protocol::GuestLink) -> Self {
        GuestLinkInfo {
            guest_link_id: l.guest_link_id.to_string(),
            issuer_name: l.issuer_display_name,
            description: l.description,
            acs_entrance_ids: l.acs_entrance_ids.iter().map(|e| e.to_string()).collect(),
            starts_at: format_ts(&l.starts_at),
            ends_at: format_ts(&l.ends_at),
            starts_at_local: format_in_zone(&l.starts_at, &l.time_zone),
            ends_at_local: format_in_zone(&l.ends_at, &l.time_zone),
            time_zone: l.time_zone,
            state: l.state.as_str().to_owned(),
            max_unlock_count: l.max_unlock_count,
            unlock_count: l.unlock_count,
            last_unlocked_at: opt_ts(l.last_unlocked_at),
        }
    }
}

/// A per-door webhook URL (POST only), for automations.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WebhookUrl {
    pub acs_entrance_id: String,
    pub display_name: String,
    pub url: String,
}

/// Everything a share sheet needs.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SharePayload {
    pub link: GuestLinkInfo,
    pub url: String,
    pub qr_svg: String,
    pub qr_png: Vec<u8>,
    pub subject: String,
    pub text: String,
    pub mailto: String,
    pub sms: String,
    /// The Slack incoming-webhook message, as JSON.
    pub slack_message_json: String,
    pub webhook_urls: Vec<WebhookUrl>,
}

impl From<ajar_core::SharePayload> for SharePayload {
    fn from(p: ajar_core::SharePayload) -> Self {
        SharePayload {
            link: p.link.into(),
            url: p.url,
            qr_svg: p.qr_svg,
            qr_png: p.qr_png,
            subject: p.subject,
            text: p.text,
            mailto: p.mailto,
            sms: p.sms,
            slack_message_json: p.slack_message.to_string(),
            webhook_urls: p
                .webhook_urls
                .into_iter()
                .map(|w| WebhookUrl {
                    acs_entrance_id: w.acs_entrance_id.to_string(),
                    display_name: w.display_name,
                    url: w.url,
                })
                .collect(),
        }
    }
}

/// One line of the activity trail.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ActivityEvent {
    pub event_id: String,
    pub event_type: String,
    pub occurred_at: String,
    pub user_identity_id: Option<String>,
    pub acs_entrance_id: Option<String>,
    pub guest_link_id: Option<String>,
    pub action_attempt_id: Option<String>,
    /// For refusals: why.
    pub error_code: Option<String>,
    /// Who acted: api_key, client_session, guest_link, guest_link_webhook.
    pub actor_type: Option<String>,
}

impl From<ajar_protocol::Event> for ActivityEvent {
    fn from(e: ajar_protocol::Event) -> Self {
        let s = |u: Option<uuid::Uuid>| u.map(|u| u.to_string());
        ActivityEvent {
            event_id: e.event_id.to_string(),
            event_type: e.event_type,
            occurred_at: format_ts(&e.occurred_at),
            user_identity_id: s(e.user_identity_id),
            acs_entrance_id: s(e.acs_entrance_id),
            guest_link_id: s(e.guest_link_id),
            action_attempt_id: s(e.action_attempt_id),
            error_code: e.error_code,
            actor_type: e.actor_type,
        }
    }
}

/// Which activity to list (all `None`: everything the caller may see).
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct ActivityFilter {
    pub user_identity_id: Option<String>,
    pub guest_link_id: Option<String>,
    pub acs_entrance_id: Option<String>,
    pub acs_system_id: Option<String>,
    pub limit: Option<u32>,
}
