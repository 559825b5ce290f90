//! Enrollment: the agent presents the single-use code and its own public key to
//! `POST /agents/enroll` and keeps the agent id and the server public key it must pin.

use ajar_protocol::agent as wire;
use ajar_protocol::agents::Enrollment;
use ed25519_dalek::SigningKey;

use crate::state::{Enrolled, State};
use crate::AgentError;

pub async fn enroll(
    state: &State,
    key: &SigningKey,
    server: &str,
    code: &str,
) -> Result<Enrolled, AgentError> {
    let url = format!("{}/agents/enroll", server.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| AgentError::Enroll(e.to_string()))?;
    let resp = client
        .post(&url)
        .json(&serde_json::json!({
            "enrollment_code": code.trim(),
            "public_key": wire::public_key_text(&key.verifying_key()),
        }))
        .send()
        .await
        .map_err(|e| AgentError::Enroll(format!("cannot reach {url}: {e}")))?;
    let status = resp.status();
    let body: serde_json::Value = resp
        .json()
        .await
        .map_err(|e| AgentError::Enroll(format!("unreadable answer ({status}): {e}")))?;
    if !status.is_success() {
        let msg = body["error"]["message"].as_str().unwrap_or("no message");
        return Err(AgentError::Enroll(format!(
            "the server refused ({status}): {msg}"
        )));
    }
    let e: Enrollment = serde_json::from_value(body["enrollment"].clone())
        .map_err(|e| AgentError::Enroll(format!("unexpected answer: {e}")))?;
    if wire::parse_public_key(&e.server_public_key).is_none() {
        return Err(AgentError::Enroll(
            "the server's public key is unusable".into(),
        ));
    }
    let enrolled = Enrolled {
        agent_id: e.agent_id,
        acs_system_id: e.acs_system_id,
        server_public_key: e.server_public_key,
        server: server.trim_end_matches('/').to_owned(),
    };
    state.save_enrollment(&enrolled)?;
    tracing::info!(agent_id = %enrolled.agent_id, site = %enrolled.acs_system_id, "enrolled; the server key is pinned");
    Ok(enrolled)
}
