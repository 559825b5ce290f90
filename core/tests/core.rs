//! ajar-core against a real ajar-server on 127.0.0.1 (in process, temporary database): sign-in,
//! entries with offline start from the cache, unlock (with a dropped connection in the middle),
//! sharing with QR codes decoded back to the URL, DST windows, links, activity, and feature
//! detection against a Seam-only endpoint.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ajar_core::share::{ShareRequest, WindowInput};
use ajar_core::{Core, CoreError, MemorySecretStore, SecretStore, Session, UnlockOutcome};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "seam_coretest_0123456789abcdefghij";

struct Srv {
    url: String,
    _server: ajar_server::testing::TestServer,
    http: reqwest::Client,
}

async fn server() -> Srv {
    let server = ajar_server::testing::TestServer::start(KEY)
        .await
        .expect("start");
    Srv {
        url: server.url.clone(),
        _server: server,
        http: reqwest::Client::new(),
    }
}

impl Srv {
    async fn ok(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(KEY)
            .json(&body)
            .send()
            .await
            .expect("send");
        let st = resp.status();
        let v: Value = resp.json().await.expect("json");
        assert!(st.is_success(), "{path}: {v}");
        v
    }
}

fn id(v: &Value) -> String {
    v.as_str().expect("id").to_owned()
}

/// A Berlin site with three doors; Maya's key opens Main and Side; returns (doors, user, token).
async fn seed(srv: &Srv) -> (Vec<String>, String, String) {
    let site = id(&srv
        .ok(
            "/acs/systems/create",
            json!({"name": "HQ", "time_zone": "Europe/Berlin"}),
        )
        .await["acs_system"]["acs_system_id"]);
    let mut doors = Vec::new();
    for (name, cloud) in [
        ("Main Entrance", true),
        ("Side Door", true),
        ("Server Room", false),
    ] {
        let d = srv.ok("/acs/entrances/create", json!({"acs_system_id": site, "display_name": name, "can_unlock_with_cloud_key": cloud})).await;
        doors.push(id(&d["acs_entrance"]["acs_entrance_id"]));
    }
    let user = id(&srv
        .ok(
            "/user_identities/create",
            json!({"full_name": "Maya Member"}),
        )
        .await["user_identity"]["user_identity_id"]);
    srv.ok("/access_grants/create", json!({"user_identity_id": user, "acs_entrance_ids": [doors[0], doors[1], doors[2]], "requested_access_methods": [{"mode": "cloud_key"}]})).await;
    let tok = id(&srv
        .ok("/client_sessions/create", json!({"user_identity_id": user}))
        .await["client_session"]["token"]);
    (doors, user, tok)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_entries_offline_start_and_sign_out() {
    let srv = server().await;
    let (doors, user, tok) = seed(&srv).await;
    let dir = tempfile::tempdir().expect("tmp");
    let secrets = Arc::new(MemorySecretStore::default());
    let core = Core::new(dir.path(), secrets.clone());
    let code = ajar_core::signin::make_code(&srv.url, &tok);
    let session = core
        .sign_in("work", None, &code)
        .await
        .expect("sign in with a code");
    match session.identity().await.expect("identity") {
        ajar_core::Identity::User {
            user_identity_id,
            display_name,
            ..
        } => {
            assert_eq!(user_identity_id.to_string(), user);
            assert_eq!(display_name, "Maya Member");
        }
        other => panic!("expected a user, got {other:?}"),
    }
    let list = session.entries().await.expect("entries");
    assert!(!list.stale);
    assert_eq!(list.entries.len(), 3);
    let main = list
        .entries
        .iter()
        .find(|e| e.name == "Main Entrance")
        .expect("main");
    assert!(
        main.can_unlock() && main.access_method_id.is_some() && main.access_starts_at.is_some()
    );
    assert_eq!(main.time_zone, "Europe/Berlin");
    let server_room = list
        .entries
        .iter()
        .find(|e| e.name == "Server Room")
        .expect("server room");
    assert!(!server_room.can_unlock());
    assert_eq!(list.entries[0].acs_entrance_id.to_string(), doors[0]);

    // Nothing secret on disk: the token is only in the secret store.
    for f in std::fs::read_dir(dir.path()).expect("dir") {
        let bytes = std::fs::read(f.expect("f").path()).unwrap_or_default();
        assert!(
            !bytes.windows(tok.len()).any(|w| w == tok.as_bytes()),
            "token written to a plain file"
        );
    }
    assert_eq!(
        secrets.get("profile:work").expect("get").as_deref(),
        Some(tok.as_str())
    );

    // Offline start: the server is gone, the list comes from the cache, marked stale.
    drop(srv);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let again = core.session(None).await.expect("profile");
    let cached = again.cached_entries().expect("cache").expect("cached list");
    assert!(cached.stale && cached.entries.len() == 3);
    let fallback = again.entries().await.expect("falls back to the cache");
    assert!(fallback.stale);
    assert!(matches!(
        again.unlock("Main Entrance").await,
        Err(CoreError::Network { .. })
    ));

    // Sign-out forgets the token, the profile and the cache.
    core.sign_out("work").await.expect("sign out offline");
    assert_eq!(secrets.get("profile:work").expect("get"), None);
    assert!(core.profiles().expect("profiles").0.is_empty());
    assert!(matches!(
        core.session(None).await,
        Err(CoreError::NotSignedIn(_))
    ));
    assert!(!dir.path().join("cache-work.sqlite3").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session_on_the_server_and_profiles_sit_side_by_side() {
    let srv = server().await;
    let (_, _, tok) = seed(&srv).await;
    let core = Core::new(
        tempfile::tempdir().expect("tmp").keep(),
        Arc::new(MemorySecretStore::default()),
    );
    core.sign_in("maya", Some(&srv.url), &tok)
        .await
        .expect("maya");
    core.sign_in("admin", Some(&srv.url), KEY)
        .await
        .expect("admin");
    let (profiles, default) = core.profiles().expect("profiles");
    assert_eq!(profiles.len(), 2);
    assert_eq!(default.as_deref(), Some("admin"));
    assert_eq!(
        profiles
            .iter()
            .find(|p| p.name == "maya")
            .expect("maya")
            .label,
        "Maya Member (member)"
    );
    assert!(
        core.sign_out("maya").await.expect("sign out"),
        "the client session was revoked on the server"
    );
    let resp = srv
        .http
        .post(format!("{}/acs/entrances/list", srv.url))
        .bearer_auth(&tok)
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 401);
    assert!(matches!(
        core.sign_in("bad", Some(&srv.url), "seam_cst1_notarealtoken000000")
            .await,
        Err(CoreError::NotSignedIn(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlock_confirms_refuses_and_explains() {
    let srv = server().await;
    let (doors, _, tok) = seed(&srv).await;
    let s = Session::connect(&srv.url, &tok, None, None)
        .await
        .expect("connect");
    match s.unlock("main entrance").await.expect("unlock") {
        UnlockOutcome::Confirmed { .. } => {}
        other => panic!("expected confirmed, got {other:?}"),
    }
    match s.unlock(&doors[2]).await.expect("unlock") {
        UnlockOutcome::Refused { code, .. } => assert_eq!(code, "entrance_not_cloud_key_enabled"),
        other => panic!("expected refused, got {other:?}"),
    }
    assert!(matches!(
        s.unlock("Nowhere").await,
        Err(CoreError::NotFound { .. })
    ));
    let admin = Session::connect(&srv.url, KEY, None, None)
        .await
        .expect("admin");
    match admin.unlock("Main Entrance").await.expect("unlock") {
        UnlockOutcome::Refused { code, .. } => assert_eq!(code, "no_cloud_key"),
        other => panic!("an API key has no cloud key: {other:?}"),
    }
}

/// A TCP proxy that forwards requests but, for the first `drop` unlock requests, closes the
/// client's connection after the server answered: the unlock happened, the client never heard.
async fn dropping_proxy(upstream: SocketAddr, drop: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let left = Arc::new(AtomicUsize::new(drop));
    let dropped = Arc::new(AtomicUsize::new(0));
    let d2 = dropped.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let (left, dropped) = (left.clone(), d2.clone());
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                loop {
                    let Some(req) = read_message(&mut client).await else {
                        return;
                    };
                    if server.write_all(&req).await.is_err() {
                        return;
                    }
                    let Some(resp) = read_message(&mut server).await else {
                        return;
                    };
                    let is_unlock =
                        String::from_utf8_lossy(&req).contains("/access_methods/unlock_door");
                    if is_unlock && left.load(Ordering::SeqCst) > 0 {
                        left.fetch_sub(1, Ordering::SeqCst);
                        dropped.fetch_add(1, Ordering::SeqCst);
                        return; // close without answering
                    }
                    if client.write_all(&resp).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), dropped)
}

/// Reads one HTTP/1.1 message (headers and a Content-Length body).
async fn read_message(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf);
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_unlock_after_a_dropped_connection_unlocks_once() {
    let srv = server().await;
    let (doors, _, tok) = seed(&srv).await;
    let upstream: SocketAddr = srv.url.trim_start_matches("http://").parse().expect("addr");
    let (proxy, dropped) = dropping_proxy(upstream, 2).await;
    let s = Session::connect(&proxy, &tok, None, None)
        .await
        .expect("connect through the proxy");
    let outcome = s
        .unlock("Main Entrance")
        .await
        .expect("unlock after retries");
    assert!(
        matches!(outcome, UnlockOutcome::Confirmed { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        2,
        "two answers were lost on the way"
    );
    let ev = srv
        .ok(
            "/events/list",
            json!({"event_type": "lock.unlocked", "acs_entrance_id": doors[0]}),
        )
        .await;
    assert_eq!(
        ev["events"].as_array().expect("events").len(),
        1,
        "three tries, one unlock"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_gives_a_payload_whose_qr_decodes_to_the_url() {
    let srv = server().await;
    let (doors, user, tok) = seed(&srv).await;
    let s = Session::connect(&srv.url, &tok, None, None)
        .await
        .expect("connect");
    let p = s
        .share(&ShareRequest {
            entries: vec!["Main Entrance".into(), doors[1].clone()],
            description: "Plumber & co".into(),
            window: WindowInput::For { seconds: 3600 },
            max_uses: Some(4),
        })
        .await
        .expect("share");
    assert!(p.url.starts_with(&format!("{}/g#", srv.url)));
    assert_eq!(p.link.max_unlock_count, Some(4));
    assert_eq!((p.link.ends_at - p.link.starts_at).num_seconds(), 3600);
    assert_eq!(p.webhook_urls.len(), 2);
    assert!(p.subject.contains("Maya Member") && p.subject.contains("Main Entrance and Side Door"));
    assert!(p.text.contains(&p.url) && p.text.contains("Plumber & co"));
    assert!(p.mailto.starts_with("mailto:?subject=") && p.mailto.contains("Plumber%20%26%20co"));
    assert!(p.sms.starts_with("sms:?&body=") && !p.sms.contains(' '));
    assert_eq!(
        p.slack_message["blocks"][1]["elements"][0]["url"],
        json!(p.url)
    );
    // The PNG decodes back to the exact URL.
    let img = image::load_from_memory(&p.qr_png).expect("png").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().expect("decode");
    assert_eq!(content, p.url);
    assert!(p.qr_svg.contains("<svg"));

    // Links and activity.
    let links = s.links(Some("active")).await.expect("links");
    assert_eq!(links.len(), 1);
    assert!(links[0].url.is_none(), "the URL is never shown twice");
    let link_id = p.link.guest_link_id;
    let token = p.url.split_once('#').expect("fragment").1.to_owned();
    let r = srv
        .http
        .post(format!("{}/g/api/unlock", srv.url))
        .json(&json!({"token": token, "acs_entrance_id": doors[0]}))
        .send()
        .await
        .expect("guest");
    assert_eq!(r.status(), 200);
    let act = s
        .activity(ajar_core::session::ActivityFilter {
            guest_link_id: Some(link_id),
            ..Default::default()
        })
        .await
        .expect("activity");
    assert!(act.iter().any(|e| e.event_type == "lock.unlocked"
        && e.user_identity_id.map(|u| u.to_string()) == Some(user.clone())));
    assert!(act.iter().all(|e| e.guest_link_id == Some(link_id)));
    s.revoke_link(link_id).await.expect("revoke");
    assert_eq!(
        s.link(link_id).await.expect("link").state,
        ajar_protocol::GuestLinkState::Revoked
    );

    // Posting to a Slack incoming webhook sends the message body.
    let got = Arc::new(tokio::sync::Mutex::new(None::<Value>));
    let g2 = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let g2 = g2.clone();
            async move {
                *g2.lock().await = Some(v);
                "ok"
            }
        }),
    );
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hook = format!("http://{}/hook", l.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(l, app).await });
    s.post_to_slack(&hook, &p).await.expect("slack");
    assert_eq!(
        got.lock().await.clone().expect("posted")["text"],
        json!(p.text)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_windows_are_civil_times_in_the_site_zone_with_dst() {
    let srv = server().await;
    let (_, _, tok) = seed(&srv).await;
    let s = Session::connect(&srv.url, &tok, None, None)
        .await
        .expect("connect");
    // Last Sunday of March 2027: Berlin springs forward at 02:00.
    let p = s
        .share(&ShareRequest {
            entries: vec!["Main Entrance".into()],
            description: "DST".into(),
            window: WindowInput::Between {
                from: Some("2027-03-28T01:00".into()),
                until: "2027-03-28T04:00".into(),
            },
            max_uses: None,
        })
        .await
        .expect("share across DST");
    assert_eq!((p.link.ends_at - p.link.starts_at).num_hours(), 2);
    assert_eq!(
        ajar_protocol::time::format_ts(&p.link.starts_at),
        "2027-03-28T00:00:00.000Z"
    );
    let gap = s
        .share(&ShareRequest {
            entries: vec!["Main Entrance".into()],
            description: "gap".into(),
            window: WindowInput::Between {
                from: Some("2027-03-28T02:30".into()),
                until: "2027-03-28T04:00".into(),
            },
            max_uses: None,
        })
        .await;
    assert!(matches!(gap, Err(CoreError::InvalidInput(m)) if m.contains("does not exist")));
    let too_much = s
        .share(&ShareRequest {
            entries: vec!["Server Room".into()],
            description: "x".into(),
            window: WindowInput::For { seconds: 60 },
            max_uses: None,
        })
        .await;
    assert!(
        matches!(too_much, Err(CoreError::InvalidInput(_))),
        "{too_much:?}"
    );
}

/// A stand-in for a plain Seam endpoint: entrances, grants and unlock, no guest links (any other
/// route answers a plain-text 404, as Seam's own fake does). Its unlock answers `pending` first.
async fn seam_only() -> String {
    use axum::routing::post;
    let door = "11111111-1111-4111-8111-111111111111";
    let method = "22222222-2222-4222-8222-222222222222";
    let polls = Arc::new(AtomicUsize::new(0));
    let p2 = polls.clone();
    let app = axum::Router::new()
        .route("/acs/systems/list", post(|| async { axum::Json(json!({"acs_systems": [], "ok": true})) }))
        .route("/acs/entrances/list", post(move || async move {
            axum::Json(json!({"acs_entrances": [{
                "acs_entrance_id": door, "acs_system_id": "33333333-3333-4333-8333-333333333333",
                "connected_account_id": "44444444-4444-4444-8444-444444444444", "created_at": "2026-01-01T00:00:00.000Z",
                "display_name": "Lobby", "space_ids": [], "errors": [], "warnings": [], "can_unlock_with_cloud_key": true
            }], "pagination": {"has_next_page": false, "next_page_cursor": null, "next_page_url": null}, "ok": true}))
        }))
        .route("/access_methods/unlock_door", post(|| async {
            axum::Json(json!({"action_attempt": {"action_attempt_id": "55555555-5555-4555-8555-555555555555", "action_type": "UNLOCK_DOOR", "status": "pending", "result": null, "error": null}, "ok": true}))
        }))
        .route("/action_attempts/get", post(move || {
            let n = p2.fetch_add(1, Ordering::SeqCst);
            async move {
                let status = if n == 0 { "pending" } else { "success" };
                let result = if n == 0 { Value::Null } else { json!({"was_confirmed_by_device": false}) };
                axum::Json(json!({"action_attempt": {"action_attempt_id": "55555555-5555-4555-8555-555555555555", "action_type": "UNLOCK_DOOR", "status": status, "result": result, "error": null}, "ok": true}))
            }
        }))
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "Not Found") });
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(l, app).await });
    let _ = method;
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_seam_only_endpoint_entries_and_unlock_work_and_sharing_is_unsupported() {
    let url = seam_only().await;
    let s = Session::connect(&url, "seam_apikey1_token_0123456789", None, None)
        .await
        .expect("connect");
    let list = s.entries().await.expect("entries without Ajar extensions");
    assert_eq!(list.entries.len(), 1);
    assert_eq!(list.entries[0].name, "Lobby");
    let method = "22222222-2222-4222-8222-222222222222"
        .parse()
        .expect("uuid");
    let outcome = s
        .unlock_with(method, list.entries[0].acs_entrance_id, "k1")
        .await
        .expect("unlock");
    assert!(
        matches!(outcome, UnlockOutcome::NotConfirmed { .. }),
        "pending, then success without device confirmation: {outcome:?}"
    );
    let share = s
        .share(&ShareRequest {
            entries: vec!["Lobby".into()],
            description: "x".into(),
            window: WindowInput::For { seconds: 60 },
            max_uses: None,
        })
        .await;
    assert!(
        matches!(share, Err(CoreError::Unsupported { .. })),
        "{share:?}"
    );
    assert!(matches!(
        s.links(None).await,
        Err(CoreError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn https_servers_are_reached_over_tls() {
    // A plain-HTTP listener spoken to over https: the client must attempt a TLS handshake (and
    // fail it), not refuse the scheme.
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    match Session::connect(&format!("https://{addr}"), KEY, None, None).await {
        Err(CoreError::Network { message, .. }) => {
            assert!(!message.contains("scheme"), "{message}")
        }
        other => panic!("expected a TLS failure, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_link_is_kept_in_the_secret_store_to_show_its_qr_again() {
    let srv = server().await;
    let (doors, _user, tok) = seed(&srv).await;
    let dir = tempfile::tempdir().expect("tmp");
    let secrets = Arc::new(MemorySecretStore::default());
    let core = Core::new(dir.path(), secrets.clone());
    let session = core
        .sign_in("desk", Some(&srv.url), &tok)
        .await
        .expect("sign in");

    // Door state for the doors view: online and locked, then unlocked with a relock time.
    let before = session.entries().await.expect("entries");
    let main = &before.entries[0];
    assert!(main.is_online && main.is_locked && main.unlocked_until.is_none());
    assert!(matches!(
        session.unlock(&doors[0]).await.expect("unlock"),
        UnlockOutcome::Confirmed { .. }
    ));
    let after = session.entries().await.expect("entries");
    let until = after.entries[0]
        .unlocked_until
        .expect("unlocked_until while open");
    assert!(until > chrono::Utc::now() - chrono::Duration::seconds(1));

    let share = session
        .share(&ShareRequest {
            entries: vec![doors[0].clone(), doors[1].clone()],
            description: "Plumber".into(),
            window: WindowInput::For { seconds: 3600 },
            max_uses: Some(3),
        })
        .await
        .expect("share");
    core.keep_link("desk", &share).expect("keep");
    // Kept only in the secret store, never in a plain file.
    for f in std::fs::read_dir(dir.path()).expect("dir") {
        let bytes = std::fs::read(f.expect("f").path()).unwrap_or_default();
        assert!(!bytes
            .windows(share.url.len())
            .any(|w| w == share.url.as_bytes()));
    }
    // The server lists the link without its URL; the kept one restores URL, QR and webhooks.
    let listed = session.link(share.link.guest_link_id).await.expect("get");
    assert!(listed.url.is_none());
    let names = vec!["Main Entrance".to_owned(), "Side Door".to_owned()];
    let again = core
        .kept_link("desk", listed.clone(), &names)
        .expect("kept")
        .expect("present");
    assert_eq!(again.url, share.url);
    assert_eq!(again.qr_svg, share.qr_svg);
    assert_eq!(again.webhook_urls, share.webhook_urls);
    assert_eq!(again.webhook_urls.len(), 2);
    // Another profile does not see it; forgetting removes it.
    assert!(core
        .kept_link("other", listed.clone(), &names)
        .expect("other")
        .is_none());
    core.forget_link("desk", share.link.guest_link_id)
        .expect("forget");
    assert!(core
        .kept_link("desk", listed, &names)
        .expect("gone")
        .is_none());
}
