//! `AjarError`: the one public error of the bindings, with the cases an app acts on.

use ajar_core::CoreError;

/// Errors an app handles; each carries a readable message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum AjarError {
    /// Sign in (again).
    #[error("{message}")]
    NotSignedIn { message: String },
    /// The server refused, with a reason code (e.g. `entrance_in_lockdown`).
    #[error("{message}")]
    Refused { code: String, message: String },
    /// The server could not be reached.
    #[error("{message}")]
    Network { message: String },
    #[error("{message}")]
    NotFound { message: String },
    /// The server lacks this feature (e.g. guest links on a plain Seam endpoint).
    #[error("{message}")]
    Unsupported { message: String },
    #[error("{message}")]
    InvalidInput { message: String },
    /// Anything else (server or local storage failure).
    #[error("{message}")]
    Other { message: String },
}

impl From<CoreError> for AjarError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e {
            CoreError::NotSignedIn(_) => AjarError::NotSignedIn { message },
            CoreError::Refused { code, .. } => AjarError::Refused { code, message },
            CoreError::Network { .. } => AjarError::Network { message },
            CoreError::NotFound { .. } => AjarError::NotFound { message },
            CoreError::Unsupported { .. } => AjarError::Unsupported { message },
            CoreError::InvalidInput(_) => AjarError::InvalidInput { message },
            CoreError::Server { .. } | CoreError::Secrets(_) | CoreError::Storage(_) => {
                AjarError::Other { message }
            }
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for AjarError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        AjarError::Other {
            message: format!("the app's secret store failed: {}", e.reason),
        }
    }
}
