//! Test harness: starts the real `ajar-server` binary on 127.0.0.1 with a temporary data
//! directory and a known bootstrap API key, and talks to it over HTTP.
//!
//! With `AJAR_TEST_POSTGRES=postgres://user@host:port/db` set, every server stores its data in
//! PostgreSQL instead: each data directory gets its own fresh database on that server (created
//! on first use, so a restart on the same directory finds its data again), and tests stay
//! isolated and parallel. `scripts/test-postgres` starts a throwaway cluster and sets it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

pub const ADMIN_KEY: &str = "seam_testadmin_0123456789abcdefghij";

/// The PostgreSQL server the suites run against, if any.
pub fn pg_base() -> Option<String> {
    std::env::var("AJAR_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// Whether the suites run on PostgreSQL.
pub fn on_postgres() -> bool {
    pg_base().is_some()
}

/// Runs a blocking PostgreSQL client call off the async threads (the sync client runs its own
/// runtime).
pub fn pg_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f)
        .join()
        .expect("postgres helper thread")
}

/// URL of the database that belongs to `dir` on the test PostgreSQL (created on first use), or
/// `None` on SQLite.
pub fn pg_database_for(dir: &Path) -> Option<String> {
    use std::hash::{Hash, Hasher};
    let base = pg_base()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut h);
    let name = format!("ajar_t_{:016x}", h.finish());
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("AJAR_TEST_POSTGRES is a URL with a database");
    let url = format!("{prefix}/{name}");
    pg_blocking(move || {
        let mut c = postgres::Client::connect(&base, postgres::NoTls)
            .expect("connect to AJAR_TEST_POSTGRES");
        let exists = c
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .expect("query pg_database")
            .is_some();
        if !exists {
            c.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create test database");
        }
    });
    Some(url)
}

/// Applies the test database of `dir` (if on PostgreSQL) to a command.
pub fn with_database(cmd: &mut Command, dir: &Path) {
    if let Some(url) = pg_database_for(dir) {
        cmd.env("AJAR_DATABASE_URL", url);
    }
}

/// Runs `ajar-server <args> --data-dir dir` (on this run's database); returns (success, stdout +
/// stderr); `sqlite` forces the SQLite file even on PostgreSQL runs.
pub fn server_cli(dir: &Path, sqlite: bool, args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ajar-server"));
    if sqlite {
        cmd.env("AJAR_DATABASE_URL", "");
    } else {
        with_database(&mut cmd, dir);
    }
    let out = cmd
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("AJAR_LOG", "warn")
        .output()
        .expect("run ajar-server");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every stored byte of the server's data: the SQLite files, or on PostgreSQL every row of every
/// table as text. For "this secret is never stored" checks.
pub fn stored_bytes(dir: &Path) -> Vec<u8> {
    match pg_database_for(dir) {
        None => ["ajar.sqlite3", "ajar.sqlite3-wal"]
            .iter()
            .flat_map(|f| std::fs::read(dir.join(f)).unwrap_or_default())
            .collect(),
        Some(url) => pg_blocking(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
            let tables: Vec<String> = c
                .query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                    &[],
                )
                .expect("tables")
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut out = Vec::new();
            for t in tables {
                for r in c
                    .query(&format!("SELECT t::text FROM {t} t"), &[])
                    .expect("rows")
                {
                    let row: String = r.get(0);
                    out.extend_from_slice(row.as_bytes());
                    out.push(b'\n');
                }
            }
            out
        }),
    }
}

/// A running server process.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub key: String,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    pub http: reqwest::Client,
    inproc: Option<ajar_server::testing::TestServer>,
}

impl Server {
    pub async fn start() -> Server {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_owned();
        let mut s = Server::start_in(&dir, &[]);
        s._tmp = Some(tmp);
        s
    }

    /// Starts a server on `dir` (kept by the caller), with extra arguments.
    pub fn start_in(dir: &Path, args: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ajar-server"));
        with_database(&mut cmd, dir);
        let mut child = cmd
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args(args)
            .env("AJAR_BOOTSTRAP_API_KEY", ADMIN_KEY)
            .env("AJAR_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ajar-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(url) = line.strip_prefix("ajar-server listening on ") {
                        let _ = tx.send(url.trim().to_owned());
                        sent = true;
                    }
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server did not start within 30 s");
        Server {
            child: Some(child),
            url,
            key: ADMIN_KEY.to_owned(),
            data_dir: dir.to_owned(),
            _tmp: None,
            http: reqwest::Client::new(),
            inproc: None,
        }
    }

    /// Runs the server inside the test process (real HTTP on 127.0.0.1), with an injected clock
    /// and adjustable settings.
    pub async fn start_inproc(
        clock: std::sync::Arc<dyn ajar_server::clock::Clock>,
        tune: impl FnOnce(&mut ajar_server::Config),
    ) -> Server {
        let inner = ajar_server::testing::TestServer::start_with(ADMIN_KEY, clock, |c| {
            if let Some(url) = pg_database_for(&c.data_dir) {
                c.database = Some(url);
            }
            tune(c)
        })
        .await
        .expect("start in process");
        Server {
            child: None,
            url: inner.url.clone(),
            key: ADMIN_KEY.to_owned(),
            data_dir: inner.data_dir.clone(),
            _tmp: None,
            http: reqwest::Client::new(),
            inproc: Some(inner),
        }
    }

    /// POST JSON with a bearer token; returns (status, body).
    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        decode(resp).await
    }

    /// POST JSON with extra headers.
    pub async fn post_with(
        &self,
        path: &str,
        token: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        decode(req.send().await.expect("request")).await
    }

    /// Sends raw bytes (for malformed bodies).
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        token: &str,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let resp = self
            .http
            .request(method, format!("{}{path_and_query}", self.url))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        decode(resp).await
    }

    /// GET with a raw query string.
    pub async fn get(&self, path: &str, token: &str, query: &str) -> (u16, Value) {
        let sep = if query.is_empty() { "" } else { "?" };
        let resp = self
            .http
            .get(format!("{}{path}{sep}{query}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        decode(resp).await
    }

    /// Like `post` but asserts 200 and returns the body.
    pub async fn ok(&self, path: &str, token: &str, body: Value) -> Value {
        let (status, v) = self.post(path, token, body.clone()).await;
        assert_eq!(status, 200, "{path} {body} -> {v}");
        assert_eq!(v["ok"], true, "{path} -> {v}");
        v
    }

    /// Stops the server with SIGTERM and waits; returns whether it exited cleanly.
    pub fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    /// Kills the server with SIGKILL (no clean shutdown) and waits for it.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Runs `ajar-server <args>` against this server's data directory.
    pub fn cli(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ajar-server"));
        with_database(&mut cmd, &self.data_dir);
        let out = cmd
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env("AJAR_LOG", "warn")
            .output()
            .expect("run ajar-server cli");
        assert!(
            out.status.success(),
            "cli {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Creates a second workspace through the CLI and returns its admin API key.
    pub fn new_workspace(&self, name: &str) -> String {
        let out = self.cli(&["workspaces", "create", "--name", name]);
        out.lines()
            .find_map(|l| l.strip_prefix("api_key (shown once): "))
            .expect("api key line")
            .trim()
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn decode(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let v =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("non-JSON body ({status}): {text}"));
    (status, v)
}

/// A site with doors, a user with a cloud key for some of them.
pub struct Fixture {
    pub site: String,
    /// Doors covered by the grant, all cloud-key enabled.
    pub doors: Vec<String>,
    /// A door without cloud-key unlock (also in the grant).
    pub no_cloud_door: String,
    /// A cloud-key door not in the grant.
    pub other_door: String,
    pub user: String,
    pub grant: String,
    pub method: String,
}

pub fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_owned()
}

impl Fixture {
    pub async fn create(srv: &Server, key: &str) -> Fixture {
        let site = srv
            .ok(
                "/acs/systems/create",
                key,
                json!({"name": "HQ", "time_zone": "Europe/Berlin"}),
            )
            .await["acs_system"]["acs_system_id"]
            .clone();
        let site = s(&site);
        let mut doors = Vec::new();
        for name in ["Main", "Side"] {
            let d = srv
                .ok(
                    "/acs/entrances/create",
                    key,
                    json!({"acs_system_id": site, "display_name": name}),
                )
                .await;
            doors.push(s(&d["acs_entrance"]["acs_entrance_id"]));
        }
        let nc = srv
            .ok(
                "/acs/entrances/create",
                key,
                json!({"acs_system_id": site, "display_name": "Server Room", "can_unlock_with_cloud_key": false}),
            )
            .await;
        let no_cloud_door = s(&nc["acs_entrance"]["acs_entrance_id"]);
        let other = srv
            .ok(
                "/acs/entrances/create",
                key,
                json!({"acs_system_id": site, "display_name": "Roof"}),
            )
            .await;
        let other_door = s(&other["acs_entrance"]["acs_entrance_id"]);
        let user = srv
            .ok(
                "/user_identities/create",
                key,
                json!({"full_name": "Maya", "email_address": "maya@example.com"}),
            )
            .await;
        let user = s(&user["user_identity"]["user_identity_id"]);
        let mut grant_doors = doors.clone();
        grant_doors.push(no_cloud_door.clone());
        let g = srv
            .ok(
                "/access_grants/create",
                key,
                json!({"user_identity_id": user, "acs_entrance_ids": grant_doors, "requested_access_methods": [{"mode": "cloud_key"}]}),
            )
            .await;
        Fixture {
            site,
            doors,
            no_cloud_door,
            other_door,
            user,
            grant: s(&g["access_grant"]["access_grant_id"]),
            method: s(&g["access_grant"]["access_method_ids"][0]),
        }
    }

    /// A client-session token for the fixture's user.
    pub async fn member_token(&self, srv: &Server, key: &str) -> String {
        let v = srv
            .ok(
                "/client_sessions/create",
                key,
                json!({"user_identity_id": self.user}),
            )
            .await;
        s(&v["client_session"]["token"])
    }
}

/// Unlock through the API; returns the action attempt.
pub async fn unlock(srv: &Server, token: &str, method: &str, door: &str) -> Value {
    let v = srv
        .ok(
            "/access_methods/unlock_door",
            token,
            json!({"access_method_id": method, "acs_entrance_id": door}),
        )
        .await;
    v["action_attempt"].clone()
}

/// Events of a type about an attempt.
pub async fn events_for_attempt(srv: &Server, key: &str, attempt: &str) -> Vec<Value> {
    let v = srv
        .ok("/events/list", key, json!({"action_attempt_id": attempt}))
        .await;
    v["events"].as_array().expect("events").clone()
}
