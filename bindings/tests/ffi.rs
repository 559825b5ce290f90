//! The exported ffi surface called as plain Rust (as bitwarden tests its uniffi crate), against a
//! real ajar-server in process: sign-in with the app's own `SecretStore`, profiles, sessions,
//! entries and the cache, unlock outcomes, sharing (the QR decoded back to the URL), links,
//! revoke, activity, Slack posting, sign-out, and how every failure maps onto `AjarError`.

mod common;

use std::sync::Arc;

use ajar_ffi::{
    ActivityFilter, AjarClient, AjarError, AjarSession, Identity, SecretStore, ShareRequest,
    ShareWindow, UnlockOutcome,
};
use common::{seed, server, MapStore, KEY};
use serde_json::{json, Value};

fn client(dir: &std::path::Path, store: &Arc<MapStore>) -> Arc<AjarClient> {
    AjarClient::new(
        dir.to_string_lossy().into_owned(),
        store.clone() as Arc<dyn SecretStore>,
    )
}

fn sign_in_code(server: &str, token: &str) -> String {
    ajar_core::signin::make_code(server, token)
}

/// Every file under `dir`, recursively.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_keeps_the_token_in_the_apps_store_and_sign_out_forgets_it() {
    let srv = server().await;
    let seeded = seed(&srv).await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = Arc::new(MapStore::default());
    let c = client(dir.path(), &store);
    assert!(c.profiles().expect("profiles").is_empty());

    // A sign-in code carries the server.
    let s = c
        .sign_in("work".into(), None, sign_in_code(&srv.url, &seeded.token))
        .await
        .expect("sign in");
    assert_eq!(s.server(), srv.url);
    assert_eq!(
        s.identity().await.expect("identity"),
        Identity::User {
            user_identity_id: seeded.user.clone(),
            display_name: "Maya Member".into(),
            role: "member".into(),
        }
    );
    let profiles = c.profiles().expect("profiles");
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].name, "work");
    assert_eq!(profiles[0].server, srv.url);
    assert_eq!(profiles[0].label, "Maya Member (member)");
    assert!(profiles[0].is_default);

    // The token is in the app's store and nowhere on disk.
    assert_eq!(
        store.snapshot().get("profile:work"),
        Some(&seeded.token),
        "{:?}",
        store.snapshot()
    );
    assert_eq!(store.snapshot().len(), 1);

    // Entries: fresh, with what the buttons need; then the cache.
    assert_eq!(s.cached_entries().expect("cache"), None);
    let list = s.entries().await.expect("entries");
    assert!(!list.stale);
    assert!(list.age_seconds <= 5);
    let names: Vec<&str> = list.entries.iter().map(|e| e.name.as_str()).collect();
    // A member sees the doors of their grants (not the garage).
    assert_eq!(names, ["Main Entrance", "Side Door", "Server Room"]);
    let main = &list.entries[0];
    assert_eq!(main.acs_entrance_id, seeded.doors[0]);
    assert_eq!(main.site_id, seeded.site);
    assert_eq!(main.site_name, "HQ");
    assert_eq!(main.time_zone, "Europe/Berlin");
    assert!(main.can_unlock && main.access_method_id.is_some() && main.access_starts_at.is_some());
    assert!(main.access_ends_at.is_none());
    assert!(!list.entries[2].can_unlock && !list.entries[2].can_unlock_with_cloud_key);
    let cached = s.cached_entries().expect("cache").expect("cached");
    assert!(cached.stale);
    assert_eq!(cached.entries, list.entries);
    for f in files(dir.path()) {
        let bytes = std::fs::read(&f).expect("read");
        assert!(
            !bytes
                .windows(seeded.token.len())
                .any(|w| w == seeded.token.as_bytes()),
            "token written to {}",
            f.display()
        );
    }

    // A fresh client over the same directory and store reopens the profile, cache included.
    let c2 = client(dir.path(), &store);
    let again = c2.session(None).await.expect("session");
    assert_eq!(again.server(), srv.url);
    assert_eq!(
        again
            .cached_entries()
            .expect("cache")
            .expect("cached")
            .entries,
        list.entries
    );
    assert!(matches!(
        c2.session(Some("nope".into())).await,
        Err(AjarError::NotSignedIn { .. })
    ));

    // Profiles side by side: an admin key becomes the default.
    let admin = c
        .sign_in("admin".into(), Some(srv.url.clone()), KEY.into())
        .await
        .expect("admin");
    assert_eq!(admin.identity().await.expect("identity"), Identity::ApiKey);
    let profiles = c.profiles().expect("profiles");
    assert_eq!(profiles.len(), 2);
    assert!(profiles
        .iter()
        .any(|p| p.name == "admin" && p.is_default && p.label == "API key"));
    assert!(profiles.iter().any(|p| p.name == "work" && !p.is_default));

    // Sign-out ends the client session on the server and forgets the token.
    assert!(c.sign_out("work".into()).await.expect("sign out"));
    assert!(!store.snapshot().contains_key("profile:work"));
    assert!(matches!(
        AjarSession::connect(srv.url.clone(), seeded.token.clone()).await,
        Err(AjarError::NotSignedIn { .. })
    ));
    assert!(matches!(
        c.sign_out("work".into()).await,
        Err(AjarError::NotFound { .. })
    ));
    // An API key is not ended by signing out; nothing is left afterwards.
    assert!(!c.sign_out("admin".into()).await.expect("sign out admin"));
    assert!(store.snapshot().is_empty());
    assert!(c.profiles().expect("profiles").is_empty());
    assert!(matches!(
        c.session(None).await,
        Err(AjarError::NotSignedIn { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlock_outcomes_confirm_refuse_and_explain() {
    let srv = server().await;
    let seeded = seed(&srv).await;
    let s = AjarSession::connect(srv.url.clone(), seeded.token.clone())
        .await
        .expect("connect");

    // By name (any case) and by id.
    let attempt = match s.unlock("main entrance".into()).await.expect("unlock") {
        UnlockOutcome::Confirmed { action_attempt_id } => action_attempt_id,
        other => panic!("expected confirmed, got {other:?}"),
    };
    assert!(matches!(
        s.unlock(seeded.doors[1].clone()).await.expect("unlock"),
        UnlockOutcome::Confirmed { .. }
    ));
    // The door list now says the door is open, and until when (for the app's countdown).
    let list = s.entries().await.expect("entries");
    let main = &list.entries[0];
    assert!(main.is_online && !main.is_locked, "{main:?}");
    let until = main
        .unlocked_until
        .as_deref()
        .expect("unlocked_until while open");
    assert!(chrono::DateTime::parse_from_rfc3339(until).expect("rfc3339") > chrono::Utc::now());
    assert!(
        list.entries[2].unlocked_until.is_none(),
        "an untouched door has no countdown"
    );
    match s.unlock("Server Room".into()).await.expect("unlock") {
        UnlockOutcome::Refused {
            code,
            action_attempt_id,
            message,
        } => {
            assert_eq!(code, "entrance_not_cloud_key_enabled");
            assert!(action_attempt_id.is_some() && !message.is_empty());
        }
        other => panic!("expected refused, got {other:?}"),
    }
    // The garage is not the member's: not found, by name or by id.
    for door in ["Garage".to_owned(), seeded.doors[3].clone()] {
        assert!(matches!(
            s.unlock(door).await,
            Err(AjarError::NotFound { .. })
        ));
    }

    // Lockdown: a refusal with its reason, and the entry says so.
    srv.ok(
        "/acs/entrances/update",
        json!({"acs_entrance_id": seeded.doors[1], "is_in_lockdown": true}),
    )
    .await;
    match s.unlock("Side Door".into()).await.expect("unlock") {
        UnlockOutcome::Refused { code, .. } => assert_eq!(code, "entrance_in_lockdown"),
        other => panic!("expected a lockdown refusal, got {other:?}"),
    }
    let side = s
        .entries()
        .await
        .expect("entries")
        .entries
        .into_iter()
        .find(|e| e.name == "Side Door")
        .expect("side door");
    assert!(side.is_in_lockdown && !side.can_unlock);

    // Unknown doors are errors, not outcomes.
    assert!(matches!(
        s.unlock("Nowhere".into()).await,
        Err(AjarError::NotFound { .. })
    ));

    // The trail: newest first, with the attempt ids.
    let events = s
        .activity(ActivityFilter {
            acs_entrance_id: Some(seeded.doors[0].clone()),
            ..Default::default()
        })
        .await
        .expect("activity");
    let unlocked = events
        .iter()
        .find(|e| e.event_type == "lock.unlocked")
        .expect("lock.unlocked");
    assert_eq!(
        unlocked.action_attempt_id.as_deref(),
        Some(attempt.as_str())
    );
    assert_eq!(
        unlocked.user_identity_id.as_deref(),
        Some(seeded.user.as_str())
    );
    assert_eq!(unlocked.actor_type.as_deref(), Some("client_session"));
    assert!(events
        .iter()
        .all(|e| e.acs_entrance_id.as_deref() == Some(seeded.doors[0].as_str())));
    assert!(events
        .windows(2)
        .all(|w| w[0].occurred_at >= w[1].occurred_at));
    let refusals = s
        .activity(ActivityFilter {
            acs_entrance_id: Some(seeded.doors[1].clone()),
            limit: Some(50),
            ..Default::default()
        })
        .await
        .expect("activity");
    assert!(refusals
        .iter()
        .any(|e| e.error_code.as_deref() == Some("entrance_in_lockdown")));
    let one = s
        .activity(ActivityFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .expect("activity");
    assert_eq!(one.len(), 1);

    // An API key opens nothing itself.
    let admin = AjarSession::connect(srv.url.clone(), KEY.into())
        .await
        .expect("admin");
    match admin.unlock("Garage".into()).await.expect("unlock") {
        UnlockOutcome::Refused {
            code,
            action_attempt_id,
            ..
        } => {
            assert_eq!(code, "no_cloud_key");
            assert_eq!(action_attempt_id, None);
        }
        other => panic!("an API key has no cloud key: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_links_revoke_and_guest_activity() {
    let srv = server().await;
    let seeded = seed(&srv).await;
    let s = AjarSession::connect(srv.url.clone(), seeded.token.clone())
        .await
        .expect("connect");
    let p = s
        .share(ShareRequest {
            entries: vec!["Main Entrance".into(), seeded.doors[1].clone()],
            description: "Plumber & co".into(),
            window: ShareWindow::For { seconds: 3600 },
            max_uses: Some(2),
        })
        .await
        .expect("share");
    assert!(p.url.starts_with(&format!("{}/g#", srv.url)), "{}", p.url);
    let l = &p.link;
    assert_eq!(l.state, "active");
    assert_eq!(l.issuer_name, "Maya Member");
    assert_eq!(l.description, "Plumber & co");
    assert_eq!(l.acs_entrance_ids, seeded.doors[..2].to_vec());
    assert_eq!(l.max_unlock_count, Some(2));
    assert_eq!(l.unlock_count, 0);
    assert_eq!(l.time_zone, "Europe/Berlin");
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("rfc 3339");
    assert_eq!((t(&l.ends_at) - t(&l.starts_at)).num_seconds(), 3600);
    assert_eq!(
        t(&l.starts_at_local).timestamp(),
        t(&l.starts_at).timestamp()
    );
    assert!(l.starts_at.ends_with('Z'));
    assert!(
        l.starts_at_local.ends_with("+01:00") || l.starts_at_local.ends_with("+02:00"),
        "{}",
        l.starts_at_local
    );
    assert!(p.subject.contains("Maya Member"));
    assert!(p.text.contains(&p.url));
    assert!(p.mailto.starts_with("mailto:?subject="));
    assert!(p.sms.starts_with("sms:"));
    assert_eq!(p.webhook_urls.len(), 2);
    assert!(p
        .webhook_urls
        .iter()
        .all(|w| w.url.starts_with(&srv.url) && seeded.doors.contains(&w.acs_entrance_id)));
    let slack: Value = serde_json::from_str(&p.slack_message_json).expect("slack json");
    assert!(slack.to_string().contains(&p.url));
    assert!(p.qr_svg.contains("<svg"));

    // The QR PNG decodes back to the exact URL.
    let img = image::load_from_memory(&p.qr_png).expect("png").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    assert_eq!(grids[0].decode().expect("decode").1, p.url);

    // Links.
    let id = l.guest_link_id.clone();
    let all = s.links(None).await.expect("links");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0], s.link(id.clone()).await.expect("link"));
    assert_eq!(
        s.links(Some("active".into())).await.expect("links").len(),
        1
    );
    assert!(s
        .links(Some("revoked".into()))
        .await
        .expect("links")
        .is_empty());

    // The guest opens a door with the link; the activity shows it.
    let token = p.url.split_once('#').expect("fragment").1;
    let r = srv
        .http
        .post(format!("{}/g/api/unlock", srv.url))
        .json(&json!({"token": token, "acs_entrance_id": seeded.doors[0]}))
        .send()
        .await
        .expect("guest");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let after = s.link(id.clone()).await.expect("link");
    assert_eq!(after.unlock_count, 1);
    assert!(after.last_unlocked_at.is_some());
    let act = s
        .activity(ActivityFilter {
            guest_link_id: Some(id.clone()),
            ..Default::default()
        })
        .await
        .expect("activity");
    assert!(act.iter().any(|e| e.event_type == "lock.unlocked"
        && e.acs_entrance_id.as_deref() == Some(seeded.doors[0].as_str())));
    assert!(act
        .iter()
        .all(|e| e.guest_link_id.as_deref() == Some(id.as_str())));

    // Slack: the payload handed back across the ffi is posted as the message.
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hook = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    s.post_to_slack(hook.clone(), p.clone())
        .await
        .expect("slack");
    assert_eq!(got.lock().await.clone().expect("posted"), slack);
    let mut broken = p.clone();
    broken.slack_message_json = "{not json".into();
    assert!(matches!(
        s.post_to_slack(hook.clone(), broken).await,
        Err(AjarError::InvalidInput { .. })
    ));

    // Revoke.
    s.revoke_link(id.clone()).await.expect("revoke");
    assert_eq!(s.link(id.clone()).await.expect("link").state, "revoked");
    assert!(s
        .links(Some("active".into()))
        .await
        .expect("links")
        .is_empty());
    assert_eq!(
        s.links(Some("revoked".into())).await.expect("links").len(),
        1
    );

    // A window in civil time in the site's zone (the day after tomorrow, 09:30 to 17:00 Berlin).
    let day = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let later = s
        .share(ShareRequest {
            entries: vec!["Side Door".into()],
            description: String::new(),
            window: ShareWindow::Between {
                from: Some(format!("{day}T09:30")),
                until: format!("{day}T17:00"),
            },
            max_uses: None,
        })
        .await
        .expect("share later");
    assert_eq!(later.link.state, "scheduled");
    assert!(
        later
            .link
            .starts_at_local
            .starts_with(&format!("{day}T09:30:00+0")),
        "{}",
        later.link.starts_at_local
    );
    assert!(later
        .link
        .ends_at_local
        .starts_with(&format!("{day}T17:00:00+0")));
    assert_eq!(later.link.max_unlock_count, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_map_to_the_right_ajar_error() {
    let srv = server().await;
    let seeded = seed(&srv).await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = Arc::new(MapStore::default());
    let c = client(dir.path(), &store);

    // Sign-in.
    let bad = "seam_cst1_notarealtokennotarealtoken";
    match c
        .sign_in("x".into(), Some(srv.url.clone()), bad.into())
        .await
    {
        Err(AjarError::NotSignedIn { message }) => assert!(message.contains("sign in again")),
        other => panic!("a bad token: {other:?}"),
    }
    assert!(store.snapshot().is_empty(), "nothing kept for a bad token");
    assert!(matches!(
        c.sign_in("x".into(), Some(srv.url.clone()), "hello".into())
            .await,
        Err(AjarError::InvalidInput { .. })
    ));
    assert!(matches!(
        c.sign_in(
            "has space".into(),
            Some(srv.url.clone()),
            seeded.token.clone()
        )
        .await,
        Err(AjarError::InvalidInput { .. })
    ));
    assert!(matches!(
        c.sign_in("x".into(), None, seeded.token.clone()).await,
        Err(AjarError::InvalidInput { .. })
    ));
    assert!(matches!(
        AjarSession::connect("ftp://example.com".into(), seeded.token.clone()).await,
        Err(AjarError::InvalidInput { .. })
    ));
    assert!(c.profiles().expect("profiles").is_empty());

    // Nobody listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    match AjarSession::connect(format!("http://127.0.0.1:{port}"), seeded.token.clone()).await {
        Err(AjarError::Network { message }) => assert!(message.contains("127.0.0.1")),
        other => panic!("nobody listening: {other:?}"),
    }

    let s = AjarSession::connect(srv.url.clone(), seeded.token.clone())
        .await
        .expect("connect");
    // Ids that are not ids, and ids of nothing.
    assert!(matches!(
        s.link("not-an-id".into()).await,
        Err(AjarError::InvalidInput { .. })
    ));
    let nothing = uuid::Uuid::new_v4().to_string();
    assert!(matches!(
        s.link(nothing.clone()).await,
        Err(AjarError::NotFound { .. })
    ));
    assert!(matches!(
        s.revoke_link(nothing.clone()).await,
        Err(AjarError::NotFound { .. })
    ));
    assert!(matches!(
        s.activity(ActivityFilter {
            user_identity_id: Some("maya".into()),
            ..Default::default()
        })
        .await,
        Err(AjarError::InvalidInput { .. })
    ));
    assert!(matches!(
        s.share(ShareRequest {
            entries: vec!["Nowhere".into()],
            description: String::new(),
            window: ShareWindow::For { seconds: 600 },
            max_uses: None,
        })
        .await,
        Err(AjarError::NotFound { .. })
    ));

    // The server refuses, with its reason code: a window that starts before the member's own
    // access began (yesterday) exceeds what they may share.
    let day = |d: i64| {
        (chrono::Utc::now() + chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    match s
        .share(ShareRequest {
            entries: vec!["Main Entrance".into()],
            description: String::new(),
            window: ShareWindow::Between {
                from: Some(format!("{}T00:00", day(-1))),
                until: format!("{}T00:00", day(1)),
            },
            max_uses: None,
        })
        .await
    {
        Err(AjarError::Refused { code, message }) => {
            assert_eq!(code, "guest_link_exceeds_issuer_access");
            assert!(!message.is_empty());
        }
        other => panic!("sharing a door without a key: {other:?}"),
    }

    // A revoked session: every call says sign in again.
    srv.ok(
        "/client_sessions/revoke",
        json!({"client_session_id": client_session_id(&srv, &seeded.token).await}),
    )
    .await;
    assert!(matches!(
        s.entries().await,
        Err(AjarError::NotSignedIn { .. })
    ));
    assert!(matches!(
        s.links(None).await,
        Err(AjarError::NotSignedIn { .. })
    ));
}

async fn client_session_id(srv: &common::Srv, token: &str) -> String {
    let v: Value = srv
        .http
        .post(format!("{}/client_sessions/get", srv.url))
        .bearer_auth(token)
        .header("client-session-token", token)
        .json(&json!({}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    common::id(&v["client_session"]["client_session_id"])
}

/// The app's store failing (locked keychain, say) surfaces as `Other`, and nothing is saved.
#[derive(Debug)]
struct BrokenStore;

impl SecretStore for BrokenStore {
    fn get(&self, _key: String) -> Result<Option<String>, AjarError> {
        Err(AjarError::Other {
            message: "keychain locked".into(),
        })
    }
    fn set(&self, _key: String, _secret: String) -> Result<(), AjarError> {
        Err(AjarError::Other {
            message: "keychain locked".into(),
        })
    }
    fn delete(&self, _key: String) -> Result<(), AjarError> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_secret_store_is_an_other_error_and_saves_no_profile() {
    let srv = server().await;
    let seeded = seed(&srv).await;
    let dir = tempfile::tempdir().expect("tmp");
    let c = AjarClient::new(
        dir.path().to_string_lossy().into_owned(),
        Arc::new(BrokenStore),
    );
    match c
        .sign_in("work".into(), Some(srv.url.clone()), seeded.token.clone())
        .await
    {
        Err(AjarError::Other { message }) => {
            assert!(
                message.contains("secret store") && message.contains("keychain locked"),
                "{message}"
            )
        }
        other => panic!("a failing store: {other:?}"),
    }
    assert!(c.profiles().expect("profiles").is_empty());
}
