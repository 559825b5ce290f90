//! The traffic the harness sends: member unlocks (API key + cloud key) and guest-link unlocks,
//! each with its own Idempotency-Key, plus a revoker that creates and revokes guest links. Every
//! request and whether it was answered is logged, so unanswered ones can be retried with the
//! same key after the restart.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::server::ADMIN_KEY;

/// What the harness created through the API once, at the start.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub user: String,
    pub method: String,
    pub doors: Vec<String>,
    /// (guest link id, token) of long-lived links used for guest unlocks.
    pub links: Vec<(String, String)>,
}

/// One unlock request, as sent (and re-sent with the same key).
#[derive(Debug, Clone)]
pub struct Unlock {
    pub key: String,
    /// `Some(token)` for a guest unlock, `None` for a member unlock.
    pub guest: Option<(String, String)>,
    pub door: String,
}

/// The outcome of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 with a successful action attempt (its id).
    Unlocked(String),
    /// 200 but the attempt was refused (e.g. the link was revoked): no unlock.
    Refused(String),
    /// An HTTP error status (with body).
    Status(u16, String),
    /// No answer: connection refused, reset or timed out (the server died).
    None,
}

/// Everything the clients observed.
#[derive(Debug, Default)]
pub struct Log {
    /// (request, first answer, retry answer)
    pub unlocks: Vec<(Unlock, Answer, Option<Answer>)>,
    /// Revokes: (link id, token, acknowledged)
    pub revokes: Vec<(String, String, bool)>,
    pub server_errors: Vec<String>,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(4)
        .build()
        .expect("http client")
}

fn id(v: &Value, p: &str) -> Result<String, String> {
    v.pointer(p)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no {p} in {v}"))
}

pub async fn admin(
    http: &reqwest::Client,
    url: &str,
    path: &str,
    body: Value,
) -> Result<Value, String> {
    let r = http
        .post(format!("{url}{path}"))
        .bearer_auth(ADMIN_KEY)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    let st = r.status().as_u16();
    let v: Value = r.json().await.map_err(|e| format!("{path}: {e}"))?;
    if st != 200 {
        return Err(format!("{path} answered {st}: {v}"));
    }
    Ok(v)
}

fn token_of(link: &Value) -> Result<String, String> {
    let url = id(link, "/guest_link/url")?;
    url.split_once("/g#")
        .map(|(_, t)| t.to_owned())
        .ok_or_else(|| format!("no fragment in {url}"))
}

pub async fn create_link(
    http: &reqwest::Client,
    url: &str,
    fx: &Fixture,
) -> Result<(String, String), String> {
    let ends = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let v = admin(
        http,
        url,
        "/guest_links/create",
        json!({"user_identity_id": fx.user, "acs_entrance_ids": fx.doors, "description": "crash harness", "ends_at": ends}),
    )
    .await?;
    Ok((id(&v, "/guest_link/guest_link_id")?, token_of(&v)?))
}

pub async fn setup(http: &reqwest::Client, url: &str, links: usize) -> Result<Fixture, String> {
    // Wait until the bootstrap key is accepted (a broken build may answer before it commits).
    for _ in 0..50 {
        if admin(http, url, "/acs/systems/list", json!({}))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sys = admin(
        http,
        url,
        "/acs/systems/create",
        json!({"name": "Crash site", "time_zone": "UTC"}),
    )
    .await?;
    let sys = id(&sys, "/acs_system/acs_system_id")?;
    let mut doors = Vec::new();
    for d in 0..2 {
        let e = admin(
            http,
            url,
            "/acs/entrances/create",
            json!({"acs_system_id": sys, "display_name": format!("Door {d}")}),
        )
        .await?;
        doors.push(id(&e, "/acs_entrance/acs_entrance_id")?);
    }
    let u = admin(
        http,
        url,
        "/user_identities/create",
        json!({"full_name": "Crash tester"}),
    )
    .await?;
    let user = id(&u, "/user_identity/user_identity_id")?;
    let g = admin(
        http,
        url,
        "/access_grants/create",
        json!({"user_identity_id": user, "acs_entrance_ids": doors, "requested_access_methods": [{"mode": "cloud_key"}]}),
    )
    .await?;
    let method = id(&g, "/access_grant/access_method_ids/0")?;
    let mut fx = Fixture {
        user,
        method,
        doors,
        links: Vec::new(),
    };
    for _ in 0..links {
        let l = create_link(http, url, &fx).await?;
        fx.links.push(l);
    }
    Ok(fx)
}

/// Sends one unlock (member or guest) with its Idempotency-Key.
pub async fn send(http: &reqwest::Client, url: &str, u: &Unlock, fx: &Fixture) -> Answer {
    let req = match &u.guest {
        Some((_, token)) => http
            .post(format!("{url}/g/api/unlock"))
            .json(&json!({"token": token, "acs_entrance_id": u.door})),
        None => http
            .post(format!("{url}/access_methods/unlock_door"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"access_method_id": fx.method, "acs_entrance_id": u.door})),
    };
    let resp = match req.header("Idempotency-Key", &u.key).send().await {
        Ok(r) => r,
        Err(_) => return Answer::None,
    };
    let st = resp.status().as_u16();
    let text = match resp.text().await {
        Ok(t) => t,
        Err(_) => return Answer::None,
    };
    if st != 200 {
        return Answer::Status(st, text);
    }
    let v: Value = serde_json::from_str(&text).unwrap_or_default();
    let attempt = v["action_attempt"]["action_attempt_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if v["action_attempt"]["status"] == "success" {
        Answer::Unlocked(attempt)
    } else {
        Answer::Refused(attempt)
    }
}

/// A tiny deterministic PRNG (xorshift64*), so a failing run can be replayed with `--seed`.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Unlock clients: each sends requests back to back until `stop`, logging every outcome.
pub async fn unlock_worker(
    http: reqwest::Client,
    url: String,
    fx: Arc<Fixture>,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    mut rng: Rng,
) {
    while !stop.load(Ordering::Relaxed) {
        let door = fx.doors[rng.below(fx.doors.len() as u64) as usize].clone();
        let guest = if rng.below(2) == 0 && !fx.links.is_empty() {
            Some(fx.links[rng.below(fx.links.len() as u64) as usize].clone())
        } else {
            None
        };
        let u = Unlock {
            key: uuid::Uuid::new_v4().to_string(),
            guest,
            door,
        };
        let a = send(&http, &url, &u, &fx).await;
        let died = a == Answer::None;
        log.lock().expect("log").unlocks.push((u, a, None));
        if died {
            // The server is gone: stop until the harness restarts it.
            break;
        }
    }
}

/// Creates a guest link, unlocks through it once, revokes it; repeats until `stop`.
pub async fn revoker(
    http: reqwest::Client,
    url: String,
    fx: Arc<Fixture>,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        let Ok((link, token)) = create_link(&http, &url, &fx).await else {
            break;
        };
        let r = http
            .post(format!("{url}/guest_links/revoke"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"guest_link_id": link}))
            .send()
            .await;
        let acked = match r {
            Ok(r) if r.status().as_u16() == 200 => r.text().await.is_ok(),
            Ok(r) => {
                let st = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                log.lock()
                    .expect("log")
                    .server_errors
                    .push(format!("revoke answered {st}: {body}"));
                false
            }
            Err(_) => false,
        };
        log.lock().expect("log").revokes.push((link, token, acked));
        if !acked {
            break;
        }
    }
}
