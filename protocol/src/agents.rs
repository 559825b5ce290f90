//! API objects for door agents (Ajar): the enrolled agent, its single-use enrollment code, and
//! the enrollment exchange. The link's own frames are in [`crate::agent`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::{rfc3339, rfc3339_opt};

/// A door agent enrolled for one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub agent_id: Uuid,
    pub workspace_id: Uuid,
    pub acs_system_id: Uuid,
    pub name: String,
    /// The agent's Ed25519 public key (base64); its private key never leaves the device.
    pub public_key: String,
    pub is_online: bool,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "rfc3339_opt", skip_serializing_if = "Option::is_none")]
    pub last_connected_at: Option<DateTime<Utc>>,
    #[serde(default, with = "rfc3339_opt", skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A single-use, short-lived code that lets one agent enroll for one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentEnrollmentCode {
    pub agent_enrollment_code_id: Uuid,
    pub acs_system_id: Uuid,
    pub name: String,
    /// The code itself: in the answer to `create` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub expires_at: DateTime<Utc>,
}

/// `POST /agents/enroll` body: the code and the agent's own public key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentsEnroll {
    pub enrollment_code: Option<String>,
    pub public_key: Option<String>,
}

/// What an agent keeps from its enrollment: its id and the server key it pins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub agent_id: Uuid,
    pub acs_system_id: Uuid,
    /// The server's Ed25519 public key (base64): every command must verify against it.
    pub server_public_key: String,
}
