//! Client sessions: tokens that act for one user identity. The secret is returned once by
//! `create`; the database keeps its hash and a short prefix.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::{ClientSession, Role};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, opt_time, time, uuid, Filter};
use super::StoreResult;
use crate::error::ApiError;
use crate::secrets;

const COLS: &str = "id, workspace_id, user_identity_id, token_prefix, user_identifier_key, created_at, expires_at, revoked_at";

fn from_row(r: &Row) -> crate::store::db::Result<ClientSession> {
    let user = uuid(r, "user_identity_id")?;
    Ok(ClientSession {
        client_session_id: uuid(r, "id")?,
        workspace_id: uuid(r, "workspace_id")?,
        created_at: time(r.get("created_at")?),
        expires_at: time(r.get("expires_at")?),
        token: r.get("token_prefix")?,
        user_identifier_key: r.get("user_identifier_key")?,
        device_count: 0,
        connected_account_ids: vec![],
        connect_webview_ids: vec![],
        user_identity_ids: vec![user],
        user_identity_id: Some(user),
        revoked_at: opt_time(r.get("revoked_at")?),
    })
}

pub fn create(
    conn: &Connection,
    ws: Uuid,
    user_identity_id: Uuid,
    user_identifier_key: Option<String>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<ClientSession> {
    let token = secrets::new_client_session_token();
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO client_sessions (id, workspace_id, user_identity_id, token_hash, token_prefix, user_identifier_key, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id.to_string(),
            ws.to_string(),
            user_identity_id.to_string(),
            secrets::hash_token(&token),
            secrets::display_prefix(&token),
            user_identifier_key,
            ms(now),
            ms(expires_at)
        ],
    )?;
    let mut s = get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("client_session", "client_session_id", id))?;
    s.token = token;
    Ok(s)
}

pub fn get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<ClientSession>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM client_sessions WHERE workspace_id = ?1 AND id = ?2"
    ))?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], from_row)
        .optional()?)
}

pub fn list(conn: &Connection, filter: &Filter) -> StoreResult<Vec<ClientSession>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM client_sessions WHERE {} ORDER BY seq",
        filter.sql()
    ))?;
    let rows = stmt.query_map(filter.params().as_slice(), from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn revoke(conn: &Connection, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let n = conn.execute(
        "UPDATE client_sessions SET revoked_at = COALESCE(revoked_at, ?3) WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    Ok(n > 0)
}

/// Revokes every session of a user (on delete).
pub fn revoke_for_user(
    conn: &Connection,
    ws: Uuid,
    user: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE client_sessions SET revoked_at = COALESCE(revoked_at, ?3) WHERE workspace_id = ?1 AND user_identity_id = ?2",
        params![ws.to_string(), user.to_string(), ms(now)],
    )?;
    Ok(())
}

/// The live session for this secret: `(session id, workspace id, user id, role)`. A session is
/// dead once revoked, expired, or when its user has been deleted.
pub fn authenticate(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<(Uuid, Uuid, Uuid, Role)>> {
    let hash = secrets::hash_token(token);
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.workspace_id, s.user_identity_id, u.role FROM client_sessions s
         JOIN user_identities u ON u.id = s.user_identity_id AND u.workspace_id = s.workspace_id
         WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 AND u.deleted_at IS NULL",
    )?;
    Ok(stmt
        .query_row(params![hash, ms(now)], |r| {
            let role: String = r.get("role")?;
            Ok((
                uuid(r, "id")?,
                uuid(r, "workspace_id")?,
                uuid(r, "user_identity_id")?,
                Role::parse(&role).unwrap_or_default(),
            ))
        })
        .optional()?)
}
