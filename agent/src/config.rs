//! The agent's configuration: a TOML file (see `agent/ajar-agent.example.toml`) with command-line
//! flags on top.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::AgentError;

/// Which relay driver to use, and its settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DriverConfig {
    /// No hardware: logs pulses and counts them.
    #[default]
    Simulated,
    /// Runs `program [args…] open <entrance> <pulse_ms>`, then `program [args…] close <entrance>`.
    Command {
        program: PathBuf,
        #[serde(default)]
        args: Vec<String>,
    },
    /// Calls a relay's HTTP endpoint (Shelly style). `{entrance}` and `{pulse_s}` are replaced.
    Http { on_url: String, off_url: String },
    /// A Linux GPIO character device line drives the relay; an optional input line reads a
    /// door-position sensor (closed = active).
    Gpio {
        #[serde(default = "default_chip")]
        chip: PathBuf,
        line: u32,
        #[serde(default)]
        active_low: bool,
        #[serde(default)]
        door_sensor_line: Option<u32>,
        #[serde(default = "default_held_open")]
        held_open_secs: u64,
    },
}

fn default_chip() -> PathBuf {
    PathBuf::from("/dev/gpiochip0")
}
fn default_held_open() -> u64 {
    30
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Base URL of the server (`https://…` in production; `http://127.0.0.1:…` on loopback).
    pub server: Option<String>,
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    #[serde(default = "default_heartbeat")]
    pub heartbeat_secs: u64,
    /// Longest wait between reconnection attempts.
    #[serde(default = "default_backoff")]
    pub max_backoff_secs: u64,
    #[serde(default)]
    pub driver: DriverConfig,
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("/var/lib/ajar-agent")
}
fn default_heartbeat() -> u64 {
    10
}
fn default_backoff() -> u64 {
    60
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: None,
            state_dir: default_state_dir(),
            heartbeat_secs: default_heartbeat(),
            max_backoff_secs: default_backoff(),
            driver: DriverConfig::default(),
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, AgentError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AgentError::Config(format!("cannot read {}: {e}", path.display())))?;
        Config::parse(&text).map_err(|e| AgentError::Config(format!("{}: {e}", path.display())))
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The WebSocket URL of the agent link for `server` (`http`→`ws`, `https`→`wss`).
    pub fn link_url(server: &str) -> Result<String, AgentError> {
        let base = server.trim_end_matches('/');
        if let Some(rest) = base.strip_prefix("https://") {
            Ok(format!("wss://{rest}/agents/link"))
        } else if let Some(rest) = base.strip_prefix("http://") {
            Ok(format!("ws://{rest}/agents/link"))
        } else {
            Err(AgentError::Config(format!(
                "server must start with https:// (or http:// on a trusted network): {server}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_parses() {
        let c =
            Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("ajar-agent.example.toml"))
                .unwrap();
        assert!(matches!(c.driver, DriverConfig::Gpio { line: 17, .. }));
        assert!(
            Config::parse("bogus = 1").is_err(),
            "unknown keys are refused"
        );
        assert_eq!(
            Config::link_url("https://door.example/").unwrap(),
            "wss://door.example/agents/link"
        );
        assert_eq!(
            Config::link_url("http://127.0.0.1:9").unwrap(),
            "ws://127.0.0.1:9/agents/link"
        );
        assert!(Config::link_url("ftp://x").is_err());
    }
}
