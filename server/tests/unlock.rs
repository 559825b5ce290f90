//! The unlock rule, checked at the moment of use: each refusal is a failed attempt with its
//! reason and an audit event, never a `lock.unlocked`; idempotency keys never unlock twice.

mod common;

use common::*;
use serde_json::{json, Value};

async fn door_state(srv: &Server, door: &str) -> Value {
    let (_, d) = srv
        .get(
            "/acs/entrances/get",
            &srv.key,
            &format!("acs_entrance_id={door}"),
        )
        .await;
    d["acs_entrance"]["ajar_metadata"]["unlocked_until"].clone()
}

async fn assert_refused(srv: &Server, token: &str, method: &str, door: &str, code: &str) {
    let before = door_state(srv, door).await;
    let a = unlock(srv, token, method, door).await;
    assert_eq!(a["status"], "error", "expected refusal {code}, got {a}");
    assert_eq!(a["error"]["type"], code, "{a}");
    assert!(a["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(a["result"], Value::Null);
    let evs = events_for_attempt(srv, &srv.key, &s(&a["action_attempt_id"])).await;
    assert_eq!(
        evs.len(),
        1,
        "exactly one audit event for a refusal: {evs:?}"
    );
    assert_eq!(evs[0]["event_type"], "action_attempt.unlock_door.failed");
    assert_eq!(evs[0]["error_code"], code);
    assert_eq!(evs[0]["acs_entrance_id"], json!(door));
    // The refusal did not open (or keep open) the door.
    assert_eq!(
        door_state(srv, door).await,
        before,
        "{door}: a refused unlock must not touch the door"
    );
}

#[tokio::test]
async fn refusals_each_have_their_reason() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;

    // Entrance without cloud-key unlock.
    assert_refused(
        &srv,
        &k,
        &fx.method,
        &fx.no_cloud_door,
        "entrance_not_cloud_key_enabled",
    )
    .await;
    // Entrance not covered by the key.
    assert_refused(
        &srv,
        &k,
        &fx.method,
        &fx.other_door,
        "entrance_not_in_access_grant",
    )
    .await;
    // Lockdown blocks, lifting it restores.
    srv.ok(
        "/acs/entrances/update",
        &k,
        json!({"acs_entrance_id": fx.doors[0], "is_in_lockdown": true}),
    )
    .await;
    assert_refused(&srv, &k, &fx.method, &fx.doors[0], "entrance_in_lockdown").await;
    srv.ok(
        "/acs/entrances/update",
        &k,
        json!({"acs_entrance_id": fx.doors[0], "is_in_lockdown": false}),
    )
    .await;
    assert_eq!(
        unlock(&srv, &k, &fx.method, &fx.doors[0]).await["status"],
        "success"
    );

    // Window not yet open, then closed, by the server's clock.
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    srv.ok(
        "/access_grants/update",
        &k,
        json!({"access_grant_id": fx.grant, "starts_at": future}),
    )
    .await;
    assert_refused(&srv, &k, &fx.method, &fx.doors[1], "access_not_yet_started").await;
    let past_start = (chrono::Utc::now() - chrono::Duration::days(2)).to_rfc3339();
    let past_end = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    srv.ok(
        "/access_grants/update",
        &k,
        json!({"access_grant_id": fx.grant, "starts_at": past_start, "ends_at": past_end}),
    )
    .await;
    assert_refused(&srv, &k, &fx.method, &fx.doors[1], "access_ended").await;
    srv.ok(
        "/access_grants/update",
        &k,
        json!({"access_grant_id": fx.grant, "ends_at": null}),
    )
    .await;
    assert_eq!(
        unlock(&srv, &k, &fx.method, &fx.doors[1]).await["status"],
        "success"
    );

    // A revoked method.
    srv.ok(
        "/access_methods/delete",
        &k,
        json!({"access_method_id": fx.method}),
    )
    .await;
    assert_refused(&srv, &k, &fx.method, &fx.doors[1], "access_method_revoked").await;
}

#[tokio::test]
async fn deleted_user_is_refused_and_their_sessions_end() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let tok = fx.member_token(&srv, &k).await;
    assert_eq!(
        unlock(&srv, &tok, &fx.method, &fx.doors[0]).await["status"],
        "success"
    );
    srv.ok(
        "/user_identities/delete",
        &k,
        json!({"user_identity_id": fx.user}),
    )
    .await;
    assert_refused(&srv, &k, &fx.method, &fx.doors[0], "user_identity_deleted").await;
    let (st, _) = srv.post("/acs/entrances/list", &tok, json!({})).await;
    assert_eq!(
        st, 401,
        "a deleted user's session is dead at the next request"
    );
    let (st, _) = srv
        .post(
            "/user_identities/get",
            &k,
            json!({"user_identity_id": fx.user}),
        )
        .await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn revoking_a_grant_stops_the_next_unlock() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    assert_eq!(
        unlock(&srv, &k, &fx.method, &fx.doors[0]).await["status"],
        "success"
    );
    srv.ok(
        "/access_grants/delete",
        &k,
        json!({"access_grant_id": fx.grant}),
    )
    .await;
    assert_refused(&srv, &k, &fx.method, &fx.doors[0], "access_method_revoked").await;
    let ev = srv.ok("/events/list", &k, json!({"access_grant_id": fx.grant, "event_types": ["access_grant.deleted", "access_method.revoked"]})).await;
    assert_eq!(ev["events"].as_array().expect("events").len(), 2);
}

#[tokio::test]
async fn fifty_parallel_unlocks_with_one_key_unlock_once() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let body = json!({"access_method_id": fx.method, "acs_entrance_id": fx.doors[0]});
    let futures = (0..50).map(|_| {
        srv.post_with(
            "/access_methods/unlock_door",
            &k,
            body.clone(),
            &[("Idempotency-Key", "door-42-tap-1")],
        )
    });
    let answers = futures::future::join_all(futures).await;
    let mut ids = std::collections::BTreeSet::new();
    for (st, v) in &answers {
        assert_eq!(*st, 200, "{v}");
        assert_eq!(v["action_attempt"]["status"], "success");
        ids.insert(s(&v["action_attempt"]["action_attempt_id"]));
    }
    assert_eq!(ids.len(), 1, "one key, one attempt");
    let unlocked = srv
        .ok(
            "/events/list",
            &k,
            json!({"event_type": "lock.unlocked", "acs_entrance_id": fx.doors[0]}),
        )
        .await;
    assert_eq!(
        unlocked["events"].as_array().expect("events").len(),
        1,
        "one key, one lock.unlocked"
    );
    let attempts = srv.ok("/action_attempts/list", &k, json!({})).await;
    assert_eq!(
        attempts["action_attempts"]
            .as_array()
            .expect("attempts")
            .len(),
        1
    );

    // The same key for another request is refused, not silently replayed.
    let (st, e) = srv
        .post_with(
            "/access_methods/unlock_door",
            &k,
            json!({"access_method_id": fx.method, "acs_entrance_id": fx.doors[1]}),
            &[("Idempotency-Key", "door-42-tap-1")],
        )
        .await;
    assert_eq!(
        (st, e["error"]["type"].clone()),
        (422, json!("idempotency_key_reused"))
    );
    // Without a key, each request is its own unlock.
    unlock(&srv, &k, &fx.method, &fx.doors[0]).await;
    unlock(&srv, &k, &fx.method, &fx.doors[0]).await;
    let unlocked = srv
        .ok("/events/list", &k, json!({"event_type": "lock.unlocked"}))
        .await;
    assert_eq!(unlocked["events"].as_array().expect("events").len(), 3);
}

#[tokio::test]
async fn unknown_method_or_door_is_not_found_and_not_audited_as_unlock() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let ghost = uuid::Uuid::new_v4().to_string();
    let (st, e) = srv
        .post(
            "/access_methods/unlock_door",
            &k,
            json!({"access_method_id": ghost, "acs_entrance_id": fx.doors[0]}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["type"].clone()),
        (404, json!("access_method_not_found"))
    );
    assert_eq!(e["error"]["data"]["access_method_id"], json!(ghost));
    let (st, e) = srv
        .post(
            "/access_methods/unlock_door",
            &k,
            json!({"access_method_id": fx.method, "acs_entrance_id": ghost}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["type"].clone()),
        (404, json!("acs_entrance_not_found"))
    );
    let ev = srv
        .ok("/events/list", &k, json!({"event_type": "lock.unlocked"}))
        .await;
    assert!(ev["events"].as_array().expect("events").is_empty());
}
