//! The Seam-shaped resource objects Ajar answers with (required fields per Seam's OpenAPI
//! document), plus Ajar's own objects (API keys) and small Ajar extensions on Seam objects.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::time::{rfc3339, rfc3339_opt};

/// A user's role inside a workspace (Ajar extension on `user_identity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Member,
    FrontDesk,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::FrontDesk => "front_desk",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Role::Member),
            "front_desk" => Some(Role::FrontDesk),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// `{created_at, error_code|warning_code, message}` entries of `errors` / `warnings` arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_code: Option<String>,
    pub message: String,
}

/// `location` of an ACS system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub time_zone: Option<String>,
}

/// A site (Seam `acs_system`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcsSystem {
    pub acs_system_id: Uuid,
    pub workspace_id: Uuid,
    pub connected_account_id: Uuid,
    pub connected_account_ids: Vec<Uuid>,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub name: String,
    pub image_url: String,
    pub image_alt_text: String,
    pub is_credential_manager: bool,
    pub location: Location,
    pub errors: Vec<Notice>,
    pub warnings: Vec<Notice>,
    #[serde(default)]
    pub external_type_display_name: Option<String>,
}

/// Ajar's own facts about an entrance (vendor-metadata style extension; absent on other
/// Seam-compatible servers, where it reads as the default).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AjarEntranceMetadata {
    /// Lockdown blocks every remote unlock of this entrance.
    pub is_in_lockdown: bool,
    /// How long the door stays unlocked after a remote unlock.
    pub relock_pulse_ms: u32,
    /// The door driver: `simulated`, or `agent` once the site has an enrolled door agent.
    pub driver: String,
    /// Whether the door's driver is reachable.
    pub is_online: bool,
    /// IANA time zone of the entrance's site.
    pub time_zone: String,
    /// When the door relocks, while it is unlocked.
    #[serde(default, with = "rfc3339_opt", skip_serializing_if = "Option::is_none")]
    pub unlocked_until: Option<DateTime<Utc>>,
}

/// A door (Seam `acs_entrance`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcsEntrance {
    pub acs_entrance_id: Uuid,
    pub acs_system_id: Uuid,
    pub connected_account_id: Uuid,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub display_name: String,
    pub space_ids: Vec<Uuid>,
    pub errors: Vec<Notice>,
    pub warnings: Vec<Notice>,
    #[serde(default)]
    pub can_unlock_with_cloud_key: bool,
    #[serde(default)]
    pub can_unlock_with_code: bool,
    #[serde(default)]
    pub can_unlock_with_card: bool,
    #[serde(default)]
    pub can_unlock_with_mobile_key: bool,
    #[serde(default)]
    pub can_belong_to_reservation: bool,
    #[serde(default)]
    pub is_locked: bool,
    #[serde(default)]
    pub ajar_metadata: AjarEntranceMetadata,
}

/// A person (Seam `user_identity`), with Ajar's `role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserIdentity {
    pub user_identity_id: Uuid,
    pub workspace_id: Uuid,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub display_name: String,
    pub user_identity_key: Option<String>,
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    pub full_name: Option<String>,
    pub acs_user_ids: Vec<Uuid>,
    pub errors: Vec<Notice>,
    pub warnings: Vec<Notice>,
    #[serde(default)]
    pub role: Role,
    /// Ajar: the Remote Unlock switch on the user's access. Off stops the user's unlocks and
    /// every guest link the user issued, at the next request.
    #[serde(default = "yes")]
    pub remote_unlock_enabled: bool,
}

fn yes() -> bool {
    true
}

/// Modes of access methods; Ajar issues `cloud_key` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessMethodMode {
    Code,
    Card,
    MobileKey,
    CloudKey,
}

impl AccessMethodMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMethodMode::Code => "code",
            AccessMethodMode::Card => "card",
            AccessMethodMode::MobileKey => "mobile_key",
            AccessMethodMode::CloudKey => "cloud_key",
        }
    }
}

/// One requested method of an access grant, with the methods created for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestedAccessMethod {
    pub mode: AccessMethodMode,
    pub display_name: String,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub created_access_method_ids: Vec<Uuid>,
}

/// Which entrances a user may open, and when (Seam `access_grant`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessGrant {
    pub access_grant_id: Uuid,
    pub workspace_id: Uuid,
    pub user_identity_id: Uuid,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub starts_at: DateTime<Utc>,
    #[serde(with = "rfc3339_opt")]
    pub ends_at: Option<DateTime<Utc>>,
    pub name: Option<String>,
    pub display_name: String,
    pub access_method_ids: Vec<Uuid>,
    pub requested_access_methods: Vec<RequestedAccessMethod>,
    pub space_ids: Vec<Uuid>,
    pub location_ids: Vec<Uuid>,
    pub errors: Vec<Notice>,
    pub warnings: Vec<Notice>,
    pub pending_mutations: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_grant_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation_key: Option<String>,
    /// Ajar extension: the entrances of the grant (Seam exposes them through `get_related`).
    #[serde(default)]
    pub acs_entrance_ids: Vec<Uuid>,
}

/// A cloud key (Seam `access_method` with mode `cloud_key`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessMethod {
    pub access_method_id: Uuid,
    pub workspace_id: Uuid,
    pub mode: AccessMethodMode,
    pub display_name: String,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub is_issued: bool,
    #[serde(with = "rfc3339_opt")]
    pub issued_at: Option<DateTime<Utc>>,
    pub errors: Vec<Notice>,
    pub warnings: Vec<Notice>,
    pub pending_mutations: Vec<Value>,
}

/// Status of an action attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionAttemptStatus {
    Pending,
    Success,
    Error,
}

impl ActionAttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionAttemptStatus::Pending => "pending",
            ActionAttemptStatus::Success => "success",
            ActionAttemptStatus::Error => "error",
        }
    }
}

/// `error` of a failed action attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionAttemptError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

/// `result` of a successful UNLOCK_DOOR attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnlockResult {
    pub was_confirmed_by_device: bool,
}

/// One request to act on a door (Seam `action_attempt`); all five keys are always present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionAttempt {
    pub action_attempt_id: Uuid,
    pub action_type: String,
    pub status: ActionAttemptStatus,
    pub result: Option<UnlockResult>,
    pub error: Option<ActionAttemptError>,
}

/// One row of the append-only audit trail (Seam `event`). Fields that do not apply to an event
/// type are omitted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Event {
    pub event_id: Uuid,
    pub event_type: String,
    pub workspace_id: Uuid,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub occurred_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_account_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acs_system_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acs_entrance_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_identity_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_grant_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_grant_ids: Option<Vec<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_method_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_attempt_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// How a lock was operated (`remote` for cloud-key unlocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_session_id: Option<Uuid>,
    /// The guest link used, viewed, created or revoked (Ajar extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_link_id: Option<Uuid>,
    /// The API key created or revoked (Ajar `api_key.*` events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<Uuid>,
    /// The door agent concerned (Ajar `agent.*` and door-position events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<Uuid>,
    /// For failed attempts: why (`error.type` of the attempt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Who acted: `api_key` or `client_session` (Ajar extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Uuid>,
    /// What an administrative change touched (`user_identity`, `cloud_key`, `acs_system`, …; Ajar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<Uuid>,
    /// The names of the fields an update changed (never their secret values; Ajar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_fields: Option<Vec<String>>,
}

/// A client session: a token that acts for one user identity (Seam `client_session`).
/// `token` is the full secret only in the answer to `client_sessions/create`; afterwards it
/// holds only the non-secret prefix, since the server keeps a hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSession {
    pub client_session_id: Uuid,
    pub workspace_id: Uuid,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub expires_at: DateTime<Utc>,
    pub token: String,
    pub user_identifier_key: Option<String>,
    pub device_count: u32,
    pub connected_account_ids: Vec<Uuid>,
    pub connect_webview_ids: Vec<Uuid>,
    pub user_identity_ids: Vec<Uuid>,
    pub user_identity_id: Option<Uuid>,
    /// Ajar extension: set once revoked.
    #[serde(default, with = "rfc3339_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An admin API key (Ajar's own object). `token` is present only in the answer to `create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub api_key_id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "rfc3339_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// The first characters of the key, enough to recognise it, never enough to use it.
    pub token_prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Cursor pagination block of list answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pagination {
    pub has_next_page: bool,
    pub next_page_cursor: Option<String>,
    pub next_page_url: Option<String>,
}

/// Where a guest link stands, by the server's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestLinkState {
    /// Inside its window, not revoked, uses left.
    Active,
    /// Its window has not started yet.
    Scheduled,
    Expired,
    Revoked,
    /// `max_unlock_count` reached.
    UsedUp,
}

impl GuestLinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            GuestLinkState::Active => "active",
            GuestLinkState::Scheduled => "scheduled",
            GuestLinkState::Expired => "expired",
            GuestLinkState::Revoked => "revoked",
            GuestLinkState::UsedUp => "used_up",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => GuestLinkState::Active,
            "scheduled" => GuestLinkState::Scheduled,
            "expired" => GuestLinkState::Expired,
            "revoked" => GuestLinkState::Revoked,
            "used_up" => GuestLinkState::UsedUp,
            _ => return None,
        })
    }
}

/// A guest access link: a capability URL derived from an issuer's cloud key (Ajar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuestLink {
    pub guest_link_id: Uuid,
    pub workspace_id: Uuid,
    /// Whose cloud key the link is derived from.
    pub issuer_user_identity_id: Uuid,
    pub issuer_display_name: String,
    pub access_method_id: Uuid,
    pub acs_entrance_ids: Vec<Uuid>,
    pub description: String,
    #[serde(with = "rfc3339")]
    pub starts_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub ends_at: DateTime<Utc>,
    /// IANA zone of the link's site; the apps show the window in it.
    pub time_zone: String,
    pub max_unlock_count: Option<u32>,
    pub unlock_count: u32,
    #[serde(default, with = "rfc3339_opt")]
    pub last_unlocked_at: Option<DateTime<Utc>>,
    pub view_count: u32,
    #[serde(default, with = "rfc3339_opt")]
    pub last_viewed_at: Option<DateTime<Utc>>,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "rfc3339_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
    pub state: GuestLinkState,
    /// The guest URL; present only in the answer to `guest_links/create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// One POST-only URL per entrance, for automations; only in the answer to `create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_urls: Option<Vec<WebhookUrl>>,
}

/// A per-entrance webhook URL of a guest link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookUrl {
    pub acs_entrance_id: Uuid,
    pub display_name: String,
    pub url: String,
}

/// A door as the guest page sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuestEntrance {
    pub acs_entrance_id: Uuid,
    pub display_name: String,
    pub is_locked: bool,
    #[serde(default, with = "rfc3339_opt")]
    pub unlocked_until: Option<DateTime<Utc>>,
    pub relock_pulse_ms: u32,
}

/// What the guest page is told about its link (`POST /g/api/view`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuestView {
    pub state: GuestLinkState,
    pub issuer_name: String,
    pub description: String,
    #[serde(with = "rfc3339")]
    pub starts_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub ends_at: DateTime<Utc>,
    /// The window as civil times in the site's zone, with offsets.
    pub starts_at_local: String,
    pub ends_at_local: String,
    pub time_zone: String,
    pub uses_left: Option<u32>,
    /// Empty unless the link is active or scheduled.
    pub entrances: Vec<GuestEntrance>,
}

/// Where a cloud key credential stands, by the server's clock (Ajar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudKeyState {
    /// Its window has not started yet.
    Scheduled,
    Active,
    Expired,
    Revoked,
}

impl CloudKeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            CloudKeyState::Scheduled => "scheduled",
            CloudKeyState::Active => "active",
            CloudKeyState::Expired => "expired",
            CloudKeyState::Revoked => "revoked",
        }
    }
}

/// A Cloud Key credential on a user (Ajar's view of an access grant with a `cloud_key` access
/// method): its name, doors, window and state. `access_method_id` is its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudKey {
    pub access_method_id: Uuid,
    pub access_grant_id: Uuid,
    pub user_identity_id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub acs_entrance_ids: Vec<Uuid>,
    pub acs_system_ids: Vec<Uuid>,
    /// Sites the key covers whole: doors added to them later join the key.
    #[serde(default)]
    pub whole_acs_system_ids: Vec<Uuid>,
    #[serde(with = "rfc3339")]
    pub starts_at: DateTime<Utc>,
    #[serde(default, with = "rfc3339_opt")]
    pub ends_at: Option<DateTime<Utc>>,
    /// The zone of its doors' site (`None` when the doors span zones); the window as shown there.
    pub time_zone: Option<String>,
    pub starts_at_local: Option<String>,
    pub ends_at_local: Option<String>,
    pub state: CloudKeyState,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "rfc3339_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A user as the control center lists them (Ajar): the identity with its role and Remote Unlock
/// switch, the sites their keys cover, their cloud keys and live sessions, and a summary state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub user_identity: UserIdentity,
    pub acs_system_ids: Vec<Uuid>,
    pub cloud_keys: Vec<CloudKey>,
    pub active_client_session_count: u32,
    /// `active` (a cloud key works now), `scheduled` (only future keys), `no_access` (no live
    /// key) or `remote_unlock_off` (the switch is off).
    pub state: String,
}
