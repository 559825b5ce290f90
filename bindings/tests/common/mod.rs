//! Shared by the ffi tests and the call benchmark: a real ajar-server in process (127.0.0.1,
//! random port, temporary SQLite database), seeding over its HTTP API with the admin key, and an
//! in-memory `SecretStore` as an app would implement it.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Mutex;

use ajar_ffi::{AjarError, SecretStore};
use serde_json::{json, Value};

pub const KEY: &str = "seam_ffitest_0123456789abcdefghij";

/// A running server; dropping it stops the server.
#[derive(Debug)]
pub struct Srv {
    pub url: String,
    _server: ajar_server::testing::TestServer,
    pub http: reqwest::Client,
}

pub async fn server() -> Srv {
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
    /// POSTs as the admin and asserts success.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
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

pub fn id(v: &Value) -> String {
    v.as_str().expect("id").to_owned()
}

/// What `seed` made.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub site: String,
    /// Main Entrance, Side Door, Server Room (no cloud key), Garage (not granted).
    pub doors: Vec<String>,
    pub user: String,
    /// Maya's client-session token (`seam_cst1_…`).
    pub token: String,
}

/// A Berlin site with four doors; Maya Member's cloud key covers the first three.
pub async fn seed(srv: &Srv) -> Seeded {
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
        ("Garage", true),
    ] {
        let d = srv
            .ok(
                "/acs/entrances/create",
                json!({"acs_system_id": site, "display_name": name, "can_unlock_with_cloud_key": cloud}),
            )
            .await;
        doors.push(id(&d["acs_entrance"]["acs_entrance_id"]));
    }
    let user = id(&srv
        .ok(
            "/user_identities/create",
            json!({"full_name": "Maya Member"}),
        )
        .await["user_identity"]["user_identity_id"]);
    srv.ok(
        "/access_grants/create",
        json!({
            "user_identity_id": user,
            "acs_entrance_ids": [doors[0], doors[1], doors[2]],
            "requested_access_methods": [{"mode": "cloud_key"}],
        }),
    )
    .await;
    let token = id(&srv
        .ok("/client_sessions/create", json!({"user_identity_id": user}))
        .await["client_session"]["token"]);
    Seeded {
        site,
        doors,
        user,
        token,
    }
}

/// The app's secret store, as a dictionary (Android: Keystore; iOS: Keychain).
#[derive(Debug, Default)]
pub struct MapStore(pub Mutex<HashMap<String, String>>);

impl MapStore {
    pub fn snapshot(&self) -> HashMap<String, String> {
        self.0.lock().expect("lock").clone()
    }
}

impl SecretStore for MapStore {
    fn get(&self, key: String) -> Result<Option<String>, AjarError> {
        Ok(self.0.lock().expect("lock").get(&key).cloned())
    }
    fn set(&self, key: String, secret: String) -> Result<(), AjarError> {
        self.0.lock().expect("lock").insert(key, secret);
        Ok(())
    }
    fn delete(&self, key: String) -> Result<(), AjarError> {
        self.0.lock().expect("lock").remove(&key);
        Ok(())
    }
}
