//! The audit trail's hash chain, `ajar-server audit verify`, `ajar-server backup` and the
//! chain backfill of the migration, against real SQLite files and the real binary.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::json;

async fn some_history(srv: &Server) -> (Fixture, String) {
    let k = srv.key.clone();
    let fx = Fixture::create(srv, &k).await;
    let tok = fx.member_token(srv, &k).await;
    for _ in 0..3 {
        unlock(srv, &tok, &fx.method, &fx.doors[0]).await;
    }
    (fx, tok)
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("ajar.sqlite3")).expect("open db")
}

#[tokio::test]
async fn verify_passes_then_names_the_first_tampered_row() {
    if on_postgres() {
        eprintln!("a test of SQLite files: skipped on PostgreSQL");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut srv = Server::start_in(dir.path(), &[]);
    some_history(&srv).await;
    let other = srv.new_workspace("Other");
    srv.ok(
        "/acs/systems/create",
        &other,
        json!({"name": "B", "time_zone": "UTC"}),
    )
    .await;
    assert!(srv.stop());

    let (ok, out) = server_cli(dir.path(), false, &["audit", "verify"]);
    assert!(ok, "{out}");
    assert!(out.contains("integrity_check: ok"), "{out}");
    assert!(out.contains("event chain: ok"), "{out}");

    let conn = db(dir.path());
    let chained: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE hash IS NOT NULL AND prev_hash IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    let all: i64 = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .expect("count");
    assert!(all >= 5 && chained == all, "{chained} of {all} chained");
    // Events stay append-only for everyone who does not drop the trigger first.
    assert!(conn
        .execute("UPDATE events SET event_type = 'x' WHERE seq = 1", [])
        .is_err());
    assert!(conn
        .execute("DELETE FROM events WHERE seq = 1", [])
        .is_err());

    // Tamper as an attacker with file access would: lift the trigger, edit one row's body.
    let (seq, id, ws): (i64, String, String) = conn
        .query_row(
            "SELECT seq, id, workspace_id FROM events WHERE event_type = 'lock.unlocked' ORDER BY seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("unlock event");
    conn.execute_batch("DROP TRIGGER events_no_update")
        .expect("drop trigger");
    conn.execute(
        "UPDATE events SET occurred_at = occurred_at + 3600000 WHERE seq = ?1",
        [seq],
    )
    .expect("tamper");
    let (ok, out) = server_cli(dir.path(), false, &["audit", "verify"]);
    assert!(!ok, "verify must fail after tampering: {out}");
    assert!(
        out.contains(&format!(
            "BROKEN at event {id} (seq {seq}) of workspace {ws}"
        )),
        "{out}"
    );
    assert!(out.contains("does not match its hash"), "{out}");
}

#[tokio::test]
async fn verify_catches_a_removed_row() {
    if on_postgres() {
        eprintln!("a test of SQLite files: skipped on PostgreSQL");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut srv = Server::start_in(dir.path(), &[]);
    some_history(&srv).await;
    assert!(srv.stop());
    let conn = db(dir.path());
    conn.execute_batch("DROP TRIGGER events_no_delete; DROP TRIGGER events_no_update")
        .expect("drop triggers");
    let seqs: Vec<i64> = conn
        .prepare("SELECT seq FROM events ORDER BY seq")
        .expect("prep")
        .query_map([], |r| r.get(0))
        .expect("q")
        .collect::<Result<_, _>>()
        .expect("rows");
    // Remove one event in the middle: the next one's prev_hash no longer fits.
    let victim = seqs[seqs.len() / 2];
    let next = seqs[seqs.len() / 2 + 1];
    conn.execute("DELETE FROM events WHERE seq = ?1", [victim])
        .expect("delete");
    let (ok, out) = server_cli(dir.path(), false, &["audit", "verify"]);
    assert!(!ok, "{out}");
    assert!(out.contains(&format!("(seq {next})")), "{out}");
    assert!(out.contains("prev_hash"), "{out}");
}

#[tokio::test]
async fn backup_while_serving_writes_restores_and_verifies() {
    if on_postgres() {
        eprintln!("a test of SQLite files: skipped on PostgreSQL");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut srv = Server::start_in(dir.path(), &[]);
    let (fx, tok) = some_history(&srv).await;
    // Write traffic runs while the backup is taken.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let url = srv.url.clone();
        let (tok, method, door) = (tok.clone(), fx.method.clone(), fx.doors[0].clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = http
                    .post(format!("{url}/access_methods/unlock_door"))
                    .bearer_auth(&tok)
                    .json(&json!({"access_method_id": method, "acs_entrance_id": door}))
                    .send()
                    .await
                    .expect("unlock");
                assert_eq!(r.status(), 200);
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let dest = tempfile::tempdir().expect("tmp");
    let restored = dest.path().join("copy");
    let data = dir.path().to_owned();
    let target = restored.clone();
    let (ok, out) = tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_ajar-server"))
            .arg("backup")
            .arg(&target)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .expect("backup");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    })
    .await
    .expect("join");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let during = writer.await.expect("writer");
    assert!(ok, "{out}");
    assert!(out.contains("event chain: ok"), "{out}");
    assert!(during > 0, "no writes ran during the backup");
    // A backup never overwrites.
    let (again, _) = server_cli(
        dir.path(),
        false,
        &["backup", restored.to_str().expect("utf8")],
    );
    assert!(!again);
    assert!(srv.stop());

    // The restored copy serves: the same data, and new writes extend its chain.
    let (ok, out) = server_cli(&restored, false, &["audit", "verify"]);
    assert!(ok, "{out}");
    let mut copy = Server::start_in(&restored, &[]);
    let (st, v) = copy
        .post(
            "/acs/entrances/get",
            &copy.key.clone(),
            json!({"acs_entrance_id": fx.doors[0]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    unlock(&copy, &tok, &fx.method, &fx.doors[0]).await;
    assert!(copy.stop());
    let (ok, out) = server_cli(&restored, false, &["audit", "verify"]);
    assert!(ok, "{out}");
}

#[test]
fn migration_chains_events_written_before_the_chain_existed() {
    if on_postgres() {
        eprintln!("a test of SQLite files: skipped on PostgreSQL");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let latest: i64 = ajar_server::store::schema::latest_version();
    // A database at the version before the chain, with history written by older code.
    let (ok, out) = server_cli(
        dir.path(),
        false,
        // Version 5 added the chain (later migrations are appended after it).
        &["migrate", "--to-version", "4"],
    );
    assert!(ok, "{out}");
    let conn = db(dir.path());
    let has_hash: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'hash'",
            [],
            |r| r.get(0),
        )
        .expect("q");
    assert_eq!(has_hash, 0);
    let ws = [
        "5f2a7f59-0000-4000-8000-000000000001",
        "5f2a7f59-0000-4000-8000-000000000002",
    ];
    for w in ws {
        conn.execute(
            "INSERT INTO workspaces (id, name, connected_account_id, created_at) VALUES (?1, 'w', ?1, 0)",
            [w],
        )
        .expect("ws");
    }
    for i in 0..50 {
        let w = ws[i % 2];
        let id = format!("0190a000-0000-7000-8000-{i:012}");
        let body = json!({"event_id": id, "workspace_id": w, "event_type": "acs_system.added",
            "occurred_at": "2026-01-01T00:00:00.000Z", "created_at": "2026-01-01T00:00:00.000Z"});
        conn.execute(
            "INSERT INTO events (id, workspace_id, event_type, occurred_at, body) VALUES (?1, ?2, 'acs_system.added', ?3, ?4)",
            rusqlite::params![id, w, i as i64, body.to_string()],
        )
        .expect("event");
    }
    drop(conn);
    let (ok, out) = server_cli(dir.path(), false, &["migrate"]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("schema version {latest}")), "{out}");
    let (ok, out) = server_cli(dir.path(), false, &["audit", "verify"]);
    assert!(ok, "{out}");
    assert!(out.contains("50 events in 2 workspaces"), "{out}");
    // The trigger is back after the backfill.
    assert!(db(dir.path())
        .execute("UPDATE events SET event_type = 'x' WHERE seq = 1", [])
        .is_err());
}

#[tokio::test]
async fn on_postgres_migrate_and_verify_name_a_tampered_row() {
    let Some(_) = pg_base() else {
        return; // the SQLite side is covered by the tests above
    };
    let dir = tempfile::tempdir().expect("tmp");
    let mut srv = Server::start_in(dir.path(), &[]);
    some_history(&srv).await;
    assert!(srv.stop());

    let (ok, out) = server_cli(dir.path(), false, &["migrate"]);
    assert!(ok && out.contains("schema version"), "{out}");
    let (ok, out) = server_cli(dir.path(), false, &["audit", "verify"]);
    assert!(ok && out.contains("event chain: ok"), "{out}");
    let (ok, out) = server_cli(dir.path(), false, &["backup", "/nonexistent-ajar-backup"]);
    assert!(!ok && out.contains("pg_dump"), "{out}");

    // The table owner lifts the append-only trigger and alters one row: the chain names it.
    let url = pg_database_for(dir.path()).expect("pg");
    let seq: i64 = pg_blocking(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let seq: i64 = c
            .query_one("SELECT max(seq) FROM events", &[])
            .expect("max")
            .get(0);
        c.batch_execute(&format!(
            "ALTER TABLE events DISABLE TRIGGER events_no_update;
             UPDATE events SET occurred_at = occurred_at + 1 WHERE seq = {seq};
             ALTER TABLE events ENABLE TRIGGER events_no_update;"
        ))
        .expect("tamper");
        seq
    });
    let (ok, out) = server_cli(dir.path(), false, &["audit", "verify"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("(seq {seq})")) && out.contains("BROKEN"),
        "{out}"
    );
}

/// Tables, columns, indexes and triggers of a PostgreSQL database, as comparable text.
fn pg_schema(url: String) -> Vec<String> {
    pg_blocking(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let mut out = Vec::new();
        for sql in [
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '') || ' ' || COALESCE(is_identity, '')
             FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1",
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
            "SELECT tgname || ' ' || pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT tgisinternal ORDER BY 1",
            "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1",
        ] {
            for r in c.query(sql, &[]).expect(sql) {
                out.push(r.get::<_, String>(0));
            }
        }
        out
    })
}

#[test]
fn on_postgres_an_upgraded_database_ends_identical_to_a_fresh_one() {
    if !on_postgres() {
        return; // the SQLite upgrade path is covered above
    }
    let fresh = tempfile::tempdir().expect("tmp");
    let (ok, out) = server_cli(fresh.path(), false, &["migrate"]);
    assert!(ok, "{out}");
    let upgraded = tempfile::tempdir().expect("tmp");
    for v in ["1", "3", "4"] {
        let (ok, out) = server_cli(upgraded.path(), false, &["migrate", "--to-version", v]);
        assert!(ok && out.contains(&format!("schema version {v}")), "{out}");
    }
    let (ok, out) = server_cli(upgraded.path(), false, &["migrate"]);
    assert!(ok, "{out}");
    let a = pg_schema(pg_database_for(fresh.path()).expect("pg"));
    let b = pg_schema(pg_database_for(upgraded.path()).expect("pg"));
    assert!(a.iter().any(|l| l.starts_with("events.hash ")), "{a:?}");
    assert!(
        a.iter()
            .any(|l| l.starts_with("events_no_delete_truncate ")),
        "{a:?}"
    );
    assert_eq!(a, b);
}
