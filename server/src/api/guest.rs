//! The guest side of guest links: the static page at `GET /g` (the token stays in the URL
//! fragment, so it never reaches the server, logs or `Referer`), the page's JSON calls
//! (`POST /g/api/view`, `POST /g/api/unlock`, token in the body), the per-entrance webhook URLs
//! (`POST /w/<token>`), the security headers of all of them, and their rate limits. Nothing here
//! changes state on GET or HEAD.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ajar_protocol::error::codes;
use ajar_protocol::requests::GuestRequest;
use ajar_protocol::time::format_in_zone;
use ajar_protocol::{GuestEntrance, GuestLink, GuestLinkState, GuestView};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use uuid::Uuid;

use super::unlock;
use crate::authz::{decide_guest_unlock, GuestUnlockFacts};
use crate::error::{ApiError, ApiResult};
use crate::store::{events, guest_links, rate_limits};
use crate::AppState;

const PAGE_HTML: &str = include_str!("../../assets/guest/index.html");
const PAGE_JS: &str = include_str!("../../assets/guest/app.js");
const PAGE_CSS: &str = include_str!("../../assets/guest/app.css");

/// Content-Security-Policy of every guest response: same-origin only, no inline code, no framing.
pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Generic Cell Rate Algorithm limiter keyed by `K`: `burst` requests at once, then one per
/// `interval`. State is one instant per key and is pruned as it goes stale.
#[derive(Debug)]
pub struct Gcra<K> {
    interval: Duration,
    burst: Duration,
    tat: Mutex<HashMap<K, Instant>>,
}

impl<K: std::hash::Hash + Eq + Clone> Gcra<K> {
    pub fn new(burst: u32, per_minute: u32) -> Self {
        let interval = Duration::from_millis(60_000 / u64::from(per_minute.max(1)));
        Gcra {
            interval,
            burst: interval * burst.max(1),
            tat: Mutex::new(HashMap::new()),
        }
    }

    /// `(interval, burst)` in milliseconds, for the shared limiter in the database.
    pub fn params_ms(&self) -> (i64, i64) {
        (
            i64::try_from(self.interval.as_millis()).unwrap_or(i64::MAX),
            i64::try_from(self.burst.as_millis()).unwrap_or(i64::MAX),
        )
    }

    /// Takes one request's worth; false when the key is over its limit.
    pub fn allow(&self, key: &K) -> bool {
        let now = Instant::now();
        let mut map = self.tat.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 50_000 {
            map.retain(|_, t| *t > now);
        }
        let tat = map.get(key).copied().unwrap_or(now).max(now);
        if tat.duration_since(now) + self.interval > self.burst {
            return false;
        }
        map.insert(key.clone(), tat + self.interval);
        true
    }
}

/// The guest-side limits.
#[derive(Debug)]
pub struct Limits {
    /// Unknown tokens, per client address.
    pub unknown_token: Gcra<IpAddr>,
    /// Unlocks, per link.
    pub unlocks: Gcra<Uuid>,
    /// Page views (each one is an audit event), per link.
    pub views: Gcra<Uuid>,
}

impl Limits {
    pub fn new(unlock_burst: u32, unlocks_per_minute: u32) -> Self {
        Limits {
            unknown_token: Gcra::new(30, 60),
            unlocks: Gcra::new(unlock_burst, unlocks_per_minute),
            views: Gcra::new(30, 30),
        }
    }
}

/// Routes of the guest side.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/g", get(page).head(page))
        .route("/g/", get(page).head(page))
        .route("/g/app.js", get(script))
        .route("/g/app.css", get(style))
        .route("/g/api/view", post(view))
        .route("/g/api/unlock", post(unlock_entrance))
        .route(
            "/w/{token}",
            post(webhook).get(webhook_get).head(webhook_get),
        )
}

/// Adds the guest security headers to any response.
pub fn harden(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    harden(&mut resp);
    resp
}

async fn page() -> Response {
    asset(PAGE_HTML, "text/html; charset=utf-8")
}
async fn script() -> Response {
    asset(PAGE_JS, "text/javascript; charset=utf-8")
}
async fn style() -> Response {
    asset(PAGE_CSS, "text/css; charset=utf-8")
}

fn answer(result: ApiResult<Value>) -> Response {
    let mut resp = match result {
        Ok(v) => (StatusCode::OK, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    };
    harden(&mut resp);
    resp
}

/// Refuses what a cross-site form or a non-JSON post could send (the guest API has no cookies,
/// and a JSON content type forces a CORS preflight).
fn same_site_json(headers: &HeaderMap) -> ApiResult<()> {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| s == "cross-site" || s == "same-site")
    {
        return Err(ApiError::forbidden(
            "Guest requests must come from the guest page itself",
        ));
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            "Send Content-Type: application/json",
        ));
    }
    Ok(())
}

fn parse_body(body: &Bytes) -> ApiResult<GuestRequest> {
    serde_json::from_slice(body).map_err(|_| ApiError::invalid_input("Expected {\"token\": \"…\"}"))
}

/// What the guest API makes of a request body before any database lookup: the entrance it
/// names and whether its token has the issued shape (only such tokens are ever looked up).
/// Public for the fuzz targets.
pub fn inspect_body(body: &[u8]) -> ApiResult<(bool, Option<Uuid>)> {
    let req = parse_body(&Bytes::copy_from_slice(body))?;
    Ok((plausible(&req.token), req.acs_entrance_id))
}

/// A token has the shape the server issues (43 base62 characters) or is unknown.
pub fn plausible(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// One answer for every unknown token, so nothing can be learned from it.
/// The address per-address limits count against (the client behind a trusted proxy).
fn who(app: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    super::client_ip::client_ip(peer.ip(), headers, &app.config.trusted_proxies)
}

fn unknown(app: &AppState, ip: IpAddr) -> ApiError {
    if !app.limits.unknown_token.allow(&ip) {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            "Too many attempts. Wait a minute.",
        );
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::GUEST_LINK_NOT_FOUND,
        "This link is not valid. Ask the person who sent it for a new one.",
    )
}

async fn find_link(app: &AppState, ip: IpAddr, token: String) -> ApiResult<GuestLink> {
    if !plausible(&token) {
        return Err(unknown(app, ip));
    }
    let now = app.clock.now();
    match app
        .store
        .read(move |c| guest_links::by_token(c, &token, now))
        .await?
    {
        Some(l) => Ok(l),
        None => Err(unknown(app, ip)),
    }
}

fn link_event(
    link: &GuestLink,
    event_type: &str,
    now: chrono::DateTime<chrono::Utc>,
    actor: &str,
) -> ajar_protocol::Event {
    ajar_protocol::Event {
        event_id: Uuid::now_v7(),
        event_type: event_type.to_owned(),
        workspace_id: link.workspace_id,
        created_at: now,
        occurred_at: now,
        connected_account_id: Some(crate::store::workspaces::connected_account_id(
            link.workspace_id,
        )),
        guest_link_id: Some(link.guest_link_id),
        user_identity_id: Some(link.issuer_user_identity_id),
        actor_type: Some(actor.to_owned()),
        actor_id: Some(link.guest_link_id),
        ..Default::default()
    }
}

async fn view(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ip = who(&app, peer, &headers);
    answer(view_inner(app, ip, headers, body).await)
}

async fn view_inner(
    app: Arc<AppState>,
    ip: IpAddr,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Value> {
    same_site_json(&headers)?;
    let req = parse_body(&body)?;
    let link = find_link(&app, ip, req.token).await?;
    if !app.limits.views.allow(&link.guest_link_id) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            "Too many reloads. Wait a moment.",
        ));
    }
    let now = app.clock.now();
    let ev = link_event(&link, "guest_link.viewed", now, "guest_link");
    let id = link.guest_link_id;
    let ws = link.workspace_id;
    let doors = link.acs_entrance_ids.clone();
    let showing = matches!(
        link.state,
        GuestLinkState::Active | GuestLinkState::Scheduled
    );
    let found = app
        .store
        .write(move |c| {
            guest_links::record_view(c, id, now)?;
            events::append(c, &ev)?;
            if showing {
                crate::store::entrances::get_many(c, ws, &doors)
            } else {
                Ok(vec![])
            }
        })
        .await?;
    let states = app.door_states(&found, now).await?;
    let entrances = found
        .into_iter()
        .zip(states)
        .map(|(e, st)| GuestEntrance {
            acs_entrance_id: e.acs_entrance_id,
            display_name: e.display_name,
            is_locked: st.unlocked_until.is_none(),
            unlocked_until: st.unlocked_until,
            relock_pulse_ms: e.ajar_metadata.relock_pulse_ms,
        })
        .collect();
    let v = GuestView {
        state: link.state,
        issuer_name: link.issuer_display_name.clone(),
        description: link.description.clone(),
        starts_at: link.starts_at,
        ends_at: link.ends_at,
        starts_at_local: format_in_zone(&link.starts_at, &link.time_zone),
        ends_at_local: format_in_zone(&link.ends_at, &link.time_zone),
        time_zone: link.time_zone.clone(),
        uses_left: link
            .max_unlock_count
            .map(|m| m.saturating_sub(link.unlock_count)),
        entrances,
    };
    Ok(json!({ "guest_link": v, "ok": true }))
}

async fn unlock_entrance(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(
        async {
            same_site_json(&headers)?;
            let req = parse_body(&body)?;
            let entrance = req
                .acs_entrance_id
                .ok_or_else(|| ApiError::invalid_field("acs_entrance_id", "Required"))?;
            let link = find_link(&app, who(&app, peer, &headers), req.token).await?;
            guest_unlock(&app, link, entrance, &headers, "guest_link").await
        }
        .await,
    )
}

async fn webhook(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    _body: Body,
) -> Response {
    answer(
        async {
            if !plausible(&token) {
                return Err(unknown(&app, who(&app, peer, &headers)));
            }
            let now = app.clock.now();
            let found = app
                .store
                .read(move |c| guest_links::by_webhook_token(c, &token, now))
                .await?;
            let Some((link, entrance)) = found else {
                return Err(unknown(&app, who(&app, peer, &headers)));
            };
            guest_unlock(&app, link, entrance, &headers, "guest_link_webhook").await
        }
        .await,
    )
}

async fn webhook_get() -> Response {
    let mut resp = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        "This is a webhook URL: send POST to open the door. Opening it in a browser does nothing.",
    )
    .into_response();
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    harden(&mut resp);
    resp
}

fn rate_limited() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        codes::RATE_LIMITED,
        "Too many unlocks through this link. Wait a moment and try again.",
    )
}

/// Unlocks `entrance` through `link`, re-checking everything in the recording transaction.
async fn guest_unlock(
    app: &Arc<AppState>,
    link: GuestLink,
    entrance: Uuid,
    headers: &HeaderMap,
    actor: &str,
) -> ApiResult<Value> {
    if !app.limits.unlocks.allow(&link.guest_link_id) {
        return Err(rate_limited());
    }
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => None,
        Some(Ok(k)) if !k.trim().is_empty() && k.len() <= 255 => {
            Some(format!("guest:{}:{}", link.guest_link_id, k.trim()))
        }
        Some(_) => {
            return Err(ApiError::invalid_input(
                "Idempotency-Key must be 1 to 255 printable characters",
            ))
        }
    };
    let now = app.clock.now();
    let link_id = link.guest_link_id;
    let plan = unlock::Plan {
        ws: link.workspace_id,
        method_id: link.access_method_id,
        entrance_id: entrance,
        idempotency_key: key,
        fingerprint: format!("guest_unlock:{link_id}:{entrance}"),
        event: link_event(&link, "lock.unlocked", now, actor),
        guest_link_id: Some(link_id),
    };
    let ws = link.workspace_id;
    // Several instances on PostgreSQL share one budget per link (taken in the same transaction
    // as the unlock; a refusal records nothing).
    let shared = (app.store.dialect() == crate::store::Dialect::Postgres)
        .then(|| app.limits.unlocks.params_ms());
    let outcome = app
        .store
        .write(move |c| {
            if let Some((interval, burst)) = shared {
                let key = format!("guest_unlock:{link_id}");
                if !rate_limits::take(c, &key, now.timestamp_millis(), interval, burst)? {
                    return Err(rate_limited().into());
                }
            }
            unlock::execute(c, plan, now, |c, facts, door| {
                // Re-read the link: it may have been revoked or used up since the lookup.
                let fresh = guest_links::get(c, ws, link_id, now)?
                    .ok_or_else(|| ApiError::not_found("guest_link", "guest_link_id", link_id))?;
                Ok(decide_guest_unlock(
                    &GuestUnlockFacts {
                        link_state: fresh.state,
                        entrance_in_link: fresh.acs_entrance_ids.contains(&door.acs_entrance_id),
                        issuer: unlock::unlock_facts(c, facts, door)?,
                    },
                    now,
                ))
            })
        })
        .await?;
    let door = outcome
        .open
        .map(|(d, _)| d)
        .or(outcome.agent.as_ref().map(|r| r.entrance));
    let outcome = unlock::deliver(app, outcome).await?;
    let unlocked_until = match door {
        Some(d) if outcome.attempt.status == ajar_protocol::ActionAttemptStatus::Success => app
            .driver
            .state(d, app.clock.now())
            .unlocked_until
            .or(app.agents.unlocked_until(d, app.clock.now())),
        _ => None,
    };
    Ok(json!({
        "action_attempt": outcome.attempt,
        "unlocked_until": unlocked_until.map(|t| ajar_protocol::time::format_ts(&t)),
        "issuer_name": link.issuer_display_name,
        "ok": true
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcra_allows_the_burst_then_refuses_per_key() {
        let g: Gcra<u8> = Gcra::new(3, 60);
        assert!(g.allow(&1) && g.allow(&1) && g.allow(&1));
        assert!(
            !g.allow(&1),
            "the fourth request inside a second is over a burst of 3"
        );
        assert!(g.allow(&2), "keys are independent");
    }

    #[test]
    fn only_the_issued_token_shape_is_looked_up() {
        assert!(plausible(&"a".repeat(43)));
        assert!(!plausible(&"a".repeat(42)));
        assert!(!plausible(&format!("{}'", "a".repeat(42))));
    }
}
