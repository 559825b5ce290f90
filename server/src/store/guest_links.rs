//! Guest links: capability URLs derived from an issuer's cloud key. Only SHA-256 hashes of the
//! link token and of each per-entrance webhook token are stored.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use ajar_protocol::{GuestLink, GuestLinkState};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{ms, opt_time, paged, time, uuid, Filter, Page};
use super::StoreResult;
use crate::error::ApiError;
use crate::secrets;

pub const SELECT: &str = "SELECT l.seq, l.id, l.workspace_id, l.issuer_user_identity_id, l.access_method_id, l.description, \
     l.starts_at, l.ends_at, l.time_zone, l.max_unlock_count, l.unlock_count, l.last_unlocked_at, l.view_count, \
     l.last_viewed_at, l.created_at, l.revoked_at, \
     COALESCE(u.full_name, u.email_address, u.phone_number, u.user_identity_key, 'Unnamed user') AS issuer_name \
     FROM guest_links l JOIN user_identities u ON u.id = l.issuer_user_identity_id";

/// The state of a link at `now`: revoked, used up, expired, scheduled or active, in that order.
pub fn state_at(
    revoked: bool,
    max: Option<u32>,
    used: u32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> GuestLinkState {
    if revoked {
        GuestLinkState::Revoked
    } else if max.is_some_and(|m| used >= m) {
        GuestLinkState::UsedUp
    } else if now >= ends_at {
        GuestLinkState::Expired
    } else if now < starts_at {
        GuestLinkState::Scheduled
    } else {
        GuestLinkState::Active
    }
}

/// SQL condition selecting links in `state` at `now` (same order of precedence as [`state_at`]).
pub fn state_condition(
    state: GuestLinkState,
    now: DateTime<Utc>,
) -> (String, Vec<crate::store::db::Value>) {
    use crate::store::db::Value::Integer;
    let n = ms(now);
    let used_up = "(l.max_unlock_count IS NOT NULL AND l.unlock_count >= l.max_unlock_count)";
    match state {
        GuestLinkState::Revoked => ("l.revoked_at IS NOT NULL".into(), vec![]),
        GuestLinkState::UsedUp => (format!("l.revoked_at IS NULL AND {used_up}"), vec![]),
        GuestLinkState::Expired => (
            format!("l.revoked_at IS NULL AND NOT {used_up} AND l.ends_at <= ?"),
            vec![Integer(n)],
        ),
        GuestLinkState::Scheduled => (
            format!("l.revoked_at IS NULL AND NOT {used_up} AND l.ends_at > ? AND l.starts_at > ?"),
            vec![Integer(n), Integer(n)],
        ),
        GuestLinkState::Active => (
            format!(
                "l.revoked_at IS NULL AND NOT {used_up} AND l.ends_at > ? AND l.starts_at <= ?"
            ),
            vec![Integer(n), Integer(n)],
        ),
    }
}

fn from_row(r: &Row, now: DateTime<Utc>) -> crate::store::db::Result<GuestLink> {
    let revoked_at = opt_time(r.get("revoked_at")?);
    let max: Option<u32> = r.get("max_unlock_count")?;
    let used: u32 = r.get("unlock_count")?;
    let starts_at = time(r.get("starts_at")?);
    let ends_at = time(r.get("ends_at")?);
    Ok(GuestLink {
        guest_link_id: uuid(r, "id")?,
        workspace_id: uuid(r, "workspace_id")?,
        issuer_user_identity_id: uuid(r, "issuer_user_identity_id")?,
        issuer_display_name: r.get("issuer_name")?,
        access_method_id: uuid(r, "access_method_id")?,
        acs_entrance_ids: vec![],
        description: r.get("description")?,
        starts_at,
        ends_at,
        time_zone: r.get("time_zone")?,
        max_unlock_count: max,
        unlock_count: used,
        last_unlocked_at: opt_time(r.get("last_unlocked_at")?),
        view_count: r.get("view_count")?,
        last_viewed_at: opt_time(r.get("last_viewed_at")?),
        created_at: time(r.get("created_at")?),
        revoked_at,
        state: state_at(revoked_at.is_some(), max, used, starts_at, ends_at, now),
        url: None,
        webhook_urls: None,
    })
}

fn complete(conn: &Connection, mut l: GuestLink) -> StoreResult<GuestLink> {
    l.acs_entrance_ids = entrance_ids(conn, l.guest_link_id)?;
    Ok(l)
}

pub fn entrance_ids(conn: &Connection, link: Uuid) -> StoreResult<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT acs_entrance_id FROM guest_link_entrances WHERE guest_link_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([link.to_string()], |r| uuid(r, "acs_entrance_id"))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A new link (validated by the API layer) and its secrets.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub issuer: Uuid,
    pub access_method_id: Uuid,
    pub acs_entrance_ids: Vec<Uuid>,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: String,
    pub max_unlock_count: Option<u32>,
}

/// The secrets of a new link: the guest token and one webhook token per entrance.
#[derive(Debug, Clone)]
pub struct LinkSecrets {
    pub token: String,
    pub webhook_tokens: Vec<(Uuid, String)>,
}

pub fn create(
    conn: &Connection,
    ws: Uuid,
    n: &NewLink,
    now: DateTime<Utc>,
) -> StoreResult<(GuestLink, LinkSecrets)> {
    let id = Uuid::now_v7();
    let token = secrets::random_base62(43);
    conn.execute(
        "INSERT INTO guest_links (id, workspace_id, token_hash, issuer_user_identity_id, access_method_id, description,
            starts_at, ends_at, time_zone, max_unlock_count, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id.to_string(),
            ws.to_string(),
            secrets::hash_token(&token),
            n.issuer.to_string(),
            n.access_method_id.to_string(),
            n.description,
            ms(n.starts_at),
            ms(n.ends_at),
            n.time_zone,
            n.max_unlock_count,
            ms(now)
        ],
    )?;
    let mut webhook_tokens = Vec::new();
    for (i, e) in n.acs_entrance_ids.iter().enumerate() {
        let wt = secrets::random_base62(43);
        conn.execute(
            "INSERT INTO guest_link_entrances (guest_link_id, acs_entrance_id, workspace_id, position, webhook_token_hash)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), e.to_string(), ws.to_string(), i as i64, secrets::hash_token(&wt)],
        )?;
        webhook_tokens.push((*e, wt));
    }
    let link = get(conn, ws, id, now)?
        .ok_or_else(|| ApiError::not_found("guest_link", "guest_link_id", id))?;
    Ok((
        link,
        LinkSecrets {
            token,
            webhook_tokens,
        },
    ))
}

pub fn get(
    conn: &Connection,
    ws: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Option<GuestLink>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE l.workspace_id = ?1 AND l.id = ?2"))?;
    match stmt
        .query_row([ws.to_string(), id.to_string()], |r| from_row(r, now))
        .optional()?
    {
        Some(l) => Ok(Some(complete(conn, l)?)),
        None => Ok(None),
    }
}

pub fn list(
    conn: &Connection,
    filter: &Filter,
    limit: u32,
    after: i64,
    now: DateTime<Utc>,
) -> StoreResult<Page<GuestLink>> {
    let page = paged(conn, SELECT, filter, "l.seq", limit, after, |r| {
        Ok((r.get("seq")?, from_row(r, now)?))
    })?;
    let items = page
        .items
        .into_iter()
        .map(|l| complete(conn, l))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The link whose guest token hashes to `hash`, in any workspace (the token is the authority).
pub fn by_token(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<GuestLink>> {
    let hash = secrets::hash_token(token);
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE l.token_hash = ?1"))?;
    match stmt.query_row([hash], |r| from_row(r, now)).optional()? {
        Some(l) => Ok(Some(complete(conn, l)?)),
        None => Ok(None),
    }
}

/// The link and entrance a webhook token belongs to.
pub fn by_webhook_token(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<(GuestLink, Uuid)>> {
    let hash = secrets::hash_token(token);
    let found: Option<(String, String)> = conn
        .prepare_cached("SELECT guest_link_id, acs_entrance_id FROM guest_link_entrances WHERE webhook_token_hash = ?1")?
        .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((link, entrance)) = found else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE l.id = ?1"))?;
    let link = stmt.query_row([link], |r| from_row(r, now)).optional()?;
    match (link, Uuid::parse_str(&entrance)) {
        (Some(l), Ok(e)) => Ok(Some((complete(conn, l)?, e))),
        _ => Ok(None),
    }
}

pub fn revoke(conn: &Connection, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let n = conn.execute(
        "UPDATE guest_links SET revoked_at = ?3 WHERE workspace_id = ?1 AND id = ?2 AND revoked_at IS NULL",
        params![ws.to_string(), id.to_string(), ms(now)],
    )?;
    Ok(n > 0)
}

pub fn record_unlock(conn: &Connection, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached("UPDATE guest_links SET unlock_count = unlock_count + 1, last_unlocked_at = ?2 WHERE id = ?1")?
        .execute(params![id.to_string(), ms(now)])?;
    Ok(())
}

pub fn record_view(conn: &Connection, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE guest_links SET view_count = view_count + 1, last_viewed_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id.to_string(), ms(now)])?;
    Ok(())
}
