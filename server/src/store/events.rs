//! The audit trail: events are appended, never changed or removed (triggers in the schema refuse
//! UPDATE and DELETE). The indexed columns serve the filters of `events/list`; the full event is
//! kept as JSON.

use ajar_protocol::Event;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::sql::{ms, Filter};
use super::{StoreError, StoreResult};

pub fn append(conn: &Connection, e: &Event) -> StoreResult<()> {
    let body = serde_json::to_string(e).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let s = |u: Option<Uuid>| u.map(|u| u.to_string());
    conn.prepare_cached(
        "INSERT INTO events (id, workspace_id, event_type, occurred_at, user_identity_id, acs_entrance_id, acs_system_id,
            access_grant_id, access_method_id, action_attempt_id, guest_link_id, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        e.event_id.to_string(),
        e.workspace_id.to_string(),
        e.event_type,
        ms(e.occurred_at),
        s(e.user_identity_id),
        s(e.acs_entrance_id),
        s(e.acs_system_id),
        s(e.access_grant_id),
        s(e.access_method_id),
        s(e.action_attempt_id),
        s(e.guest_link_id),
        body
    ])?;
    Ok(())
}

fn parse(body: String) -> rusqlite::Result<Event> {
    serde_json::from_str(&body).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Newest first, at most `limit`.
pub fn list(conn: &Connection, filter: &Filter, limit: u32) -> StoreResult<Vec<Event>> {
    let sql = format!(
        "SELECT body FROM events WHERE {} ORDER BY seq DESC LIMIT ?",
        filter.sql()
    );
    let mut params = filter.params();
    let limit = i64::from(limit);
    params.push(&limit);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params.as_slice(), |r| parse(r.get(0)?))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<Event>> {
    let mut stmt =
        conn.prepare_cached("SELECT body FROM events WHERE workspace_id = ?1 AND id = ?2")?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], |r| parse(r.get(0)?))
        .optional()?)
}
