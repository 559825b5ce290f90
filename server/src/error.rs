//! `ApiError`: every failure the HTTP API answers with, rendered as a Seam error envelope
//! (`{"error": {type, message, data?, validation_errors?}, "ok": false}`).

use ajar_protocol::error::codes;
use ajar_protocol::{ErrorBody, ErrorEnvelope};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::store::StoreError;

/// An error answered to an API caller.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: String,
    pub message: String,
    pub data: Option<Value>,
    pub validation_errors: Option<Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind: kind.to_owned(),
            message: message.into(),
            data: None,
            validation_errors: None,
        }
    }

    /// 400 `invalid_input` with a message for the whole request.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_INPUT,
            message.clone(),
        );
        e.validation_errors = Some(json!({ "_errors": [message] }));
        e
    }

    /// 400 `invalid_input` naming one field (zod-style `validation_errors`).
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_INPUT,
            format!("{field}: {message}"),
        );
        e.validation_errors = Some(json!({ "_errors": [], field: { "_errors": [message] } }));
        e
    }

    /// 404 `<resource>_not_found` with `data: {<id_field>: id}`.
    pub fn not_found(resource: &str, id_field: &str, id: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::NOT_FOUND,
            &format!("{resource}_not_found"),
            format!("{} not found", resource.replace('_', " ")),
        );
        e.data = Some(json!({ id_field: id.to_string() }));
        e
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message)
    }

    pub fn conflict(kind: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, kind, message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "the server could not complete the request; nothing was changed",
        )
    }

    pub fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope {
            error: ErrorBody {
                kind: self.kind.clone(),
                message: self.message.clone(),
                data: self.data.clone(),
                validation_errors: self.validation_errors.clone(),
            },
            ok: false,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(api) => api,
            StoreError::Db(e) if e.is_unavailable() => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    codes::SERVICE_UNAVAILABLE,
                    "the database is unavailable; nothing was changed. Try again shortly.",
                )
            }
            StoreError::WriterGone => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::SERVICE_UNAVAILABLE,
                "the server is shutting down or its database is unavailable; nothing was changed",
            ),
            other => {
                tracing::error!(error = %other, "storage failure");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut resp = axum::Json(self.envelope()).into_response();
        *resp.status_mut() = status;
        resp
    }
}
