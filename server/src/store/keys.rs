//! Admin API keys: created with a fresh CSPRNG secret that is returned once; only its SHA-256
//! hash and a short recognisable prefix are stored.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::ApiKey;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, opt_time, time, uuid};
use super::StoreResult;
use crate::error::ApiError;
use crate::secrets;

fn from_row(r: &Row) -> crate::store::db::Result<ApiKey> {
    Ok(ApiKey {
        api_key_id: uuid(r, "id")?,
        workspace_id: uuid(r, "workspace_id")?,
        name: r.get("name")?,
        created_at: time(r.get("created_at")?),
        revoked_at: opt_time(r.get("revoked_at")?),
        token_prefix: r.get("token_prefix")?,
        token: None,
    })
}

const COLS: &str = "id, workspace_id, name, created_at, revoked_at, token_prefix";

/// Creates a key with a new secret, or with `token` when one is given (bootstrap).
pub fn create(
    conn: &Connection,
    ws: Uuid,
    name: &str,
    token: Option<String>,
    now: DateTime<Utc>,
) -> StoreResult<ApiKey> {
    let token = token.unwrap_or_else(secrets::new_api_key);
    let id = Uuid::now_v7();
    let prefix = secrets::display_prefix(&token);
    conn.execute(
        "INSERT INTO api_keys (id, workspace_id, name, token_hash, token_prefix, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), ws.to_string(), name, secrets::hash_token(&token), prefix, ms(now)],
    )?;
    Ok(ApiKey {
        api_key_id: id,
        workspace_id: ws,
        name: name.to_owned(),
        created_at: now,
        revoked_at: None,
        token_prefix: prefix,
        token: Some(token),
    })
}

pub fn list(conn: &Connection, ws: Uuid) -> StoreResult<Vec<ApiKey>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM api_keys WHERE workspace_id = ?1 ORDER BY seq"
    ))?;
    let rows = stmt.query_map([ws.to_string()], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn revoke(conn: &Connection, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<ApiKey> {
    let key = conn
        .query_row(
            &format!("SELECT {COLS} FROM api_keys WHERE workspace_id = ?1 AND id = ?2"),
            [ws.to_string(), id.to_string()],
            from_row,
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found("api_key", "api_key_id", id))?;
    conn.execute(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?3) WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    Ok(ApiKey {
        revoked_at: key.revoked_at.or(Some(now)),
        ..key
    })
}

/// Finds the live key with this secret: `(key id, workspace id)`.
pub fn authenticate(conn: &Connection, token: &str) -> StoreResult<Option<(Uuid, Uuid)>> {
    let hash = secrets::hash_token(token);
    let mut stmt = conn.prepare_cached(
        "SELECT id, workspace_id FROM api_keys WHERE token_hash = ?1 AND revoked_at IS NULL",
    )?;
    Ok(stmt
        .query_row([hash], |r| Ok((uuid(r, "id")?, uuid(r, "workspace_id")?)))
        .optional()?)
}
