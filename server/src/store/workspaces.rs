//! Workspaces (tenants). Every other row belongs to exactly one.

use crate::store::db::{params, Connection};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, uuid};
use super::StoreResult;

/// Seam objects carry a `connected_account_id`; Ajar has one per workspace, derived from the
/// workspace id so no lookup is needed.
pub fn connected_account_id(ws: Uuid) -> Uuid {
    let mut b = *ws.as_bytes();
    for (i, x) in b.iter_mut().enumerate() {
        *x ^= 0xA5 ^ (i as u8).wrapping_mul(31);
    }
    uuid::Builder::from_random_bytes(b).into_uuid()
}

#[derive(Debug, Clone)]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
}

pub fn create(conn: &Connection, name: &str, now: DateTime<Utc>) -> StoreResult<Workspace> {
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO workspaces (id, name, connected_account_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), name, connected_account_id(id).to_string(), ms(now)],
    )?;
    Ok(Workspace {
        id,
        name: name.to_owned(),
    })
}

pub fn list(conn: &Connection) -> StoreResult<Vec<Workspace>> {
    let mut stmt = conn.prepare("SELECT id, name FROM workspaces ORDER BY seq")?;
    let rows = stmt.query_map((), |r| {
        Ok(Workspace {
            id: uuid(r, "id")?,
            name: r.get("name")?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn is_empty(conn: &Connection) -> StoreResult<bool> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM workspaces", (), |r| r.get(0))?;
    Ok(n == 0)
}
