//! Bad input gets a Seam-style 4xx envelope and loses nothing; restarts keep everything; the
//! database keeps only hashes of secrets and refuses to change the audit trail.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn assert_envelope(st: u16, v: &Value, status: u16, kind: &str) {
    assert_eq!(st, status, "{v}");
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["error"]["type"], kind, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{v}"
    );
}

#[tokio::test]
async fn bad_input_gets_clear_4xx_envelopes_and_changes_nothing() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let before = srv.ok("/events/list", &k, json!({"limit": 1000})).await;

    // Malformed JSON and non-object bodies.
    for body in [
        &b"{not json"[..],
        b"[1,2,3]",
        b"\"text\"",
        b"{\"a\":",
        b"\xff\xfe",
    ] {
        let (st, v) = srv
            .raw(Method::POST, "/user_identities/create", &k, body.to_vec())
            .await;
        assert_envelope(st, &v, 400, "invalid_input");
    }
    // Wrong types, named per field.
    let (st, v) = srv
        .post(
            "/access_methods/unlock_door",
            &k,
            json!({"access_method_id": 42, "acs_entrance_id": "not-a-uuid"}),
        )
        .await;
    assert_envelope(st, &v, 400, "invalid_input");
    assert!(v["error"]["validation_errors"]["access_method_id"]["_errors"][0].is_string());
    assert_eq!(
        v["error"]["validation_errors"]["acs_entrance_id"]["_errors"][0],
        "Invalid uuid"
    );
    let (st, v) = srv.post("/access_methods/unlock_door", &k, json!({})).await;
    assert_envelope(st, &v, 400, "invalid_input");
    assert_eq!(
        v["error"]["validation_errors"]["access_method_id"]["_errors"][0],
        "Required"
    );
    let (st, v) = srv
        .post(
            "/user_identities/create",
            &k,
            json!({"email_address": "not an email"}),
        )
        .await;
    assert_envelope(st, &v, 400, "invalid_input");
    let (st, v) = srv
        .post("/user_identities/create", &k, json!({"role": "owner"}))
        .await;
    assert_envelope(st, &v, 400, "invalid_input");
    let (st, v) = srv
        .post(
            "/acs/systems/create",
            &k,
            json!({"name": "X", "time_zone": "Mars/Olympus"}),
        )
        .await;
    assert_envelope(st, &v, 400, "invalid_input");
    let (st, v) = srv
        .post("/access_grants/create", &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "requested_access_methods": [{"mode": "code"}]}))
        .await;
    assert_envelope(st, &v, 400, "invalid_input");
    let (st, v) = srv
        .post("/access_grants/create", &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]],
            "requested_access_methods": [{"mode": "cloud_key"}], "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"}))
        .await;
    assert_envelope(st, &v, 400, "invalid_input");
    let (st, v) = srv.get("/events/list", &k, "limit=lots").await;
    assert_envelope(st, &v, 400, "invalid_input");
    let (st, v) = srv
        .get(
            "/acs/entrances/get",
            &k,
            "acs_entrance_id=a&acs_entrance_id=b",
        )
        .await;
    assert_envelope(st, &v, 400, "invalid_input");
    let (st, v) = srv
        .post(
            "/acs/entrances/update",
            &k,
            json!({"acs_entrance_id": fx.doors[0], "relock_pulse_ms": 0}),
        )
        .await;
    assert_envelope(st, &v, 400, "invalid_input");

    // Unknown ids, unknown routes, wrong methods.
    let ghost = uuid::Uuid::new_v4().to_string();
    let (st, v) = srv
        .post("/access_grants/get", &k, json!({"access_grant_id": ghost}))
        .await;
    assert_envelope(st, &v, 404, "access_grant_not_found");
    assert_eq!(v["error"]["data"]["access_grant_id"], json!(ghost));
    let (st, v) = srv.post("/no/such/route", &k, json!({})).await;
    assert_envelope(st, &v, 404, "not_found");
    let (st, v) = srv
        .raw(
            Method::PUT,
            "/access_methods/unlock_door",
            &k,
            b"{}".to_vec(),
        )
        .await;
    assert_envelope(st, &v, 405, "method_not_allowed");

    // Oversized bodies.
    // The server answers 413 as soon as the limit is passed and closes the connection, so a
    // client still sending may see the reset instead of the answer; either way nothing is kept.
    let big = format!("{{\"full_name\": \"{}\"}}", "x".repeat(200_000));
    let sent = srv
        .http
        .post(format!("{}/user_identities/create", srv.url))
        .bearer_auth(&k)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let st = resp.status().as_u16();
            // The unread rest of the body poisons the connection: the server must say so.
            assert_eq!(
                resp.headers().get("connection").map(|v| v.as_bytes()),
                Some(&b"close"[..])
            );
            let v: Value = resp.json().await.expect("json");
            assert_envelope(st, &v, 413, "payload_too_large");
        }
        Err(e) => assert!(e.is_request() || e.is_body() || e.is_connect(), "{e}"),
    }

    let (st, v) = srv
        .post(
            "/user_identities/create",
            &k,
            json!({"full_name": "y".repeat(500)}),
        )
        .await;
    assert_envelope(st, &v, 400, "invalid_input");

    // Nothing was written by any of it.
    let after = srv.ok("/events/list", &k, json!({"limit": 1000})).await;
    assert_eq!(before, after);
    let users = srv.ok("/user_identities/list", &k, json!({})).await;
    assert_eq!(users["user_identities"].as_array().expect("users").len(), 1);
}

#[tokio::test]
async fn no_request_in_a_hostile_batch_gets_a_5xx() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let api: Value = srv
        .http
        .get(format!("{}/openapi.json", srv.url))
        .send()
        .await
        .expect("o")
        .json()
        .await
        .expect("j");
    let junk = [
        json!(null),
        json!(1),
        json!("x"),
        json!([]),
        json!({"limit": -1}),
        json!({"page_cursor": "%%%"}),
        json!({"access_method_id": fx.method, "acs_entrance_id": fx.doors[0], "starts_at": "yesterday"}),
        json!({"user_identity_id": "00000000-0000-0000-0000-000000000000", "ends_at": 5, "name": {"a": 1}}),
        json!({"acs_entrance_ids": ["x", 3, null], "requested_access_methods": "cloud_key", "user_identity": 7}),
    ];
    for (path, item) in api["paths"].as_object().expect("paths") {
        for m in item.as_object().expect("item").keys() {
            for body in &junk {
                let method = Method::from_bytes(m.to_uppercase().as_bytes()).expect("method");
                let (st, v) = if m == "get" || m == "delete" {
                    srv.raw(
                        method,
                        &format!(
                            "{path}?{}",
                            "limit=x&page_cursor=&acs_entrance_ids=zz&_strict=true"
                        ),
                        &k,
                        vec![],
                    )
                    .await
                } else {
                    srv.raw(method, path, &k, serde_json::to_vec(body).expect("json"))
                        .await
                };
                assert!(st < 500, "{m} {path} {body} -> {st} {v}");
            }
        }
    }
}

#[tokio::test]
async fn restart_on_the_same_data_dir_keeps_everything() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut srv = Server::start_in(dir.path(), &[]);
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let tok = fx.member_token(&srv, &k).await;
    let a = unlock(&srv, &tok, &fx.method, &fx.doors[0]).await;
    let extra = srv
        .ok("/api_keys/create", &k, json!({"name": "second"}))
        .await;
    let extra = s(&extra["api_key"]["token"]);
    let before = srv.ok("/events/list", &k, json!({"limit": 1000})).await;
    assert!(srv.stop(), "SIGTERM gives a clean exit");

    let srv2 = Server::start_in(dir.path(), &[]);
    let after = srv2.ok("/events/list", &k, json!({"limit": 1000})).await;
    assert_eq!(before, after);
    srv2.ok("/acs/systems/list", &extra, json!({})).await;
    let got = srv2
        .ok(
            "/action_attempts/get",
            &tok,
            json!({"action_attempt_id": a["action_attempt_id"]}),
        )
        .await;
    assert_eq!(got["action_attempt"], a);
    assert_eq!(
        unlock(&srv2, &tok, &fx.method, &fx.doors[1]).await["status"],
        "success"
    );
}

#[tokio::test]
async fn database_keeps_hashes_and_an_append_only_audit_trail() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut srv = Server::start_in(dir.path(), &[]);
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let tok = fx.member_token(&srv, &k).await;
    unlock(&srv, &tok, &fx.method, &fx.doors[0]).await;
    assert!(srv.stop());

    if let Some(url) = pg_database_for(dir.path()) {
        let raw = stored_bytes(dir.path());
        for secret in [&k, &tok] {
            let needle = secret.as_bytes();
            assert!(
                !raw.windows(needle.len()).any(|w| w == needle),
                "secret stored in plain text"
            );
        }
        pg_blocking(move || {
            let mut db = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
            let hashes: Vec<String> = db
                .query(
                    "SELECT token_hash FROM api_keys UNION ALL SELECT token_hash FROM client_sessions",
                    &[],
                )
                .expect("hashes")
                .iter()
                .map(|r| r.get(0))
                .collect();
            assert!(
                hashes.len() >= 2
                    && hashes
                        .iter()
                        .all(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            );
            let n: i64 = db
                .query_one("SELECT COUNT(*) FROM events", &[])
                .expect("count")
                .get(0);
            assert!(n > 0);
            for sql in [
                "UPDATE events SET event_type = 'lock.locked'",
                "DELETE FROM events",
                "TRUNCATE events",
            ] {
                let err = db.batch_execute(sql).expect_err(sql);
                assert!(
                    err.to_string().contains("append-only")
                        || format!("{err:?}").contains("append-only"),
                    "{sql}: {err:?}"
                );
            }
            let after: i64 = db
                .query_one("SELECT COUNT(*) FROM events", &[])
                .expect("count")
                .get(0);
            assert_eq!(after, n);
        });
        return;
    }

    let path = dir.path().join("ajar.sqlite3");
    let raw = std::fs::read(&path).expect("db file");
    let wal = std::fs::read(dir.path().join("ajar.sqlite3-wal")).unwrap_or_default();
    for secret in [&k, &tok] {
        let needle = secret.as_bytes();
        assert!(
            !raw.windows(needle.len()).any(|w| w == needle),
            "secret stored in plain text"
        );
        assert!(
            !wal.windows(needle.len()).any(|w| w == needle),
            "secret in the WAL in plain text"
        );
    }
    let db = rusqlite::Connection::open(&path).expect("open");
    let mode: String = db
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let hashes: Vec<String> = db
        .prepare("SELECT token_hash FROM api_keys UNION ALL SELECT token_hash FROM client_sessions")
        .expect("prep")
        .query_map([], |r| r.get(0))
        .expect("q")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(
        hashes.len() >= 2
            && hashes
                .iter()
                .all(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    let n: i64 = db
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .expect("count");
    assert!(n > 0);
    let upd = db.execute("UPDATE events SET event_type = 'lock.locked'", []);
    assert!(upd.is_err_and(|e| e.to_string().contains("append-only")));
    let del = db.execute("DELETE FROM events", []);
    assert!(del.is_err_and(|e| e.to_string().contains("append-only")));
    let still: i64 = db
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .expect("count");
    assert_eq!(still, n);
}

#[tokio::test]
async fn cli_manages_keys_and_demo_seeds_a_usable_workspace() {
    let dir = tempfile::tempdir().expect("tmp");
    let srv = Server::start_in(dir.path(), &["--demo"]);
    // The demo seeded a site in a real time zone, doors (one without cloud key) and people.
    let sites = srv.ok("/acs/systems/list", &srv.key, json!({})).await;
    assert_eq!(
        sites["acs_systems"][0]["location"]["time_zone"],
        "Europe/Berlin"
    );
    let doors = srv.ok("/acs/entrances/list", &srv.key, json!({})).await;
    let doors = doors["acs_entrances"].as_array().expect("doors");
    assert!(doors.len() >= 4);
    assert!(doors
        .iter()
        .any(|d| d["can_unlock_with_cloud_key"] == false));
    let grants = srv.ok("/access_grants/list", &srv.key, json!({})).await;
    assert!(!grants["access_grants"]
        .as_array()
        .expect("grants")
        .is_empty());

    let out = srv.cli(&["keys", "create", "--name", "ops"]);
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("api_key (shown once): "))
        .expect("key")
        .trim()
        .to_owned();
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("api_key_id: "))
        .expect("id")
        .trim()
        .to_owned();
    srv.ok("/acs/systems/list", &key, json!({})).await;
    let listed = srv.cli(&["keys", "list"]);
    assert!(listed.contains(&id) && !listed.contains(&key));
    srv.cli(&["keys", "revoke", &id]);
    let (st, _) = srv.post("/acs/systems/list", &key, json!({})).await;
    assert_eq!(
        st, 401,
        "a key revoked from the CLI is refused by the running server"
    );
}
