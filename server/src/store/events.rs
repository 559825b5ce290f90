//! The audit trail: events are appended, never changed or removed (triggers in the schema refuse
//! UPDATE and DELETE). The indexed columns serve the filters of `events/list`; the full event is
//! kept as JSON. Every event is chained to the previous event of its workspace: `hash` is
//! SHA-256 over a canonical encoding of the row and `prev_hash`, computed by [`append`] (the one
//! way events are written) inside the writer's transaction, and checked by [`verify_chain`].

use std::collections::HashMap;

use crate::store::db::{params, Connection, OptionalExtension};
use ajar_protocol::Event;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::db::Dialect;
use super::sql::{ms, Filter};
use super::{StoreError, StoreResult};

/// `prev_hash` of the first event of a workspace.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The columns an event row is stored with, in the order the chain hash covers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: String,
    pub workspace_id: String,
    pub event_type: String,
    pub occurred_at: i64,
    pub user_identity_id: Option<String>,
    pub acs_entrance_id: Option<String>,
    pub acs_system_id: Option<String>,
    pub access_grant_id: Option<String>,
    pub access_method_id: Option<String>,
    pub action_attempt_id: Option<String>,
    pub guest_link_id: Option<String>,
    pub body: String,
}

impl EventRow {
    fn of(e: &Event) -> StoreResult<Self> {
        let s = |u: Option<Uuid>| u.map(|u| u.to_string());
        Ok(EventRow {
            id: e.event_id.to_string(),
            workspace_id: e.workspace_id.to_string(),
            event_type: e.event_type.clone(),
            occurred_at: ms(e.occurred_at),
            user_identity_id: s(e.user_identity_id),
            acs_entrance_id: s(e.acs_entrance_id),
            acs_system_id: s(e.acs_system_id),
            access_grant_id: s(e.access_grant_id),
            access_method_id: s(e.access_method_id),
            action_attempt_id: s(e.action_attempt_id),
            guest_link_id: s(e.guest_link_id),
            body: serde_json::to_string(e).map_err(|err| StoreError::Corrupt(err.to_string()))?,
        })
    }

    const COLUMNS: &'static str =
        "id, workspace_id, event_type, occurred_at, user_identity_id, acs_entrance_id, \
        acs_system_id, access_grant_id, access_method_id, action_attempt_id, guest_link_id, body";

    fn read(r: &crate::store::db::Row, at: usize) -> crate::store::db::Result<Self> {
        Ok(EventRow {
            id: r.get(at)?,
            workspace_id: r.get(at + 1)?,
            event_type: r.get(at + 2)?,
            occurred_at: r.get(at + 3)?,
            user_identity_id: r.get(at + 4)?,
            acs_entrance_id: r.get(at + 5)?,
            acs_system_id: r.get(at + 6)?,
            access_grant_id: r.get(at + 7)?,
            access_method_id: r.get(at + 8)?,
            action_attempt_id: r.get(at + 9)?,
            guest_link_id: r.get(at + 10)?,
            body: r.get(at + 11)?,
        })
    }

    /// SHA-256 (hex) over `ajar-event-v1`, every column length-prefixed (absent ones marked),
    /// and the previous hash of the chain.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"ajar-event-v1\n");
        let mut field = |v: Option<&str>| match v {
            Some(v) => {
                h.update(format!("{}:", v.len()).as_bytes());
                h.update(v.as_bytes());
                h.update(b"\n");
            }
            None => h.update(b"-\n"),
        };
        let occurred = self.occurred_at.to_string();
        for v in [
            Some(self.id.as_str()),
            Some(self.workspace_id.as_str()),
            Some(self.event_type.as_str()),
            Some(occurred.as_str()),
            self.user_identity_id.as_deref(),
            self.acs_entrance_id.as_deref(),
            self.acs_system_id.as_deref(),
            self.access_grant_id.as_deref(),
            self.access_method_id.as_deref(),
            self.action_attempt_id.as_deref(),
            self.guest_link_id.as_deref(),
            Some(self.body.as_str()),
            Some(prev_hash),
        ] {
            field(v);
        }
        let digest = h.finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Hash of the newest event of `ws` (the genesis value for a workspace without events).
fn chain_head(conn: &Connection, ws: &str) -> StoreResult<String> {
    let head: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT hash FROM events WHERE workspace_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([ws], |r| r.get(0))
        .optional()?;
    match head {
        None => Ok(GENESIS.to_owned()),
        Some(Some(h)) => Ok(h),
        Some(None) => Err(StoreError::Corrupt(format!(
            "the newest event of workspace {ws} has no chain hash"
        ))),
    }
}

/// Appends an event to its workspace's chain. Every event is written through here.
pub fn append(conn: &Connection, e: &Event) -> StoreResult<()> {
    let row = EventRow::of(e)?;
    let prev = chain_head(conn, &row.workspace_id)?;
    let hash = row.chain_hash(&prev);
    insert(conn, &row, &prev, &hash)
}

/// The one INSERT into `events`, with the row's place in its workspace's chain.
fn insert(conn: &Connection, row: &EventRow, prev_hash: &str, hash: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO events (id, workspace_id, event_type, occurred_at, user_identity_id, acs_entrance_id, acs_system_id,
            access_grant_id, access_method_id, action_attempt_id, guest_link_id, body, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        row.id,
        row.workspace_id,
        row.event_type,
        row.occurred_at,
        row.user_identity_id,
        row.acs_entrance_id,
        row.acs_system_id,
        row.access_grant_id,
        row.access_method_id,
        row.action_attempt_id,
        row.guest_link_id,
        row.body,
        prev_hash,
        hash
    ])?;
    Ok(())
}

/// Writes an event moved from another database (`ajar-server import`) with the chain values it
/// had there, after checking that it continues its workspace's chain here: `prev_hash` must be
/// the current head and `hash` must match the row. So an imported trail verifies exactly as
/// the original did, and a tampered export is refused.
pub fn import(conn: &Connection, row: &EventRow, prev_hash: &str, hash: &str) -> StoreResult<()> {
    let head = chain_head(conn, &row.workspace_id)?;
    if prev_hash != head || row.chain_hash(prev_hash) != hash {
        return Err(StoreError::Corrupt(format!(
            "event {} does not continue its workspace's hash chain; nothing was imported",
            row.id
        )));
    }
    insert(conn, row, prev_hash, hash)
}

/// Whether the `events` table has the chain columns (the migration adding them has run).
fn has_chain_columns(conn: &Connection) -> StoreResult<bool> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => {
            "SELECT count(*) FROM pragma_table_info('events') WHERE name IN ('prev_hash', 'hash')"
        }
        Dialect::Postgres => {
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()
             AND table_name = 'events' AND column_name IN ('prev_hash', 'hash')"
        }
    };
    let n: i64 = conn.query_row(sql, (), |r| r.get(0))?;
    Ok(n == 2)
}

/// Fills in the chain of events written before the chain existed, oldest first per workspace.
/// Runs inside the caller's (migration) transaction; the append-only UPDATE trigger is lifted
/// only within that transaction. Returns how many rows were chained.
pub fn backfill_chain(conn: &Connection) -> StoreResult<u64> {
    if !has_chain_columns(conn)? {
        return Ok(0);
    }
    let missing: bool = conn
        .query_row(
            "SELECT 1 FROM events WHERE hash IS NULL LIMIT 1",
            (),
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !missing {
        return Ok(0);
    }
    // SQLite: the trigger is dropped and re-created; PostgreSQL: disabled and re-enabled. Both
    // are transactional, so outside this transaction the trigger never stops guarding.
    let trigger: Option<String> = match conn.dialect() {
        Dialect::Sqlite => {
            let t = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'events_no_update'",
                    (),
                    |r| r.get(0),
                )
                .optional()?;
            conn.execute_batch("DROP TRIGGER IF EXISTS events_no_update")?;
            t
        }
        Dialect::Postgres => {
            conn.execute_batch("ALTER TABLE events DISABLE TRIGGER events_no_update")?;
            None
        }
    };
    let mut heads: HashMap<String, String> = HashMap::new();
    let mut done = 0u64;
    {
        let mut read = conn.prepare(&format!(
            "SELECT seq, hash, {} FROM events ORDER BY seq",
            EventRow::COLUMNS
        ))?;
        let mut update =
            conn.prepare("UPDATE events SET prev_hash = ?1, hash = ?2 WHERE seq = ?3")?;
        let mut rows = read.query(())?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let stored: Option<String> = r.get(1)?;
            let row = EventRow::read(r, 2)?;
            let prev = heads
                .get(&row.workspace_id)
                .cloned()
                .unwrap_or_else(|| GENESIS.to_owned());
            let hash = match stored {
                Some(h) => h,
                None => {
                    let h = row.chain_hash(&prev);
                    update.execute(params![prev, h, seq])?;
                    done += 1;
                    h
                }
            };
            heads.insert(row.workspace_id, hash);
        }
    }
    match conn.dialect() {
        Dialect::Sqlite => conn.execute_batch(trigger.as_deref().unwrap_or(
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events
             BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
        ))?,
        Dialect::Postgres => {
            conn.execute_batch("ALTER TABLE events ENABLE TRIGGER events_no_update")?
        }
    }
    Ok(done)
}

/// The first event whose chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {event_id} (seq {seq}) of workspace {workspace_id}: {what}")]
pub struct ChainBreak {
    pub seq: i64,
    pub event_id: String,
    pub workspace_id: String,
    pub what: String,
}

/// What a verified chain covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainSummary {
    pub events: u64,
    pub workspaces: u64,
}

/// Walks every event in order and checks each workspace's chain: `prev_hash` must be the hash
/// of the workspace's previous event (so a removed or reordered row breaks the next one), and
/// `hash` must match the row's content. Returns the first break.
pub fn verify_chain(conn: &Connection) -> StoreResult<Result<ChainSummary, ChainBreak>> {
    if !has_chain_columns(conn)? {
        return Err(StoreError::Corrupt(
            "the events table has no hash chain (database not migrated)".into(),
        ));
    }
    let mut heads: HashMap<String, String> = HashMap::new();
    let mut n = 0u64;
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, prev_hash, hash, {} FROM events ORDER BY seq",
        EventRow::COLUMNS
    ))?;
    let mut rows = stmt.query(())?;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let prev: Option<String> = r.get(1)?;
        let hash: Option<String> = r.get(2)?;
        let row = EventRow::read(r, 3)?;
        let brk = |what: String| ChainBreak {
            seq,
            event_id: row.id.clone(),
            workspace_id: row.workspace_id.clone(),
            what,
        };
        let expected_prev = heads
            .get(&row.workspace_id)
            .map(String::as_str)
            .unwrap_or(GENESIS);
        let (Some(prev), Some(hash)) = (prev, hash) else {
            return Ok(Err(brk("no chain hash".into())));
        };
        if prev != expected_prev {
            return Ok(Err(brk(format!(
                "prev_hash {prev} is not the hash of the workspace's previous event ({expected_prev}): an event before it was removed, reordered or altered"
            ))));
        }
        let actual = row.chain_hash(&prev);
        if actual != hash {
            return Ok(Err(brk(format!(
                "content does not match its hash (stored {hash}, computed {actual}): the row was altered"
            ))));
        }
        let body: serde_json::Value = serde_json::from_str(&row.body).unwrap_or_default();
        if body["event_id"].as_str() != Some(row.id.as_str())
            || body["workspace_id"].as_str() != Some(row.workspace_id.as_str())
        {
            return Ok(Err(brk(
                "the body names another event or workspace than its row".into(),
            )));
        }
        heads.insert(row.workspace_id, hash);
        n += 1;
    }
    Ok(Ok(ChainSummary {
        events: n,
        workspaces: heads.len() as u64,
    }))
}

fn parse(body: String) -> crate::store::db::Result<Event> {
    serde_json::from_str(&body).map_err(crate::store::db::Error::conversion)
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
