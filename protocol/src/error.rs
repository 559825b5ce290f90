//! The Seam error envelope (`{"error": {type, message, data?, validation_errors?}, "ok": false}`)
//! and the error `type` codes Ajar answers with.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `error` object of an error envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// snake_case code, e.g. `invalid_input`, `access_method_not_found`.
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// zod-style per-field errors, present on `invalid_input`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Value>,
}

/// A whole error response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
    pub ok: bool,
}

/// Error codes used in `error.type` (HTTP errors) and in failed action attempts.
pub mod codes {
    pub const INVALID_INPUT: &str = "invalid_input";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const FORBIDDEN: &str = "forbidden";
    pub const NOT_FOUND: &str = "not_found";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    pub const CONFLICT: &str = "conflict";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const INTERNAL: &str = "internal_server_error";
    pub const SERVICE_UNAVAILABLE: &str = "service_unavailable";

    // Reasons an unlock is refused (the `error.type` of a failed UNLOCK_DOOR action attempt).
    pub const ACCESS_METHOD_REVOKED: &str = "access_method_revoked";
    pub const ACCESS_METHOD_NOT_CLOUD_KEY: &str = "access_method_not_cloud_key";
    pub const ACCESS_NOT_YET_STARTED: &str = "access_not_yet_started";
    pub const ACCESS_ENDED: &str = "access_ended";
    pub const ENTRANCE_NOT_IN_ACCESS_GRANT: &str = "entrance_not_in_access_grant";
    pub const ENTRANCE_NOT_CLOUD_KEY_ENABLED: &str = "entrance_not_cloud_key_enabled";
    pub const ENTRANCE_IN_LOCKDOWN: &str = "entrance_in_lockdown";
    pub const USER_IDENTITY_DELETED: &str = "user_identity_deleted";
    /// Ajar: the Remote Unlock switch on the user's access is off.
    pub const REMOTE_UNLOCK_DISABLED: &str = "remote_unlock_disabled";

    // Reasons a guest link refuses (view or unlock).
    pub const GUEST_LINK_NOT_FOUND: &str = "guest_link_not_found";
    pub const GUEST_LINK_REVOKED: &str = "guest_link_revoked";
    pub const GUEST_LINK_EXPIRED: &str = "guest_link_expired";
    pub const GUEST_LINK_NOT_YET_VALID: &str = "guest_link_not_yet_valid";
    pub const GUEST_LINK_USED_UP: &str = "guest_link_used_up";
    pub const GUEST_LINK_ENTRANCE_NOT_SHARED: &str = "guest_link_entrance_not_shared";
    pub const GUEST_LINK_ISSUER_LOST_ACCESS: &str = "guest_link_issuer_lost_access";
    pub const RATE_LIMITED: &str = "rate_limited";
    // Door agents (Ajar).
    pub const AGENT_OFFLINE: &str = "agent_offline";
    pub const DEVICE_NOT_CONFIRMED: &str = "device_not_confirmed";
    pub const DEVICE_REFUSED: &str = "device_refused";
    pub const ENROLLMENT_CODE_INVALID: &str = "enrollment_code_invalid";
    pub const AGENT_ALREADY_ENROLLED: &str = "agent_already_enrolled";
}
