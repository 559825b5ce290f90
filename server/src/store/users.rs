//! User identities: people, with Ajar's role (`member`, `front_desk`, `admin`). Deleting a user
//! keeps the row (so the audit trail and refused unlocks can still name it) but ends its
//! sessions, grants and cloud keys.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::{Role, UserIdentity};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, paged_live, time, uuid, Filter, Page};
use super::StoreResult;
use crate::error::ApiError;

pub const SELECT: &str = "SELECT seq, id, workspace_id, email_address, full_name, phone_number, user_identity_key, role, remote_unlock_enabled, created_at, deleted_at FROM user_identities";

fn from_row(r: &Row) -> crate::store::db::Result<UserIdentity> {
    let full_name: Option<String> = r.get("full_name")?;
    let email: Option<String> = r.get("email_address")?;
    let phone: Option<String> = r.get("phone_number")?;
    let key: Option<String> = r.get("user_identity_key")?;
    let role: String = r.get("role")?;
    let display_name = full_name
        .clone()
        .or_else(|| email.clone())
        .or_else(|| phone.clone())
        .or_else(|| key.clone())
        .unwrap_or_else(|| "Unnamed user".to_owned());
    Ok(UserIdentity {
        user_identity_id: uuid(r, "id")?,
        workspace_id: uuid(r, "workspace_id")?,
        created_at: time(r.get("created_at")?),
        display_name,
        user_identity_key: key,
        email_address: email,
        phone_number: phone,
        full_name,
        acs_user_ids: vec![],
        errors: vec![],
        warnings: vec![],
        role: Role::parse(&role).unwrap_or_default(),
        remote_unlock_enabled: r.get::<_, i64>("remote_unlock_enabled")? != 0,
    })
}

/// Fields of a new user identity.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email_address: Option<String>,
    pub full_name: Option<String>,
    pub phone_number: Option<String>,
    pub user_identity_key: Option<String>,
    pub role: Role,
}

fn key_taken(conn: &Connection, ws: Uuid, key: &str, except: Option<Uuid>) -> StoreResult<bool> {
    let found: Option<String> = conn
        .query_row(
            "SELECT id FROM user_identities WHERE workspace_id = ?1 AND user_identity_key = ?2 AND deleted_at IS NULL",
            [ws.to_string(), key.to_owned()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.is_some_and(|id| Some(id) != except.map(|u| u.to_string())))
}

fn key_conflict(key: &str) -> ApiError {
    let mut e = ApiError::conflict(
        "user_identity_key_already_in_use",
        format!("another user identity already has user_identity_key {key:?}"),
    );
    e.data = Some(serde_json::json!({ "user_identity_key": key }));
    e
}

pub fn create(
    conn: &Connection,
    ws: Uuid,
    n: &NewUser,
    now: DateTime<Utc>,
) -> StoreResult<UserIdentity> {
    if let Some(k) = &n.user_identity_key {
        if key_taken(conn, ws, k, None)? {
            return Err(key_conflict(k).into());
        }
    }
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO user_identities (id, workspace_id, email_address, full_name, phone_number, user_identity_key, role, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id.to_string(),
            ws.to_string(),
            n.email_address,
            n.full_name,
            n.phone_number,
            n.user_identity_key,
            n.role.as_str(),
            ms(now)
        ],
    )?;
    get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", id).into())
}

/// A live (not deleted) user identity.
pub fn get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<UserIdentity>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE workspace_id = ?1 AND id = ?2 AND deleted_at IS NULL"
    ))?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], from_row)
        .optional()?)
}

pub fn get_by_key(conn: &Connection, ws: Uuid, key: &str) -> StoreResult<Option<UserIdentity>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE workspace_id = ?1 AND user_identity_key = ?2 AND deleted_at IS NULL"
    ))?;
    Ok(stmt
        .query_row([ws.to_string(), key.to_owned()], from_row)
        .optional()?)
}

pub fn list(
    conn: &Connection,
    filter: &Filter,
    limit: u32,
    after: i64,
) -> StoreResult<Page<UserIdentity>> {
    Ok(paged_live(
        conn,
        SELECT,
        filter,
        "deleted_at IS NULL",
        "seq",
        limit,
        after,
        from_row,
    )?)
}

/// Changes to a user; the outer `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub email_address: Option<Option<String>>,
    pub full_name: Option<Option<String>>,
    pub phone_number: Option<Option<String>>,
    pub user_identity_key: Option<Option<String>>,
    pub role: Option<Role>,
}

pub fn update(conn: &Connection, ws: Uuid, id: Uuid, c: &UserChanges) -> StoreResult<UserIdentity> {
    let cur = get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", id))?;
    if let Some(Some(k)) = &c.user_identity_key {
        if key_taken(conn, ws, k, Some(id))? {
            return Err(key_conflict(k).into());
        }
    }
    let pick = |new: &Option<Option<String>>, old: Option<String>| match new {
        Some(v) => v.clone(),
        None => old,
    };
    conn.execute(
        "UPDATE user_identities SET email_address = ?3, full_name = ?4, phone_number = ?5, user_identity_key = ?6, role = ?7
         WHERE workspace_id = ?1 AND id = ?2",
        params![
            ws.to_string(),
            id.to_string(),
            pick(&c.email_address, cur.email_address),
            pick(&c.full_name, cur.full_name),
            pick(&c.phone_number, cur.phone_number),
            pick(&c.user_identity_key, cur.user_identity_key),
            c.role.unwrap_or(cur.role).as_str()
        ],
    )?;
    get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", id).into())
}

/// Marks the user deleted and ends everything that acts for it. Returns the grants ended.
pub fn delete(conn: &Connection, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<Vec<Uuid>> {
    get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", id))?;
    conn.execute(
        "UPDATE user_identities SET deleted_at = ?3 WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    super::sessions::revoke_for_user(conn, ws, id, now)?;
    let grants = super::grants::ids_for_user(conn, ws, id)?;
    for g in &grants {
        super::grants::delete(conn, ws, *g, now)?;
    }
    Ok(grants)
}

/// Turns the Remote Unlock switch of a user's access on or off; returns whether it changed.
pub fn set_remote_unlock(
    conn: &Connection,
    ws: Uuid,
    id: Uuid,
    enabled: bool,
) -> StoreResult<bool> {
    let cur = get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", id))?;
    if cur.remote_unlock_enabled == enabled {
        return Ok(false);
    }
    conn.execute(
        "UPDATE user_identities SET remote_unlock_enabled = ?3 WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), i64::from(enabled)],
    )?;
    Ok(true)
}
