//! `ajar-agent`: the door agent. It runs on a small computer by the door, keeps its own Ed25519
//! key, enrolls once with a single-use code, dials out to `ajar-server` over one WebSocket
//! (no inbound port), and pulses a relay when, and only when, a fresh command signed by the
//! server it pinned at enrollment arrives. It always relocks after the pulse.

pub mod clock;
pub mod config;
pub mod drivers;
pub mod enroll;
pub mod link;
pub mod state;

/// Errors that stop the agent.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("config: {0}")]
    Config(String),
    #[error("state directory {path}: {source}")]
    State {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("enrollment failed: {0}")]
    Enroll(String),
    #[error("driver: {0}")]
    Driver(#[from] drivers::DriverError),
}
