//! Entrances (Seam `acs_entrance`): doors, with cloud-key permission, lockdown, relock pulse and
//! driver. Live lock state comes from the door driver, not from here.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::{AcsEntrance, AjarEntranceMetadata, Notice};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, paged_live, time, uuid, Filter, Page};
use super::workspaces::connected_account_id;
use super::StoreResult;
use crate::error::ApiError;

pub const SELECT: &str = "SELECT e.seq, e.id, e.workspace_id, e.acs_system_id, e.display_name, e.can_unlock_with_cloud_key, \
     e.is_in_lockdown, e.relock_pulse_ms, \
     CASE WHEN EXISTS (SELECT 1 FROM agents a WHERE a.acs_system_id = e.acs_system_id) THEN 'agent' ELSE e.driver END AS driver, \
     e.created_at, s.time_zone \
     FROM acs_entrances e JOIN acs_systems s ON s.id = e.acs_system_id";

pub fn from_row(r: &Row) -> crate::store::db::Result<AcsEntrance> {
    let ws = uuid(r, "workspace_id")?;
    let lockdown: bool = r.get("is_in_lockdown")?;
    let created_at = time(r.get("created_at")?);
    Ok(AcsEntrance {
        acs_entrance_id: uuid(r, "id")?,
        acs_system_id: uuid(r, "acs_system_id")?,
        connected_account_id: connected_account_id(ws),
        created_at,
        display_name: r.get("display_name")?,
        space_ids: vec![],
        errors: vec![],
        warnings: if lockdown {
            vec![Notice {
                created_at,
                error_code: None,
                warning_code: Some("entrance_in_lockdown".to_owned()),
                message: "This entrance is in lockdown: remote unlocks are refused.".to_owned(),
            }]
        } else {
            vec![]
        },
        can_unlock_with_cloud_key: r.get("can_unlock_with_cloud_key")?,
        can_unlock_with_code: false,
        can_unlock_with_card: false,
        can_unlock_with_mobile_key: false,
        can_belong_to_reservation: false,
        is_locked: true,
        ajar_metadata: AjarEntranceMetadata {
            is_in_lockdown: lockdown,
            relock_pulse_ms: r.get("relock_pulse_ms")?,
            driver: r.get("driver")?,
            is_online: true,
            time_zone: r.get("time_zone")?,
            unlocked_until: None,
        },
    })
}

/// Fields of a new entrance.
#[derive(Debug, Clone)]
pub struct NewEntrance {
    pub acs_system_id: Uuid,
    pub display_name: String,
    pub can_unlock_with_cloud_key: bool,
    pub relock_pulse_ms: u32,
    pub is_in_lockdown: bool,
}

pub fn create(
    conn: &Connection,
    ws: Uuid,
    n: &NewEntrance,
    now: DateTime<Utc>,
) -> StoreResult<AcsEntrance> {
    if super::sites::get(conn, ws, n.acs_system_id)?.is_none() {
        return Err(ApiError::not_found("acs_system", "acs_system_id", n.acs_system_id).into());
    }
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO acs_entrances (id, workspace_id, acs_system_id, display_name, can_unlock_with_cloud_key, is_in_lockdown, relock_pulse_ms, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id.to_string(),
            ws.to_string(),
            n.acs_system_id.to_string(),
            n.display_name,
            n.can_unlock_with_cloud_key,
            n.is_in_lockdown,
            n.relock_pulse_ms,
            ms(now)
        ],
    )?;
    get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", id).into())
}

pub fn get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<AcsEntrance>> {
    let mut stmt = conn.prepare_cached(&format!(
        // Parameters through a one-row CTE, so SQLite does not re-prepare the join on each call.
        "WITH p(ws, id) AS (SELECT ?1, ?2) {} WHERE e.deleted_at IS NULL",
        SELECT.replace(
            "FROM acs_entrances e JOIN",
            "FROM p JOIN acs_entrances e ON e.workspace_id = p.ws AND e.id = p.id JOIN"
        )
    ))?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], from_row)
        .optional()?)
}

/// Lists live entrances matching `filter` (columns prefixed `e.`), one page at a time.
pub fn list(
    conn: &Connection,
    filter: &Filter,
    limit: u32,
    after: i64,
) -> StoreResult<Page<AcsEntrance>> {
    Ok(paged_live(
        conn,
        SELECT,
        filter,
        "e.deleted_at IS NULL",
        "e.seq",
        limit,
        after,
        from_row,
    )?)
}

/// Changes to an entrance; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EntranceChanges {
    pub display_name: Option<String>,
    pub can_unlock_with_cloud_key: Option<bool>,
    pub relock_pulse_ms: Option<u32>,
    pub is_in_lockdown: Option<bool>,
}

pub fn update(
    conn: &Connection,
    ws: Uuid,
    id: Uuid,
    c: &EntranceChanges,
) -> StoreResult<AcsEntrance> {
    get(conn, ws, id)?.ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", id))?;
    conn.execute(
        "UPDATE acs_entrances SET display_name = COALESCE(?3, display_name),
            can_unlock_with_cloud_key = COALESCE(?4, can_unlock_with_cloud_key),
            relock_pulse_ms = COALESCE(?5, relock_pulse_ms),
            is_in_lockdown = COALESCE(?6, is_in_lockdown)
         WHERE workspace_id = ?1 AND id = ?2",
        params![
            ws.to_string(),
            id.to_string(),
            c.display_name,
            c.can_unlock_with_cloud_key,
            c.relock_pulse_ms,
            c.is_in_lockdown
        ],
    )?;
    get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", id).into())
}

pub fn delete(conn: &Connection, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    get(conn, ws, id)?.ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", id))?;
    conn.execute(
        "UPDATE acs_entrances SET deleted_at = ?3 WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    Ok(())
}

/// Live entrances with these ids in the workspace, in the order given; unknown ids are skipped.
pub fn get_many(conn: &Connection, ws: Uuid, ids: &[Uuid]) -> StoreResult<Vec<AcsEntrance>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(e) = get(conn, ws, *id)? {
            out.push(e);
        }
    }
    Ok(out)
}
