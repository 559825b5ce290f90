//! Several `ajar-server` processes on one PostgreSQL database (runs only with
//! `AJAR_TEST_POSTGRES`): unlocks and guest-link unlocks spread over two instances give the same
//! answers as one — one attempt per idempotency key, `max_unlock_count` never exceeded, both
//! instances list the same events, and the events hash chain verifies; and with one instance
//! killed mid-load, clients retrying on the other lose no acknowledged unlock and double none.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::*;
use serde_json::{json, Value};

const FAST_GUESTS: &[&str] = &[
    "--guest-unlock-burst",
    "1000",
    "--guest-unlocks-per-minute",
    "60000",
];

async fn unlock_with(srv: &Server, tok: &str, method: &str, door: &str, idem: &str) -> Value {
    let (st, v) = srv
        .post_with(
            "/access_methods/unlock_door",
            tok,
            json!({"access_method_id": method, "acs_entrance_id": door}),
            &[("Idempotency-Key", idem)],
        )
        .await;
    assert_eq!(st, 200, "{v}");
    v["action_attempt"].clone()
}

async fn guest_unlock(srv: &Server, tok: &str, door: &str, idem: &str) -> Value {
    let resp = srv
        .http
        .post(format!("{}/g/api/unlock", srv.url))
        .header("Idempotency-Key", idem)
        .json(&json!({"token": tok, "acs_entrance_id": door}))
        .send()
        .await
        .expect("send");
    resp.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_answer_as_one() {
    if !on_postgres() {
        eprintln!("needs AJAR_TEST_POSTGRES (several instances share a PostgreSQL database)");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    // Same data directory → same test database: two instances, one PostgreSQL.
    let a = Arc::new(Server::start_in(dir.path(), FAST_GUESTS));
    let b = Arc::new(Server::start_in(dir.path(), FAST_GUESTS));
    let both = [a.clone(), b.clone()];
    let k = a.key.clone();
    let fx = Fixture::create(&a, &k).await;
    // What A created, B sees at once.
    b.ok(
        "/access_grants/get",
        &k,
        json!({"access_grant_id": fx.grant}),
    )
    .await;
    let tok = fx.member_token(&b, &k).await;

    // 40 unlocks with distinct keys, alternating instances, all at once; then 20 with one key.
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let (srv, tok, m, d) = (
                both[i % 2].clone(),
                tok.clone(),
                fx.method.clone(),
                fx.doors[i % 2].clone(),
            );
            tokio::spawn(async move { unlock_with(&srv, &tok, &m, &d, &format!("tap-{i}")).await })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for t in tasks {
        let at = t.await.expect("task");
        assert_eq!(at["status"], "success", "{at}");
        ids.insert(s(&at["action_attempt_id"]));
    }
    assert_eq!(ids.len(), 40, "one attempt per key");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (srv, tok, m, d) = (
                both[i % 2].clone(),
                tok.clone(),
                fx.method.clone(),
                fx.doors[0].clone(),
            );
            tokio::spawn(async move { unlock_with(&srv, &tok, &m, &d, "same-tap").await })
        })
        .collect();
    let mut same = BTreeSet::new();
    for t in tasks {
        same.insert(s(&t.await.expect("task")["action_attempt_id"]));
    }
    assert_eq!(same.len(), 1, "one key, two instances: one attempt");

    // A guest link with 5 uses, 40 parallel guest unlocks over both instances: exactly 5.
    let ends = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let link = a
        .ok(
            "/guest_links/create",
            &k,
            json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "5 uses", "ends_at": ends, "max_unlock_count": 5}),
        )
        .await["guest_link"]
        .clone();
    let gtok = s(&link["url"])
        .split_once("/g#")
        .expect("fragment")
        .1
        .to_owned();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let (srv, t, d) = (both[i % 2].clone(), gtok.clone(), fx.doors[0].clone());
            tokio::spawn(async move { guest_unlock(&srv, &t, &d, &format!("g{i}")).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        let v = t.await.expect("task");
        match v["action_attempt"]["status"].as_str() {
            Some("success") => ok += 1,
            _ => assert_eq!(
                v["action_attempt"]["error"]["type"], "guest_link_used_up",
                "{v}"
            ),
        }
    }
    assert_eq!(ok, 5, "max_unlock_count holds across instances");
    let got = b
        .ok(
            "/guest_links/get",
            &k,
            json!({"guest_link_id": link["guest_link_id"]}),
        )
        .await;
    assert_eq!(got["guest_link"]["unlock_count"], json!(5));

    // Both instances tell the same history: 41 member unlocks + 5 guest unlocks, no duplicate.
    let ev_a = a.ok("/events/list", &k, json!({"limit": 1000})).await;
    let ev_b = b.ok("/events/list", &k, json!({"limit": 1000})).await;
    assert_eq!(ev_a, ev_b);
    let unlocked: Vec<&Value> = ev_a["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event_type"] == "lock.unlocked")
        .collect();
    let attempts: BTreeSet<String> = unlocked
        .iter()
        .map(|e| s(&e["action_attempt_id"]))
        .collect();
    assert_eq!(unlocked.len(), 46);
    assert_eq!(attempts.len(), 46, "no attempt unlocked twice");

    // The hash chain, written by two instances in turn, verifies.
    let out = a.cli(&["audit", "verify"]);
    assert!(out.contains("event chain: ok"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_load_loses_no_acknowledged_unlock() {
    if !on_postgres() {
        eprintln!("needs AJAR_TEST_POSTGRES (several instances share a PostgreSQL database)");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let a = Server::start_in(dir.path(), FAST_GUESTS);
    let mut b = Server::start_in(dir.path(), FAST_GUESTS);
    let k = a.key.clone();
    let fx = Fixture::create(&a, &k).await;
    let tok = fx.member_token(&a, &k).await;
    let (url_a, url_b) = (a.url.clone(), b.url.clone());

    // 80 taps, each with its own Idempotency-Key, half sent to B first; a tap whose answer does
    // not arrive is retried on A with the same key (what the client core does).
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..80)
        .map(|i| {
            let (http, tok, m, d) = (
                http.clone(),
                tok.clone(),
                fx.method.clone(),
                fx.doors[i % 2].clone(),
            );
            let first = if i % 2 == 0 {
                url_a.clone()
            } else {
                url_b.clone()
            };
            let survivor = url_a.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(3 * i as u64)).await;
                let key = format!("tap-{i}");
                for (n, url) in std::iter::once(first)
                    .chain(std::iter::repeat(survivor))
                    .take(5)
                    .enumerate()
                {
                    let sent = http
                        .post(format!("{url}/access_methods/unlock_door"))
                        .bearer_auth(&tok)
                        .header("Idempotency-Key", &key)
                        .json(&json!({"access_method_id": m, "acs_entrance_id": d}))
                        .send()
                        .await;
                    if let Ok(r) = sent {
                        if r.status() == 200 {
                            let v: Value = r.json().await.expect("json");
                            return (key, v["action_attempt"].clone(), n);
                        }
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                panic!("tap {key} never acknowledged");
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    b.kill9();
    let mut acked = Vec::new();
    for t in tasks {
        acked.push(t.await.expect("task"));
    }
    let retried = acked.iter().filter(|(_, _, n)| *n > 0).count();
    eprintln!("{retried} of 80 taps were retried on the surviving instance");

    let ids: BTreeSet<String> = acked
        .iter()
        .map(|(_, at, _)| {
            assert_eq!(at["status"], "success", "{at}");
            s(&at["action_attempt_id"])
        })
        .collect();
    assert_eq!(
        ids.len(),
        80,
        "one attempt per key, none doubled by a retry"
    );
    let ev = a
        .ok(
            "/events/list",
            &k,
            json!({"event_type": "lock.unlocked", "limit": 1000}),
        )
        .await;
    let unlocked: Vec<String> = ev["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| s(&e["action_attempt_id"]))
        .collect();
    let stored: BTreeSet<String> = unlocked.iter().cloned().collect();
    assert_eq!(unlocked.len(), stored.len(), "no attempt unlocked twice");
    assert_eq!(
        stored, ids,
        "every acknowledged unlock is stored, and nothing else"
    );
    let out = a.cli(&["audit", "verify"]);
    assert!(out.contains("event chain: ok"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_links_unlock_rate_limit_is_shared_by_the_instances() {
    if !on_postgres() {
        eprintln!("needs AJAR_TEST_POSTGRES (several instances share a PostgreSQL database)");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    // Burst 4, then 1 per minute, on each instance: together they must still allow 4.
    let limits = [
        "--guest-unlock-burst",
        "4",
        "--guest-unlocks-per-minute",
        "1",
    ];
    let a = Arc::new(Server::start_in(dir.path(), &limits));
    let b = Arc::new(Server::start_in(dir.path(), &limits));
    let both = [a.clone(), b.clone()];
    let k = a.key.clone();
    let fx = Fixture::create(&a, &k).await;
    let ends = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let link = a
        .ok(
            "/guest_links/create",
            &k,
            json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "limited", "ends_at": ends}),
        )
        .await["guest_link"]
        .clone();
    let gtok = s(&link["url"])
        .split_once("/g#")
        .expect("fragment")
        .1
        .to_owned();
    let mut ok = 0;
    let mut limited = 0;
    for i in 0..12 {
        let v = guest_unlock(&both[i % 2], &gtok, &fx.doors[0], &format!("r{i}")).await;
        if v["action_attempt"]["status"] == "success" {
            ok += 1;
        } else {
            assert_eq!(v["error"]["type"], "rate_limited", "{v}");
            limited += 1;
        }
    }
    assert_eq!(
        (ok, limited),
        (4, 8),
        "one budget for the link across both instances"
    );
}
