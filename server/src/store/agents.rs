//! Door agents and their enrollment codes. A code is 128 bits from the OS CSPRNG, kept as its
//! SHA-256, valid for ten minutes and usable once; using it binds one agent public key to the
//! code's site. A site has at most one live (unrevoked) agent.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::agents::{Agent, AgentEnrollmentCode};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::sql::{ms, opt_time, time, uuid};
use super::StoreResult;
use crate::error::ApiError;
use crate::secrets;

/// How long an enrollment code can be used.
pub const CODE_LIFETIME: Duration = Duration::minutes(10);

const COLS: &str =
    "id, workspace_id, acs_system_id, name, public_key, created_at, last_connected_at, revoked_at";

fn from_row(r: &Row) -> crate::store::db::Result<Agent> {
    Ok(Agent {
        agent_id: uuid(r, "id")?,
        workspace_id: uuid(r, "workspace_id")?,
        acs_system_id: uuid(r, "acs_system_id")?,
        name: r.get("name")?,
        public_key: r.get("public_key")?,
        is_online: false,
        created_at: time(r.get("created_at")?),
        last_connected_at: opt_time(r.get("last_connected_at")?),
        revoked_at: opt_time(r.get("revoked_at")?),
    })
}

/// A new enrollment code for `site` (which must be in `ws`); the code is in this answer only.
pub fn create_code(
    conn: &Connection,
    ws: Uuid,
    site: Uuid,
    name: &str,
    now: DateTime<Utc>,
) -> StoreResult<AgentEnrollmentCode> {
    if super::sites::get(conn, ws, site)?.is_none() {
        return Err(ApiError::not_found("acs_system", "acs_system_id", site).into());
    }
    // 22 base62 characters carry 130 bits.
    let code = format!("ajar_enr_{}", secrets::random_base62(22));
    let id = Uuid::now_v7();
    let expires = now + CODE_LIFETIME;
    conn.execute(
        "INSERT INTO agent_enrollment_codes (id, workspace_id, acs_system_id, name, code_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id.to_string(), ws.to_string(), site.to_string(), name, secrets::hash_token(&code), ms(now), ms(expires)],
    )?;
    Ok(AgentEnrollmentCode {
        agent_enrollment_code_id: id,
        acs_system_id: site,
        name: name.to_owned(),
        code: Some(code),
        created_at: now,
        expires_at: expires,
    })
}

/// Uses `code` once to enroll `public_key`. Unknown, used or expired codes are all refused alike.
pub fn enroll(
    conn: &Connection,
    code: &str,
    public_key: &str,
    now: DateTime<Utc>,
) -> StoreResult<Agent> {
    let refused = || {
        ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            ajar_protocol::error::codes::ENROLLMENT_CODE_INVALID,
            "This enrollment code is unknown, used or expired; ask an admin for a new one",
        )
    };
    let row = conn
        .query_row(
            "SELECT id, workspace_id, acs_system_id, name, expires_at, used_at FROM agent_enrollment_codes WHERE code_hash = ?1",
            [secrets::hash_token(code)],
            |r| {
                Ok((
                    uuid(r, "id")?,
                    uuid(r, "workspace_id")?,
                    uuid(r, "acs_system_id")?,
                    r.get::<_, String>("name")?,
                    r.get::<_, i64>("expires_at")?,
                    r.get::<_, Option<i64>>("used_at")?,
                ))
            },
        )
        .optional()?;
    let Some((code_id, ws, site, name, expires, used)) = row else {
        return Err(refused().into());
    };
    if used.is_some() || ms(now) >= expires {
        return Err(refused().into());
    }
    if live_for_site(conn, site)?.is_some() {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            ajar_protocol::error::codes::AGENT_ALREADY_ENROLLED,
            "This site already has a live door agent; revoke it before enrolling another",
        )
        .into());
    }
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM agents WHERE public_key = ?1)",
        [public_key],
        |r| r.get(0),
    )?;
    if exists {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            ajar_protocol::error::codes::CONFLICT,
            "This public key is already enrolled; each agent generates its own key",
        )
        .into());
    }
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO agents (id, workspace_id, acs_system_id, name, public_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), ws.to_string(), site.to_string(), name, public_key, ms(now)],
    )?;
    conn.execute(
        "UPDATE agent_enrollment_codes SET used_at = ?2, agent_id = ?3 WHERE id = ?1",
        params![code_id.to_string(), ms(now), id.to_string()],
    )?;
    Ok(get_any(conn, id)?.expect("just inserted"))
}

/// An agent by id, in any workspace (the link authenticates by key, not by workspace).
pub fn get_any(conn: &Connection, id: Uuid) -> StoreResult<Option<Agent>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLS} FROM agents WHERE id = ?1"))?;
    Ok(stmt.query_row([id.to_string()], from_row).optional()?)
}

pub fn get(conn: &Connection, ws: Uuid, id: Uuid) -> StoreResult<Option<Agent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM agents WHERE workspace_id = ?1 AND id = ?2"
    ))?;
    Ok(stmt
        .query_row([ws.to_string(), id.to_string()], from_row)
        .optional()?)
}

/// The live agent of a site, if any.
pub fn live_for_site(conn: &Connection, site: Uuid) -> StoreResult<Option<Agent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM agents WHERE acs_system_id = ?1 AND revoked_at IS NULL"
    ))?;
    Ok(stmt.query_row([site.to_string()], from_row).optional()?)
}

pub fn list(conn: &Connection, ws: Uuid, site: Option<Uuid>) -> StoreResult<Vec<Agent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM agents WHERE workspace_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR acs_system_id = ?2) ORDER BY seq"
    ))?;
    let rows = stmt.query_map(
        params![ws.to_string(), site.map(|s| s.to_string())],
        from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes an agent at once (idempotent); 404 for another workspace's agent.
pub fn revoke(conn: &Connection, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<Agent> {
    let a = get(conn, ws, id)?.ok_or_else(|| ApiError::not_found("agent", "agent_id", id))?;
    conn.execute(
        "UPDATE agents SET revoked_at = COALESCE(revoked_at, ?3) WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    Ok(Agent {
        revoked_at: a.revoked_at.or(Some(now)),
        ..a
    })
}

pub fn touch_connected(conn: &Connection, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    conn.execute(
        "UPDATE agents SET last_connected_at = ?2 WHERE id = ?1",
        params![id.to_string(), ms(now)],
    )?;
    Ok(())
}
