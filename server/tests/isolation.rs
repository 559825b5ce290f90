//! Tenant isolation: for every route that takes an id, workspace B's admin key on workspace A's
//! objects answers 404 (or an empty list for filters) and changes nothing in A. The test reads
//! the server's own OpenAPI document and fails when an id-taking route has no case here.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{json, Value};

/// Whether a JSON schema (or any property of it) takes a uuid.
fn takes_uuid(schema: &Value) -> bool {
    if schema["format"] == "uuid" {
        return true;
    }
    if let Some(items) = schema.get("items") {
        if takes_uuid(items) {
            return true;
        }
    }
    schema["properties"]
        .as_object()
        .is_some_and(|p| p.values().any(takes_uuid))
}

async fn snapshot(srv: &Server, key: &str) -> Value {
    let mut out = serde_json::Map::new();
    for (path, body, field) in [
        ("/acs/systems/list", json!({}), "acs_systems"),
        ("/acs/entrances/list", json!({}), "acs_entrances"),
        ("/user_identities/list", json!({}), "user_identities"),
        ("/access_grants/list", json!({}), "access_grants"),
        ("/action_attempts/list", json!({}), "action_attempts"),
        ("/events/list", json!({"limit": 1000}), "events"),
        ("/client_sessions/list", json!({}), "client_sessions"),
        ("/api_keys/list", json!({}), "api_keys"),
        ("/guest_links/list", json!({}), "guest_links"),
        ("/cloud_keys/list", json!({}), "cloud_keys"),
        ("/people/list", json!({}), "people"),
        ("/agents/list", json!({}), "agents"),
    ] {
        let mut v = srv.ok(path, key, body).await[field].clone();
        // Live door state may change with time; it is not what isolation is about.
        if let Some(items) = v.as_array_mut() {
            for i in items {
                if let Some(m) = i.get_mut("ajar_metadata") {
                    m["unlocked_until"] = Value::Null;
                }
                if let Some(l) = i.get_mut("is_locked") {
                    *l = Value::Null;
                }
            }
        }
        out.insert(path.to_owned(), v);
    }
    Value::Object(out)
}

fn empty_answer(v: &Value) -> bool {
    let obj = v.as_object().expect("object");
    obj.iter()
        .filter(|(k, _)| *k != "ok" && *k != "pagination")
        .all(|(_, x)| match x {
            Value::Array(a) => a.is_empty(),
            Value::Object(batch) => batch
                .values()
                .all(|b| b.as_array().is_some_and(|a| a.is_empty())),
            _ => false,
        })
}

fn to_query(body: &Value) -> String {
    let mut q = Vec::new();
    for (k, v) in body.as_object().expect("object") {
        match v {
            Value::Array(items) if items.is_empty() => q.push(format!("{k}=")),
            Value::Array(items) => q.extend(
                items
                    .iter()
                    .map(|i| format!("{k}={}", i.as_str().unwrap_or_default())),
            ),
            Value::String(s) => q.push(format!("{k}={s}")),
            other => q.push(format!("{k}={other}")),
        }
    }
    q.push("_strict=true".into());
    q.join("&")
}

#[tokio::test]
async fn workspace_b_cannot_see_or_touch_workspace_a() {
    let srv = Server::start().await;
    let a = srv.key.clone();
    let b = srv.new_workspace("Tenant B");
    let fa = Fixture::create(&srv, &a).await;
    let fb = Fixture::create(&srv, &b).await;

    // More objects in A: an attempt, a session, an API key, an event.
    let attempt = s(&unlock(&srv, &a, &fa.method, &fa.doors[0]).await["action_attempt_id"]);
    let sess = srv
        .ok(
            "/client_sessions/create",
            &a,
            json!({"user_identity_id": fa.user}),
        )
        .await;
    let session = s(&sess["client_session"]["client_session_id"]);
    let key = srv
        .ok("/api_keys/create", &a, json!({"name": "A's key"}))
        .await;
    let api_key = s(&key["api_key"]["api_key_id"]);
    let ev = srv.ok("/events/list", &a, json!({"limit": 1})).await;
    let event = s(&ev["events"][0]["event_id"]);
    let ends = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let link = srv
        .ok("/guest_links/create", &a, json!({"user_identity_id": fa.user, "acs_entrance_ids": [fa.doors[0]], "description": "A's guest", "ends_at": ends}))
        .await;
    let link = s(&link["guest_link"]["guest_link_id"]);
    let site = srv
        .ok("/acs/systems/get", &a, json!({"acs_system_id": fa.site}))
        .await;
    let ca = s(&site["acs_system"]["connected_account_id"]);
    // A door agent enrolled for another site of A (A's fixture doors stay simulated).
    let agent_site = srv
        .ok(
            "/acs/systems/create",
            &a,
            json!({"name": "Annex", "time_zone": "UTC"}),
        )
        .await;
    let agent_site = s(&agent_site["acs_system"]["acs_system_id"]);
    let code = srv
        .ok(
            "/agents/enrollment_codes/create",
            &a,
            json!({"acs_system_id": agent_site}),
        )
        .await;
    let agent_key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let enrolled = srv
        .ok(
            "/agents/enroll",
            "",
            json!({"enrollment_code": s(&code["agent_enrollment_code"]["code"]),
                   "public_key": ajar_protocol::agent::public_key_text(&agent_key.verifying_key())}),
        )
        .await;
    let agent = s(&enrolled["enrollment"]["agent_id"]);

    let before = snapshot(&srv, &a).await;

    // (path, body with A's ids, answer: "404" or "empty")
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/acs/systems/list",
            json!({"connected_account_id": ca}),
            "empty",
        ),
        ("/acs/systems/get", json!({"acs_system_id": fa.site}), "404"),
        (
            "/acs/systems/update",
            json!({"acs_system_id": fa.site, "name": "pwned"}),
            "404",
        ),
        (
            "/acs/systems/delete",
            json!({"acs_system_id": fa.site}),
            "404",
        ),
        (
            "/acs/entrances/list",
            json!({"acs_system_id": fa.site}),
            "empty",
        ),
        (
            "/acs/entrances/list",
            json!({"acs_entrance_ids": [fa.doors[0]]}),
            "empty",
        ),
        (
            "/acs/entrances/list",
            json!({"access_method_id": fa.method}),
            "empty",
        ),
        (
            "/acs/entrances/get",
            json!({"acs_entrance_id": fa.doors[0]}),
            "404",
        ),
        (
            "/acs/entrances/create",
            json!({"acs_system_id": fa.site, "display_name": "Backdoor"}),
            "404",
        ),
        (
            "/acs/entrances/update",
            json!({"acs_entrance_id": fa.doors[0], "is_in_lockdown": true}),
            "404",
        ),
        (
            "/acs/entrances/delete",
            json!({"acs_entrance_id": fa.doors[0]}),
            "404",
        ),
        (
            "/user_identities/create",
            json!({"full_name": "X", "acs_system_ids": [fa.site]}),
            "404",
        ),
        (
            "/user_identities/get",
            json!({"user_identity_id": fa.user}),
            "404",
        ),
        (
            "/user_identities/list",
            json!({"user_identity_ids": [fa.user]}),
            "empty",
        ),
        (
            "/user_identities/update",
            json!({"user_identity_id": fa.user, "role": "admin"}),
            "404",
        ),
        (
            "/user_identities/delete",
            json!({"user_identity_id": fa.user}),
            "404",
        ),
        (
            "/access_grants/create",
            json!({"user_identity_id": fa.user, "acs_entrance_ids": [fb.doors[0]], "requested_access_methods": [{"mode": "cloud_key"}]}),
            "404",
        ),
        (
            "/access_grants/create",
            json!({"user_identity_id": fb.user, "acs_entrance_ids": [fa.doors[0]], "requested_access_methods": [{"mode": "cloud_key"}]}),
            "404",
        ),
        (
            "/access_grants/get",
            json!({"access_grant_id": fa.grant}),
            "404",
        ),
        (
            "/access_grants/list",
            json!({"user_identity_id": fa.user}),
            "empty",
        ),
        (
            "/access_grants/list",
            json!({"acs_entrance_id": fa.doors[0]}),
            "empty",
        ),
        (
            "/access_grants/list",
            json!({"acs_system_id": fa.site}),
            "empty",
        ),
        (
            "/access_grants/list",
            json!({"access_grant_ids": [fa.grant]}),
            "empty",
        ),
        (
            "/access_grants/update",
            json!({"access_grant_id": fa.grant, "ends_at": "2020-01-02T00:00:00Z", "starts_at": "2020-01-01T00:00:00Z"}),
            "404",
        ),
        (
            "/access_grants/delete",
            json!({"access_grant_id": fa.grant}),
            "404",
        ),
        (
            "/access_grants/get_related",
            json!({"access_grant_ids": [fa.grant]}),
            "empty",
        ),
        (
            "/access_methods/list",
            json!({"access_grant_id": fa.grant}),
            "empty",
        ),
        (
            "/access_methods/list",
            json!({"acs_entrance_id": fa.doors[0]}),
            "empty",
        ),
        (
            "/access_methods/list",
            json!({"user_identity_id": fa.user}),
            "empty",
        ),
        (
            "/access_methods/get",
            json!({"access_method_id": fa.method}),
            "404",
        ),
        (
            "/access_methods/get_related",
            json!({"access_method_ids": [fa.method]}),
            "empty",
        ),
        (
            "/access_methods/unlock_door",
            json!({"access_method_id": fa.method, "acs_entrance_id": fa.doors[0]}),
            "404",
        ),
        (
            "/access_methods/unlock_door",
            json!({"access_method_id": fb.method, "acs_entrance_id": fa.doors[0]}),
            "404",
        ),
        (
            "/access_methods/delete",
            json!({"access_method_id": fa.method}),
            "404",
        ),
        (
            "/access_methods/delete",
            json!({"access_grant_id": fa.grant}),
            "404",
        ),
        (
            "/action_attempts/get",
            json!({"action_attempt_id": attempt}),
            "404",
        ),
        (
            "/action_attempts/list",
            json!({"action_attempt_ids": [attempt]}),
            "empty",
        ),
        (
            "/events/list",
            json!({"user_identity_id": fa.user}),
            "empty",
        ),
        (
            "/events/list",
            json!({"acs_entrance_id": fa.doors[0]}),
            "empty",
        ),
        ("/events/list", json!({"event_ids": [event]}), "empty"),
        (
            "/events/list",
            json!({"action_attempt_id": attempt}),
            "empty",
        ),
        ("/events/get", json!({"event_id": event}), "404"),
        (
            "/client_sessions/create",
            json!({"user_identity_id": fa.user}),
            "404",
        ),
        (
            "/client_sessions/get",
            json!({"client_session_id": session}),
            "404",
        ),
        (
            "/client_sessions/list",
            json!({"user_identity_id": fa.user}),
            "empty",
        ),
        (
            "/client_sessions/list",
            json!({"client_session_id": session}),
            "empty",
        ),
        (
            "/client_sessions/revoke",
            json!({"client_session_id": session}),
            "404",
        ),
        ("/api_keys/revoke", json!({"api_key_id": api_key}), "404"),
        (
            "/guest_links/create",
            json!({"user_identity_id": fa.user, "acs_entrance_ids": [fb.doors[0]], "description": "x", "ends_at": ends}),
            "404",
        ),
        (
            "/guest_links/create",
            json!({"user_identity_id": fb.user, "acs_entrance_ids": [fa.doors[0]], "description": "x", "ends_at": ends}),
            "404",
        ),
        (
            "/guest_links/create",
            json!({"access_method_id": fa.method, "acs_entrance_ids": [fa.doors[0]], "description": "x", "ends_at": ends}),
            "404",
        ),
        ("/guest_links/get", json!({"guest_link_id": link}), "404"),
        (
            "/guest_links/list",
            json!({"issuer_user_identity_id": fa.user}),
            "empty",
        ),
        (
            "/guest_links/list",
            json!({"acs_entrance_id": fa.doors[0]}),
            "empty",
        ),
        ("/guest_links/revoke", json!({"guest_link_id": link}), "404"),
        // The control center.
        ("/people/get", json!({"user_identity_id": fa.user}), "404"),
        (
            "/user_identities/set_remote_unlock",
            json!({"user_identity_id": fa.user, "enabled": false}),
            "404",
        ),
        (
            "/cloud_keys/create",
            json!({"user_identity_id": fa.user, "name": "x", "acs_entrance_ids": [fb.doors[0]]}),
            "404",
        ),
        (
            "/cloud_keys/create",
            json!({"user_identity_id": fb.user, "name": "x", "acs_entrance_ids": [fa.doors[0]]}),
            "404",
        ),
        (
            "/cloud_keys/create",
            json!({"user_identity_id": fb.user, "name": "x", "acs_system_ids": [fa.site]}),
            "404",
        ),
        (
            "/cloud_keys/list",
            json!({"user_identity_id": fa.user}),
            "empty",
        ),
        (
            "/cloud_keys/get",
            json!({"access_method_id": fa.method}),
            "404",
        ),
        (
            "/cloud_keys/revoke",
            json!({"access_method_id": fa.method}),
            "404",
        ),
        ("/events/list", json!({"object_id": fa.user}), "empty"),
        ("/events/list", json!({"actor_id": api_key}), "empty"),
        (
            "/agents/enrollment_codes/create",
            json!({"acs_system_id": fa.site}),
            "404",
        ),
        (
            "/agents/list",
            json!({"acs_system_id": agent_site}),
            "empty",
        ),
        ("/agents/get", json!({"agent_id": agent}), "404"),
        ("/agents/revoke", json!({"agent_id": agent}), "404"),
    ];

    for (path, body, expect) in &cases {
        let (st, v) = srv.post(path, &b, body.clone()).await;
        match *expect {
            "404" => {
                assert_eq!(st, 404, "B on A via POST {path} {body}: {v}");
                assert!(
                    v["error"]["type"]
                        .as_str()
                        .is_some_and(|t| t.ends_with("_not_found")),
                    "{path}: {v}"
                );
            }
            _ => {
                assert_eq!(st, 200, "POST {path}: {v}");
                assert!(
                    empty_answer(&v),
                    "B saw A's rows via POST {path} {body}: {v}"
                );
            }
        }
        // Reads and deletes also in the GET/DELETE + query style.
        let methods = srv
            .http
            .get(format!("{}/openapi.json", srv.url))
            .send()
            .await
            .expect("o")
            .json::<Value>()
            .await
            .expect("j");
        let item = &methods["paths"][*path];
        for m in ["get", "delete"] {
            if item.get(m).is_some() {
                let method = reqwest::Method::from_bytes(m.to_uppercase().as_bytes()).expect("m");
                let (st, v) = srv
                    .raw(method, &format!("{path}?{}", to_query(body)), &b, vec![])
                    .await;
                if *expect == "404" {
                    assert_eq!(st, 404, "B on A via {m} {path}: {v}");
                } else {
                    assert!(
                        st == 200 && empty_answer(&v),
                        "B saw A's rows via {m} {path}: {v}"
                    );
                }
            }
        }
    }

    // Nothing in A changed, and A still works.
    assert_eq!(
        snapshot(&srv, &a).await,
        before,
        "a request from workspace B changed workspace A"
    );
    assert_eq!(
        unlock(&srv, &a, &fa.method, &fa.doors[1]).await["status"],
        "success"
    );

    // Coverage: every id-taking operation in the OpenAPI document has a case above.
    let api: Value = srv
        .http
        .get(format!("{}/openapi.json", srv.url))
        .send()
        .await
        .expect("o")
        .json()
        .await
        .expect("j");
    let covered: BTreeSet<&str> = cases.iter().map(|(p, _, _)| *p).collect();
    let mut missing = Vec::new();
    for (path, item) in api["paths"].as_object().expect("paths") {
        let post = &item["post"];
        let body_schema = &post["requestBody"]["content"]["application/json"]["schema"];
        if takes_uuid(body_schema) && !covered.contains(path.as_str()) {
            missing.push(path.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "id-taking routes without an isolation case: {missing:?}"
    );
}
