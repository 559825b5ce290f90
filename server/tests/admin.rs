//! The control center over HTTP: people with their role, sites, cloud keys and state; Cloud Key
//! credentials with a window in the site's zone and a state; the Remote Unlock switch, enforced at
//! the moment of use for the user's own unlocks and for every guest link they issued; sessions
//! issued and revoked for a user; and who may do what (members and front desk change nothing,
//! front desk reads People). Every change is an audit event naming its actor, object and fields.

mod common;

use std::sync::Arc;

use ajar_server::clock::ManualClock;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};

/// Monday 1 June 2026, 10:00 UTC (12:00 in Berlin).
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0)
        .single()
        .expect("t0")
}

async fn inproc(clock: Arc<ManualClock>) -> Server {
    Server::start_inproc(clock, |_| {}).await
}

fn link_token(link: &Value) -> String {
    s(&link["url"])
        .split_once("/g#")
        .expect("fragment url")
        .1
        .to_owned()
}

async fn guest_unlock(srv: &Server, tok: &str, door: &str) -> (u16, Value) {
    let resp = srv
        .http
        .post(format!("{}/g/api/unlock", srv.url))
        .json(&json!({"token": tok, "acs_entrance_id": door}))
        .send()
        .await
        .expect("send");
    let st = resp.status().as_u16();
    (st, resp.json().await.expect("json"))
}

async fn session_for(srv: &Server, user: &str) -> String {
    s(&srv
        .ok(
            "/client_sessions/create",
            &srv.key,
            json!({"user_identity_id": user}),
        )
        .await["client_session"]["token"])
}

async fn user_with_role(srv: &Server, name: &str, role: &str) -> String {
    s(&srv
        .ok(
            "/user_identities/create",
            &srv.key,
            json!({"full_name": name, "role": role}),
        )
        .await["user_identity"]["user_identity_id"])
}

fn error_type(v: &Value) -> String {
    s(&v["error"]["type"])
}

#[tokio::test]
async fn remote_unlock_off_stops_the_users_unlocks_and_every_guest_link_they_issued_at_the_next_request(
) {
    let srv = Server::start().await;
    let f = Fixture::create(&srv, &srv.key).await;
    let member = f.member_token(&srv, &srv.key).await;
    let ends = (Utc::now() + Duration::hours(2)).to_rfc3339();
    let link = srv
        .ok(
            "/guest_links/create",
            &member,
            json!({"acs_entrance_ids": [f.doors[0]], "description": "Plumber", "ends_at": ends}),
        )
        .await["guest_link"]
        .clone();
    let tok = link_token(&link);
    // On by default, so the user unlocks and the guest too.
    let p = srv
        .ok("/people/get", &srv.key, json!({"user_identity_id": f.user}))
        .await;
    assert_eq!(p["person"]["user_identity"]["remote_unlock_enabled"], true);
    assert_eq!(p["person"]["state"], "active");
    assert_eq!(
        unlock(&srv, &member, &f.method, &f.doors[0]).await["status"],
        "success"
    );
    let (st, body) = guest_unlock(&srv, &tok, &f.doors[0]).await;
    assert_eq!(
        (st, &body["action_attempt"]["status"]),
        (200, &json!("success"))
    );

    // Off: the very next requests are refused, recorded with the reason.
    let off = srv
        .ok(
            "/user_identities/set_remote_unlock",
            &srv.key,
            json!({"user_identity_id": f.user, "enabled": false}),
        )
        .await;
    assert_eq!(off["person"]["state"], "remote_unlock_off");
    let a = unlock(&srv, &member, &f.method, &f.doors[0]).await;
    assert_eq!(a["status"], "error");
    assert_eq!(a["error"]["type"], "remote_unlock_disabled");
    // Even an admin acting with the user's key cannot bypass the switch.
    let a = unlock(&srv, &srv.key, &f.method, &f.doors[1]).await;
    assert_eq!(a["error"]["type"], "remote_unlock_disabled");
    let (_, body) = guest_unlock(&srv, &tok, &f.doors[0]).await;
    assert_eq!(
        body["action_attempt"]["error"]["type"], "guest_link_issuer_lost_access",
        "a guest link must stop with its issuer's switch: {body}"
    );
    assert!(body["unlocked_until"].is_null());
    // The link's webhook URL (automations) stops the same way.
    let hook = s(&link["webhook_urls"][0]["url"]);
    let v: Value = srv
        .http
        .post(&hook)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(
        v["action_attempt"]["error"]["type"], "guest_link_issuer_lost_access",
        "{v}"
    );
    let (st, body) = srv
        .post(
            "/guest_links/create",
            &member,
            json!({"acs_entrance_ids": [f.doors[0]], "description": "Again", "ends_at": ends}),
        )
        .await;
    assert_eq!(st, 403, "{body}");
    assert_eq!(error_type(&body), "remote_unlock_disabled");
    // The member cannot turn it back on.
    let (st, _) = srv
        .post(
            "/user_identities/set_remote_unlock",
            &member,
            json!({"user_identity_id": f.user, "enabled": true}),
        )
        .await;
    assert_eq!(st, 403);

    // On again: the same link works again (it was never revoked, only its issuer's switch).
    srv.ok(
        "/user_identities/set_remote_unlock",
        &srv.key,
        json!({"user_identity_id": f.user, "enabled": true}),
    )
    .await;
    let (_, body) = guest_unlock(&srv, &tok, &f.doors[0]).await;
    assert_eq!(body["action_attempt"]["status"], "success");
    let ev = srv
        .ok(
            "/events/list",
            &srv.key,
            json!({"object_id": f.user, "object_type": "user_identity"}),
        )
        .await["events"]
        .clone();
    let types: Vec<&str> = ev
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "user_identity.remote_unlock_enabled",
            "user_identity.remote_unlock_disabled",
            "user_identity.created"
        ]
    );
    assert_eq!(ev[1]["changed_fields"], json!(["remote_unlock_enabled"]));
    assert_eq!(ev[1]["actor_type"], "api_key");
}

#[tokio::test]
async fn cloud_keys_have_a_window_in_the_sites_zone_and_a_state() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = inproc(clock.clone()).await;
    let f = Fixture::create(&srv, &srv.key).await;
    let ana = user_with_role(&srv, "Ana", "member").await;
    // Tomorrow only, typed as civil times in Berlin (UTC+2 in June).
    let key = srv
        .ok(
            "/cloud_keys/create",
            &srv.key,
            json!({"user_identity_id": ana, "name": "Ana's phone", "acs_entrance_ids": [f.doors[0], f.doors[1]],
                   "starts_at": "2026-06-02T00:00", "ends_at": "2026-06-03T00:00"}),
        )
        .await["cloud_key"]
        .clone();
    assert_eq!(key["state"], "scheduled");
    assert_eq!(key["time_zone"], "Europe/Berlin");
    assert_eq!(key["starts_at"], "2026-06-01T22:00:00.000Z");
    assert_eq!(key["ends_at"], "2026-06-02T22:00:00.000Z");
    assert!(
        s(&key["starts_at_local"]).starts_with("2026-06-02T00:00"),
        "{key}"
    );
    assert_eq!(key["acs_system_ids"], json!([f.site]));
    assert_eq!(key["name"], "Ana's phone");
    let method = s(&key["access_method_id"]);
    let tok = session_for(&srv, &ana).await;
    let a = unlock(&srv, &tok, &method, &f.doors[0]).await;
    assert_eq!(a["error"]["type"], "access_not_yet_started");
    // She can share nothing today, and nothing outside her key tomorrow.
    let (st, _) = srv
        .post("/guest_links/create", &tok, json!({"acs_entrance_ids": [f.doors[0]], "description": "x", "ends_at": "2026-06-01T18:00"}))
        .await;
    assert_eq!(st, 403);
    let (st, _) = srv
        .post("/guest_links/create", &tok, json!({"acs_entrance_ids": [f.other_door], "starts_at": "2026-06-02T09:00", "description": "x", "ends_at": "2026-06-02T18:00"}))
        .await;
    assert_eq!(st, 403);

    clock.set(t0() + Duration::hours(13));
    let a = unlock(&srv, &tok, &method, &f.doors[0]).await;
    assert_eq!(a["status"], "success");
    let a = unlock(&srv, &tok, &method, &f.other_door).await;
    assert_eq!(a["error"]["type"], "entrance_not_in_access_grant");
    let got = srv
        .ok("/cloud_keys/get", &tok, json!({"access_method_id": method}))
        .await;
    assert_eq!(got["cloud_key"]["state"], "active");

    clock.set(t0() + Duration::hours(36));
    let listed = srv
        .ok(
            "/cloud_keys/list",
            &srv.key,
            json!({"user_identity_id": ana, "state": "expired"}),
        )
        .await;
    assert_eq!(listed["cloud_keys"].as_array().map(Vec::len), Some(1));

    // Whole sites are expanded to the site's doors; revoking ends the key at once.
    let site_key = srv
        .ok(
            "/cloud_keys/create",
            &srv.key,
            json!({"user_identity_id": ana, "name": "Whole HQ", "acs_system_ids": [f.site]}),
        )
        .await["cloud_key"]
        .clone();
    assert_eq!(site_key["state"], "active");
    assert_eq!(
        site_key["acs_entrance_ids"].as_array().map(Vec::len),
        Some(4)
    );
    assert!(site_key["ends_at"].is_null());
    let m2 = s(&site_key["access_method_id"]);
    assert_eq!(
        unlock(&srv, &tok, &m2, &f.other_door).await["status"],
        "success"
    );
    assert_eq!(site_key["whole_acs_system_ids"], json!([f.site]));
    // A door added to the site later joins the whole-site key (and only that key).
    let cellar = s(&srv
        .ok(
            "/acs/entrances/create",
            &srv.key,
            json!({"acs_system_id": f.site, "display_name": "Cellar"}),
        )
        .await["acs_entrance"]["acs_entrance_id"]);
    assert_eq!(unlock(&srv, &tok, &m2, &cellar).await["status"], "success");
    let a = unlock(&srv, &tok, &method, &cellar).await;
    assert_eq!(a["error"]["type"], "entrance_not_in_access_grant");
    let got = srv
        .ok("/cloud_keys/get", &srv.key, json!({"access_method_id": m2}))
        .await;
    assert_eq!(
        got["cloud_key"]["acs_entrance_ids"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    let r = srv
        .ok(
            "/cloud_keys/revoke",
            &srv.key,
            json!({"access_method_id": m2}),
        )
        .await;
    assert_eq!(r["cloud_key"]["state"], "revoked");
    assert!(r["cloud_key"]["revoked_at"].is_string());
    let a = unlock(&srv, &tok, &m2, &f.other_door).await;
    assert_eq!(a["error"]["type"], "access_method_revoked");
    let p = srv
        .ok("/people/get", &srv.key, json!({"user_identity_id": ana}))
        .await;
    assert_eq!(p["person"]["state"], "no_access");
    assert_eq!(p["person"]["cloud_keys"].as_array().map(Vec::len), Some(2));

    // Bad input: named field, nothing written.
    let before = srv.ok("/cloud_keys/list", &srv.key, json!({})).await["cloud_keys"]
        .as_array()
        .map(Vec::len);
    for (body, field) in [
        (
            json!({"user_identity_id": ana, "name": "x", "acs_entrance_ids": [f.doors[0]], "starts_at": "2026-03-29T02:30"}),
            "starts_at",
        ),
        (
            json!({"user_identity_id": ana, "name": "x", "acs_entrance_ids": [f.doors[0]], "starts_at": "2026-07-02T00:00", "ends_at": "2026-07-01T00:00"}),
            "ends_at",
        ),
        (
            json!({"user_identity_id": ana, "name": "x"}),
            "acs_entrance_ids",
        ),
        (
            json!({"user_identity_id": ana, "name": " ", "acs_entrance_ids": [f.doors[0]]}),
            "name",
        ),
        (
            json!({"user_identity_id": ana, "name": "x", "acs_entrance_ids": [f.doors[0]], "ends_at": "tomorrow"}),
            "ends_at",
        ),
    ] {
        let (st, v) = srv.post("/cloud_keys/create", &srv.key, body).await;
        assert_eq!(st, 400, "{v}");
        assert!(v.to_string().contains(field), "{field}: {v}");
    }
    let after = srv.ok("/cloud_keys/list", &srv.key, json!({})).await["cloud_keys"]
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after);
}

#[tokio::test]
async fn members_and_front_desk_change_nothing_and_front_desk_reads_people() {
    let srv = Server::start().await;
    let f = Fixture::create(&srv, &srv.key).await;
    let member = f.member_token(&srv, &srv.key).await;
    let desk_user = user_with_role(&srv, "Desk", "front_desk").await;
    let desk = session_for(&srv, &desk_user).await;
    let admin_user = user_with_role(&srv, "Boss", "admin").await;
    let admin = session_for(&srv, &admin_user).await;
    let writes = [
        ("/user_identities/create", json!({"full_name": "X"})),
        (
            "/user_identities/update",
            json!({"user_identity_id": f.user, "role": "admin"}),
        ),
        (
            "/user_identities/delete",
            json!({"user_identity_id": f.user}),
        ),
        (
            "/user_identities/set_remote_unlock",
            json!({"user_identity_id": f.user, "enabled": false}),
        ),
        (
            "/cloud_keys/create",
            json!({"user_identity_id": f.user, "name": "k", "acs_entrance_ids": [f.other_door]}),
        ),
        ("/cloud_keys/revoke", json!({"access_method_id": f.method})),
        (
            "/client_sessions/create",
            json!({"user_identity_id": f.user}),
        ),
        (
            "/acs/systems/create",
            json!({"name": "S", "time_zone": "UTC"}),
        ),
        (
            "/acs/systems/update",
            json!({"acs_system_id": f.site, "name": "S"}),
        ),
        (
            "/acs/entrances/create",
            json!({"acs_system_id": f.site, "display_name": "D"}),
        ),
        (
            "/acs/entrances/update",
            json!({"acs_entrance_id": f.doors[0], "is_in_lockdown": true}),
        ),
        ("/api_keys/create", json!({"name": "k"})),
        ("/api_keys/list", json!({})),
    ];
    let events_before = srv
        .ok("/events/list", &srv.key, json!({"limit": 1000}))
        .await["events"]
        .as_array()
        .map(Vec::len);
    for token in [&member, &desk] {
        for (path, body) in &writes {
            let (st, v) = srv.post(path, token, body.clone()).await;
            assert_eq!(st, 403, "{path}: {v}");
        }
    }
    let events_after = srv
        .ok("/events/list", &srv.key, json!({"limit": 1000}))
        .await["events"]
        .as_array()
        .map(Vec::len);
    assert_eq!(
        events_before, events_after,
        "refused changes leave no trace but refusal"
    );
    // People: staff read, members do not.
    for path in ["/people/list", "/people/get"] {
        let body = json!({"user_identity_id": f.user});
        let (st, _) = srv.post(path, &member, body.clone()).await;
        assert_eq!(st, 403, "{path}");
        let (st, v) = srv.post(path, &desk, body.clone()).await;
        assert_eq!(st, 200, "{path}: {v}");
        let (st, _) = srv.post(path, &admin, body).await;
        assert_eq!(st, 200);
    }
    // A member sees only their own cloud keys.
    let other = user_with_role(&srv, "Other", "member").await;
    srv.ok(
        "/cloud_keys/create",
        &srv.key,
        json!({"user_identity_id": other, "name": "k", "acs_entrance_ids": [f.other_door]}),
    )
    .await;
    let mine = srv.ok("/cloud_keys/list", &member, json!({})).await;
    let owners: Vec<String> = mine["cloud_keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| s(&k["user_identity_id"]))
        .collect();
    assert!(
        !owners.is_empty() && owners.iter().all(|o| *o == f.user),
        "{owners:?}"
    );
    let theirs = srv
        .ok(
            "/cloud_keys/list",
            &srv.key,
            json!({"user_identity_id": other}),
        )
        .await["cloud_keys"][0]["access_method_id"]
        .clone();
    let (st, v) = srv
        .post(
            "/cloud_keys/get",
            &member,
            json!({"access_method_id": theirs}),
        )
        .await;
    assert_eq!(st, 404, "a member cannot read another user's key: {v}");
    let (st, _) = srv
        .post(
            "/cloud_keys/get",
            &desk,
            json!({"access_method_id": theirs}),
        )
        .await;
    assert_eq!(st, 200, "front desk reads every key");
    // An admin user's session administers.
    srv.ok(
        "/user_identities/update",
        &admin,
        json!({"user_identity_id": desk_user, "role": "member"}),
    )
    .await;
    let (st, _) = srv.post("/people/list", &desk, json!({})).await;
    assert_eq!(
        st, 403,
        "the demoted front desk loses People at the next request"
    );
}

#[tokio::test]
async fn people_list_searches_and_shows_role_sites_keys_sessions_and_state() {
    let srv = Server::start().await;
    let f = Fixture::create(&srv, &srv.key).await;
    f.member_token(&srv, &srv.key).await;
    user_with_role(&srv, "Dana Desk", "front_desk").await;
    let all = srv.ok("/people/list", &srv.key, json!({})).await;
    assert_eq!(all["people"].as_array().map(Vec::len), Some(2));
    let maya = srv
        .ok("/people/list", &srv.key, json!({"search": "maya@"}))
        .await;
    let p = &maya["people"][0];
    assert_eq!(maya["people"].as_array().map(Vec::len), Some(1));
    assert_eq!(p["user_identity"]["role"], "member");
    assert_eq!(p["acs_system_ids"], json!([f.site]));
    assert_eq!(p["cloud_keys"][0]["access_method_id"], json!(f.method));
    assert_eq!(p["active_client_session_count"], 1);
    assert_eq!(p["state"], "active");
    let desks = srv.get("/people/list", &srv.key, "role=front_desk").await.1;
    assert_eq!(
        desks["people"][0]["user_identity"]["full_name"],
        "Dana Desk"
    );
    assert_eq!(desks["people"][0]["state"], "no_access");
    let (st, v) = srv
        .post("/people/list", &srv.key, json!({"role": "boss"}))
        .await;
    assert_eq!(st, 400, "{v}");
}

#[tokio::test]
async fn sessions_are_issued_listed_and_revoked_for_a_user() {
    let srv = Server::start().await;
    let f = Fixture::create(&srv, &srv.key).await;
    let issued = srv
        .ok(
            "/client_sessions/create",
            &srv.key,
            json!({"user_identity_id": f.user}),
        )
        .await["client_session"]
        .clone();
    let token = s(&issued["token"]);
    let id = s(&issued["client_session_id"]);
    assert!(token.starts_with("seam_cst"));
    let listed = srv
        .ok(
            "/client_sessions/list",
            &srv.key,
            json!({"user_identity_id": f.user}),
        )
        .await;
    let listed = listed["client_sessions"].as_array().expect("list").clone();
    assert_eq!(listed.len(), 1);
    assert_ne!(listed[0]["token"], json!(token), "the token is shown once");
    let (st, _) = srv
        .post("/people/get", &token, json!({"user_identity_id": f.user}))
        .await;
    assert_eq!(st, 403);
    assert_eq!(
        srv.post("/acs/entrances/list", &token, json!({})).await.0,
        200
    );
    srv.ok(
        "/client_sessions/revoke",
        &srv.key,
        json!({"client_session_id": id}),
    )
    .await;
    assert_eq!(
        srv.post("/acs/entrances/list", &token, json!({})).await.0,
        401
    );
    let ev = srv
        .ok(
            "/events/list",
            &srv.key,
            json!({"object_type": "client_session"}),
        )
        .await;
    let types: Vec<&str> = ev["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert_eq!(types, ["client_session.deleted", "client_session.created"]);
    assert!(
        !ev.to_string().contains(&token),
        "no secret in the audit trail"
    );
}

#[tokio::test]
async fn every_admin_change_is_an_event_naming_actor_object_and_fields_never_secrets() {
    let srv = Server::start().await;
    let boss = user_with_role(&srv, "Boss", "admin").await;
    let admin = session_for(&srv, &boss).await;
    let site = srv
        .ok(
            "/acs/systems/create",
            &admin,
            json!({"name": "Lab", "time_zone": "America/New_York"}),
        )
        .await["acs_system"]["acs_system_id"]
        .clone();
    let site = s(&site);
    srv.ok(
        "/acs/systems/update",
        &admin,
        json!({"acs_system_id": site, "time_zone": "Europe/Paris"}),
    )
    .await;
    let (st, v) = srv
        .post(
            "/acs/systems/update",
            &admin,
            json!({"acs_system_id": site, "time_zone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(st, 400, "{v}");
    let door = s(&srv
        .ok(
            "/acs/entrances/create",
            &admin,
            json!({"acs_system_id": site, "display_name": "Lab door"}),
        )
        .await["acs_entrance"]["acs_entrance_id"]);
    let d = srv
        .ok(
            "/acs/entrances/update",
            &admin,
            json!({"acs_entrance_id": door, "relock_pulse_ms": 1500, "is_in_lockdown": true}),
        )
        .await;
    assert_eq!(d["acs_entrance"]["ajar_metadata"]["driver"], "simulated");
    assert_eq!(d["acs_entrance"]["ajar_metadata"]["is_online"], true);
    let u = user_with_role(&srv, "Zed", "member").await;
    srv.ok(
        "/user_identities/update",
        &admin,
        json!({"user_identity_id": u, "role": "front_desk", "phone_number": "+1 555"}),
    )
    .await;
    let k = srv
        .ok(
            "/cloud_keys/create",
            &admin,
            json!({"user_identity_id": u, "name": "Zed", "acs_entrance_ids": [door]}),
        )
        .await["cloud_key"]["access_method_id"]
        .clone();
    srv.ok("/cloud_keys/revoke", &admin, json!({"access_method_id": k}))
        .await;
    let api_key = srv
        .ok("/api_keys/create", &srv.key, json!({"name": "CI"}))
        .await["api_key"]
        .clone();
    srv.ok(
        "/api_keys/revoke",
        &srv.key,
        json!({"api_key_id": api_key["api_key_id"]}),
    )
    .await;
    srv.ok(
        "/user_identities/delete",
        &admin,
        json!({"user_identity_id": u}),
    )
    .await;

    let all = srv
        .ok("/events/list", &srv.key, json!({"limit": 1000}))
        .await;
    let events = all["events"].as_array().expect("events");
    let find = |t: &str| -> Value {
        events
            .iter()
            .find(|e| e["event_type"] == t)
            .cloned()
            .unwrap_or_else(|| panic!("no {t} event in {all}"))
    };
    let admin_session = srv
        .ok(
            "/client_sessions/list",
            &srv.key,
            json!({"user_identity_id": boss}),
        )
        .await["client_sessions"][0]["client_session_id"]
        .clone();
    let upd = find("acs_system.updated");
    assert_eq!(upd["changed_fields"], json!(["time_zone"]));
    assert_eq!(upd["object_id"], json!(site));
    assert_eq!(upd["actor_type"], "client_session");
    assert_eq!(upd["actor_id"], admin_session);
    assert_eq!(
        find("acs_entrance.updated")["changed_fields"],
        json!(["relock_pulse_ms", "is_in_lockdown"])
    );
    assert_eq!(
        find("user_identity.updated")["changed_fields"],
        json!(["phone_number", "role"])
    );
    for t in [
        "acs_system.added",
        "acs_entrance.added",
        "user_identity.created",
        "access_method.created",
        "access_method.revoked",
        "api_key.created",
        "api_key.revoked",
        "user_identity.deleted",
    ] {
        let e = find(t);
        assert!(e["object_type"].is_string(), "{t}: {e}");
    }
    let text = all.to_string();
    assert!(
        !text.contains(&s(&api_key["token"])),
        "no API key secret in events"
    );
    assert!(!text.contains(&admin), "no session token in events");
    // Only one failed update: nothing recorded for it.
    assert_eq!(
        events
            .iter()
            .filter(|e| e["event_type"] == "acs_system.updated")
            .count(),
        1
    );
    // Filter by actor: what this admin did.
    let mine = srv
        .ok("/events/list", &srv.key, json!({"actor_id": admin_session}))
        .await;
    assert!(mine["events"].as_array().is_some_and(|e| e.len() >= 8));
    assert!(mine["events"]
        .as_array()
        .expect("events")
        .iter()
        .all(|e| e["actor_id"] == admin_session));
}
