//! `CliError`: everything a command can fail with, its exit code and its JSON `kind`.

use ajar_core::CoreError;
use serde_json::{json, Value};

/// Exit codes scripts can rely on (documented in `ajar --help` and cli/README.md).
pub mod exit {
    pub const OK: u8 = 0;
    pub const OTHER: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_SIGNED_IN: u8 = 3;
    pub const REFUSED: u8 = 4;
    pub const NETWORK: u8 = 5;
    pub const NOT_FOUND: u8 = 6;
    pub const UNSUPPORTED: u8 = 7;
    pub const INVALID_INPUT: u8 = 8;
}

/// Errors of the command-line client.
#[derive(Debug)]
pub enum CliError {
    /// From the client core.
    Core(CoreError),
    /// `--offline` (or a headless session) with nothing cached yet.
    NoCache(String),
    /// The data directory could not be found (no `$HOME`).
    NoDataDir,
    /// Reading the terminal or stdin, or writing stdout.
    Io(std::io::Error),
    /// An unlock the server (or the core) refused, already reported on stdout.
    UnlockRefused,
    /// An error already part of the command's JSON document (e.g. the Slack post after a share):
    /// printed on stderr in text mode only, and exits with its code.
    Reported(Box<CliError>),
}

impl From<CoreError> for CliError {
    fn from(e: CoreError) -> Self {
        CliError::Core(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Core(e) => write!(f, "{e}"),
            CliError::NoCache(m) => write!(f, "{m}"),
            CliError::NoDataDir => write!(
                f,
                "no data directory: set --data-dir, AJAR_CONFIG_DIR, XDG_CONFIG_HOME or HOME"
            ),
            CliError::Io(e) => write!(f, "{e}"),
            CliError::UnlockRefused => write!(f, "the unlock was refused"),
            CliError::Reported(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CliError {}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Core(e) => match e {
                CoreError::NotSignedIn(_) => exit::NOT_SIGNED_IN,
                CoreError::Refused { .. } => exit::REFUSED,
                CoreError::Network { .. } => exit::NETWORK,
                CoreError::NotFound { .. } => exit::NOT_FOUND,
                CoreError::Unsupported { .. } => exit::UNSUPPORTED,
                CoreError::InvalidInput(_) => exit::INVALID_INPUT,
                CoreError::Server { .. } | CoreError::Secrets(_) | CoreError::Storage(_) => {
                    exit::OTHER
                }
            },
            CliError::NoCache(_) => exit::NOT_FOUND,
            CliError::NoDataDir | CliError::Io(_) => exit::OTHER,
            CliError::UnlockRefused => exit::REFUSED,
            CliError::Reported(e) => e.exit_code(),
        }
    }

    /// The `kind` of the JSON error document.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Core(e) => match e {
                CoreError::NotSignedIn(_) => "not_signed_in",
                CoreError::Refused { .. } => "refused",
                CoreError::Network { .. } => "network",
                CoreError::NotFound { .. } => "not_found",
                CoreError::Unsupported { .. } => "unsupported",
                CoreError::InvalidInput(_) => "invalid_input",
                CoreError::Server { .. } => "server",
                CoreError::Secrets(_) => "secrets",
                CoreError::Storage(_) => "storage",
            },
            CliError::NoCache(_) => "not_found",
            CliError::NoDataDir | CliError::Io(_) => "local",
            CliError::UnlockRefused => "refused",
            CliError::Reported(e) => e.kind(),
        }
    }

    /// `{"error": {"kind", "message", ["code"]}}`.
    pub fn to_json(&self) -> Value {
        let mut e = json!({"kind": self.kind(), "message": self.to_string()});
        match self {
            CliError::Reported(inner) => return inner.to_json(),
            CliError::Core(CoreError::Refused { code, .. })
            | CliError::Core(CoreError::Server { code, .. }) => {
                e["code"] = json!(code);
            }
            _ => {}
        }
        json!({ "error": e })
    }

    /// Whether this is stdout being closed under us (`ajar … | head`): not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
