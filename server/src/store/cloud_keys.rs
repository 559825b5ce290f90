//! Cloud Key credentials (Ajar's control-center view): an access grant carrying a `cloud_key`
//! access method, read back with its doors, sites, window, zone and state, revoked keys included.

use crate::store::db::{Connection, Row};
use ajar_protocol::time::format_in_zone;
use ajar_protocol::{CloudKey, CloudKeyState, TimeWindow, WindowPosition};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{opt_time, time, uuid, Filter};
use super::StoreResult;

const SELECT: &str = "SELECT m.id, m.workspace_id, m.created_at, m.revoked_at, g.id AS grant_id, g.user_identity_id,
        g.name, g.starts_at, g.ends_at, g.deleted_at AS grant_deleted
     FROM access_methods m JOIN access_grants g ON g.id = m.access_grant_id AND g.workspace_id = m.workspace_id";

struct KeyRow {
    key: CloudKey,
}

fn from_row(r: &Row) -> crate::store::db::Result<KeyRow> {
    let revoked = opt_time(r.get("revoked_at")?).or(opt_time(r.get("grant_deleted")?));
    let name: Option<String> = r.get("name")?;
    Ok(KeyRow {
        key: CloudKey {
            access_method_id: uuid(r, "id")?,
            access_grant_id: uuid(r, "grant_id")?,
            user_identity_id: uuid(r, "user_identity_id")?,
            workspace_id: uuid(r, "workspace_id")?,
            name: name.unwrap_or_else(|| "Cloud Key".to_owned()),
            acs_entrance_ids: vec![],
            acs_system_ids: vec![],
            whole_acs_system_ids: vec![],
            starts_at: time(r.get("starts_at")?),
            ends_at: opt_time(r.get("ends_at")?),
            time_zone: None,
            starts_at_local: None,
            ends_at_local: None,
            state: CloudKeyState::Revoked,
            created_at: time(r.get("created_at")?),
            revoked_at: revoked,
        },
    })
}

/// The state of a key at `now`.
pub fn state(k: &CloudKey, now: DateTime<Utc>) -> CloudKeyState {
    if k.revoked_at.is_some() {
        return CloudKeyState::Revoked;
    }
    match (TimeWindow {
        starts_at: k.starts_at,
        ends_at: k.ends_at,
    })
    .position(now)
    {
        WindowPosition::NotYetOpen => CloudKeyState::Scheduled,
        WindowPosition::Open => CloudKeyState::Active,
        WindowPosition::Closed => CloudKeyState::Expired,
    }
}

fn complete(conn: &Connection, mut k: CloudKey, now: DateTime<Utc>) -> StoreResult<CloudKey> {
    k.acs_entrance_ids = super::grants::entrance_ids(conn, k.access_grant_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT s.seq, s.id, s.time_zone FROM access_grant_entrances ge
         JOIN acs_entrances e ON e.id = ge.acs_entrance_id AND e.deleted_at IS NULL
         JOIN acs_systems s ON s.id = e.acs_system_id
         WHERE ge.access_grant_id = ?1 ORDER BY s.seq",
    )?;
    let sites: Vec<(Uuid, String)> = stmt
        .query_map([k.access_grant_id.to_string()], |r| {
            Ok((uuid(r, "id")?, r.get("time_zone")?))
        })?
        .collect::<Result<_, _>>()?;
    k.acs_system_ids = sites.iter().map(|(id, _)| *id).collect();
    k.whole_acs_system_ids = super::grants::whole_sites(conn, k.access_grant_id)?;
    let mut zones: Vec<&String> = sites.iter().map(|(_, z)| z).collect();
    zones.dedup();
    if let [zone] = zones.as_slice() {
        k.starts_at_local = Some(format_in_zone(&k.starts_at, zone));
        k.ends_at_local = k.ends_at.map(|e| format_in_zone(&e, zone));
        k.time_zone = Some((*zone).clone());
    }
    k.state = state(&k, now);
    Ok(k)
}

/// Cloud keys matching `filter` (columns `m.` / `g.`), oldest first, revoked ones included.
pub fn list(conn: &Connection, filter: &Filter, now: DateTime<Utc>) -> StoreResult<Vec<CloudKey>> {
    let mut f = filter.clone();
    f.eq("m.mode", "cloud_key".to_owned());
    let sql = format!("{SELECT} WHERE {} ORDER BY m.seq LIMIT 2000", f.sql());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows: Vec<KeyRow> = stmt
        .query_map(f.params().as_slice(), from_row)?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|r| complete(conn, r.key, now))
        .collect()
}

/// One cloud key (revoked or not).
pub fn get(
    conn: &Connection,
    ws: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Option<CloudKey>> {
    let mut f = Filter::workspace("m.workspace_id", ws);
    f.eq("m.id", id.to_string());
    Ok(list(conn, &f, now)?.into_iter().next())
}
