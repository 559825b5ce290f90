//! The fixture the unlock phase uses, created through the public API: one ACS system, several
//! doors and several users, each user with their own access grant (all doors) and cloud key, so
//! that concurrent unlocks touch different rows rather than one hot key.

use std::net::SocketAddr;

use serde_json::{json, Value};

use crate::http::Conn;

/// Everything created for the benchmark.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// `keys[u]` is user `u`'s cloud key (access method id); every key opens every door.
    pub keys: Vec<String>,
    /// The doors (ACS entrance ids).
    pub doors: Vec<String>,
}

impl Fixture {
    /// The JSON body of an unlock of door `door` with user `user`'s key.
    pub fn unlock_body(&self, user: usize, door: usize) -> String {
        json!({"access_method_id": self.keys[user], "acs_entrance_id": self.doors[door]})
            .to_string()
    }
}

fn id_at(v: &Value, pointer: &str) -> Result<String, String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("answer has no {pointer}: {v}"))
}

/// Creates the system, `doors` doors and `users` users with one cloud key each.
pub async fn create(
    addr: SocketAddr,
    api_key: &str,
    users: usize,
    doors: usize,
) -> Result<Fixture, String> {
    let mut c = Conn::open(addr, api_key).await?;
    let system = c
        .post_json(
            "/acs/systems/create",
            &json!({"name": "Bench building", "time_zone": "Europe/Berlin"}),
        )
        .await?;
    let system_id = id_at(&system, "/acs_system/acs_system_id")?;
    let mut door_ids = Vec::with_capacity(doors);
    for d in 0..doors {
        let e = c
            .post_json(
                "/acs/entrances/create",
                &json!({"acs_system_id": system_id, "display_name": format!("Bench door {d}")}),
            )
            .await?;
        door_ids.push(id_at(&e, "/acs_entrance/acs_entrance_id")?);
    }
    let mut keys = Vec::with_capacity(users);
    for u in 0..users {
        let user = c
            .post_json(
                "/user_identities/create",
                &json!({"full_name": format!("Bench user {u}")}),
            )
            .await?;
        let user_id = id_at(&user, "/user_identity/user_identity_id")?;
        let grant = c
            .post_json(
                "/access_grants/create",
                &json!({
                    "user_identity_id": user_id,
                    "acs_entrance_ids": door_ids,
                    "requested_access_methods": [{"mode": "cloud_key"}],
                }),
            )
            .await?;
        keys.push(id_at(&grant, "/access_grant/access_method_ids/0")?);
    }
    Ok(Fixture {
        keys,
        doors: door_ids,
    })
}
