//! Door agents at the API and CLI: enrollment codes are single use and expire after ten
//! minutes (server clock), public keys must be real Ed25519 keys and unique, a site has one live
//! agent, the CLI creates codes and lists and revokes agents, and the server's link key is
//! generated once and kept private.

mod common;

use std::sync::Arc;

use ajar_server::clock::ManualClock;
use common::*;
use serde_json::json;

fn key_text(n: u8) -> String {
    ajar_protocol::agent::public_key_text(
        &ed25519_dalek::SigningKey::from_bytes(&[n; 32]).verifying_key(),
    )
}

#[tokio::test]
async fn enrollment_codes_are_single_use_and_expire_and_the_cli_manages_agents() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let srv = Server::start_inproc(clock.clone(), |_| {}).await;
    let k = srv.key.clone();
    let site = s(&srv
        .ok(
            "/acs/systems/create",
            &k,
            json!({"name": "Depot", "time_zone": "UTC"}),
        )
        .await["acs_system"]["acs_system_id"]);

    // Expired: ten minutes on the server's clock.
    let code = s(&srv
        .ok(
            "/agents/enrollment_codes/create",
            &k,
            json!({"acs_system_id": site}),
        )
        .await["agent_enrollment_code"]["code"]);
    assert!(code.starts_with("ajar_enr_") && code.len() >= 9 + 22);
    clock.advance(chrono::Duration::minutes(10));
    let (st, v) = srv
        .post(
            "/agents/enroll",
            "",
            json!({"enrollment_code": code, "public_key": key_text(1)}),
        )
        .await;
    assert_eq!(
        (st, v["error"]["type"].as_str()),
        (401, Some("enrollment_code_invalid")),
        "{v}"
    );

    // Not a key.
    let code = s(&srv
        .ok(
            "/agents/enrollment_codes/create",
            &k,
            json!({"acs_system_id": site}),
        )
        .await["agent_enrollment_code"]["code"]);
    let (st, _) = srv
        .post(
            "/agents/enroll",
            "",
            json!({"enrollment_code": code, "public_key": "AAAA"}),
        )
        .await;
    assert_eq!(st, 400);
    // Good, once.
    let v = srv
        .ok(
            "/agents/enroll",
            "",
            json!({"enrollment_code": code, "public_key": key_text(1)}),
        )
        .await;
    let agent = s(&v["enrollment"]["agent_id"]);
    let server_key = s(&v["enrollment"]["server_public_key"]);
    assert!(ajar_protocol::agent::parse_public_key(&server_key).is_some());
    let (st, _) = srv
        .post(
            "/agents/enroll",
            "",
            json!({"enrollment_code": code, "public_key": key_text(2)}),
        )
        .await;
    assert_eq!(st, 401, "a code works once");
    // A second live agent for the same site is refused.
    let code2 = s(&srv
        .ok(
            "/agents/enrollment_codes/create",
            &k,
            json!({"acs_system_id": site}),
        )
        .await["agent_enrollment_code"]["code"]);
    let (st, v) = srv
        .post(
            "/agents/enroll",
            "",
            json!({"enrollment_code": code2, "public_key": key_text(3)}),
        )
        .await;
    assert_eq!(
        (st, v["error"]["type"].as_str()),
        (409, Some("agent_already_enrolled"))
    );
    // The database keeps only the code's hash.
    let db = stored_bytes(&srv.data_dir);
    assert!(!db.windows(code.len()).any(|w| w == code.as_bytes()));

    // CLI: a code, the list, a revoke.
    let out = srv.cli(&["agents", "enroll", "--site", &site]);
    assert!(out.contains("ajar_enr_"), "{out}");
    let out = srv.cli(&["agents", "list"]);
    assert!(out.contains(&agent) && !out.contains("revoked"), "{out}");
    srv.cli(&["agents", "revoke", &agent]);
    let v = srv.ok("/agents/get", &k, json!({"agent_id": agent})).await;
    assert!(v["agent"]["revoked_at"].is_string());
    // After the revoke a new agent may enroll for the site, with its own key only.
    let (st, _) = srv
        .post(
            "/agents/enroll",
            "",
            json!({"enrollment_code": code2, "public_key": key_text(1)}),
        )
        .await;
    assert_eq!(st, 409, "a key is enrolled once");
    let v = srv
        .ok(
            "/agents/enroll",
            "",
            json!({"enrollment_code": code2, "public_key": key_text(4)}),
        )
        .await;
    assert_ne!(s(&v["enrollment"]["agent_id"]), agent);
    // Members and front desk cannot create codes.
    let (st, _) = srv
        .post("/agents/list", "seam_nope_000000000000000000000", json!({}))
        .await;
    assert_eq!(st, 401);

    // The server's key file is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(srv.data_dir.join("agent-link.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(m & 0o777, 0o600);
    }
}
