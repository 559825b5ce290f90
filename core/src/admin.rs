//! The control center as typed calls: people (users with role, sites, cloud keys, sessions and
//! state), Cloud Key credentials, the Remote Unlock switch, sign-in codes for a user's phone or
//! desk, sites, doors and API keys. Used by `ajar admin` and by the desktop app; the server
//! decides who may do what (admins change, front desk reads People).

use ajar_protocol::{
    AcsEntrance, AcsSystem, ApiKey, ClientSession, CloudKey, Event, Person, Role, UserIdentity,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::{CoreError, Result};
use crate::session::Session;
use crate::share::{qr_png, qr_svg};
use crate::signin::make_code;

/// Pages followed at most by a list call (500 rows each).
const MAX_PAGES: usize = 40;

/// Administrative calls on a session (`session.admin()`).
#[derive(Debug, Clone, Copy)]
pub struct Admin<'a> {
    s: &'a Session,
}

impl Session {
    /// The control center's calls with this session's token.
    pub fn admin(&self) -> Admin<'_> {
        Admin { s: self }
    }
}

/// A new user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub full_name: Option<String>,
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    pub role: Option<Role>,
}

/// Changes to a user; `None` leaves a field as it is, `Some("")` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    pub role: Option<Role>,
}

/// A Cloud Key credential to add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudKeyRequest {
    /// The user: id, email, name or key.
    pub user: String,
    pub name: String,
    /// Doors by name or id.
    pub entries: Vec<String>,
    /// Whole sites by name or id: their doors, and doors added to them later.
    pub sites: Vec<String>,
    /// Civil time in the site's zone (`2026-06-02T00:00`) or RFC 3339; default now.
    pub starts_at: Option<String>,
    /// Civil time in the site's zone or RFC 3339; default open-ended.
    pub ends_at: Option<String>,
}

/// A sign-in issued for a user: the session (its token shown this once), the code that carries
/// server and token, and the code as QR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInIssue {
    pub client_session: ClientSession,
    pub user: UserIdentity,
    pub code: String,
    pub qr_svg: String,
    pub qr_png: Vec<u8>,
}

/// A door to add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDoor {
    /// The site: name or id.
    pub site: String,
    pub name: String,
    pub can_unlock_with_cloud_key: Option<bool>,
    pub relock_pulse_ms: Option<u32>,
    pub is_in_lockdown: Option<bool>,
}

/// Changes to a door.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorChanges {
    pub name: Option<String>,
    pub can_unlock_with_cloud_key: Option<bool>,
    pub relock_pulse_ms: Option<u32>,
    pub is_in_lockdown: Option<bool>,
}

/// Which audit events to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub user_identity_id: Option<Uuid>,
    pub limit: Option<u32>,
}

fn put<T: Serialize>(m: &mut Map<String, Value>, k: &str, v: &Option<T>) {
    if let Some(v) = v {
        m.insert(k.to_owned(), json!(v));
    }
}

/// `Some("")` → `null` (clear), `Some(x)` → `x`.
fn put_clearable(m: &mut Map<String, Value>, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        let t = v.trim();
        m.insert(
            k.to_owned(),
            if t.is_empty() { Value::Null } else { json!(t) },
        );
    }
}

fn pick<'x, T>(
    items: &'x [T],
    reference: &str,
    what: &str,
    id: impl Fn(&T) -> Uuid,
    names: impl Fn(&T) -> Vec<String>,
) -> Result<&'x T> {
    let r = reference.trim();
    if let Ok(u) = r.parse::<Uuid>() {
        return items
            .iter()
            .find(|i| id(i) == u)
            .ok_or_else(|| CoreError::NotFound {
                what: format!("{what} {r}"),
            });
    }
    let hits: Vec<&T> = items
        .iter()
        .filter(|i| names(i).iter().any(|n| n.eq_ignore_ascii_case(r)))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(CoreError::NotFound {
            what: format!("{what} {r:?}"),
        }),
        _ => Err(CoreError::InvalidInput(format!(
            "{} {what}s are called {r:?}: use the id",
            hits.len()
        ))),
    }
}

impl Admin<'_> {
    /// Follows a paginated list to its end.
    async fn all<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Value,
        key: &str,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut body = body;
        for _ in 0..MAX_PAGES {
            let v = self.s.raw(path, body.clone(), None).await?;
            let items: Vec<T> = serde_json::from_value(v.get(key).cloned().unwrap_or(json!([])))
                .map_err(|e| CoreError::Server {
                    status: 200,
                    code: "invalid_response".into(),
                    message: format!("{path}: unexpected answer ({e})"),
                })?;
            out.extend(items);
            match v["pagination"]["next_page_cursor"].as_str() {
                Some(c) => body["page_cursor"] = json!(c),
                None => break,
            }
        }
        Ok(out)
    }

    // ---- people ----

    /// Users with role, sites, cloud keys, sessions and state; `search` matches name, email,
    /// phone or key.
    pub async fn people(&self, search: Option<&str>, role: Option<Role>) -> Result<Vec<Person>> {
        let mut m = Map::new();
        m.insert("limit".into(), json!(500));
        put(&mut m, "search", &search.filter(|s| !s.trim().is_empty()));
        put(&mut m, "role", &role.map(|r| r.as_str()));
        self.all("/people/list", Value::Object(m), "people").await
    }

    /// Finds a user by id, email, full name or key.
    pub async fn find_user(&self, reference: &str) -> Result<Person> {
        let r = reference.trim();
        if let Ok(id) = r.parse::<Uuid>() {
            return self
                .s
                .call("/people/get", json!({"user_identity_id": id}), "person")
                .await;
        }
        let found = self.people(Some(r), None).await?;
        pick(
            &found,
            r,
            "user",
            |p| p.user_identity.user_identity_id,
            |p| {
                let u = &p.user_identity;
                [
                    Some(u.display_name.clone()),
                    u.full_name.clone(),
                    u.email_address.clone(),
                    u.user_identity_key.clone(),
                    u.phone_number.clone(),
                ]
                .into_iter()
                .flatten()
                .collect()
            },
        )
        .cloned()
    }

    async fn user_id(&self, reference: &str) -> Result<Uuid> {
        Ok(self
            .find_user(reference)
            .await?
            .user_identity
            .user_identity_id)
    }

    pub async fn add_user(&self, u: &NewUser) -> Result<Person> {
        let mut m = Map::new();
        put(&mut m, "full_name", &u.full_name);
        put(&mut m, "email_address", &u.email_address);
        put(&mut m, "phone_number", &u.phone_number);
        put(&mut m, "role", &u.role.map(|r| r.as_str()));
        let created: UserIdentity = self
            .s
            .call("/user_identities/create", Value::Object(m), "user_identity")
            .await?;
        self.find_user(&created.user_identity_id.to_string()).await
    }

    pub async fn edit_user(&self, user: &str, c: &UserChanges) -> Result<Person> {
        let id = self.user_id(user).await?;
        let mut m = Map::new();
        m.insert("user_identity_id".into(), json!(id));
        put_clearable(&mut m, "full_name", &c.full_name);
        put_clearable(&mut m, "email_address", &c.email_address);
        put_clearable(&mut m, "phone_number", &c.phone_number);
        put(&mut m, "role", &c.role.map(|r| r.as_str()));
        self.s
            .raw("/user_identities/update", Value::Object(m), None)
            .await?;
        self.find_user(&id.to_string()).await
    }

    /// Removes a user: their sessions, cloud keys and guest links stop at once.
    pub async fn remove_user(&self, user: &str) -> Result<Uuid> {
        let id = self.user_id(user).await?;
        self.s
            .raw(
                "/user_identities/delete",
                json!({"user_identity_id": id}),
                None,
            )
            .await?;
        Ok(id)
    }

    /// The Remote Unlock switch on the user's access. Off stops the user's unlocks and every
    /// guest link they issued, at the next request.
    pub async fn set_remote_unlock(&self, user: &str, enabled: bool) -> Result<Person> {
        let id = self.user_id(user).await?;
        self.s
            .call(
                "/user_identities/set_remote_unlock",
                json!({"user_identity_id": id, "enabled": enabled}),
                "person",
            )
            .await
    }

    // ---- cloud keys ----

    pub async fn add_cloud_key(&self, r: &CloudKeyRequest) -> Result<CloudKey> {
        let user = self.user_id(&r.user).await?;
        let mut doors = Vec::new();
        if !r.entries.is_empty() {
            let all = self.doors(None).await?;
            for e in &r.entries {
                doors.push(
                    pick(
                        &all,
                        e,
                        "door",
                        |d| d.acs_entrance_id,
                        |d| vec![d.display_name.clone()],
                    )?
                    .acs_entrance_id,
                );
            }
        }
        let mut sites = Vec::new();
        if !r.sites.is_empty() {
            let all = self.sites().await?;
            for s in &r.sites {
                sites.push(
                    pick(
                        &all,
                        s,
                        "site",
                        |x| x.acs_system_id,
                        |x| vec![x.name.clone()],
                    )?
                    .acs_system_id,
                );
            }
        }
        let mut m = Map::new();
        m.insert("user_identity_id".into(), json!(user));
        m.insert("name".into(), json!(r.name));
        if !doors.is_empty() {
            m.insert("acs_entrance_ids".into(), json!(doors));
        }
        if !sites.is_empty() {
            m.insert("acs_system_ids".into(), json!(sites));
        }
        put(&mut m, "starts_at", &r.starts_at);
        put(&mut m, "ends_at", &r.ends_at);
        self.s
            .call("/cloud_keys/create", Value::Object(m), "cloud_key")
            .await
    }

    /// Cloud keys (of one user, or all), revoked ones included.
    pub async fn cloud_keys(&self, user: Option<&str>) -> Result<Vec<CloudKey>> {
        let body = match user {
            Some(u) => json!({"user_identity_id": self.user_id(u).await?}),
            None => json!({}),
        };
        self.s.call("/cloud_keys/list", body, "cloud_keys").await
    }

    pub async fn revoke_cloud_key(&self, access_method_id: Uuid) -> Result<CloudKey> {
        self.s
            .call(
                "/cloud_keys/revoke",
                json!({"access_method_id": access_method_id}),
                "cloud_key",
            )
            .await
    }

    // ---- sign-in for a user's phone or desk ----

    /// Issues a client session for the user and returns it with its sign-in code (server URL +
    /// token) and QR. The token is in this answer only.
    pub async fn issue_sign_in(&self, user: &str, expires_at: Option<&str>) -> Result<SignInIssue> {
        let person = self.find_user(user).await?;
        let mut m = Map::new();
        m.insert(
            "user_identity_id".into(),
            json!(person.user_identity.user_identity_id),
        );
        put(&mut m, "expires_at", &expires_at);
        let client_session: ClientSession = self
            .s
            .call(
                "/client_sessions/create",
                Value::Object(m),
                "client_session",
            )
            .await?;
        let code = make_code(self.s.server(), &client_session.token);
        Ok(SignInIssue {
            qr_svg: qr_svg(&code)?,
            qr_png: qr_png(&code)?,
            code,
            client_session,
            user: person.user_identity,
        })
    }

    /// A user's sessions (tokens never included).
    pub async fn sessions(&self, user: &str) -> Result<Vec<ClientSession>> {
        let id = self.user_id(user).await?;
        self.s
            .call(
                "/client_sessions/list",
                json!({"user_identity_id": id}),
                "client_sessions",
            )
            .await
    }

    pub async fn revoke_session(&self, client_session_id: Uuid) -> Result<()> {
        self.s
            .raw(
                "/client_sessions/revoke",
                json!({"client_session_id": client_session_id}),
                None,
            )
            .await?;
        Ok(())
    }

    // ---- sites and doors ----

    pub async fn sites(&self) -> Result<Vec<AcsSystem>> {
        self.s
            .call("/acs/systems/list", json!({}), "acs_systems")
            .await
    }

    async fn site_id(&self, reference: &str) -> Result<Uuid> {
        let all = self.sites().await?;
        Ok(pick(
            &all,
            reference,
            "site",
            |x| x.acs_system_id,
            |x| vec![x.name.clone()],
        )?
        .acs_system_id)
    }

    /// Adds a site; the time zone is an IANA name (the server checks it).
    pub async fn add_site(&self, name: &str, time_zone: &str) -> Result<AcsSystem> {
        self.s
            .call(
                "/acs/systems/create",
                json!({"name": name, "time_zone": time_zone}),
                "acs_system",
            )
            .await
    }

    pub async fn edit_site(
        &self,
        site: &str,
        name: Option<&str>,
        time_zone: Option<&str>,
    ) -> Result<AcsSystem> {
        let id = self.site_id(site).await?;
        let mut m = Map::new();
        m.insert("acs_system_id".into(), json!(id));
        put(&mut m, "name", &name);
        put(&mut m, "time_zone", &time_zone);
        self.s
            .call("/acs/systems/update", Value::Object(m), "acs_system")
            .await
    }

    /// Doors with their driver and online state (of one site, or all).
    pub async fn doors(&self, site: Option<&str>) -> Result<Vec<AcsEntrance>> {
        let mut m = Map::new();
        m.insert("limit".into(), json!(500));
        if let Some(s) = site {
            m.insert("acs_system_id".into(), json!(self.site_id(s).await?));
        }
        self.all("/acs/entrances/list", Value::Object(m), "acs_entrances")
            .await
    }

    pub async fn add_door(&self, d: &NewDoor) -> Result<AcsEntrance> {
        let mut m = Map::new();
        m.insert("acs_system_id".into(), json!(self.site_id(&d.site).await?));
        m.insert("display_name".into(), json!(d.name));
        put(
            &mut m,
            "can_unlock_with_cloud_key",
            &d.can_unlock_with_cloud_key,
        );
        put(&mut m, "relock_pulse_ms", &d.relock_pulse_ms);
        put(&mut m, "is_in_lockdown", &d.is_in_lockdown);
        self.s
            .call("/acs/entrances/create", Value::Object(m), "acs_entrance")
            .await
    }

    pub async fn edit_door(&self, door: &str, c: &DoorChanges) -> Result<AcsEntrance> {
        let all = self.doors(None).await?;
        let id = pick(
            &all,
            door,
            "door",
            |d| d.acs_entrance_id,
            |d| vec![d.display_name.clone()],
        )?
        .acs_entrance_id;
        let mut m = Map::new();
        m.insert("acs_entrance_id".into(), json!(id));
        put(&mut m, "display_name", &c.name);
        put(
            &mut m,
            "can_unlock_with_cloud_key",
            &c.can_unlock_with_cloud_key,
        );
        put(&mut m, "relock_pulse_ms", &c.relock_pulse_ms);
        put(&mut m, "is_in_lockdown", &c.is_in_lockdown);
        self.s
            .call("/acs/entrances/update", Value::Object(m), "acs_entrance")
            .await
    }

    // ---- API keys ----

    pub async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        self.s.call("/api_keys/list", json!({}), "api_keys").await
    }

    /// Creates an API key; its secret (`token`) is in this answer only.
    pub async fn create_api_key(&self, name: &str) -> Result<ApiKey> {
        self.s
            .call("/api_keys/create", json!({"name": name}), "api_key")
            .await
    }

    pub async fn revoke_api_key(&self, api_key_id: Uuid) -> Result<ApiKey> {
        self.s
            .call(
                "/api_keys/revoke",
                json!({"api_key_id": api_key_id}),
                "api_key",
            )
            .await
    }

    // ---- audit ----

    /// Audit events of administrative changes, newest first.
    pub async fn audit(&self, f: &AuditFilter) -> Result<Vec<Event>> {
        let mut m = Map::new();
        put(&mut m, "object_type", &f.object_type);
        put(&mut m, "object_id", &f.object_id);
        put(&mut m, "actor_id", &f.actor_id);
        put(&mut m, "user_identity_id", &f.user_identity_id);
        put(&mut m, "limit", &f.limit);
        self.s
            .call("/events/list", Value::Object(m), "events")
            .await
    }
}
