//! `ajar-server export` / `import`: a workspace moves from a SQLite database to a fresh one (to
//! PostgreSQL when `AJAR_TEST_POSTGRES` is set, else another SQLite file) with nothing lost: the
//! same answers from the API, the same events with their hash chain (verified), the same keys
//! and sessions; other workspaces stay behind; a second import and a tampered export are refused.

mod common;

use common::*;
use serde_json::{json, Value};

/// Drops live door state (held by the running server's driver, not stored).
fn stored_only(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in ["is_locked", "unlocked_until", "is_online"] {
                m.remove(k);
            }
            m.values_mut().for_each(stored_only);
        }
        Value::Array(a) => a.iter_mut().for_each(stored_only),
        _ => {}
    }
}

async fn snapshot(srv: &Server, key: &str) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for route in [
        "/events/list",
        "/acs/systems/list",
        "/acs/entrances/list",
        "/user_identities/list",
        "/access_grants/list",
        "/access_methods/list",
        "/guest_links/list",
        "/api_keys/list",
        "/client_sessions/list",
        "/agents/list",
    ] {
        let (st, v) = srv.post(route, key, json!({"limit": 1000})).await;
        let (st, v) = if st == 400 {
            srv.post(route, key, json!({})).await
        } else {
            (st, v)
        };
        assert_eq!(st, 200, "{route}: {v}");
        let mut v = v;
        stored_only(&mut v);
        out.push((route, v));
    }
    out
}

#[tokio::test]
async fn a_workspace_moves_to_another_database_with_its_chain() {
    let src = tempfile::tempdir().expect("tmp");
    let mut a = Server::start_in(src.path(), &["--database", ""]);
    let k = a.key.clone();
    let fx = Fixture::create(&a, &k).await;
    let tok = fx.member_token(&a, &k).await;
    for d in &fx.doors {
        unlock(&a, &tok, &fx.method, d).await;
    }
    let ends = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    a.ok(
        "/guest_links/create",
        &k,
        json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "Plumber", "ends_at": ends, "max_unlock_count": 3}),
    )
    .await;
    // A second workspace stays behind.
    let other_key = {
        let (ok, out) = server_cli(
            src.path(),
            true,
            &["workspaces", "create", "--name", "Other"],
        );
        assert!(ok, "{out}");
        out.lines()
            .find_map(|l| l.strip_prefix("api_key (shown once): "))
            .expect("key")
            .trim()
            .to_owned()
    };
    a.ok(
        "/acs/systems/create",
        &other_key,
        json!({"name": "Elsewhere", "time_zone": "UTC"}),
    )
    .await;
    let before = snapshot(&a, &k).await;
    assert!(a.stop());

    let (ok, out) = server_cli(src.path(), true, &["workspaces", "list"]);
    assert!(ok, "{out}");
    let ws = out
        .split_whitespace()
        .next()
        .expect("first workspace")
        .to_owned();
    let file = src.path().join("ws.json");
    let file_s = file.to_str().expect("utf8");
    let (ok, out) = server_cli(
        src.path(),
        true,
        &["export", "--workspace-id", &ws, "--out", file_s],
    );
    assert!(ok, "{out}");

    // Into a fresh database (PostgreSQL on PostgreSQL runs).
    let dst = tempfile::tempdir().expect("tmp");
    let (ok, out) = server_cli(dst.path(), false, &["migrate"]);
    assert!(ok, "{out}");
    let (ok, out) = server_cli(dst.path(), false, &["import", file_s]);
    assert!(ok && out.contains("imported workspace"), "{out}");
    let (ok, out) = server_cli(dst.path(), false, &["audit", "verify"]);
    assert!(ok && out.contains("event chain: ok"), "{out}");
    let (ok, out) = server_cli(dst.path(), false, &["import", file_s]);
    assert!(!ok && out.contains("already exists"), "{out}");

    let b = Server::start_in(dst.path(), &[]);
    for ((route, after), (_, before)) in snapshot(&b, &k).await.into_iter().zip(&before) {
        assert!(
            &after == before,
            "{route} answers differently after the move"
        );
    }
    // Keys and sessions still work; the chain continues on the new database.
    assert_eq!(
        unlock(&b, &tok, &fx.method, &fx.doors[0]).await["status"],
        "success"
    );
    let (st, _) = b.post("/acs/systems/list", &other_key, json!({})).await;
    assert_eq!(st, 401, "the other workspace was not moved");
    let out = b.cli(&["audit", "verify"]);
    assert!(out.contains("event chain: ok"), "{out}");

    // A tampered export is refused whole.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    let events = doc["tables"]["events"].as_array_mut().expect("events");
    let n = events.len();
    events[n / 2]["occurred_at"] = json!(events[n / 2]["occurred_at"].as_i64().expect("t") + 1);
    let bad = src.path().join("bad.json");
    std::fs::write(&bad, doc.to_string()).expect("write");
    let third = tempfile::tempdir().expect("tmp");
    let (ok, out) = server_cli(
        third.path(),
        false,
        &["import", bad.to_str().expect("utf8")],
    );
    assert!(!ok && out.contains("hash chain"), "{out}");
    let (ok, out) = server_cli(third.path(), false, &["workspaces", "list"]);
    assert!(ok && out.trim().is_empty(), "nothing half-imported: {out}");
}
