//! `Session::admin()` against a real ajar-server on 127.0.0.1 (in process): the control center's
//! steps as the source document walks them — add a user, give them a Cloud Key with a window,
//! make sure Remote Unlock is on, issue a sign-in code and QR, redeem it — plus sites, doors,
//! sessions, API keys, the audit trail, and what front desk may not do.

use std::sync::Arc;

use ajar_core::admin::{AuditFilter, CloudKeyRequest, DoorChanges, NewDoor, NewUser, UserChanges};
use ajar_core::signin::parse_code;
use ajar_core::{Core, CoreError, MemorySecretStore, Session, UnlockOutcome};
use ajar_protocol::{CloudKeyState, Role};
use chrono::{Duration, Utc};

const KEY: &str = "seam_coreadmin_0123456789abcdefghij";

async fn admin_session() -> (ajar_server::testing::TestServer, Session) {
    let server = ajar_server::testing::TestServer::start(KEY)
        .await
        .expect("start");
    let s = Session::connect(&server.url, KEY, None, None)
        .await
        .expect("connect");
    (server, s)
}

#[tokio::test]
async fn an_admin_walks_the_control_center_and_the_user_signs_in_with_the_code() {
    let (server, s) = admin_session().await;
    let a = s.admin();
    let site = a.add_site("HQ", "Europe/Berlin").await.expect("site");
    assert!(a.add_site("Bad", "Mars/Olympus").await.is_err());
    for (name, cloud) in [("Main", true), ("Side", true), ("Roof", true)] {
        a.add_door(&NewDoor {
            site: "HQ".into(),
            name: name.into(),
            can_unlock_with_cloud_key: Some(cloud),
            ..Default::default()
        })
        .await
        .expect("door");
    }
    let d = a
        .edit_door(
            "roof",
            &DoorChanges {
                relock_pulse_ms: Some(2000),
                ..Default::default()
            },
        )
        .await
        .expect("edit door");
    assert_eq!(d.ajar_metadata.relock_pulse_ms, 2000);
    assert_eq!(d.ajar_metadata.driver, "simulated");
    assert!(d.ajar_metadata.is_online);
    let site = a
        .edit_site(&site.acs_system_id.to_string(), Some("Head Office"), None)
        .await
        .expect("rename");
    assert_eq!(site.name, "Head Office");
    assert_eq!(a.doors(Some("Head Office")).await.expect("doors").len(), 3);

    let p = a
        .add_user(&NewUser {
            full_name: Some("Ana Lima".into()),
            email_address: Some("ana@example.com".into()),
            role: Some(Role::Member),
            ..Default::default()
        })
        .await
        .expect("user");
    assert_eq!(p.state, "no_access");
    let p = a
        .edit_user(
            "ana@example.com",
            &UserChanges {
                phone_number: Some("+49 30 1234".into()),
                ..Default::default()
            },
        )
        .await
        .expect("edit");
    assert_eq!(p.user_identity.phone_number.as_deref(), Some("+49 30 1234"));

    // A Cloud Key for two doors, tomorrow only.
    let from = Utc::now() + Duration::days(1);
    let key = a
        .add_cloud_key(&CloudKeyRequest {
            user: "Ana Lima".into(),
            name: "Ana's phone".into(),
            entries: vec!["Main".into(), "side".into()],
            starts_at: Some(from.to_rfc3339()),
            ends_at: Some((from + Duration::days(1)).to_rfc3339()),
            ..Default::default()
        })
        .await
        .expect("cloud key");
    assert_eq!(key.state, CloudKeyState::Scheduled);
    assert_eq!(key.acs_entrance_ids.len(), 2);
    assert_eq!(key.time_zone.as_deref(), Some("Europe/Berlin"));
    let p = a
        .set_remote_unlock("ana@example.com", true)
        .await
        .expect("on");
    assert!(p.user_identity.remote_unlock_enabled);
    assert_eq!(p.state, "scheduled");

    // Sign-in code and QR for her phone.
    let issue = a
        .issue_sign_in("ana@example.com", None)
        .await
        .expect("issue");
    let code = parse_code(&issue.code).expect("code parses");
    assert_eq!(code.server.as_deref(), Some(server.url.as_str()));
    assert_eq!(code.token, issue.client_session.token);
    let img = image::load_from_memory(&issue.qr_png)
        .expect("png")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    assert_eq!(grids[0].decode().expect("decode").1, issue.code);
    assert!(issue.qr_svg.contains("<svg"));
    let sessions = a.sessions("ana@example.com").await.expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert_ne!(sessions[0].token, issue.client_session.token, "shown once");

    let dir = tempfile::tempdir().expect("dir");
    let phone = Core::new(dir.path(), Arc::new(MemorySecretStore::default()));
    let ana = phone
        .sign_in("phone", None, &issue.code)
        .await
        .expect("sign in");
    match ana.unlock("Main").await.expect("unlock") {
        UnlockOutcome::Refused { code, .. } => assert_eq!(code, "access_not_yet_started"),
        other => panic!("unlocked before the key's window: {other:?}"),
    }
    match ana.unlock("Roof").await {
        Ok(UnlockOutcome::Confirmed { .. }) | Ok(UnlockOutcome::NotConfirmed { .. }) => {
            panic!("unlocked a door outside the key")
        }
        _ => {}
    }
    // A member cannot administer.
    assert!(matches!(
        ana.admin().people(None, None).await,
        Err(CoreError::Refused { .. })
    ));

    // Revoking the session signs the phone out at the next request.
    a.revoke_session(sessions[0].client_session_id)
        .await
        .expect("revoke");
    assert!(matches!(
        ana.entries().await,
        Err(CoreError::NotSignedIn(_))
    ));

    // Keys: revoke; API keys: shown once, listed, revoked.
    let k = a
        .revoke_cloud_key(key.access_method_id)
        .await
        .expect("revoke key");
    assert_eq!(k.state, CloudKeyState::Revoked);
    let api = a.create_api_key("CI").await.expect("api key");
    let secret = api.token.clone().expect("secret once");
    assert!(a
        .api_keys()
        .await
        .expect("list")
        .iter()
        .all(|k| k.token.is_none()));
    let ci = Session::connect(&server.url, &secret, None, None)
        .await
        .expect("the new key works");
    a.revoke_api_key(api.api_key_id)
        .await
        .expect("revoke api key");
    assert!(matches!(
        ci.admin().sites().await,
        Err(CoreError::NotSignedIn(_))
    ));

    // The audit trail names each change.
    let ev = a
        .audit(&AuditFilter {
            object_id: Some(p.user_identity.user_identity_id),
            ..Default::default()
        })
        .await
        .expect("audit");
    let types: Vec<&str> = ev.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["user_identity.updated", "user_identity.created"]);
    assert_eq!(
        ev[0].changed_fields.as_deref(),
        Some(&["phone_number".to_owned()][..])
    );

    // Removing the user.
    a.remove_user("ana@example.com").await.expect("remove");
    assert!(matches!(
        a.find_user("ana@example.com").await,
        Err(CoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn front_desk_reads_people_but_changes_nothing() {
    let (_server, s) = admin_session().await;
    let a = s.admin();
    a.add_user(&NewUser {
        full_name: Some("Dana Desk".into()),
        role: Some(Role::FrontDesk),
        ..Default::default()
    })
    .await
    .expect("desk user");
    let issue = a.issue_sign_in("Dana Desk", None).await.expect("issue");
    let desk = Session::connect(s.server(), &issue.client_session.token, None, None)
        .await
        .expect("desk");
    let d = desk.admin();
    let people = d.people(None, None).await.expect("front desk reads people");
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].user_identity.role, Role::FrontDesk);
    let refused = |r: Result<_, CoreError>| matches!(r, Err(CoreError::Refused { .. }));
    assert!(refused(
        d.add_user(&NewUser {
            full_name: Some("X".into()),
            ..Default::default()
        })
        .await
        .map(|_| ())
    ));
    assert!(refused(
        d.set_remote_unlock("Dana Desk", false).await.map(|_| ())
    ));
    assert!(refused(d.add_site("S", "UTC").await.map(|_| ())));
    assert!(refused(d.create_api_key("k").await.map(|_| ())));
    assert!(refused(
        d.issue_sign_in("Dana Desk", None).await.map(|_| ())
    ));
}
