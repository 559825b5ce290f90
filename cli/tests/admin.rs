//! `ajar admin …` end to end: the real `ajar` binary against a real `ajar-server` on 127.0.0.1
//! (in this process, temporary SQLite database). One test runs every admin command headless
//! (`AJAR_SERVER` + `AJAR_TOKEN` = an admin API key) in text and `--json`, with errors and exit
//! codes; another walks the source document's steps as a new user would: add a user, a Cloud
//! Key for two doors for tomorrow only, Remote Unlock on, a sign-in code redeemed with
//! `ajar login`, unlock and share within the key only, then Remote Unlock off stops the guest
//! link. The login step uses a private OS keyring (see cli.rs); set `AJAR_TEST_SKIP_KEYRING=1` to
//! redeem the code headless instead where that cannot run.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use ajar_server::clock::ManualClock;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

const ADMIN_KEY: &str = "seam_testadmin_0123456789abcdefghij";
mod common;
use common::{program, Keyring, AJAR};
const RUN_LIMIT: Duration = Duration::from_secs(60);
const ZONE: &str = "America/New_York";

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

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// `ajar` acting headless with this server and token.
fn as_token(cfg: &Path, url: &str, token: &str) -> Command {
    let mut c = program(AJAR, cfg);
    c.env("AJAR_SERVER", url).env("AJAR_TOKEN", token);
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

struct Admin {
    url: String,
    cfg: tempfile::TempDir,
}

impl Admin {
    async fn run(&self, args: &[&str]) -> Run {
        run(as_token(self.cfg.path(), &self.url, ADMIN_KEY), args).await
    }
    async fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        self.run(&a).await.ok().json()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_command_headless_in_text_and_json() {
    let server = ajar_server::testing::TestServer::start(ADMIN_KEY)
        .await
        .expect("server");
    let a = Admin {
        url: server.url.clone(),
        cfg: tempfile::tempdir().expect("cfg"),
    };

    // Sites.
    let site = a
        .json(&["admin", "sites", "add", "HQ", "--time-zone", ZONE])
        .await;
    assert_eq!(site["acs_system"]["location"]["time_zone"], ZONE);
    let bad = a
        .run(&[
            "--json",
            "admin",
            "sites",
            "add",
            "Moon",
            "--time-zone",
            "Moon/Base",
        ])
        .await;
    assert_eq!(bad.code, 8, "{bad:?}");
    assert_eq!(bad.json()["error"]["kind"], "invalid_input");
    let r = a
        .run(&["admin", "sites", "edit", "HQ", "--name", "Head Office"])
        .await
        .ok();
    assert!(
        r.stdout.contains("Head Office") && r.stdout.contains(ZONE),
        "{r:?}"
    );
    let r = a.run(&["admin", "sites", "list"]).await.ok();
    assert!(
        r.stdout.contains("TIME ZONE") && r.stdout.contains("Head Office"),
        "{r:?}"
    );

    // Doors.
    for name in ["Main", "Side"] {
        a.json(&["admin", "doors", "add", name, "--site", "Head Office"])
            .await;
    }
    let roof = a
        .json(&[
            "admin",
            "doors",
            "add",
            "Roof",
            "--site",
            "Head Office",
            "--cloud-key",
            "off",
        ])
        .await;
    assert_eq!(roof["acs_entrance"]["can_unlock_with_cloud_key"], false);
    let r = a
        .run(&[
            "admin",
            "doors",
            "edit",
            "roof",
            "--lockdown",
            "on",
            "--relock-ms",
            "1500",
        ])
        .await
        .ok();
    assert!(
        r.stdout.contains("in lockdown") && r.stdout.contains("1500 ms"),
        "{r:?}"
    );
    let doors = a.json(&["admin", "doors", "list"]).await;
    let doors = doors["acs_entrances"].as_array().expect("doors").clone();
    assert_eq!(doors.len(), 3);
    assert!(doors
        .iter()
        .all(|d| d["ajar_metadata"]["driver"] == "simulated"
            && d["ajar_metadata"]["is_online"] == true));
    let r = a
        .run(&["admin", "doors", "list", "--site", "Head Office"])
        .await
        .ok();
    assert!(
        r.stdout.contains("DRIVER") && r.stdout.contains("LOCKDOWN") && r.stdout.contains("online"),
        "{r:?}"
    );
    let r = a
        .run(&[
            "--json",
            "admin",
            "doors",
            "edit",
            "Cellar",
            "--lockdown",
            "on",
        ])
        .await;
    assert_eq!(r.code, 6, "{r:?}");
    let r = a
        .run(&["admin", "doors", "edit", "Main", "--relock-ms", "5"])
        .await;
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr.contains("relock_pulse_ms"),
        "readable error: {r:?}"
    );

    // Users.
    let ana = a
        .json(&[
            "admin",
            "users",
            "add",
            "--name",
            "Ana Lima",
            "--email",
            "ana@example.com",
        ])
        .await;
    let ana_id = s(&ana["person"]["user_identity"]["user_identity_id"]);
    assert_eq!(ana["person"]["user_identity"]["role"], "member");
    let dana = a
        .run(&[
            "admin",
            "users",
            "add",
            "--name",
            "Dana Desk",
            "--role",
            "front_desk",
        ])
        .await
        .ok();
    assert!(dana.stdout.contains("as front_desk"), "{dana:?}");
    let all = a.json(&["admin", "users", "list"]).await;
    assert_eq!(all["people"].as_array().map(Vec::len), Some(2));
    let desks = a
        .json(&["admin", "users", "list", "--role", "front_desk"])
        .await;
    assert_eq!(
        desks["people"][0]["user_identity"]["full_name"],
        "Dana Desk"
    );
    let found = a
        .json(&["admin", "users", "list", "--search", "ana@"])
        .await;
    assert_eq!(found["people"].as_array().map(Vec::len), Some(1));
    let r = a.run(&["admin", "users", "list"]).await.ok();
    assert!(
        r.stdout.contains("REMOTE UNLOCK") && r.stdout.contains("Ana Lima"),
        "{r:?}"
    );
    let edited = a
        .json(&[
            "admin",
            "users",
            "edit",
            "ana@example.com",
            "--phone",
            "+1 555 0100",
        ])
        .await;
    assert_eq!(
        edited["person"]["user_identity"]["phone_number"],
        "+1 555 0100"
    );
    let r = a
        .run(&["--json", "admin", "users", "show", "nobody@example.com"])
        .await;
    assert_eq!(r.code, 6, "{r:?}");
    assert_eq!(r.json()["error"]["kind"], "not_found");

    // Credentials (Cloud Keys).
    let key = a
        .json(&[
            "admin",
            "users",
            "credentials",
            "add",
            "Ana Lima",
            "--name",
            "Ana's phone",
            "--entry",
            "Main",
            "--entry",
            "Side",
            "--from",
            "2031-05-01T08:00",
            "--until",
            "2031-05-01T18:00",
        ])
        .await;
    let k = &key["cloud_key"];
    assert_eq!(k["state"], "scheduled");
    assert_eq!(k["time_zone"], ZONE);
    assert_eq!(
        k["starts_at"], "2031-05-01T12:00:00.000Z",
        "civil time read in the site's zone"
    );
    let key_id = s(&k["access_method_id"]);
    let r = a
        .run(&[
            "admin",
            "users",
            "credentials",
            "add",
            "ana@example.com",
            "--site",
            "Head Office",
        ])
        .await
        .ok();
    assert!(
        r.stdout.contains("3 door(s)") && r.stdout.contains("active"),
        "{r:?}"
    );
    let r = a
        .run(&[
            "admin",
            "users",
            "credentials",
            "add",
            "ana@example.com",
            "--entry",
            "Main",
            "--from",
            "2031-03-09T02:30",
        ])
        .await;
    assert_eq!(r.code, 8, "a civil time in the DST gap is refused: {r:?}");
    let listed = a
        .json(&[
            "admin",
            "users",
            "credentials",
            "list",
            "ana@example.com",
            "--state",
            "scheduled",
        ])
        .await;
    assert_eq!(listed["cloud_keys"].as_array().map(Vec::len), Some(1));
    let r = a
        .run(&["admin", "users", "credentials", "list", "ana@example.com"])
        .await
        .ok();
    assert!(
        r.stdout.contains("Ana's phone")
            && r.stdout.contains("2031-05-01 08:00 – 2031-05-01 18:00"),
        "{r:?}"
    );
    let revoked = a
        .json(&["admin", "users", "credentials", "revoke", &key_id])
        .await;
    assert_eq!(revoked["cloud_key"]["state"], "revoked");
    let r = a
        .run(&["admin", "users", "credentials", "revoke", "not-an-id"])
        .await;
    assert_eq!(r.code, 8, "{r:?}");

    // Remote Unlock.
    let r = a
        .run(&["admin", "users", "remote-unlock", "ana@example.com", "off"])
        .await
        .ok();
    assert!(
        r.stdout.contains("every guest link they issued stop"),
        "{r:?}"
    );
    let show = a.json(&["admin", "users", "show", &ana_id]).await;
    assert_eq!(show["person"]["state"], "remote_unlock_off");
    let r = a.run(&["admin", "users", "show", "Ana Lima"]).await.ok();
    assert!(r.stdout.contains("remote unlock: off"), "{r:?}");
    let on = a
        .json(&["admin", "users", "remote-unlock", "Ana Lima", "on"])
        .await;
    assert_eq!(on["person"]["user_identity"]["remote_unlock_enabled"], true);

    // Sessions.
    let png = a.cfg.path().join("ana.png");
    let issued = a
        .json(&[
            "admin",
            "sessions",
            "issue",
            "Ana Lima",
            "--qr-png",
            png.to_str().expect("utf8"),
        ])
        .await;
    let code = s(&issued["code"]);
    assert!(code.starts_with("ajar:signin?server="), "{code}");
    assert!(s(&issued["qr_svg"]).contains("<svg"));
    assert!(std::fs::read(&png).expect("png").starts_with(b"\x89PNG"));
    let token = s(&issued["client_session"]["token"]);
    let r = a
        .run(&["admin", "sessions", "issue", "ana@example.com", "--qr"])
        .await
        .ok();
    assert!(
        r.stdout.contains("ajar:signin?") && r.stdout.contains('█'),
        "{r:?}"
    );
    let sessions = a.json(&["admin", "sessions", "list", "Ana Lima"]).await;
    let list = sessions["client_sessions"]
        .as_array()
        .expect("sessions")
        .clone();
    assert_eq!(list.len(), 2);
    assert!(
        !sessions.to_string().contains(&token),
        "tokens are shown once"
    );
    let first = s(&issued["client_session"]["client_session_id"]);
    // The code works as AJAR_TOKEN (it carries the server).
    let cfg2 = tempfile::tempdir().expect("cfg");
    let mut c = program(AJAR, cfg2.path());
    c.env("AJAR_TOKEN", &code);
    let r = run(c, &["--json", "entries"]).await.ok();
    assert_eq!(r.json()["entries"].as_array().map(Vec::len), Some(3));
    let r = a.run(&["admin", "sessions", "revoke", &first]).await.ok();
    assert!(r.stdout.contains("signed out"), "{r:?}");
    let r = run(
        as_token(cfg2.path(), &a.url, &token),
        &["--json", "entries"],
    )
    .await;
    assert_eq!(r.code, 3, "a revoked session is signed out: {r:?}");
    let r = a.run(&["admin", "sessions", "list", "Ana Lima"]).await.ok();
    assert!(
        r.stdout.contains("revoked") && r.stdout.contains("active"),
        "{r:?}"
    );

    // API keys.
    let k = a.json(&["admin", "keys", "add", "--name", "CI"]).await;
    let secret = s(&k["api_key"]["token"]);
    let kid = s(&k["api_key"]["api_key_id"]);
    let listed = a.json(&["admin", "keys", "list"]).await;
    assert!(!listed.to_string().contains(&secret));
    let r = run(
        as_token(a.cfg.path(), &a.url, &secret),
        &["admin", "sites", "list"],
    )
    .await
    .ok();
    assert!(r.stdout.contains("Head Office"));
    let r = a.run(&["admin", "keys", "revoke", &kid]).await.ok();
    assert!(r.stdout.contains("Revoked API key"), "{r:?}");
    let r = run(
        as_token(a.cfg.path(), &a.url, &secret),
        &["admin", "sites", "list"],
    )
    .await;
    assert_eq!(r.code, 3, "{r:?}");
    let r = a.run(&["admin", "keys", "list"]).await.ok();
    assert!(
        r.stdout.contains("revoked") && r.stdout.contains("CI"),
        "{r:?}"
    );

    // Who may: a member is refused (exit 4), front desk lists but cannot change.
    let member = a.json(&["admin", "sessions", "issue", "Ana Lima"]).await;
    let member = s(&member["client_session"]["token"]);
    let r = run(
        as_token(a.cfg.path(), &a.url, &member),
        &["--json", "admin", "users", "list"],
    )
    .await;
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(r.json()["error"]["kind"], "refused");
    let desk = a.json(&["admin", "sessions", "issue", "Dana Desk"]).await;
    let desk = s(&desk["client_session"]["token"]);
    let r = run(
        as_token(a.cfg.path(), &a.url, &desk),
        &["admin", "users", "list"],
    )
    .await
    .ok();
    assert!(r.stdout.contains("Ana Lima"));
    for args in [
        &["admin", "users", "add", "--name", "X"][..],
        &["admin", "users", "remote-unlock", "Ana Lima", "off"],
        &["admin", "sessions", "issue", "Ana Lima"],
        &["admin", "doors", "edit", "Main", "--lockdown", "on"],
        &["admin", "keys", "list"],
    ] {
        let r = run(as_token(a.cfg.path(), &a.url, &desk), args).await;
        assert_eq!(r.code, 4, "front desk {args:?}: {r:?}");
        assert!(
            r.stderr.contains("ajar:"),
            "readable error on stderr: {r:?}"
        );
    }

    // Remove.
    let r = a.json(&["admin", "users", "remove", "Dana Desk"]).await;
    assert_eq!(r["removed"], true);
    let r = run(
        as_token(a.cfg.path(), &a.url, &desk),
        &["admin", "users", "list"],
    )
    .await;
    assert_eq!(r.code, 3, "a removed user's session ends: {r:?}");
    // Usage errors exit 2.
    let r = a
        .run(&["admin", "users", "remote-unlock", "Ana Lima", "maybe"])
        .await;
    assert_eq!(r.code, 2, "{r:?}");
}

// ---- the walkthrough ------------------------------------------------------------------------

/// How the signed-in user runs `ajar`: their profile (keyring) or headless with the code.
enum Phone<'a> {
    Profile(&'a Keyring, String),
    Headless(String),
}

async fn guest(url: &str, path: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .json(&body)
        .send()
        .await
        .expect("guest request");
    resp.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_documents_steps_as_a_new_user_with_remote_unlock_stopping_the_guest_link() {
    // The server's clock starts now and is moved to "tomorrow" later.
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let server = ajar_server::testing::TestServer::start_with(ADMIN_KEY, clock.clone(), |_| {})
        .await
        .expect("server");
    let a = Admin {
        url: server.url.clone(),
        cfg: tempfile::tempdir().expect("cfg"),
    };
    a.json(&["admin", "sites", "add", "HQ", "--time-zone", ZONE])
        .await;
    for name in ["Main", "Side", "Roof"] {
        a.json(&["admin", "doors", "add", name, "--site", "HQ"])
            .await;
    }

    // 1. Users > User Management: the user.
    a.json(&[
        "admin",
        "users",
        "add",
        "--name",
        "Ana Lima",
        "--email",
        "ana@example.com",
    ])
    .await;
    // 2-4. Credentials > Add > Cloud Key: a name, a start and an end: tomorrow only, two doors.
    let tz: chrono_tz::Tz = ZONE.parse().expect("zone");
    let today = Utc::now().with_timezone(&tz).date_naive();
    let tomorrow = today.succ_opt().expect("tomorrow");
    let day_after = tomorrow.succ_opt().expect("day after");
    let civil = |d: chrono::NaiveDate, hm: &str| {
        format!("{:04}-{:02}-{:02}T{hm}", d.year(), d.month(), d.day())
    };
    let key = a
        .json(&[
            "admin",
            "users",
            "credentials",
            "add",
            "ana@example.com",
            "--name",
            "Ana's Cloud Key",
            "--entry",
            "Main",
            "--entry",
            "Side",
            "--from",
            &civil(tomorrow, "00:00"),
            "--until",
            &civil(day_after, "00:00"),
        ])
        .await;
    assert_eq!(key["cloud_key"]["state"], "scheduled");
    // 5. Access tab: Remote Unlock enabled.
    let p = a
        .json(&["admin", "users", "remote-unlock", "ana@example.com", "on"])
        .await;
    assert_eq!(p["person"]["user_identity"]["remote_unlock_enabled"], true);
    // A sign-in code for her phone, redeemed with `ajar login`.
    let issued = a
        .json(&["admin", "sessions", "issue", "ana@example.com"])
        .await;
    let code = s(&issued["code"]);
    let phone_cfg = tempfile::tempdir().expect("phone cfg");
    let keyring = Keyring::start().await;
    let phone = match &keyring {
        Some(k) => {
            let name = format!("ana-{}", std::process::id());
            let mut c = k.ajar(phone_cfg.path());
            c.args(["--json", "login", "--name", &name])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = c.spawn().expect("login");
            let mut input = child.stdin.take().expect("stdin");
            input
                .write_all(format!("{code}\n").as_bytes())
                .await
                .expect("code");
            drop(input);
            let out = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
                .await
                .expect("login finishes")
                .expect("wait");
            let v: Value = serde_json::from_slice(&out.stdout).expect("login json");
            assert_eq!(out.status.code(), Some(0), "{v}");
            assert_eq!(
                v["profile"]["server"],
                json!(a.url),
                "the code carried the server"
            );
            assert!(s(&v["profile"]["label"]).contains("Ana Lima"));
            Phone::Profile(k, name)
        }
        None => Phone::Headless(code.clone()),
    };
    let ana_cmd = || -> Command {
        match &phone {
            Phone::Profile(k, name) => {
                let mut c = k.ajar(phone_cfg.path());
                c.args(["--profile", name]);
                c
            }
            Phone::Headless(code) => {
                let mut c = program(AJAR, phone_cfg.path());
                c.env("AJAR_TOKEN", code);
                c
            }
        }
    };

    // Today she sees her two doors but cannot unlock, and can share nothing outside her key.
    let r = run(ana_cmd(), &["--json", "entries"]).await.ok();
    let names: Vec<String> = r.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| s(&e["name"]))
        .collect();
    assert_eq!(names, ["Main", "Side"]);
    let r = run(ana_cmd(), &["--json", "unlock", "Main"]).await;
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stdout.contains("access_not_yet_started"), "{r:?}");
    for args in [
        vec!["--json", "share", "Main", "--for", "1h"],
        vec![
            "--json",
            "share",
            "Roof",
            "--from",
            &civil(tomorrow, "09:00"),
            "--until",
            &civil(tomorrow, "17:00"),
        ],
        vec![
            "--json",
            "share",
            "Main",
            "--from",
            &civil(tomorrow, "09:00"),
            "--until",
            &civil(day_after, "09:00"),
        ],
    ] {
        let r = run(ana_cmd(), &args).await;
        assert_ne!(r.code, 0, "shared outside the key: {args:?} {r:?}");
    }
    // Within her key (tomorrow, her doors) she can share.
    let link = run(
        ana_cmd(),
        &[
            "--json",
            "share",
            "Main",
            "Side",
            "--description",
            "Plumber",
            "--from",
            &civil(tomorrow, "09:00"),
            "--until",
            &civil(tomorrow, "17:00"),
        ],
    )
    .await
    .ok()
    .json();
    let url = s(&link["url"]);
    let token = url.split_once("/g#").expect("fragment URL").1.to_owned();
    let main = s(&link["link"]["acs_entrance_ids"][0]);

    // Tomorrow 10:00 at the site: she unlocks, the guest opens the link and unlocks.
    let ten: DateTime<Utc> = tz
        .from_local_datetime(&tomorrow.and_hms_opt(10, 0, 0).expect("10:00"))
        .single()
        .expect("10:00 exists")
        .with_timezone(&Utc);
    clock.set(ten);
    let r = run(ana_cmd(), &["--json", "unlock", "Main"]).await.ok();
    assert!(r.stdout.contains("confirmed"), "{r:?}");
    let view = guest(&a.url, "/g/api/view", json!({"token": token})).await;
    assert_eq!(view["guest_link"]["state"], "active", "{view}");
    let u = guest(
        &a.url,
        "/g/api/unlock",
        json!({"token": token, "acs_entrance_id": main}),
    )
    .await;
    assert_eq!(u["action_attempt"]["status"], "success", "{u}");

    // Remote Unlock off: her unlocks and the guest link stop at the next request.
    let r = a
        .run(&["admin", "users", "remote-unlock", "ana@example.com", "off"])
        .await
        .ok();
    assert!(r.stdout.contains("stop at the next request"), "{r:?}");
    let u = guest(
        &a.url,
        "/g/api/unlock",
        json!({"token": token, "acs_entrance_id": main}),
    )
    .await;
    assert_eq!(u["action_attempt"]["status"], "error", "{u}");
    assert_eq!(
        u["action_attempt"]["error"]["type"],
        "guest_link_issuer_lost_access"
    );
    let r = run(ana_cmd(), &["--json", "unlock", "Main"]).await;
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stdout.contains("remote_unlock_disabled"), "{r:?}");
    let r = run(ana_cmd(), &["--json", "share", "Main", "--for", "1h"]).await;
    assert_eq!(r.code, 4, "{r:?}");
    // The trail shows who changed what.
    let ev = a.json(&["activity", "--limit", "200"]).await;
    let text = ev.to_string();
    for t in [
        "user_identity.created",
        "access_method.issued",
        "user_identity.remote_unlock_disabled",
        "client_session.created",
    ] {
        assert!(text.contains(t), "{t} missing from the activity");
    }
    let r = a.run(&["activity", "--limit", "200"]).await.ok();
    assert!(
        r.stdout.contains("user_identity.remote_unlock_disabled")
            && r.stdout.contains("changed remote_unlock_enabled")
            && r.stdout.contains("by api_key"),
        "who changed what, in the text activity: {r:?}"
    );
    if let Some(k) = keyring {
        k.stop().await;
    }
}
