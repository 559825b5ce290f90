//! Action attempts (one request to act on a door) and their idempotency keys.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::{ActionAttempt, ActionAttemptError, ActionAttemptStatus, UnlockResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, opt_uuid, paged, uuid, Filter, Page};
use super::StoreResult;

pub const SELECT: &str =
    "SELECT seq, id, action_type, status, was_confirmed_by_device, error_type, error_message, \
     access_method_id, acs_entrance_id, user_identity_id, request_fingerprint FROM action_attempts";

/// An attempt with who and what it concerned.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub attempt: ActionAttempt,
    pub access_method_id: Option<Uuid>,
    pub acs_entrance_id: Option<Uuid>,
    pub user_identity_id: Option<Uuid>,
    pub request_fingerprint: Option<String>,
}

fn from_row(r: &Row) -> crate::store::db::Result<AttemptRecord> {
    let status: String = r.get("status")?;
    let status = match status.as_str() {
        "success" => ActionAttemptStatus::Success,
        "error" => ActionAttemptStatus::Error,
        _ => ActionAttemptStatus::Pending,
    };
    let confirmed: Option<bool> = r.get("was_confirmed_by_device")?;
    let error_type: Option<String> = r.get("error_type")?;
    let error_message: Option<String> = r.get("error_message")?;
    Ok(AttemptRecord {
        attempt: ActionAttempt {
            action_attempt_id: uuid(r, "id")?,
            action_type: r.get("action_type")?,
            status,
            result: (status == ActionAttemptStatus::Success).then(|| UnlockResult {
                was_confirmed_by_device: confirmed.unwrap_or(false),
            }),
            error: error_type.map(|kind| ActionAttemptError {
                kind,
                message: error_message.unwrap_or_default(),
            }),
        },
        access_method_id: opt_uuid(r, "access_method_id")?,
        acs_entrance_id: opt_uuid(r, "acs_entrance_id")?,
        user_identity_id: opt_uuid(r, "user_identity_id")?,
        request_fingerprint: r.get("request_fingerprint")?,
    })
}

/// A new attempt to store.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    pub attempt: &'a ActionAttempt,
    pub access_method_id: Uuid,
    pub acs_entrance_id: Uuid,
    pub user_identity_id: Option<Uuid>,
    pub idempotency_key: Option<&'a str>,
    pub request_fingerprint: &'a str,
}

pub fn insert(
    conn: &Connection,
    ws: Uuid,
    n: &NewAttempt<'_>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let a = n.attempt;
    conn.prepare_cached(
        "INSERT INTO action_attempts (id, workspace_id, action_type, status, was_confirmed_by_device, error_type, error_message,
            access_method_id, acs_entrance_id, user_identity_id, idempotency_key, request_fingerprint, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
    )?
    .execute(params![
        a.action_attempt_id.to_string(),
        ws.to_string(),
        a.action_type,
        a.status.as_str(),
        a.result.as_ref().map(|r| r.was_confirmed_by_device),
        a.error.as_ref().map(|e| e.kind.clone()),
        a.error.as_ref().map(|e| e.message.clone()),
        n.access_method_id.to_string(),
        n.acs_entrance_id.to_string(),
        n.user_identity_id.map(|u| u.to_string()),
        n.idempotency_key,
        n.request_fingerprint,
        ms(now)
    ])?;
    Ok(())
}

/// Records how a pending attempt ended (agent doors: after the ack or its timeout).
pub fn finish(
    conn: &Connection,
    ws: Uuid,
    a: &ActionAttempt,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE action_attempts SET status = ?3, was_confirmed_by_device = ?4, error_type = ?5, error_message = ?6, updated_at = ?7
         WHERE workspace_id = ?1 AND id = ?2 AND status = 'pending'",
    )?
    .execute(params![
        ws.to_string(),
        a.action_attempt_id.to_string(),
        a.status.as_str(),
        a.result.as_ref().map(|r| r.was_confirmed_by_device),
        a.error.as_ref().map(|e| e.kind.clone()),
        a.error.as_ref().map(|e| e.message.clone()),
        ms(now)
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<AttemptRecord>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE workspace_id = ?1 AND id = ?2"))?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], from_row)
        .optional()?)
}

/// The attempt already recorded under this idempotency key, if any.
pub fn by_idempotency_key(
    conn: &Connection,
    ws: Uuid,
    key: &str,
) -> StoreResult<Option<AttemptRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE workspace_id = ?1 AND idempotency_key = ?2"
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
) -> StoreResult<Page<AttemptRecord>> {
    Ok(paged(conn, SELECT, filter, "seq", limit, after, |r| {
        Ok((r.get("seq")?, from_row(r)?))
    })?)
}
