//! Sites (Seam `acs_system`): a building or controller with an IANA time zone.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::{AcsSystem, Location};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, time, uuid, Filter};
use super::workspaces::connected_account_id;
use super::StoreResult;
use crate::error::ApiError;

const COLS: &str = "id, workspace_id, name, time_zone, created_at";

fn from_row(r: &Row) -> crate::store::db::Result<AcsSystem> {
    let ws = uuid(r, "workspace_id")?;
    let ca = connected_account_id(ws);
    let name: String = r.get("name")?;
    Ok(AcsSystem {
        acs_system_id: uuid(r, "id")?,
        workspace_id: ws,
        connected_account_id: ca,
        connected_account_ids: vec![ca],
        created_at: time(r.get("created_at")?),
        image_alt_text: format!("{name} (Ajar site)"),
        name,
        image_url: String::new(),
        is_credential_manager: false,
        location: Location {
            time_zone: Some(r.get("time_zone")?),
        },
        errors: vec![],
        warnings: vec![],
        external_type_display_name: Some("Ajar".to_owned()),
    })
}

pub fn create(
    conn: &Connection,
    ws: Uuid,
    name: &str,
    tz: &str,
    now: DateTime<Utc>,
) -> StoreResult<AcsSystem> {
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO acs_systems (id, workspace_id, name, time_zone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id.to_string(), ws.to_string(), name, tz, ms(now)],
    )?;
    get(conn, ws, id)?.ok_or_else(|| ApiError::not_found("acs_system", "acs_system_id", id).into())
}

pub fn get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<AcsSystem>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM acs_systems WHERE workspace_id = ?1 AND id = ?2 AND deleted_at IS NULL"
    ))?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], from_row)
        .optional()?)
}

pub fn list(conn: &Connection, filter: &Filter) -> StoreResult<Vec<AcsSystem>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM acs_systems WHERE {} AND deleted_at IS NULL ORDER BY seq",
        filter.sql()
    ))?;
    let rows = stmt.query_map(filter.params().as_slice(), from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn update(
    conn: &Connection,
    ws: Uuid,
    id: Uuid,
    name: Option<&str>,
    tz: Option<&str>,
) -> StoreResult<AcsSystem> {
    get(conn, ws, id)?.ok_or_else(|| ApiError::not_found("acs_system", "acs_system_id", id))?;
    conn.execute(
        "UPDATE acs_systems SET name = COALESCE(?3, name), time_zone = COALESCE(?4, time_zone) WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), name, tz],
    )?;
    get(conn, ws, id)?.ok_or_else(|| ApiError::not_found("acs_system", "acs_system_id", id).into())
}

/// Deletes an empty site; a site that still has entrances is refused.
pub fn delete(conn: &Connection, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    get(conn, ws, id)?.ok_or_else(|| ApiError::not_found("acs_system", "acs_system_id", id))?;
    let doors: i64 = conn.query_row(
        "SELECT COUNT(*) FROM acs_entrances WHERE workspace_id = ?1 AND acs_system_id = ?2 AND deleted_at IS NULL",
        [ws.to_string(), id.to_string()],
        |r| r.get(0),
    )?;
    if doors > 0 {
        return Err(ApiError::conflict(
            "acs_system_has_entrances",
            format!("this site still has {doors} entrance(s); delete them first"),
        )
        .into());
    }
    conn.execute(
        "UPDATE acs_systems SET deleted_at = ?3 WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    Ok(())
}
