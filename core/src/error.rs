//! `CoreError`: what can go wrong, in the cases an app acts on.

/// Errors of the client core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// No profile or token: sign in first.
    #[error("not signed in: {0}")]
    NotSignedIn(String),
    /// The server refused the request for a reason the user can read.
    #[error("{message}")]
    Refused { code: String, message: String },
    /// The server could not be reached (or the connection dropped).
    #[error("cannot reach {server}: {message}")]
    Network { server: String, message: String },
    #[error("{what} not found")]
    NotFound { what: String },
    /// The server does not offer this feature (e.g. guest links on a plain Seam endpoint).
    #[error("this server does not support {feature}")]
    Unsupported { feature: String },
    #[error("{0}")]
    InvalidInput(String),
    /// Any other error answer from the server.
    #[error("server error {status} ({code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("secret store: {0}")]
    Secrets(String),
    #[error("local storage: {0}")]
    Storage(String),
}

pub type Result<T> = std::result::Result<T, CoreError>;

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Storage(e.to_string())
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Storage(e.to_string())
    }
}
