//! Access grants (which entrances a user may open, and when) and the access methods (cloud
//! keys) they carry. Deleting a grant revokes its methods; rows are kept for the audit trail.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::{AccessGrant, AccessMethod, AccessMethodMode, RequestedAccessMethod};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, opt_time, paged, time, uuid, Filter, Page};
use super::StoreResult;
use crate::error::ApiError;

pub const SELECT: &str = "SELECT seq, id, workspace_id, user_identity_id, name, starts_at, ends_at, access_grant_key, reservation_key, requested_methods, created_at FROM access_grants";

struct GrantRow {
    seq: i64,
    grant: AccessGrant,
}

fn from_row(r: &Row) -> crate::store::db::Result<GrantRow> {
    let name: Option<String> = r.get("name")?;
    let requested: String = r.get("requested_methods")?;
    let requested_access_methods: Vec<RequestedAccessMethod> =
        serde_json::from_str(&requested).map_err(crate::store::db::Error::conversion)?;
    Ok(GrantRow {
        seq: r.get("seq")?,
        grant: AccessGrant {
            access_grant_id: uuid(r, "id")?,
            workspace_id: uuid(r, "workspace_id")?,
            user_identity_id: uuid(r, "user_identity_id")?,
            created_at: time(r.get("created_at")?),
            starts_at: time(r.get("starts_at")?),
            ends_at: opt_time(r.get("ends_at")?),
            display_name: name.clone().unwrap_or_else(|| "Access grant".to_owned()),
            name,
            access_method_ids: vec![],
            requested_access_methods,
            space_ids: vec![],
            location_ids: vec![],
            errors: vec![],
            warnings: vec![],
            pending_mutations: vec![],
            access_grant_key: r.get("access_grant_key")?,
            reservation_key: r.get("reservation_key")?,
            acs_entrance_ids: vec![],
        },
    })
}

/// Fills in the grant's entrance and live method ids.
fn complete(conn: &Connection, mut g: AccessGrant) -> StoreResult<AccessGrant> {
    g.acs_entrance_ids = entrance_ids(conn, g.access_grant_id)?;
    g.access_method_ids = method_ids(conn, g.access_grant_id)?;
    Ok(g)
}

pub fn entrance_ids(conn: &Connection, grant: Uuid) -> StoreResult<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ge.acs_entrance_id FROM access_grant_entrances ge JOIN acs_entrances e ON e.id = ge.acs_entrance_id
         WHERE ge.access_grant_id = ?1 AND e.deleted_at IS NULL ORDER BY e.seq",
    )?;
    let rows = stmt.query_map([grant.to_string()], |r| uuid(r, "acs_entrance_id"))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn method_ids(conn: &Connection, grant: Uuid) -> StoreResult<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM access_methods WHERE access_grant_id = ?1 AND revoked_at IS NULL ORDER BY seq",
    )?;
    let rows = stmt.query_map([grant.to_string()], |r| uuid(r, "id"))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Fields of a new grant (already validated by the API layer).
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub user_identity_id: Uuid,
    pub acs_entrance_ids: Vec<Uuid>,
    pub modes: Vec<AccessMethodMode>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub name: Option<String>,
    pub access_grant_key: Option<String>,
    pub reservation_key: Option<String>,
}

pub fn create(
    conn: &Connection,
    ws: Uuid,
    n: &NewGrant,
    now: DateTime<Utc>,
) -> StoreResult<AccessGrant> {
    if super::users::get(conn, ws, n.user_identity_id)?.is_none() {
        return Err(
            ApiError::not_found("user_identity", "user_identity_id", n.user_identity_id).into(),
        );
    }
    for e in &n.acs_entrance_ids {
        if super::entrances::get(conn, ws, *e)?.is_none() {
            return Err(ApiError::not_found("acs_entrance", "acs_entrance_id", e).into());
        }
    }
    if let Some(k) = &n.access_grant_key {
        if get_by_key(conn, ws, k)?.is_some() {
            return Err(ApiError::conflict(
                "access_grant_key_already_in_use",
                format!("another access grant already has access_grant_key {k:?}"),
            )
            .into());
        }
    }
    let id = Uuid::now_v7();
    let mut requested = Vec::new();
    let mut method_rows = Vec::new();
    for mode in &n.modes {
        let method_id = Uuid::now_v7();
        requested.push(RequestedAccessMethod {
            mode: *mode,
            display_name: mode_display_name(*mode).to_owned(),
            created_at: now,
            created_access_method_ids: vec![method_id],
        });
        method_rows.push((method_id, *mode));
    }
    let requested_json =
        serde_json::to_string(&requested).map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO access_grants (id, workspace_id, user_identity_id, name, starts_at, ends_at, access_grant_key, reservation_key, requested_methods, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id.to_string(),
            ws.to_string(),
            n.user_identity_id.to_string(),
            n.name,
            ms(n.starts_at),
            n.ends_at.map(ms),
            n.access_grant_key,
            n.reservation_key,
            requested_json,
            ms(now)
        ],
    )?;
    let mut seen = std::collections::HashSet::new();
    for e in &n.acs_entrance_ids {
        if seen.insert(*e) {
            conn.execute(
                "INSERT INTO access_grant_entrances (access_grant_id, acs_entrance_id, workspace_id) VALUES (?1, ?2, ?3)",
                params![id.to_string(), e.to_string(), ws.to_string()],
            )?;
        }
    }
    for (method_id, mode) in method_rows {
        conn.execute(
            "INSERT INTO access_methods (id, workspace_id, access_grant_id, mode, display_name, created_at, issued_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                method_id.to_string(),
                ws.to_string(),
                id.to_string(),
                mode.as_str(),
                mode_display_name(mode),
                ms(now)
            ],
        )?;
    }
    get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("access_grant", "access_grant_id", id).into())
}

fn mode_display_name(mode: AccessMethodMode) -> &'static str {
    match mode {
        AccessMethodMode::CloudKey => "Cloud Key",
        AccessMethodMode::Code => "PIN Code",
        AccessMethodMode::Card => "Card",
        AccessMethodMode::MobileKey => "Mobile Key",
    }
}

/// A live (not deleted) grant.
pub fn get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<AccessGrant>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE workspace_id = ?1 AND id = ?2 AND deleted_at IS NULL"
    ))?;
    match stmt
        .query_row([ws.to_string(), id.to_string()], from_row)
        .optional()?
    {
        Some(row) => Ok(Some(complete(conn, row.grant)?)),
        None => Ok(None),
    }
}

pub fn get_by_key(conn: &Connection, ws: Uuid, key: &str) -> StoreResult<Option<AccessGrant>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE workspace_id = ?1 AND access_grant_key = ?2 AND deleted_at IS NULL"
    ))?;
    match stmt
        .query_row([ws.to_string(), key.to_owned()], from_row)
        .optional()?
    {
        Some(row) => Ok(Some(complete(conn, row.grant)?)),
        None => Ok(None),
    }
}

pub fn list(
    conn: &Connection,
    filter: &Filter,
    limit: u32,
    after: i64,
) -> StoreResult<Page<AccessGrant>> {
    let mut f = filter.clone();
    f.raw("deleted_at IS NULL", vec![]);
    let page = paged(conn, SELECT, &f, "seq", limit, after, |r| {
        let row = from_row(r)?;
        Ok((row.seq, row.grant))
    })?;
    let items = page
        .items
        .into_iter()
        .map(|g| complete(conn, g))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

pub fn ids_for_user(conn: &Connection, ws: Uuid, user: Uuid) -> StoreResult<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM access_grants WHERE workspace_id = ?1 AND user_identity_id = ?2 AND deleted_at IS NULL ORDER BY seq",
    )?;
    let rows = stmt.query_map([ws.to_string(), user.to_string()], |r| uuid(r, "id"))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// New window and name of a grant; validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct GrantChanges {
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<Option<DateTime<Utc>>>,
    pub name: Option<Option<String>>,
}

pub fn update(
    conn: &Connection,
    ws: Uuid,
    cur: &AccessGrant,
    c: &GrantChanges,
) -> StoreResult<AccessGrant> {
    let starts = c.starts_at.unwrap_or(cur.starts_at);
    let ends = c.ends_at.unwrap_or(cur.ends_at);
    if let Err(e) = ajar_protocol::TimeWindow::new(starts, ends) {
        return Err(ApiError::invalid_field("ends_at", e.to_string()).into());
    }
    let name = c.name.clone().unwrap_or_else(|| cur.name.clone());
    conn.execute(
        "UPDATE access_grants SET starts_at = ?3, ends_at = ?4, name = ?5 WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), cur.access_grant_id.to_string(), ms(starts), ends.map(ms), name],
    )?;
    get(conn, ws, cur.access_grant_id)?.ok_or_else(|| {
        ApiError::not_found("access_grant", "access_grant_id", cur.access_grant_id).into()
    })
}

/// Deletes a grant and revokes its methods; returns the methods revoked.
pub fn delete(conn: &Connection, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<Vec<Uuid>> {
    let methods = method_ids(conn, id)?;
    conn.execute(
        "UPDATE access_methods SET revoked_at = COALESCE(revoked_at, ?3) WHERE workspace_id = ?1 AND access_grant_id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    conn.execute(
        "UPDATE access_grants SET deleted_at = COALESCE(deleted_at, ?3) WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    Ok(methods)
}

// ---- access methods ----

const METHOD_SELECT: &str = "SELECT m.seq, m.id, m.workspace_id, m.mode, m.display_name, m.created_at, m.issued_at, m.access_grant_id, g.user_identity_id \
     FROM access_methods m JOIN access_grants g ON g.id = m.access_grant_id";

/// A method with the grant and user it belongs to.
#[derive(Debug, Clone)]
pub struct MethodRecord {
    pub method: AccessMethod,
    pub access_grant_id: Uuid,
    pub user_identity_id: Uuid,
}

fn method_from_row(r: &Row) -> crate::store::db::Result<MethodRecord> {
    let mode: String = r.get("mode")?;
    let mode = match mode.as_str() {
        "code" => AccessMethodMode::Code,
        "card" => AccessMethodMode::Card,
        "mobile_key" => AccessMethodMode::MobileKey,
        _ => AccessMethodMode::CloudKey,
    };
    Ok(MethodRecord {
        method: AccessMethod {
            access_method_id: uuid(r, "id")?,
            workspace_id: uuid(r, "workspace_id")?,
            mode,
            display_name: r.get("display_name")?,
            created_at: time(r.get("created_at")?),
            is_issued: true,
            issued_at: opt_time(r.get("issued_at")?),
            errors: vec![],
            warnings: vec![],
            pending_mutations: vec![],
        },
        access_grant_id: uuid(r, "access_grant_id")?,
        user_identity_id: uuid(r, "user_identity_id")?,
    })
}

/// A live (not revoked) method.
pub fn method_get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<MethodRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{METHOD_SELECT} WHERE m.workspace_id = ?1 AND m.id = ?2 AND m.revoked_at IS NULL AND g.deleted_at IS NULL"
    ))?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], method_from_row)
        .optional()?)
}

/// Live methods matching `filter` (columns prefixed `m.` / `g.`).
pub fn method_list(
    conn: &Connection,
    filter: &Filter,
    limit: u32,
    after: i64,
) -> StoreResult<Page<MethodRecord>> {
    let mut f = filter.clone();
    f.raw("m.revoked_at IS NULL AND g.deleted_at IS NULL", vec![]);
    Ok(paged(
        conn,
        METHOD_SELECT,
        &f,
        "m.seq",
        limit,
        after,
        |r| Ok((r.get("seq")?, method_from_row(r)?)),
    )?)
}

pub fn method_revoke(
    conn: &Connection,
    ws: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<MethodRecord> {
    let rec = method_get(conn, ws, id)?
        .ok_or_else(|| ApiError::not_found("access_method", "access_method_id", id))?;
    conn.execute(
        "UPDATE access_methods SET revoked_at = ?3 WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    Ok(rec)
}

/// Everything an unlock decision needs about a method, including revoked and deleted state.
#[derive(Debug, Clone)]
pub struct MethodFacts {
    pub mode: String,
    pub revoked: bool,
    pub access_grant_id: Uuid,
    pub grant_deleted: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub user_identity_id: Uuid,
    pub user_deleted: bool,
    /// The Remote Unlock switch on the user's access.
    pub remote_unlock_enabled: bool,
}

pub fn method_facts(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<MethodFacts>> {
    let mut stmt = conn.prepare_cached(
        // Parameters come in through a one-row CTE: with them bound straight into a join, SQLite
        // re-prepares the statement on every call (measured: a quarter of the unlock path).
        "WITH p(ws, id) AS (SELECT ?1, ?2)
         SELECT m.mode, m.revoked_at, m.access_grant_id, g.deleted_at AS grant_deleted, g.starts_at, g.ends_at,
                g.user_identity_id, u.deleted_at AS user_deleted, u.remote_unlock_enabled
         FROM p
         JOIN access_methods m ON m.workspace_id = p.ws AND m.id = p.id
         JOIN access_grants g ON g.id = m.access_grant_id AND g.workspace_id = m.workspace_id
         JOIN user_identities u ON u.id = g.user_identity_id AND u.workspace_id = m.workspace_id",
    )?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], |r| {
            Ok(MethodFacts {
                mode: r.get("mode")?,
                revoked: r.get::<_, Option<i64>>("revoked_at")?.is_some(),
                access_grant_id: uuid(r, "access_grant_id")?,
                grant_deleted: r.get::<_, Option<i64>>("grant_deleted")?.is_some(),
                starts_at: time(r.get("starts_at")?),
                ends_at: opt_time(r.get("ends_at")?),
                user_identity_id: uuid(r, "user_identity_id")?,
                user_deleted: r.get::<_, Option<i64>>("user_deleted")?.is_some(),
                remote_unlock_enabled: r.get::<_, i64>("remote_unlock_enabled")? != 0,
            })
        })
        .optional()?)
}

/// Whether the grant lists this entrance.
pub fn grant_has_entrance(conn: &Connection, grant: Uuid, entrance: Uuid) -> StoreResult<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM access_grant_entrances WHERE access_grant_id = ?1 AND acs_entrance_id = ?2",
    )?;
    Ok(stmt
        .query_row([grant.to_string(), entrance.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Marks a grant as covering a whole site: doors added to the site later join it.
pub fn add_whole_site(conn: &Connection, ws: Uuid, grant: Uuid, site: Uuid) -> StoreResult<()> {
    conn.execute(
        "INSERT OR IGNORE INTO access_grant_systems (access_grant_id, acs_system_id, workspace_id) VALUES (?1, ?2, ?3)",
        params![grant.to_string(), site.to_string(), ws.to_string()],
    )?;
    Ok(())
}

/// The sites a grant covers whole.
pub fn whole_sites(conn: &Connection, grant: Uuid) -> StoreResult<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT acs_system_id FROM access_grant_systems WHERE access_grant_id = ?1 ORDER BY acs_system_id",
    )?;
    let rows = stmt.query_map([grant.to_string()], |r| uuid(r, "acs_system_id"))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A new door joins every live grant that covers its whole site; returns those grants.
pub fn join_whole_site_grants(
    conn: &Connection,
    ws: Uuid,
    site: Uuid,
    door: Uuid,
) -> StoreResult<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT gs.access_grant_id FROM access_grant_systems gs JOIN access_grants g ON g.id = gs.access_grant_id
         WHERE gs.workspace_id = ?1 AND gs.acs_system_id = ?2 AND g.workspace_id = ?1 AND g.deleted_at IS NULL",
    )?;
    let grants: Vec<Uuid> = stmt
        .query_map([ws.to_string(), site.to_string()], |r| {
            uuid(r, "access_grant_id")
        })?
        .collect::<Result<_, _>>()?;
    for g in &grants {
        conn.execute(
            "INSERT OR IGNORE INTO access_grant_entrances (access_grant_id, acs_entrance_id, workspace_id) VALUES (?1, ?2, ?3)",
            params![g.to_string(), door.to_string(), ws.to_string()],
        )?;
    }
    Ok(grants)
}
