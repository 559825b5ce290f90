//! Guest links end to end over HTTP: creation never exceeds the issuer's cloud key, the page and
//! every GET/HEAD are inert, each unlock re-checks everything at the moment of use (windows at
//! their exact edges with an injected clock), revocation and use limits hold under races, and
//! the token never lands in the database.

mod common;

use std::sync::Arc;

use ajar_server::clock::ManualClock;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0)
        .single()
        .expect("t0")
}

async fn inproc(clock: Arc<ManualClock>) -> Server {
    Server::start_inproc(clock, |c| {
        c.guest_unlock_burst = 1000;
        c.guest_unlocks_per_minute = 60_000;
    })
    .await
}

fn token(link: &Value) -> String {
    let url = s(&link["url"]);
    url.split_once("/g#").expect("fragment url").1.to_owned()
}

async fn guest(srv: &Server, path: &str, body: Value, idem: Option<&str>) -> (u16, Value) {
    let mut req = srv.http.post(format!("{}{path}", srv.url)).json(&body);
    if let Some(k) = idem {
        req = req.header("Idempotency-Key", k);
    }
    let resp = req.send().await.expect("send");
    let st = resp.status().as_u16();
    (st, resp.json().await.expect("json"))
}

async fn guest_unlock(srv: &Server, tok: &str, door: &str, idem: &str) -> (u16, Value) {
    guest(
        srv,
        "/g/api/unlock",
        json!({"token": tok, "acs_entrance_id": door}),
        Some(idem),
    )
    .await
}

async fn create_link(srv: &Server, key: &str, body: Value) -> Value {
    srv.ok("/guest_links/create", key, body).await["guest_link"].clone()
}

async fn all_events(srv: &Server) -> Vec<Value> {
    srv.ok("/events/list", &srv.key, json!({"limit": 1000}))
        .await["events"]
        .as_array()
        .expect("events")
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_answers_the_secrets_once_and_never_more_than_the_issuer_has() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = inproc(clock.clone()).await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let ends = (t0() + Duration::hours(2)).to_rfc3339();

    let link = create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": fx.doors, "description": "Plumber", "ends_at": ends, "max_unlock_count": 3})).await;
    let tok = token(&link);
    assert_eq!(tok.len(), 43);
    assert!(tok.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(link["state"], "active");
    assert_eq!(link["issuer_user_identity_id"], json!(fx.user));
    assert_eq!(link["access_method_id"], json!(fx.method));
    assert_eq!(link["time_zone"], "Europe/Berlin");
    let hooks = link["webhook_urls"].as_array().expect("webhooks");
    assert_eq!(hooks.len(), 2);
    assert!(hooks.iter().all(|h| s(&h["url"]).contains("/w/")));
    // Never again: get and list carry no secrets.
    let id = s(&link["guest_link_id"]);
    let got = srv
        .ok("/guest_links/get", &k, json!({"guest_link_id": id}))
        .await;
    let listed = srv.ok("/guest_links/list", &k, json!({})).await;
    for v in [&got, &listed] {
        let text = v.to_string();
        assert!(
            !text.contains(&tok) && !text.contains("/w/") && !text.contains("\"url\""),
            "{text}"
        );
    }
    assert!(all_events(&srv)
        .await
        .iter()
        .any(|e| e["event_type"] == "guest_link.created" && e["guest_link_id"] == json!(id)));

    // Refusals, each with its own clear error; nothing is clipped.
    let cases = [
        (
            json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0], fx.other_door], "description": "x", "ends_at": ends}),
            403,
            "guest_link_exceeds_issuer_access",
        ),
        (
            json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.no_cloud_door], "description": "x", "ends_at": ends}),
            400,
            "invalid_input",
        ),
        (
            json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "x", "ends_at": (t0() + Duration::days(40)).to_rfc3339()}),
            400,
            "invalid_input",
        ),
        (
            json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "x", "ends_at": (t0() - Duration::hours(1)).to_rfc3339()}),
            400,
            "invalid_input",
        ),
        (
            json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "x", "ends_at": ends, "max_unlock_count": 0}),
            400,
            "invalid_input",
        ),
        (
            json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "", "ends_at": ends}),
            400,
            "invalid_input",
        ),
        (
            json!({"acs_entrance_ids": [fx.doors[0]], "description": "no issuer", "ends_at": ends}),
            400,
            "invalid_input",
        ),
    ];
    for (body, status, kind) in cases {
        let (st, v) = srv.post("/guest_links/create", &k, body.clone()).await;
        assert_eq!(
            (st, v["error"]["type"].clone()),
            (status, json!(kind)),
            "{body} -> {v}"
        );
    }
    let (_, v) = srv
        .post("/guest_links/create", &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.other_door], "description": "x", "ends_at": ends}))
        .await;
    assert_eq!(
        v["error"]["data"]["acs_entrance_ids_not_covered"],
        json!([fx.other_door])
    );

    // The issuer's own window bounds the link's.
    srv.ok("/access_grants/update", &k, json!({"access_grant_id": fx.grant, "starts_at": (t0() - Duration::days(1)).to_rfc3339(), "ends_at": (t0() + Duration::hours(1)).to_rfc3339()})).await;
    let (st, v) = srv.post("/guest_links/create", &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "x", "ends_at": ends})).await;
    assert_eq!(
        (st, v["error"]["type"].clone()),
        (403, json!("guest_link_exceeds_issuer_access"))
    );
    assert_eq!(v["error"]["data"]["window_outside_issuer_access"], true);
    assert!(s(&v["error"]["message"]).contains("window"));
    create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "x", "ends_at": (t0() + Duration::minutes(59)).to_rfc3339()})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_times_are_read_in_the_site_zone_with_dst_handled() {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0)
            .single()
            .expect("t"),
    ));
    let srv = inproc(clock).await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await; // site in Europe/Berlin
    let base = json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "DST"});
    let with = |a: &str, b: &str| {
        let mut v = base.clone();
        v["starts_at"] = json!(a);
        v["ends_at"] = json!(b);
        v
    };
    // Spring forward: 01:00 to 04:00 local is two real hours.
    let l = create_link(&srv, &k, with("2026-03-29T01:00", "2026-03-29T04:00")).await;
    assert_eq!(l["starts_at"], "2026-03-29T00:00:00.000Z");
    assert_eq!(l["ends_at"], "2026-03-29T02:00:00.000Z");
    // 02:30 does not exist that night; 02:30 on 25 October happens twice.
    let (st, v) = srv
        .post(
            "/guest_links/create",
            &k,
            with("2026-03-29T02:30", "2026-03-29T05:00"),
        )
        .await;
    assert_eq!(st, 400);
    assert!(s(&v["error"]["message"]).contains("does not exist"), "{v}");
    let (st, v) = srv
        .post(
            "/guest_links/create",
            &k,
            with("2026-10-25T02:30", "2026-10-25T05:00"),
        )
        .await;
    assert_eq!(st, 400);
    assert!(
        s(&v["error"]["message"]).contains("+02:00")
            && s(&v["error"]["message"]).contains("+01:00"),
        "{v}"
    );
    let l = create_link(
        &srv,
        &k,
        with("2026-10-25T02:30:00+01:00", "2026-10-25T05:00"),
    )
    .await;
    assert_eq!(l["starts_at"], "2026-10-25T01:30:00.000Z");
    // The guest page gets the window in the site's zone too.
    let (st, v) = guest(&srv, "/g/api/view", json!({"token": token(&l)}), None).await;
    assert_eq!(st, 200);
    assert_eq!(
        v["guest_link"]["starts_at_local"],
        "2026-10-25T02:30:00+01:00"
    );
    assert_eq!(v["guest_link"]["time_zone"], "Europe/Berlin");
    assert_eq!(v["guest_link"]["state"], "scheduled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_and_every_get_or_head_are_inert_for_any_preview_bot() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = inproc(clock).await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let link = create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": fx.doors, "description": "Secret party at the Main door", "ends_at": (t0() + Duration::hours(1)).to_rfc3339()})).await;
    let url = s(&link["url"]);
    let hook = s(&link["webhook_urls"][0]["url"]);
    let before = all_events(&srv).await;
    let agents = [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0",
        "Twitterbot/1.0",
        "Mozilla/5.0 (compatible; Microsoft Office/16.0; MSOffice 16; Safe Links)",
        "Microsoft Office Outlook 16.0",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
        "",
        "curl/8.5.0",
    ];
    for ua in agents {
        for target in [&url, &hook] {
            for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
                let resp = srv
                    .http
                    .request(method.clone(), target.as_str())
                    .header("user-agent", ua)
                    .send()
                    .await
                    .expect("send");
                let st = resp.status().as_u16();
                let h = resp.headers().clone();
                let body = resp.text().await.expect("body");
                if target == &url {
                    assert_eq!(st, 200);
                    assert_eq!(h["cache-control"], "no-store");
                    assert_eq!(h["referrer-policy"], "no-referrer");
                    assert!(h["x-robots-tag"].to_str().expect("h").contains("noindex"));
                    let csp = h["content-security-policy"].to_str().expect("csp");
                    assert!(
                        csp.contains("frame-ancestors 'none'")
                            && csp.contains("default-src 'none'")
                    );
                    if method == reqwest::Method::GET {
                        assert!(
                            !body.contains("Main")
                                && !body.contains("Secret party")
                                && !body.contains("Maya"),
                            "the shell names nothing"
                        );
                    }
                } else {
                    assert_eq!(st, 405, "{method} on a webhook URL must not act");
                    assert_eq!(h["allow"], "POST");
                }
            }
        }
    }
    assert_eq!(
        all_events(&srv).await,
        before,
        "GET/HEAD by any agent changed the audit trail"
    );
    let (_, l) = srv
        .get(
            "/guest_links/get",
            &k,
            &format!(
                "guest_link_id={}",
                link["guest_link_id"].as_str().expect("id")
            ),
        )
        .await;
    assert_eq!(l["guest_link"]["view_count"], 0);
    assert_eq!(l["guest_link"]["unlock_count"], 0);
    // The page weighs under 20 KB, with everything from its own origin.
    let mut total = 0;
    for p in ["/g", "/g/app.js", "/g/app.css"] {
        let body = srv
            .http
            .get(format!("{}{p}", srv.url))
            .send()
            .await
            .expect("get")
            .bytes()
            .await
            .expect("b");
        total += body.len();
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{p} references another origin"
        );
    }
    assert!(total < 20 * 1024, "guest page weighs {total} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_and_unlock_are_attributed_to_the_link_and_its_issuer() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = inproc(clock).await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let link = create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": fx.doors, "description": "Cleaner <b>Tue</b>", "ends_at": (t0() + Duration::hours(1)).to_rfc3339()})).await;
    let tok = token(&link);
    let id = s(&link["guest_link_id"]);
    let (st, v) = guest(&srv, "/g/api/view", json!({"token": tok}), None).await;
    assert_eq!(st, 200, "{v}");
    let g = &v["guest_link"];
    assert_eq!(g["state"], "active");
    assert_eq!(g["issuer_name"], "Maya");
    assert_eq!(g["description"], "Cleaner <b>Tue</b>");
    assert_eq!(g["entrances"].as_array().expect("doors").len(), 2);
    assert_eq!(g["entrances"][0]["display_name"], "Main");

    let (st, v) = guest_unlock(&srv, &tok, &fx.doors[1], "tap-1").await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["action_attempt"]["status"], "success");
    assert!(v["unlocked_until"].is_string());
    let ev = srv
        .ok("/events/list", &k, json!({"event_type": "lock.unlocked"}))
        .await;
    let ev = ev["events"].as_array().expect("events");
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["guest_link_id"], json!(id));
    assert_eq!(ev[0]["user_identity_id"], json!(fx.user));
    assert_eq!(ev[0]["acs_entrance_id"], json!(fx.doors[1]));
    assert_eq!(ev[0]["actor_type"], "guest_link");
    assert!(all_events(&srv)
        .await
        .iter()
        .any(|e| e["event_type"] == "guest_link.viewed" && e["guest_link_id"] == json!(id)));
    let (_, l) = srv
        .post("/guest_links/get", &k, json!({"guest_link_id": id}))
        .await;
    assert_eq!(
        (
            l["guest_link"]["unlock_count"].clone(),
            l["guest_link"]["view_count"].clone()
        ),
        (json!(1), json!(1))
    );
    assert!(l["guest_link"]["last_unlocked_at"].is_string());

    // A door outside the link is refused; the webhook URL opens its own door with POST only.
    let (_, v) = guest_unlock(&srv, &tok, &fx.no_cloud_door, "tap-2").await;
    assert_eq!(
        v["action_attempt"]["error"]["type"],
        "guest_link_entrance_not_shared"
    );
    let hook = s(&link["webhook_urls"][0]["url"]);
    let resp = srv.http.post(&hook).send().await.expect("post");
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["action_attempt"]["status"], "success");
    let ev = srv
        .ok(
            "/events/list",
            &k,
            json!({"event_type": "lock.unlocked", "acs_entrance_id": fx.doors[0]}),
        )
        .await;
    assert_eq!(ev["events"][0]["actor_type"], "guest_link_webhook");
    assert_eq!(ev["events"][0]["guest_link_id"], json!(id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_hold_at_their_exact_edges() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = inproc(clock.clone()).await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let start = t0() + Duration::hours(1);
    let end = t0() + Duration::hours(2);
    let link = create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "edges", "starts_at": start.to_rfc3339(), "ends_at": end.to_rfc3339()})).await;
    assert_eq!(link["state"], "scheduled");
    let tok = token(&link);
    let ms = Duration::milliseconds(1);
    for (at, expect) in [
        (start - ms, Err("guest_link_not_yet_valid")),
        (start, Ok(())),
        (end - ms, Ok(())),
        (end, Err("guest_link_expired")),
    ] {
        clock.set(at);
        let (st, v) = guest_unlock(
            &srv,
            &tok,
            &fx.doors[0],
            &format!("edge-{}", at.timestamp_millis()),
        )
        .await;
        assert_eq!(st, 200, "{v}");
        match expect {
            Ok(()) => assert_eq!(v["action_attempt"]["status"], "success", "at {at}: {v}"),
            Err(code) => assert_eq!(v["action_attempt"]["error"]["type"], code, "at {at}: {v}"),
        }
    }
    let (_, v) = guest(&srv, "/g/api/view", json!({"token": tok}), None).await;
    assert_eq!(v["guest_link"]["state"], "expired");
    assert!(
        v["guest_link"]["entrances"]
            .as_array()
            .expect("doors")
            .is_empty(),
        "an expired link names no doors"
    );
    let listed = srv
        .ok("/guest_links/list", &k, json!({"state": "expired"}))
        .await;
    assert_eq!(listed["guest_links"].as_array().expect("links").len(), 1);
    let listed = srv
        .ok("/guest_links/list", &k, json!({"state": "active"}))
        .await;
    assert!(listed["guest_links"].as_array().expect("links").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_dies_with_the_issuers_access() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = inproc(clock).await;
    let k = srv.key.clone();
    let ends = (t0() + Duration::hours(1)).to_rfc3339();
    let mk = |fx: &Fixture| json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "x", "ends_at": ends});

    // Lockdown of the door blocks, lifting it restores.
    let fx = Fixture::create(&srv, &k).await;
    let tok = token(&create_link(&srv, &k, mk(&fx)).await);
    srv.ok(
        "/acs/entrances/update",
        &k,
        json!({"acs_entrance_id": fx.doors[0], "is_in_lockdown": true}),
    )
    .await;
    let (_, v) = guest_unlock(&srv, &tok, &fx.doors[0], "a").await;
    assert_eq!(v["action_attempt"]["error"]["type"], "entrance_in_lockdown");
    srv.ok(
        "/acs/entrances/update",
        &k,
        json!({"acs_entrance_id": fx.doors[0], "is_in_lockdown": false}),
    )
    .await;
    assert_eq!(
        guest_unlock(&srv, &tok, &fx.doors[0], "b").await.1["action_attempt"]["status"],
        "success"
    );

    // Revoking the link itself.
    let l = create_link(&srv, &k, mk(&fx)).await;
    srv.ok(
        "/guest_links/revoke",
        &k,
        json!({"guest_link_id": l["guest_link_id"]}),
    )
    .await;
    let (_, v) = guest_unlock(&srv, &token(&l), &fx.doors[0], "c").await;
    assert_eq!(v["action_attempt"]["error"]["type"], "guest_link_revoked");
    let (_, v) = guest(&srv, "/g/api/view", json!({"token": token(&l)}), None).await;
    assert_eq!(
        (
            v["guest_link"]["state"].clone(),
            v["guest_link"]["issuer_name"].clone()
        ),
        (json!("revoked"), json!("Maya"))
    );

    // Revoking the issuer's cloud key, deleting the issuer, ending the issuer's grant.
    for how in ["method", "user", "grant"] {
        let fx = Fixture::create(&srv, &k).await;
        let tok = token(&create_link(&srv, &k, mk(&fx)).await);
        assert_eq!(
            guest_unlock(&srv, &tok, &fx.doors[0], &format!("{how}-ok"))
                .await
                .1["action_attempt"]["status"],
            "success"
        );
        match how {
            "method" => {
                srv.ok(
                    "/access_methods/delete",
                    &k,
                    json!({"access_method_id": fx.method}),
                )
                .await
            }
            "user" => {
                srv.ok(
                    "/user_identities/delete",
                    &k,
                    json!({"user_identity_id": fx.user}),
                )
                .await
            }
            _ => {
                srv.ok(
                    "/access_grants/delete",
                    &k,
                    json!({"access_grant_id": fx.grant}),
                )
                .await
            }
        };
        let (_, v) = guest_unlock(&srv, &tok, &fx.doors[0], &format!("{how}-after")).await;
        assert_eq!(
            v["action_attempt"]["error"]["type"], "guest_link_issuer_lost_access",
            "{how}: {v}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_unlock_after_a_revoke_commits_under_a_race() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = Arc::new(inproc(clock).await);
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let link = create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "race", "ends_at": (t0() + Duration::hours(1)).to_rfc3339()})).await;
    let tok = token(&link);
    let id = s(&link["guest_link_id"]);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (s2, tok, door) = (srv.clone(), tok.clone(), fx.doors[0].clone());
        tasks.push(tokio::spawn(async move {
            guest_unlock(&s2, &tok, &door, &format!("race-{i}")).await
        }));
        if i == 50 {
            let (s3, k, id) = (srv.clone(), k.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                s3.post("/guest_links/revoke", &k, json!({"guest_link_id": id}))
                    .await
            }));
        }
    }
    for t in tasks {
        let (st, _) = t.await.expect("task");
        assert_eq!(st, 200);
    }
    // Events come newest first, in commit order: after the revoke, only refusals.
    let ev = all_events(&srv).await;
    let revoked_at = ev
        .iter()
        .position(|e| e["event_type"] == "guest_link.revoked")
        .expect("revoke event");
    let after_revoke = &ev[..revoked_at];
    assert!(
        after_revoke
            .iter()
            .all(|e| e["event_type"] != "lock.unlocked"),
        "an unlock committed after the revoke"
    );
    let refused = after_revoke
        .iter()
        .filter(|e| e["error_code"] == "guest_link_revoked")
        .count();
    let opened = ev
        .iter()
        .filter(|e| e["event_type"] == "lock.unlocked")
        .count();
    assert_eq!(
        opened + refused,
        100,
        "every request is accounted for exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_unlock_count_holds_under_64_parallel_unlocks_and_keys_dedupe() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = Arc::new(inproc(clock).await);
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let link = create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "5 uses", "ends_at": (t0() + Duration::hours(1)).to_rfc3339(), "max_unlock_count": 5})).await;
    let tok = token(&link);
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let (srv, tok, door) = (srv.clone(), tok.clone(), fx.doors[0].clone());
            tokio::spawn(async move { guest_unlock(&srv, &tok, &door, &format!("k{i}")).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        let (_, v) = t.await.expect("task");
        match v["action_attempt"]["status"].as_str() {
            Some("success") => ok += 1,
            _ => assert_eq!(
                v["action_attempt"]["error"]["type"], "guest_link_used_up",
                "{v}"
            ),
        }
    }
    assert_eq!(ok, 5);
    let l = srv
        .ok(
            "/guest_links/get",
            &k,
            json!({"guest_link_id": link["guest_link_id"]}),
        )
        .await;
    assert_eq!(
        (
            l["guest_link"]["unlock_count"].clone(),
            l["guest_link"]["state"].clone()
        ),
        (json!(5), json!("used_up"))
    );

    // One idempotency key, 20 parallel requests: one unlock.
    let link = create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[1]], "description": "dedupe", "ends_at": (t0() + Duration::hours(1)).to_rfc3339()})).await;
    let tok = token(&link);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (srv, tok, door) = (srv.clone(), tok.clone(), fx.doors[1].clone());
            tokio::spawn(async move { guest_unlock(&srv, &tok, &door, "same-tap").await })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        ids.insert(s(
            &t.await.expect("task").1["action_attempt"]["action_attempt_id"]
        ));
    }
    assert_eq!(ids.len(), 1);
    let ev = srv
        .ok(
            "/events/list",
            &k,
            json!({"event_type": "lock.unlocked", "acs_entrance_id": fx.doors[1]}),
        )
        .await;
    assert_eq!(ev["events"].as_array().expect("e").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tokens_get_one_answer_and_are_rate_limited_and_cross_site_posts_refused() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = inproc(clock).await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let link = create_link(&srv, &k, json!({"user_identity_id": fx.user, "acs_entrance_ids": [fx.doors[0]], "description": "x", "ends_at": (t0() + Duration::hours(1)).to_rfc3339()})).await;
    let tok = token(&link);
    let before = all_events(&srv).await;

    // Cross-site or non-JSON posts are refused before anything is looked up.
    let resp = srv
        .http
        .post(format!("{}/g/api/unlock", srv.url))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"token": tok, "acs_entrance_id": fx.doors[0]}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 403);
    let resp = srv
        .http
        .post(format!("{}/g/api/unlock", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={tok}&acs_entrance_id={}", fx.doors[0]))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 415);
    assert_eq!(all_events(&srv).await, before);

    let mut bodies = std::collections::BTreeSet::new();
    let mut limited = false;
    for i in 0..40 {
        let fake = format!("{:0>43}", i);
        let (st, v) = guest(&srv, "/g/api/view", json!({"token": fake}), None).await;
        match st {
            404 => {
                bodies.insert(v.to_string());
            }
            429 => {
                limited = true;
                assert_eq!(v["error"]["type"], "rate_limited");
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!(bodies.len(), 1, "every unknown token gets the same answer");
    assert!(
        limited,
        "a flood of unknown tokens from one address is rate limited"
    );
    assert_eq!(
        all_events(&srv).await,
        before,
        "unknown tokens write nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_share_their_own_key_and_see_their_own_links_and_tokens_stay_out_of_the_database() {
    let clock = Arc::new(ManualClock::new(t0()));
    let srv = inproc(clock).await;
    let k = srv.key.clone();
    let fx = Fixture::create(&srv, &k).await;
    let other = Fixture::create(&srv, &k).await;
    let me = fx.member_token(&srv, &k).await;
    let ends = (t0() + Duration::hours(1)).to_rfc3339();
    let mine = create_link(
        &srv,
        &me,
        json!({"acs_entrance_ids": [fx.doors[0]], "description": "mine", "ends_at": ends}),
    )
    .await;
    assert_eq!(mine["issuer_user_identity_id"], json!(fx.user));
    let (st, _) = srv.post("/guest_links/create", &me, json!({"user_identity_id": other.user, "acs_entrance_ids": [other.doors[0]], "description": "theirs", "ends_at": ends})).await;
    assert_eq!(st, 403);
    let (st, _) = srv.post("/guest_links/create", &me, json!({"access_method_id": other.method, "acs_entrance_ids": [other.doors[0]], "description": "theirs", "ends_at": ends})).await;
    assert_eq!(st, 404);
    let theirs = create_link(&srv, &k, json!({"user_identity_id": other.user, "acs_entrance_ids": [other.doors[0]], "description": "theirs", "ends_at": ends})).await;
    let listed = srv.ok("/guest_links/list", &me, json!({})).await;
    let ids: Vec<_> = listed["guest_links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| s(&l["guest_link_id"]))
        .collect();
    assert_eq!(ids, vec![s(&mine["guest_link_id"])]);
    let (st, _) = srv
        .post(
            "/guest_links/revoke",
            &me,
            json!({"guest_link_id": theirs["guest_link_id"]}),
        )
        .await;
    assert_eq!(st, 404);
    srv.ok(
        "/guest_links/revoke",
        &me,
        json!({"guest_link_id": mine["guest_link_id"]}),
    )
    .await;
    let by_issuer = srv
        .ok(
            "/guest_links/list",
            &k,
            json!({"issuer_user_identity_id": other.user}),
        )
        .await;
    assert_eq!(by_issuer["guest_links"].as_array().expect("l").len(), 1);
    let revoked = srv
        .ok("/guest_links/list", &k, json!({"state": "revoked"}))
        .await;
    assert_eq!(revoked["guest_links"].as_array().expect("l").len(), 1);

    // Use the links, then look for their secrets in the database files.
    guest_unlock(&srv, &token(&theirs), &other.doors[0], "x").await;
    let raw: Vec<u8> = stored_bytes(&srv.data_dir);
    for link in [&mine, &theirs] {
        let mut secrets = vec![token(link)];
        for h in link["webhook_urls"].as_array().expect("hooks") {
            secrets.push(s(&h["url"]).rsplit('/').next().expect("t").to_owned());
        }
        for sec in secrets {
            assert!(
                !raw.windows(sec.len()).any(|w| w == sec.as_bytes()),
                "a link secret is stored in plain text"
            );
        }
    }
}
