//! The desktop app's commands without a window: `AppState` (what each Tauri command calls) against
//! a real ajar-server on 127.0.0.1 with a temporary database, an in-memory secret store standing
//! in for the OS keyring. Checks the flow of the views and that no answer ever carries the token.

use std::sync::Arc;

use ajar_app::state::ActivityQuery;
use ajar_app::{AppState, UiError};
use ajar_core::share::{ShareRequest, WindowInput};
use ajar_core::{MemorySecretStore, SecretStore, UnlockOutcome};
use serde_json::{json, Value};

const KEY: &str = "seam_apptest_0123456789abcdefghijk";

struct Srv {
    url: String,
    _server: ajar_server::testing::TestServer,
    http: reqwest::Client,
}

impl Srv {
    async fn start() -> Srv {
        let server = ajar_server::testing::TestServer::start(KEY)
            .await
            .expect("start");
        Srv {
            url: server.url.clone(),
            _server: server,
            http: reqwest::Client::new(),
        }
    }
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

fn s(v: &Value) -> String {
    v.as_str().expect("string").to_owned()
}

/// A Berlin site with Front, Back (Fran's key opens both) and Vault (no key); a front-desk user.
async fn seed(srv: &Srv) -> (Vec<String>, String) {
    let site = s(&srv
        .ok(
            "/acs/systems/create",
            json!({"name": "HQ", "time_zone": "Europe/Berlin"}),
        )
        .await["acs_system"]["acs_system_id"]);
    let mut doors = Vec::new();
    for name in ["Front", "Back", "Vault"] {
        let d = srv
            .ok(
                "/acs/entrances/create",
                json!({"acs_system_id": site, "display_name": name, "can_unlock_with_cloud_key": true}),
            )
            .await;
        doors.push(s(&d["acs_entrance"]["acs_entrance_id"]));
    }
    let user = s(&srv
        .ok(
            "/user_identities/create",
            json!({"full_name": "Fran Desk", "role": "front_desk"}),
        )
        .await["user_identity"]["user_identity_id"]);
    srv.ok(
        "/access_grants/create",
        json!({"user_identity_id": user, "acs_entrance_ids": [doors[0], doors[1]], "requested_access_methods": [{"mode": "cloud_key"}]}),
    )
    .await;
    let tok = s(&srv
        .ok("/client_sessions/create", json!({"user_identity_id": user}))
        .await["client_session"]["token"]);
    (doors, tok)
}

/// Serializes an answer the way Tauri hands it to the webview, and checks the token is absent.
fn to_webview<T: serde::Serialize>(v: &T, token: &str) -> Value {
    let text = serde_json::to_string(v).expect("serialize");
    assert!(
        !text.contains(token),
        "the token reached the webview: {text}"
    );
    serde_json::from_str(&text).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_views_flow_end_to_end_and_the_token_never_reaches_the_webview() {
    let srv = Srv::start().await;
    let (doors, tok) = seed(&srv).await;
    let dir = tempfile_dir();
    let secrets = Arc::new(MemorySecretStore::default());
    let state = AppState::new(&dir, secrets.clone());

    // Before sign-in every view answers not_signed_in (the UI shows the sign-in view).
    let e = state.doors().await.expect_err("not signed in");
    assert!(matches!(e, UiError::NotSignedIn(_)));
    assert_eq!(to_webview(&e, &tok)["kind"], "not_signed_in");

    // A bad token is refused with a readable message; nothing is saved.
    let bad = state
        .sign_in("desk", Some(&srv.url), "seam_cst1_notavalidtoken000")
        .await
        .expect_err("bad token");
    assert!(matches!(bad, UiError::NotSignedIn(_)), "{bad:?}");
    assert!(state.profiles().expect("profiles").profiles.is_empty());
    let garbage = state
        .sign_in("desk", Some(&srv.url), "hello")
        .await
        .expect_err("garbage");
    assert!(matches!(garbage, UiError::InvalidInput(_)));

    // Sign in with a sign-in code (the server comes from the code).
    let code = ajar_core::signin::make_code(&srv.url, &tok);
    let me = state.sign_in("desk", None, &code).await.expect("sign in");
    let me = to_webview(&me, &tok);
    assert_eq!(me["label"], "Fran Desk (front_desk)");
    assert_eq!(me["server"], srv.url.as_str());
    to_webview(&state.profiles().expect("profiles"), &tok);

    // Doors: every door (front desk sees all), grouped data with state; cache for a cold start.
    let list = state.doors().await.expect("doors");
    to_webview(&list, &tok);
    assert_eq!(list.entries.len(), 3);
    assert!(list.entries.iter().all(|d| d.is_online && d.is_locked));
    let cached = state.doors_cached().await.expect("cached").expect("some");
    assert!(cached.stale && cached.entries.len() == 3);

    // Unlock: confirmed for a door with a key, refused with a reason for the Vault.
    let ok = state.unlock(&doors[0]).await.expect("unlock");
    assert!(matches!(ok, UnlockOutcome::Confirmed { .. }), "{ok:?}");
    let refused = state.unlock("vault").await.expect("unlock vault");
    match refused {
        UnlockOutcome::Refused { message, .. } => assert!(message.contains("Vault"), "{message}"),
        other => panic!("expected refused, got {other:?}"),
    }
    let after = state.doors().await.expect("doors");
    assert!(
        after.entries[0].unlocked_until.is_some(),
        "open with a countdown"
    );

    // Share two doors; the sheet has the URL, a QR, two webhook URLs and door names.
    let sheet = state
        .share(&ShareRequest {
            entries: vec![doors[0].clone(), doors[1].clone()],
            description: "Plumber".into(),
            window: WindowInput::For { seconds: 3600 },
            max_uses: Some(5),
        })
        .await
        .expect("share");
    let sheet_json = to_webview(&sheet, &tok);
    assert!(sheet.url.contains("/g#"));
    assert!(sheet.qr_svg.contains("<svg"));
    assert_eq!(sheet.webhook_urls.len(), 2);
    assert_eq!(sheet.door_names, vec!["Front", "Back"]);
    assert!(!sheet.slack);
    assert!(
        sheet_json.get("qr_png").is_none(),
        "PNG bytes stay on the Rust side"
    );
    let id = sheet.link.guest_link_id;
    assert!(state
        .share_uri(id, "email")
        .await
        .expect("mailto")
        .starts_with("mailto:?subject="));
    assert!(state
        .share_uri(id, "sms")
        .await
        .expect("sms")
        .starts_with("sms:"));
    assert!(state.share_uri(id, "fax").await.is_err());
    assert_eq!(&state.qr_png(id).await.expect("png")[..4], b"\x89PNG");

    // The link's URL is kept in the secret store, so a fresh app (new run) can show it again.
    let again = AppState::new(&dir, secrets.clone());
    again.open_profile(None).await.expect("open");
    let rows = again.links(None).await.expect("links");
    to_webview(&rows, &tok);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].kept && rows[0].link.url.is_none());
    assert_eq!(rows[0].door_names, vec!["Front", "Back"]);
    let shown = again.show_link(id).await.expect("show again");
    assert_eq!(shown.url, sheet.url);
    assert_eq!(shown.qr_svg, sheet.qr_svg);

    // Notifications: the first poll sets the starting point; a guest use after it is "my link used".
    assert!(again.poll_activity().await.expect("poll").is_empty());
    let token = sheet.url.split_once('#').expect("fragment").1;
    let r = srv
        .http
        .post(format!("{}/g/api/unlock", srv.url))
        .json(&json!({"token": token, "acs_entrance_id": doors[1]}))
        .send()
        .await
        .expect("guest unlock");
    assert_eq!(r.status(), 200);
    let fresh = again.poll_activity().await.expect("poll");
    let used: Vec<_> = fresh.iter().filter(|i| i.my_link_used).collect();
    assert_eq!(used.len(), 1, "{fresh:?}");
    assert_eq!(used[0].door, "Back");
    assert_eq!(used[0].who, "Guest: Plumber");
    assert_eq!(used[0].how, "guest link");
    assert!(used[0].detail.contains("Fran Desk"));
    assert!(
        again
            .poll_activity()
            .await
            .expect("poll")
            .iter()
            .all(|i| !i.my_link_used),
        "each use is notified once"
    );

    // Activity: the app unlock and the guest use; filterable by door.
    let all = again
        .activity(&ActivityQuery::default())
        .await
        .expect("activity");
    to_webview(&all, &tok);
    assert!(all.iter().any(|i| i.event_type == "lock.unlocked"
        && i.how == "app"
        && i.who == "Fran Desk"
        && i.door == "Front"));
    let back = again
        .activity(&ActivityQuery {
            acs_entrance_id: Some(doors[1].parse().expect("uuid")),
            ..Default::default()
        })
        .await
        .expect("activity");
    assert!(!back.is_empty() && back.iter().all(|i| i.door == "Back"));

    // Links: uses counted; revoke forgets the kept URL.
    let rows = again.links(Some("active")).await.expect("links");
    assert_eq!(rows[0].link.unlock_count, 1);
    again.revoke_link(id).await.expect("revoke");
    let rows = again.links(None).await.expect("links");
    assert_eq!(rows[0].link.state.as_str(), "revoked");
    assert!(!rows[0].kept);
    let fresh_app = AppState::new(&dir, secrets.clone());
    fresh_app.open_profile(Some("desk")).await.expect("open");
    assert!(matches!(
        fresh_app.show_link(id).await,
        Err(UiError::NotFound(_))
    ));

    // Slack webhook lives in the secret store; settings only say whether it is set.
    assert!(state.set_slack_webhook("not a url").is_err());
    let st = state
        .set_slack_webhook("http://127.0.0.1:9/hook")
        .expect("set");
    assert!(st.slack_webhook_set);
    assert!(to_webview(&st, "127.0.0.1:9/hook").get("url").is_none());
    assert!(
        !state
            .set_slack_webhook("")
            .expect("clear")
            .slack_webhook_set
    );

    // Nothing secret on disk.
    for f in walk(&dir) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        for secret in [tok.as_str(), sheet.url.as_str()] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a secret",
                f.display()
            );
        }
    }
    assert!(secrets.get("profile:desk").expect("get").is_some());

    // Sign out: the profile is gone and the views go back to sign-in.
    state.sign_out("desk").await.expect("sign out");
    assert!(matches!(state.doors().await, Err(UiError::NotSignedIn(_))));
    assert!(secrets.get("profile:desk").expect("get").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn share_windows_preview_in_the_site_zone_with_dst_visible() {
    let state = AppState::new(tempfile_dir(), Arc::new(MemorySecretStore::default()));
    let p = state
        .preview_window(
            "Europe/Berlin",
            &WindowInput::Between {
                from: Some("2027-03-28T01:00".into()),
                until: "2027-03-28T04:00".into(),
            },
        )
        .expect("preview");
    assert_eq!(p.starts_local, "2027-03-28 01:00 +01:00");
    assert_eq!(p.ends_local, "2027-03-28 04:00 +02:00");
    assert_eq!(p.minutes, 120, "spring forward removes an hour");
    assert!(p.crosses_dst);
    let e = state
        .preview_window(
            "Europe/Berlin",
            &WindowInput::Between {
                from: Some("2027-03-28T02:30".into()),
                until: "2027-03-28T05:00".into(),
            },
        )
        .expect_err("a civil time in the DST gap");
    assert!(matches!(e, UiError::InvalidInput(_)));
    assert!(e.to_string().contains("start"), "{e}");
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ajar-app-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Administrative changes made in the app show in Activity as "admin" lines: who (the admin behind
/// the acting session), what (the user concerned) and which fields changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_changes_show_in_activity_with_who_and_what() {
    let srv = Srv::start().await;
    let (doors, _) = seed(&srv).await;
    let ada = s(&srv
        .ok(
            "/user_identities/create",
            json!({"full_name": "Ada Admin", "role": "admin"}),
        )
        .await["user_identity"]["user_identity_id"]);
    let tok = s(&srv
        .ok("/client_sessions/create", json!({"user_identity_id": ada}))
        .await["client_session"]["token"]);
    let dir = tempfile_dir();
    let state = AppState::new(&dir, Arc::new(MemorySecretStore::default()));
    state
        .sign_in("admin", Some(&srv.url), &tok)
        .await
        .expect("sign in");
    let admin = state.session().await.expect("session");
    let admin = admin.admin();
    admin
        .set_remote_unlock("Fran Desk", false)
        .await
        .expect("switch off");
    admin
        .add_cloud_key(&ajar_core::CloudKeyRequest {
            user: "Fran Desk".into(),
            name: "Vault".into(),
            entries: vec![doors[2].clone()],
            ..Default::default()
        })
        .await
        .expect("key");
    let items = state
        .activity(&ActivityQuery::default())
        .await
        .expect("activity");
    let off = items
        .iter()
        .find(|i| i.event_type == "user_identity.remote_unlock_disabled")
        .expect("the switch is in Activity");
    assert_eq!((off.who.as_str(), off.how.as_str()), ("Ada Admin", "admin"));
    assert_eq!(off.detail, "Fran Desk: remote_unlock_enabled");
    let key = items
        .iter()
        .find(|i| i.event_type == "access_grant.created" && i.how == "admin")
        .expect("the new key is in Activity");
    assert_eq!(key.who, "Ada Admin");
    assert_eq!(key.detail, "cloud key of Fran Desk");
    let _ = std::fs::remove_dir_all(&dir);
}
