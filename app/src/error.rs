//! `UiError`: what a command answers when it fails, as `{kind, message}` for the webview. The
//! message is readable as it stands; the kind lets a view react (e.g. back to sign-in).

use ajar_core::CoreError;
use serde::Serialize;

/// A command's error, serialized as `{"kind": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum UiError {
    /// No profile or a refused token: show sign-in.
    #[error("{0}")]
    NotSignedIn(String),
    /// The server refused, with its reason.
    #[error("{0}")]
    Refused(String),
    /// The server (or the Slack webhook) could not be reached.
    #[error("{0}")]
    Network(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unsupported(String),
    /// What the user typed is not usable.
    #[error("{0}")]
    InvalidInput(String),
    /// The keyring, the local cache or a file could not be used.
    #[error("{0}")]
    Local(String),
    /// Any other error answer from the server.
    #[error("{0}")]
    Server(String),
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        let m = e.to_string();
        match e {
            CoreError::NotSignedIn(_) => UiError::NotSignedIn(m),
            CoreError::Refused { .. } => UiError::Refused(m),
            CoreError::Network { .. } => UiError::Network(m),
            CoreError::NotFound { .. } => UiError::NotFound(m),
            CoreError::Unsupported { .. } => UiError::Unsupported(m),
            CoreError::InvalidInput(_) => UiError::InvalidInput(m),
            CoreError::Server { .. } => UiError::Server(m),
            CoreError::Secrets(_) | CoreError::Storage(_) => UiError::Local(m),
        }
    }
}

/// What every command returns.
pub type UiResult<T> = Result<T, UiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialize_as_kind_and_readable_message() {
        let e: UiError = CoreError::NotFound {
            what: "door \"Back\"".into(),
        }
        .into();
        assert_eq!(
            serde_json::to_value(&e).expect("json"),
            serde_json::json!({"kind": "not_found", "message": "door \"Back\" not found"})
        );
        let e: UiError = CoreError::Network {
            server: "http://127.0.0.1:9".into(),
            message: "Connection refused".into(),
        }
        .into();
        assert_eq!(
            e.to_string(),
            "cannot reach http://127.0.0.1:9: Connection refused"
        );
    }
}
