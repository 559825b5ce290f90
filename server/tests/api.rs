//! The Seam-shaped API over real HTTP: the cloud-key flow in both request styles, envelopes,
//! pagination cursors, role scoping and the OpenAPI document.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn cloud_key_flow_post_style_and_get_style() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;

    // Step 1: entrances of the site, with the cloud-key flag (POST and GET agree).
    let post = srv
        .ok("/acs/entrances/list", &k, json!({"acs_system_id": fx.site}))
        .await;
    let (st, get) = srv
        .get(
            "/acs/entrances/list",
            &k,
            &format!("acs_system_id={}&_strict=true", fx.site),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(post["acs_entrances"], get["acs_entrances"]);
    let entrances = post["acs_entrances"].as_array().expect("array");
    assert_eq!(entrances.len(), 4);
    let cloud: Vec<_> = entrances
        .iter()
        .filter(|e| e["can_unlock_with_cloud_key"] == true)
        .collect();
    assert_eq!(cloud.len(), 3);
    assert_eq!(post["pagination"]["has_next_page"], false);
    for e in entrances {
        for field in [
            "acs_entrance_id",
            "acs_system_id",
            "connected_account_id",
            "created_at",
            "display_name",
            "space_ids",
            "errors",
            "warnings",
        ] {
            assert!(e.get(field).is_some(), "acs_entrance lacks {field}: {e}");
        }
    }

    // Step 2 happened in the fixture; the grant carries the cloud key.
    let (st, g) = srv
        .get(
            "/access_grants/get",
            &k,
            &format!("access_grant_id={}", fx.grant),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(g["access_grant"]["access_method_ids"], json!([fx.method]));
    assert_eq!(
        g["access_grant"]["requested_access_methods"][0]["mode"],
        "cloud_key"
    );
    assert_eq!(g["access_grant"]["ends_at"], Value::Null);

    // Step 3: get_related, GET style with a single-element array.
    let (st, rel) = srv
        .get(
            "/access_methods/get_related",
            &k,
            &format!("access_method_ids={}&_strict=true", fx.method),
        )
        .await;
    assert_eq!(st, 200, "{rel}");
    let mut related: Vec<String> = rel["batch"]["acs_entrances"]
        .as_array()
        .expect("entrances")
        .iter()
        .map(|e| s(&e["acs_entrance_id"]))
        .collect();
    related.sort();
    let mut expected = vec![
        fx.doors[0].clone(),
        fx.doors[1].clone(),
        fx.no_cloud_door.clone(),
    ];
    expected.sort();
    assert_eq!(related, expected);

    // Step 4: unlock; the answer is a finished attempt and the door reports unlocked.
    let a = unlock(&srv, &k, &fx.method, &fx.doors[0]).await;
    assert_eq!(a["status"], "success");
    assert_eq!(a["action_type"], "UNLOCK_DOOR");
    assert_eq!(a["result"]["was_confirmed_by_device"], true);
    assert_eq!(a["error"], Value::Null);
    let (_, door) = srv
        .get(
            "/acs/entrances/get",
            &k,
            &format!("acs_entrance_id={}", fx.doors[0]),
        )
        .await;
    assert_eq!(door["acs_entrance"]["is_locked"], false);

    // The attempt is readable both ways, and the unlock is attributed in the audit trail.
    let id = s(&a["action_attempt_id"]);
    let (_, got) = srv
        .get(
            "/action_attempts/get",
            &k,
            &format!("action_attempt_id={id}"),
        )
        .await;
    assert_eq!(got["action_attempt"], a);
    let (st, ev) = srv
        .get("/events/list", &k, "event_types=lock.unlocked&event_types=action_attempt.unlock_door.succeeded&_strict=true")
        .await;
    assert_eq!(st, 200);
    let ev = ev["events"].as_array().expect("events");
    let unlocked = ev
        .iter()
        .find(|e| e["event_type"] == "lock.unlocked")
        .expect("lock.unlocked");
    assert_eq!(unlocked["user_identity_id"], json!(fx.user));
    assert_eq!(unlocked["acs_entrance_id"], json!(fx.doors[0]));
    assert_eq!(unlocked["method"], "remote");
    assert_eq!(unlocked["action_attempt_id"], json!(id));
    assert!(ev.iter().any(
        |e| e["event_type"] == "action_attempt.unlock_door.succeeded" && e["status"] == "success"
    ));
}

#[tokio::test]
async fn update_and_delete_styles_patch_and_delete() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    // PATCH update
    let resp = srv
        .http
        .patch(format!("{}/user_identities/update", srv.url))
        .bearer_auth(&k)
        .json(&json!({"user_identity_id": fx.user, "full_name": "Maya M.", "phone_number": null}))
        .send()
        .await
        .expect("patch");
    assert_eq!(resp.status(), 200);
    let (_, u) = srv
        .get(
            "/user_identities/get",
            &k,
            &format!("user_identity_id={}", fx.user),
        )
        .await;
    assert_eq!(u["user_identity"]["full_name"], "Maya M.");
    assert_eq!(u["user_identity"]["display_name"], "Maya M.");
    assert_eq!(u["user_identity"]["email_address"], "maya@example.com");
    // DELETE with a query string revokes the method; reading it then answers 404.
    let (st, _) = srv
        .raw(
            reqwest::Method::DELETE,
            &format!(
                "/access_methods/delete?access_method_id={}&_strict=true",
                fx.method
            ),
            &k,
            vec![],
        )
        .await;
    assert_eq!(st, 200);
    let (st, err) = srv
        .get(
            "/access_methods/get",
            &k,
            &format!("access_method_id={}", fx.method),
        )
        .await;
    assert_eq!(st, 404);
    assert_eq!(err["error"]["type"], "access_method_not_found");
    assert_eq!(err["ok"], false);
}

#[tokio::test]
async fn pagination_cursors_walk_every_row_once() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let mut made = Vec::new();
    for i in 0..7 {
        let u = srv
            .ok(
                "/user_identities/create",
                &k,
                json!({"full_name": format!("User {i}")}),
            )
            .await;
        made.push(s(&u["user_identity"]["user_identity_id"]));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = "limit=3".to_owned();
        if let Some(c) = &cursor {
            q.push_str(&format!("&page_cursor={c}"));
        }
        let (st, v) = srv.get("/user_identities/list", &k, &q).await;
        assert_eq!(st, 200, "{v}");
        pages += 1;
        for u in v["user_identities"].as_array().expect("list") {
            seen.push(s(&u["user_identity_id"]));
        }
        let p = &v["pagination"];
        if p["has_next_page"] == true {
            cursor = Some(s(&p["next_page_cursor"]));
            assert!(s(&p["next_page_url"]).contains("page_cursor="));
        } else {
            assert_eq!(p["next_page_cursor"], Value::Null);
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, made);
    let (st, bad) = srv
        .get("/user_identities/list", &k, "page_cursor=garbage")
        .await;
    assert_eq!(st, 400);
    assert_eq!(bad["error"]["type"], "invalid_input");
}

#[tokio::test]
async fn member_session_sees_and_uses_only_its_own() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let other = Fixture::create(&srv, &k).await;
    let tok = fx.member_token(&srv, &k).await;
    assert!(tok.starts_with("seam_cst"));

    let v = srv.ok("/acs/entrances/list", &tok, json!({})).await;
    let mut ids: Vec<String> = v["acs_entrances"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| s(&e["acs_entrance_id"]))
        .collect();
    ids.sort();
    let mut mine = vec![
        fx.doors[0].clone(),
        fx.doors[1].clone(),
        fx.no_cloud_door.clone(),
    ];
    mine.sort();
    assert_eq!(
        ids, mine,
        "a member lists exactly the doors of their own grants"
    );
    let (st, _) = srv
        .post(
            "/acs/entrances/get",
            &tok,
            json!({"acs_entrance_id": fx.other_door}),
        )
        .await;
    assert_eq!(st, 404);
    let v = srv.ok("/user_identities/list", &tok, json!({})).await;
    assert_eq!(v["user_identities"].as_array().expect("list").len(), 1);

    // Own key works; someone else's key is not found; admin routes are forbidden.
    assert_eq!(
        unlock(&srv, &tok, &fx.method, &fx.doors[0]).await["status"],
        "success"
    );
    let (st, e) = srv
        .post(
            "/access_methods/unlock_door",
            &tok,
            json!({"access_method_id": other.method, "acs_entrance_id": other.doors[0]}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["type"].clone()),
        (404, json!("access_method_not_found"))
    );
    let (st, e) = srv
        .post(
            "/user_identities/create",
            &tok,
            json!({"full_name": "Mallory"}),
        )
        .await;
    assert_eq!((st, e["error"]["type"].clone()), (403, json!("forbidden")));
    let (st, _) = srv.post("/api_keys/create", &tok, json!({})).await;
    assert_eq!(st, 403);
    let ev = srv.ok("/events/list", &tok, json!({})).await;
    assert!(ev["events"]
        .as_array()
        .expect("events")
        .iter()
        .all(|e| e["user_identity_id"] == json!(fx.user)));

    // Signing out (revoking one's own session) cuts the token off at the next request.
    let sess = srv.ok("/client_sessions/list", &tok, json!({})).await;
    let sid = s(&sess["client_sessions"][0]["client_session_id"]);
    assert!(
        !s(&sess["client_sessions"][0]["token"]).contains(&tok[12..]),
        "a listed session never shows its secret"
    );
    srv.ok(
        "/client_sessions/revoke",
        &tok,
        json!({"client_session_id": sid}),
    )
    .await;
    let (st, e) = srv.post("/acs/entrances/list", &tok, json!({})).await;
    assert_eq!(
        (st, e["error"]["type"].clone()),
        (401, json!("unauthorized"))
    );
}

#[tokio::test]
async fn roles_are_read_at_each_request() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let tok = fx.member_token(&srv, &k).await;
    let (st, _) = srv
        .post(
            "/acs/systems/create",
            &tok,
            json!({"name": "X", "time_zone": "UTC"}),
        )
        .await;
    assert_eq!(st, 403);
    srv.ok(
        "/user_identities/update",
        &k,
        json!({"user_identity_id": fx.user, "role": "front_desk"}),
    )
    .await;
    let all = srv.ok("/acs/entrances/list", &tok, json!({})).await;
    assert_eq!(
        all["acs_entrances"].as_array().expect("list").len(),
        4,
        "front desk sees every door"
    );
    let (st, _) = srv
        .post(
            "/acs/systems/create",
            &tok,
            json!({"name": "X", "time_zone": "UTC"}),
        )
        .await;
    assert_eq!(st, 403, "front desk is not admin");
    srv.ok(
        "/user_identities/update",
        &k,
        json!({"user_identity_id": fx.user, "role": "admin"}),
    )
    .await;
    srv.ok(
        "/acs/systems/create",
        &tok,
        json!({"name": "X", "time_zone": "UTC"}),
    )
    .await;
}

#[tokio::test]
async fn get_never_changes_state() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let before = srv.ok("/events/list", &k, json!({"limit": 1000})).await["events"]
        .as_array()
        .expect("e")
        .len();
    // Every state-changing route refuses GET.
    let api = srv.ok_get_openapi().await;
    for (path, item) in api["paths"].as_object().expect("paths") {
        let methods: Vec<&String> = item.as_object().expect("item").keys().collect();
        if methods.iter().any(|m| *m == "get") {
            continue;
        }
        let (st, v) = srv
            .get(
                path,
                &k,
                &format!(
                    "access_method_id={}&acs_entrance_id={}&user_identity_id={}",
                    fx.method, fx.doors[0], fx.user
                ),
            )
            .await;
        assert_eq!(st, 405, "GET {path} must be refused, got {st} {v}");
    }
    // Reads change nothing.
    for (path, q) in [
        ("/acs/entrances/list", String::new()),
        (
            "/access_methods/get",
            format!("access_method_id={}", fx.method),
        ),
        ("/events/list", "limit=5".to_owned()),
    ] {
        let (st, _) = srv.get(path, &k, &q).await;
        assert_eq!(st, 200);
    }
    let after = srv.ok("/events/list", &k, json!({"limit": 1000})).await["events"]
        .as_array()
        .expect("e")
        .len();
    assert_eq!(before, after);
    let (_, door) = srv
        .get(
            "/acs/entrances/get",
            &k,
            &format!("acs_entrance_id={}", fx.doors[0]),
        )
        .await;
    assert_eq!(door["acs_entrance"]["is_locked"], true);
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let srv = Server::start().await;
    let api = srv.ok_get_openapi().await;
    let paths = api["paths"].as_object().expect("paths");
    for p in [
        "/acs/systems/list",
        "/acs/systems/get",
        "/acs/entrances/list",
        "/acs/entrances/get",
        "/user_identities/create",
        "/user_identities/get",
        "/user_identities/list",
        "/user_identities/update",
        "/user_identities/delete",
        "/access_grants/create",
        "/access_grants/get",
        "/access_grants/list",
        "/access_grants/update",
        "/access_grants/delete",
        "/access_grants/get_related",
        "/access_methods/list",
        "/access_methods/get",
        "/access_methods/get_related",
        "/access_methods/unlock_door",
        "/access_methods/delete",
        "/action_attempts/get",
        "/action_attempts/list",
        "/events/list",
        "/events/get",
        "/client_sessions/create",
        "/client_sessions/get",
        "/client_sessions/list",
        "/client_sessions/revoke",
        "/acs/systems/create",
        "/acs/systems/update",
        "/acs/systems/delete",
        "/acs/entrances/create",
        "/acs/entrances/update",
        "/acs/entrances/delete",
        "/api_keys/create",
        "/api_keys/list",
        "/api_keys/revoke",
        "/health",
    ] {
        assert!(paths.contains_key(p), "openapi lacks {p}");
    }
    // Every documented route exists on the server (no 404 "no route").
    for (path, item) in paths {
        let method = item
            .as_object()
            .expect("item")
            .keys()
            .next()
            .expect("method")
            .to_uppercase();
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let resp = srv
            .http
            .request(m, format!("{}{path}", srv.url))
            .send()
            .await
            .expect("send");
        assert_ne!(
            resp.status(),
            404,
            "{method} {path} is documented but not served"
        );
    }
    assert_eq!(
        api["paths"]["/access_methods/unlock_door"]
            .as_object()
            .expect("o")
            .keys()
            .collect::<Vec<_>>(),
        vec!["post"]
    );
}

#[tokio::test]
async fn api_keys_are_shown_once_and_revocable() {
    let srv = Server::start().await;
    let k = srv.key.clone();
    let created = srv
        .ok("/api_keys/create", &k, json!({"name": "integration"}))
        .await;
    let new_key = s(&created["api_key"]["token"]);
    assert!(new_key.starts_with("seam_") && !new_key.starts_with("seam_cst"));
    let id = s(&created["api_key"]["api_key_id"]);
    srv.ok("/acs/systems/list", &new_key, json!({})).await;
    let listed = srv.ok("/api_keys/list", &k, json!({})).await;
    let text = listed.to_string();
    assert!(!text.contains(&new_key), "list never returns a secret");
    assert!(listed["api_keys"]
        .as_array()
        .expect("keys")
        .iter()
        .all(|k| k.get("token").is_none()));
    srv.ok("/api_keys/revoke", &k, json!({"api_key_id": id}))
        .await;
    let (st, _) = srv.post("/acs/systems/list", &new_key, json!({})).await;
    assert_eq!(st, 401);
    let (st, e) = srv
        .post(
            "/acs/systems/list",
            "seam_not_a_real_key_0000000000",
            json!({}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["type"].clone()),
        (401, json!("unauthorized"))
    );
    let resp = srv
        .http
        .post(format!("{}/acs/systems/list", srv.url))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 401);
}

trait OpenApi {
    async fn ok_get_openapi(&self) -> Value;
}

impl OpenApi for Server {
    async fn ok_get_openapi(&self) -> Value {
        let resp = self
            .http
            .get(format!("{}/openapi.json", self.url))
            .send()
            .await
            .expect("openapi");
        assert_eq!(resp.status(), 200);
        resp.json().await.expect("json")
    }
}
