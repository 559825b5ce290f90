//! The HTTP API: one dispatcher for every route in [`spec::ROUTES`]. It checks the method,
//! authenticates the bearer token (API key or client session) against the database at the moment
//! of the request, parses the query string (GET/DELETE) or JSON body (POST/PATCH), validates it
//! against the route's parameters and calls the handler. Every failure is a Seam error envelope.

pub mod client_ip;
pub mod guest;
pub mod handlers;
pub mod openapi;
pub mod query;
pub mod spec;
pub mod unlock;
pub mod validate;

use std::sync::Arc;
use std::time::Instant;

use ajar_protocol::error::codes;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::authz::{Actor, Caller};
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Everything a handler knows about the request it serves.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub app: Arc<AppState>,
    pub caller: Caller,
    pub idempotency_key: Option<String>,
    pub now: DateTime<Utc>,
    pub route: &'static spec::Route,
    pub input: Value,
}

/// Builds the whole HTTP application.
pub fn router(app: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(health).head(health))
        .route("/openapi.json", get(openapi_json))
        .route("/agents/link", get(crate::agents::link::handler))
        .merge(guest::routes())
        .fallback(dispatch)
        .with_state(app)
}

async fn health() -> Response {
    json_response(
        StatusCode::OK,
        serde_json::json!({ "status": "ok", "service": "ajar-server", "version": env!("CARGO_PKG_VERSION"), "ok": true }),
    )
}

async fn openapi_json(State(app): State<Arc<AppState>>) -> Response {
    let mut resp = (StatusCode::OK, app.openapi.clone()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn json_response(status: StatusCode, v: Value) -> Response {
    let mut resp = (status, axum::Json(v)).into_response();
    harden(resp.headers_mut());
    resp
}

fn harden(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
}

fn error_response(e: ApiError) -> Response {
    let too_large = e.status == StatusCode::PAYLOAD_TOO_LARGE;
    let mut resp = e.into_response();
    harden(resp.headers_mut());
    if too_large {
        // The rest of the body was not read, so this connection cannot carry another request.
        // Saying so keeps clients from reusing it (and failing their next call on a closed socket).
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

async fn dispatch(
    State(app): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let path = uri.path().to_owned();
    let result = handle(app, &method, &uri, &headers, body).await;
    let resp = match result {
        Ok(v) => json_response(StatusCode::OK, v),
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!(%method, %path, kind = %e.kind, "request failed");
            }
            let allow = (e.status == StatusCode::METHOD_NOT_ALLOWED)
                .then(|| spec::find(&path).map(|r| r.kind.methods().join(", ")))
                .flatten();
            let mut resp = error_response(e);
            if let Some(allow) = allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
                resp.headers_mut().insert(header::ALLOW, allow);
            }
            resp
        }
    };
    tracing::debug!(%method, %path, status = resp.status().as_u16(), micros = started.elapsed().as_micros() as u64, "request");
    resp
}

async fn handle(
    app: Arc<AppState>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Value> {
    let Some(route) = spec::find(uri.path()) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("There is no route {method} {}", uri.path()),
        ));
    };
    if !route.kind.methods().contains(&method.as_str()) {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            codes::METHOD_NOT_ALLOWED,
            format!(
                "{} accepts {}, not {method}",
                route.path,
                route.kind.methods().join(" or ")
            ),
        ));
    }
    let caller = if route.access == spec::Access::Code {
        Caller::anonymous()
    } else {
        authenticate(&app, headers).await?
    };
    if route.access == spec::Access::Admin && !caller.is_admin() {
        return Err(ApiError::forbidden(format!(
            "{} needs an API key or an admin user's session",
            route.path
        )));
    }
    if route.access == spec::Access::Staff && !caller.is_staff() {
        return Err(ApiError::forbidden(format!(
            "{} needs an API key or the session of an admin or front-desk user",
            route.path
        )));
    }
    let input = if *method == Method::GET || *method == Method::DELETE {
        query::parse(uri.query().unwrap_or(""), route.params)?
    } else {
        let bytes = read_body(body, app.config.max_body_bytes).await?;
        parse_json(&bytes)?
    };
    validate::validate(&input, route.params)?;
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let k = v
                .to_str()
                .map_err(|_| ApiError::invalid_input("Idempotency-Key must be printable ASCII"))?
                .trim();
            if k.is_empty() || k.len() > 255 {
                return Err(ApiError::invalid_input(
                    "Idempotency-Key must be 1 to 255 characters",
                ));
            }
            Some(k.to_owned())
        }
    };
    let now = app.clock.now();
    let ctx = Ctx {
        app,
        caller,
        idempotency_key,
        now,
        route,
        input: input.clone(),
    };
    (route.handler)(ctx, input).await
}

async fn read_body(body: Body, limit: usize) -> ApiResult<Bytes> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {limit} bytes"),
        )
    })
}

/// Parses a request body (blank means `{}`); public for the fuzz targets.
pub fn parse_json(bytes: &[u8]) -> ApiResult<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid_input(format!("The request body is not valid JSON: {e}")))
}

/// Resolves the bearer token to a caller. API keys act for their workspace; client-session
/// tokens (`seam_cst…`) act for one user identity and its current role.
async fn authenticate(app: &AppState, headers: &HeaderMap) -> ApiResult<Caller> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .or_else(|| {
            headers
                .get("client-session-token")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "Missing credentials: send Authorization: Bearer <API key or client session token>",
            )
        })?
        .to_owned();
    if token.len() > 200 {
        return Err(ApiError::unauthorized("Invalid or revoked credentials"));
    }
    let now = app.clock.now();
    let found = app
        .store
        .read(move |c| {
            if token.starts_with(ajar_protocol::CLIENT_SESSION_TOKEN_PREFIX) {
                Ok(crate::store::sessions::authenticate(c, &token, now)?.map(
                    |(sid, ws, user, role)| Caller {
                        workspace_id: ws,
                        actor: Actor::ClientSession {
                            client_session_id: sid,
                            user_identity_id: user,
                            role,
                        },
                    },
                ))
            } else {
                Ok(
                    crate::store::keys::authenticate(c, &token)?.map(|(kid, ws)| Caller {
                        workspace_id: ws,
                        actor: Actor::ApiKey { api_key_id: kid },
                    }),
                )
            }
        })
        .await?;
    found.ok_or_else(|| ApiError::unauthorized("Invalid or revoked credentials"))
}
