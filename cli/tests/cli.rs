//! End-to-end tests of the `ajar` binary, run as a user would, against a real `ajar-server`
//! started in this process on 127.0.0.1 (temporary SQLite database, seeded over HTTP).
//!
//! Headless use (`AJAR_SERVER` + `AJAR_TOKEN`) needs nothing else. Login, logout, profiles and
//! the offline cache use the real OS keyring: a private D-Bus session with `gnome-keyring-daemon`
//! (Secret Service) under a temporary `HOME`, and every `ajar` run under `keyctl session -`. Those
//! tests need `dbus-run-session`, `gnome-keyring-daemon` and `keyctl` (Debian: dbus, gnome-keyring,
//! keyutils); set `AJAR_TEST_SKIP_KEYRING=1` to skip them where these cannot be installed.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const ADMIN_KEY: &str = "seam_testadmin_0123456789abcdefghij";
mod common;
use common::{program, Keyring, AJAR};
/// No single `ajar` run in these tests may take longer.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A server running inside the test process.
struct Server {
    url: String,
    http: reqwest::Client,
    inner: ajar_server::testing::TestServer,
}

impl Server {
    async fn start() -> Server {
        let inner = ajar_server::testing::TestServer::start(ADMIN_KEY)
            .await
            .expect("start ajar-server");
        Server {
            url: inner.url.clone(),
            http: reqwest::Client::new(),
            inner,
        }
    }

    /// POSTs as the admin and returns the answer, which must be a success.
    async fn admin(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.expect("json answer");
        assert_eq!(status, 200, "{path} {body} -> {v}");
        v
    }

    /// Stops listening (connections are then refused).
    async fn stop(&mut self) {
        assert!(self.inner.stop().await, "server stops cleanly");
    }
}

/// A seeded server: site HQ in `zone` with "Main Entrance" (Maya has a cloud key for it) and
/// "Back Office" (no key: Maya does not see it), and Maya's client-session token.
struct World {
    srv: Server,
    token: String,
    main_door: String,
    cfg: tempfile::TempDir,
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

async fn world(zone: &str) -> World {
    let srv = Server::start().await;
    let site = srv
        .admin(
            "/acs/systems/create",
            json!({"name": "HQ", "time_zone": zone}),
        )
        .await;
    let site = s(&site["acs_system"]["acs_system_id"]);
    let door = |name: &str| json!({"acs_system_id": site, "display_name": name, "can_unlock_with_cloud_key": true});
    let main = srv
        .admin("/acs/entrances/create", door("Main Entrance"))
        .await;
    let main_door = s(&main["acs_entrance"]["acs_entrance_id"]);
    srv.admin("/acs/entrances/create", door("Back Office"))
        .await;
    let maya = srv
        .admin(
            "/user_identities/create",
            json!({"full_name": "Maya Member"}),
        )
        .await;
    let maya = s(&maya["user_identity"]["user_identity_id"]);
    srv.admin(
        "/access_grants/create",
        json!({"user_identity_id": maya, "acs_entrance_ids": [main_door], "requested_access_methods": [{"mode": "cloud_key"}]}),
    )
    .await;
    let session = srv
        .admin("/client_sessions/create", json!({"user_identity_id": maya}))
        .await;
    let token = s(&session["client_session"]["token"]);
    World {
        srv,
        token,
        main_door,
        cfg: tempfile::tempdir().expect("config dir"),
    }
}

/// What one run of `ajar` did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }
}

/// `ajar` with a clean environment: only the config dir (and what the caller adds).
fn ajar(cfg: &Path) -> Command {
    program(AJAR, cfg)
}

/// `ajar` acting headless for Maya.
fn headless(w: &World) -> Command {
    let mut c = ajar(w.cfg.path());
    c.env("AJAR_SERVER", &w.srv.url).env("AJAR_TOKEN", &w.token);
    c
}

async fn run(mut c: Command, args: &[&str]) -> Run {
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let out = tokio::time::timeout(RUN_LIMIT, c.output())
        .await
        .unwrap_or_else(|_| panic!("ajar {args:?} did not finish within {RUN_LIMIT:?}"))
        .expect("run ajar");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A loopback URL nothing listens on.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_entries_unlock_and_json_shapes() {
    let w = world("Europe/Berlin").await;

    let r = run(headless(&w), &["entries"]).await.ok();
    assert!(r.stdout.starts_with("DOOR"), "{r:?}");
    assert!(
        r.stdout.contains("Main Entrance")
            && r.stdout.contains("HQ")
            && r.stdout.contains("locked"),
        "{r:?}"
    );
    assert!(
        !r.stdout.contains("Back Office"),
        "Maya has no key for the back office: {r:?}"
    );

    let v = run(headless(&w), &["entries", "--json"]).await.ok().json();
    assert_eq!(v["stale"], false);
    assert!(
        v["fetched_at"].is_string() && v["age_seconds"].is_i64(),
        "{v}"
    );
    let list = v["entries"].as_array().expect("entries");
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["name"], "Main Entrance");
    assert_eq!(list[0]["acs_entrance_id"], json!(w.main_door));
    assert_eq!(list[0]["site_name"], "HQ");
    assert_eq!(list[0]["time_zone"], "Europe/Berlin");
    assert_eq!(list[0]["can_unlock"], true);
    assert!(list[0]["access_method_id"].is_string(), "{v}");

    let r = run(headless(&w), &["unlock", "main entrance"]).await.ok();
    assert_eq!(r.stdout.trim(), "Main Entrance: open (confirmed)");

    // By id, as JSON.
    let v = run(headless(&w), &["--json", "unlock", &w.main_door])
        .await
        .ok()
        .json();
    assert_eq!(v["result"], "confirmed", "{v}");
    assert_eq!(v["entry"], "Main Entrance");
    assert_eq!(v["acs_entrance_id"], json!(w.main_door));
    assert!(v["action_attempt_id"].is_string(), "{v}");

    // An unknown door (and one Maya cannot see) is not found: 6.
    for door in ["Nowhere", "Back Office"] {
        let r = run(headless(&w), &["unlock", door]).await;
        assert_eq!(r.code, 6, "{r:?}");
        assert!(
            r.stderr.starts_with("ajar: ") && r.stderr.contains("not found"),
            "{r:?}"
        );
        assert!(r.stdout.is_empty(), "{r:?}");
    }
    let r = run(headless(&w), &["--json", "unlock", "Nowhere"]).await;
    assert_eq!(r.code, 6, "{r:?}");
    assert_eq!(r.json()["error"]["kind"], "not_found", "{r:?}");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Nowhere")),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_unlock_exits_4() {
    let w = world("UTC").await;
    w.srv
        .admin(
            "/acs/entrances/update",
            json!({"acs_entrance_id": w.main_door, "is_in_lockdown": true}),
        )
        .await;

    let r = run(headless(&w), &["unlock", "Main Entrance"]).await;
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stdout.starts_with("Main Entrance: refused: "), "{r:?}");

    let r = run(headless(&w), &["--json", "unlock", "Main Entrance"]).await;
    assert_eq!(r.code, 4, "{r:?}");
    let v = r.json();
    assert_eq!(v["result"], "refused", "{v}");
    assert_eq!(v["code"], "entrance_in_lockdown", "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");

    // The list says so.
    let v = run(headless(&w), &["--json", "entries"]).await.ok().json();
    assert_eq!(v["entries"][0]["is_in_lockdown"], true);
    assert_eq!(v["entries"][0]["can_unlock"], false);
    let r = run(headless(&w), &["entries"]).await.ok();
    assert!(r.stdout.contains("lockdown"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_links_revoke_and_activity() {
    let w = world("Europe/Berlin").await;
    run(headless(&w), &["unlock", "Main Entrance"]).await.ok();

    // Text: the URL first, then the window and the per-door webhook.
    let r = run(
        headless(&w),
        &[
            "share",
            "Main Entrance",
            "--for",
            "2h",
            "--max-uses",
            "3",
            "--description",
            "Plumber",
        ],
    )
    .await
    .ok();
    let mut lines = r.stdout.lines();
    let url = lines.next().expect("url line");
    assert!(url.starts_with(&format!("{}/g#", w.srv.url)), "{r:?}");
    assert!(
        r.stdout.contains("(Europe/Berlin)") && r.stdout.contains("up to 3 unlocks"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains(&format!("Main Entrance  {}/w/", w.srv.url)),
        "{r:?}"
    );

    // JSON: the payload without PNG bytes.
    let v = run(
        headless(&w),
        &["--json", "share", "Main Entrance", "--for", "1h30m"],
    )
    .await
    .ok()
    .json();
    assert!(
        v["url"].as_str().is_some_and(|u| u.starts_with(&w.srv.url)),
        "{v}"
    );
    assert!(v.get("qr_png").is_none(), "no PNG bytes in JSON");
    assert!(v["qr_svg"].as_str().is_some_and(|s| s.contains("<svg")));
    assert!(
        v["text"].is_string()
            && v["subject"].is_string()
            && v["mailto"].is_string()
            && v["sms"].is_string()
    );
    assert!(v["slack_message"]["blocks"].is_array(), "{v}");
    assert_eq!(v["webhook_urls"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["webhook_urls"][0]["display_name"], "Main Entrance");
    let link = s(&v["link"]["guest_link_id"]);
    assert_eq!(v["link"]["state"], "active");
    assert_eq!(v["link"]["description"], "Guest access");

    let v = run(headless(&w), &["--json", "links"]).await.ok().json();
    let all = v["guest_links"].as_array().expect("guest_links");
    assert_eq!(all.len(), 2, "{v}");
    assert!(
        all.iter().all(|l| l.get("url").is_none()),
        "secrets are not listed: {v}"
    );
    let r = run(headless(&w), &["links", "--state", "active"])
        .await
        .ok();
    assert!(
        r.stdout.starts_with("ID")
            && r.stdout.contains(&link)
            && r.stdout.contains("Main Entrance"),
        "{r:?}"
    );

    let v = run(headless(&w), &["--json", "revoke", &link])
        .await
        .ok()
        .json();
    assert_eq!(v, json!({"revoked": true, "guest_link_id": link}));
    let v = run(headless(&w), &["--json", "links", "--state", "revoked"])
        .await
        .ok()
        .json();
    let revoked: Vec<String> = v["guest_links"]
        .as_array()
        .expect("list")
        .iter()
        .map(|l| s(&l["guest_link_id"]))
        .collect();
    assert_eq!(revoked, vec![link.clone()]);
    let v = run(headless(&w), &["--json", "links", "--state", "used_up"])
        .await
        .ok()
        .json();
    assert_eq!(v["guest_links"], json!([]));

    // Activity: events, filters, limit.
    let v = run(headless(&w), &["--json", "activity"]).await.ok().json();
    let types: Vec<String> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| s(&e["event_type"]))
        .collect();
    for t in ["lock.unlocked", "guest_link.created", "guest_link.revoked"] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }
    let v = run(headless(&w), &["--json", "activity", "--link", &link])
        .await
        .ok()
        .json();
    let evs = v["events"].as_array().expect("events");
    assert!(
        !evs.is_empty() && evs.iter().all(|e| e["guest_link_id"] == json!(link)),
        "{v}"
    );
    let v = run(
        headless(&w),
        &[
            "--json",
            "activity",
            "--entry",
            "Main Entrance",
            "--limit",
            "1",
        ],
    )
    .await
    .ok()
    .json();
    assert_eq!(v["events"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["events"][0]["acs_entrance_id"], json!(w.main_door));
    let r = run(headless(&w), &["activity"]).await.ok();
    let last = r.stdout.lines().last().expect("a line");
    assert!(last.contains("guest_link.revoked"), "newest last: {r:?}");
    assert!(r.stdout.contains("lock.unlocked  Main Entrance"), "{r:?}");

    // Invalid input exits 8.
    for args in [
        &["share", "Main Entrance", "--for", "2x"][..],
        &["share", "Main Entrance", "--until", "tomorrow"][..],
        &["revoke", "not-an-id"][..],
        &["activity", "--link", "nope"][..],
    ] {
        let r = run(headless(&w), args).await;
        assert_eq!(r.code, 8, "{args:?}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_qr_and_slack() {
    let w = world("UTC").await;
    // A stand-in for Slack's incoming webhook: answers 200 and keeps the body.
    let slack = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let slack_url = format!(
        "http://{}/services/T0/B0/x",
        slack.local_addr().expect("addr")
    );
    let received = tokio::spawn(async move {
        let (mut sock, _) = slack.accept().await.expect("accept");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = sock.read(&mut chunk).await.expect("read");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= len {
                    sock.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await
                    .expect("answer");
                    return body.to_owned();
                }
            }
            if n == 0 {
                return String::new();
            }
        }
    });

    let r = run(
        headless(&w),
        &[
            "share",
            "Main Entrance",
            "--for",
            "30m",
            "--qr",
            "--slack-webhook",
            &slack_url,
        ],
    )
    .await
    .ok();
    let qr_lines = r
        .stdout
        .lines()
        .filter(|l| l.contains('█') || l.contains('▀') || l.contains('▄'))
        .count();
    assert!(qr_lines > 10, "a QR code in the terminal: {r:?}");
    assert!(r.stderr.contains("posted to Slack"), "{r:?}");
    let body: Value = serde_json::from_str(
        &tokio::time::timeout(RUN_LIMIT, received)
            .await
            .expect("slack")
            .expect("task"),
    )
    .expect("slack body is JSON");
    let url = r.stdout.lines().next().expect("url");
    assert!(
        body["text"].as_str().is_some_and(|t| t.contains(url)),
        "{body}"
    );

    // A webhook that cannot be reached: the link exists (printed), the exit code says network.
    let v = run(
        headless(&w),
        &[
            "--json",
            "share",
            "Main Entrance",
            "--for",
            "30m",
            "--slack-webhook",
            &dead_url(),
        ],
    )
    .await;
    assert_eq!(v.code, 5, "{v:?}");
    let v = v.json();
    assert!(v["url"].is_string(), "{v}");
    assert_eq!(v["slack"]["posted"], false);
    assert_eq!(v["slack"]["error"]["kind"], "network");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_across_dst_gives_the_real_window() {
    let w = world("Europe/Berlin").await;
    // Europe/Berlin springs forward on 2027-03-28 at 02:00: 01:00 to 04:00 local is two hours.
    let v = run(
        headless(&w),
        &[
            "--json",
            "share",
            "Main Entrance",
            "--from",
            "2027-03-28T01:00",
            "--until",
            "2027-03-28T04:00",
        ],
    )
    .await
    .ok()
    .json();
    let starts =
        chrono::DateTime::parse_from_rfc3339(&s(&v["link"]["starts_at"])).expect("starts_at");
    let ends = chrono::DateTime::parse_from_rfc3339(&s(&v["link"]["ends_at"])).expect("ends_at");
    assert_eq!(ends - starts, chrono::Duration::hours(2), "{v}");
    assert_eq!(starts.to_utc().to_rfc3339(), "2027-03-28T00:00:00+00:00");
    assert_eq!(v["link"]["state"], "scheduled");

    let r = run(
        headless(&w),
        &[
            "share",
            "Main Entrance",
            "--from",
            "2027-03-28T01:00",
            "--until",
            "2027-03-28T04:00",
        ],
    )
    .await
    .ok();
    assert!(
        r.stdout
            .contains("2027-03-28 01:00 – 04:00 (Europe/Berlin)"),
        "{r:?}"
    );

    // A civil time that does not exist there is refused as invalid input.
    let r = run(
        headless(&w),
        &[
            "share",
            "Main Entrance",
            "--from",
            "2027-03-28T02:30",
            "--until",
            "2027-03-28T04:00",
        ],
    )
    .await;
    assert_eq!(r.code, 8, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_their_exit_codes() {
    let w = world("UTC").await;

    // Server down: network, 5 (text and JSON).
    let mut c = ajar(w.cfg.path());
    c.env("AJAR_SERVER", dead_url()).env("AJAR_TOKEN", &w.token);
    let r = run(c, &["entries"]).await;
    assert_eq!(r.code, 5, "{r:?}");
    assert!(
        r.stderr.starts_with("ajar: cannot reach http://127.0.0.1:"),
        "{r:?}"
    );
    let mut c = ajar(w.cfg.path());
    c.env("AJAR_SERVER", dead_url()).env("AJAR_TOKEN", &w.token);
    let r = run(c, &["--json", "unlock", "Main Entrance"]).await;
    assert_eq!(r.code, 5, "{r:?}");
    assert_eq!(r.json()["error"]["kind"], "network");

    // Not signed in: no profile, or a token the server does not know: 3.
    let r = run(ajar(w.cfg.path()), &["entries"]).await;
    assert_eq!(r.code, 3, "{r:?}");
    let r = run(ajar(w.cfg.path()), &["--json", "entries", "--offline"]).await;
    assert_eq!(r.code, 3, "{r:?}");
    assert_eq!(r.json()["error"]["kind"], "not_signed_in");
    let mut c = ajar(w.cfg.path());
    c.env("AJAR_SERVER", &w.srv.url)
        .env("AJAR_TOKEN", "seam_cst1_thisisnotarealtoken0000");
    assert_eq!(run(c, &["entries"]).await.code, 3);

    // A sign-in code carries the server.
    let code = format!("ajar:signin?server={}&token={}", w.srv.url, w.token);
    let mut c = ajar(w.cfg.path());
    c.env("AJAR_TOKEN", &code);
    run(c, &["entries"]).await.ok();
    // Something that is not a token: 8.
    let mut c = ajar(w.cfg.path());
    c.env("AJAR_SERVER", &w.srv.url).env("AJAR_TOKEN", "hello");
    assert_eq!(run(c, &["entries"]).await.code, 8);

    // Headless sessions keep no cache.
    assert_eq!(run(headless(&w), &["entries", "--offline"]).await.code, 6);

    // Usage errors: 2, as JSON with --json.
    let r = run(ajar(w.cfg.path()), &["share", "Main Entrance"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    let r = run(
        ajar(w.cfg.path()),
        &["--json", "links", "--state", "nonsense"],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.json()["error"]["kind"], "usage");

    // Help documents the exit codes.
    let r = run(ajar(w.cfg.path()), &["--help"]).await.ok();
    assert!(
        r.stdout.contains("Exit codes:") && r.stdout.contains("5  network"),
        "{r:?}"
    );
    // The config directory was never written to by headless runs.
    assert_eq!(std::fs::read_dir(w.cfg.path()).expect("dir").count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_follow_prints_new_events_until_ctrl_c() {
    let w = world("UTC").await;
    let mut c = headless(&w);
    c.args(["--json", "activity", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // The events so far (grant and key), one JSON object per line.
    let first = tokio::time::timeout(RUN_LIMIT, out.next_line())
        .await
        .expect("a first line")
        .expect("read")
        .expect("line");
    let first: Value = serde_json::from_str(&first).expect("an event per line");
    assert!(first["event_type"].is_string(), "{first}");

    run(headless(&w), &["unlock", "Main Entrance"]).await.ok();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(l) = out.next_line().await.expect("read") {
            let e: Value = serde_json::from_str(&l).expect("an event per line");
            if e["event_type"] == "lock.unlocked" {
                return e;
            }
        }
        panic!("follow ended early")
    })
    .await
    .expect("the unlock shows up within 20 s");
    assert_eq!(found["acs_entrance_id"], json!(w.main_door));

    // Ctrl-C ends it cleanly.
    let pid = child.id().expect("pid").to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill")
        .success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .expect("wait");
    assert_eq!(status.code(), Some(0));
}

// ---- with the OS keyring --------------------------------------------------------------------

/// A profile name of its own per test run: keyutils' persistent keyring is shared by the user.
fn profile_name(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("test-{tag}-{}-{nanos}", std::process::id())
}

async fn login(k: &Keyring, cfg: &Path, server: &str, name: &str, stdin: &str) -> Run {
    let mut c = k.ajar(cfg);
    c.args(["--json", "login", "--server", server, "--name", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("write token");
    drop(input);
    let out = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
        .await
        .expect("login finishes")
        .expect("wait");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_offline_cache_and_logout_with_the_keyring() {
    let Some(k) = Keyring::start().await else {
        return;
    };
    let mut w = world("Europe/Berlin").await;
    let cfg = w.cfg.path().to_owned();
    let name = profile_name("desk");

    // The token comes from stdin (not a terminal); nothing secret lands in the config dir.
    let v = login(&k, &cfg, &w.srv.url, &name, &format!("{}\n", w.token))
        .await
        .ok()
        .json();
    assert_eq!(v["profile"]["name"], json!(name));
    assert_eq!(v["profile"]["label"], "Maya Member (member)");
    let profiles_file = std::fs::read_to_string(cfg.join("profiles.json")).expect("profiles.json");
    assert!(
        !profiles_file.contains(&w.token),
        "no token in {profiles_file}"
    );

    let v = run(k.ajar(&cfg), &["--json", "profiles"]).await.ok().json();
    assert_eq!(v["default"], json!(name));
    let r = run(k.ajar(&cfg), &["profiles"]).await.ok();
    assert!(r.stdout.contains(&format!("*  {name}")), "{r:?}");

    // Nothing cached before the first online list.
    let r = run(k.ajar(&cfg), &["entries", "--offline"]).await;
    assert_eq!(r.code, 6, "{r:?}");
    run(k.ajar(&cfg), &["entries"]).await.ok();
    for f in std::fs::read_dir(&cfg).expect("dir").flatten() {
        let bytes = std::fs::read(f.path()).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&w.token),
            "token written to {:?}",
            f.path()
        );
    }

    // Offline, from the cache, with its age.
    w.srv.stop().await;
    let r = run(k.ajar(&cfg), &["entries", "--offline"]).await.ok();
    assert!(r.stdout.contains("Main Entrance"), "{r:?}");
    assert!(
        r.stderr.contains("offline: the list cached just now"),
        "{r:?}"
    );
    let v = run(k.ajar(&cfg), &["--json", "entries", "--offline"])
        .await
        .ok()
        .json();
    assert_eq!(v["stale"], true);
    assert_eq!(v["entries"][0]["name"], "Main Entrance");
    // Online with the server down: the cached list, marked stale, and a note on stderr.
    let r = run(k.ajar(&cfg), &["entries"]).await.ok();
    assert!(r.stdout.contains("Main Entrance"), "{r:?}");
    assert!(r.stderr.contains("cannot reach"), "{r:?}");
    // Unlock needs the server: 5.
    assert_eq!(
        run(k.ajar(&cfg), &["unlock", "Main Entrance"]).await.code,
        5
    );

    // Logout (offline: forgotten here): the profile, its cache and its token are gone.
    let v = run(k.ajar(&cfg), &["--json", "logout"]).await.ok().json();
    assert_eq!(v["signed_out"], json!(name));
    let left: Vec<String> = std::fs::read_dir(&cfg)
        .expect("dir")
        .flatten()
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter().all(|f| !f.starts_with("cache-")),
        "cache removed: {left:?}"
    );
    assert_eq!(run(k.ajar(&cfg), &["entries", "--offline"]).await.code, 3);
    // Put the profile back by hand: the keyring has no token for it any more.
    std::fs::write(cfg.join("profiles.json"), &profiles_file).expect("restore profiles.json");
    let r = run(k.ajar(&cfg), &["entries", "--offline"]).await;
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("has no token"), "{r:?}");
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_side_by_side_and_logout_ends_the_session() {
    let Some(k) = Keyring::start().await else {
        return;
    };
    let w = world("UTC").await;
    let cfg = w.cfg.path().to_owned();
    let (a, b) = (profile_name("a"), profile_name("b"));

    // A sign-in code carries the server; --server may then be anything it agrees with.
    let code = format!("ajar:signin?server={}&token={}\n", w.srv.url, w.token);
    login(&k, &cfg, &w.srv.url, &a, &code).await.ok();
    let admin = w
        .srv
        .admin(
            "/user_identities/create",
            json!({"full_name": "Frank Front"}),
        )
        .await;
    let frank = s(&admin["user_identity"]["user_identity_id"]);
    let sess = w
        .srv
        .admin(
            "/client_sessions/create",
            json!({"user_identity_id": frank}),
        )
        .await;
    let frank_token = s(&sess["client_session"]["token"]);
    login(&k, &cfg, &w.srv.url, &b, &format!("{frank_token}\n"))
        .await
        .ok();

    let v = run(k.ajar(&cfg), &["--json", "profiles"]).await.ok().json();
    assert_eq!(v["default"], json!(b), "the newest sign-in is the default");
    assert_eq!(v["profiles"].as_array().map(Vec::len), Some(2));
    run(k.ajar(&cfg), &["profiles", "use", &a]).await.ok();
    assert_eq!(
        run(k.ajar(&cfg), &["--json", "profiles"]).await.ok().json()["default"],
        json!(a)
    );
    assert_eq!(
        run(k.ajar(&cfg), &["profiles", "use", "nobody"]).await.code,
        6
    );

    // The default acts as Maya; --profile picks Frank (who has no doors).
    let v = run(k.ajar(&cfg), &["--json", "entries"]).await.ok().json();
    assert_eq!(v["entries"].as_array().map(Vec::len), Some(1));
    let v = run(k.ajar(&cfg), &["--json", "--profile", &b, "entries"])
        .await
        .ok()
        .json();
    assert_eq!(v["entries"], json!([]));
    // --profile wins over AJAR_SERVER/AJAR_TOKEN.
    let mut c = k.ajar(&cfg);
    c.env("AJAR_SERVER", dead_url()).env("AJAR_TOKEN", &w.token);
    run(c, &["--profile", &a, "entries"]).await.ok();

    // Logout online ends Maya's session on the server: her token no longer works anywhere.
    let v = run(k.ajar(&cfg), &["--json", "logout", &a])
        .await
        .ok()
        .json();
    assert_eq!(v["session_ended_on_server"], true, "{v}");
    assert_eq!(run(headless(&w), &["entries"]).await.code, 3);
    let v = run(k.ajar(&cfg), &["--json", "profiles"]).await.ok().json();
    assert_eq!(v["default"], json!(b));
    run(k.ajar(&cfg), &["logout", &b]).await.ok();
    assert_eq!(run(k.ajar(&cfg), &["logout"]).await.code, 3);

    // A wrong token is refused before anything is stored.
    let r = login(
        &k,
        &cfg,
        &w.srv.url,
        &a,
        "seam_cst1_thisisnotarealtoken0000\n",
    )
    .await;
    assert_eq!(r.code, 3, "{r:?}");
    assert_eq!(
        run(k.ajar(&cfg), &["--json", "profiles"]).await.ok().json()["profiles"],
        json!([])
    );
    k.stop().await;
}
