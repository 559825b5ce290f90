//! Where door agents are connected and which agent-driven doors stand open, shared by every
//! server instance on one database: `agent_presence` (the link holding each agent, and when it
//! last heard from it) and `agent_door_state` (until when a door is unlocked after a confirmed
//! pulse). Written at connect, at most twice per heartbeat period per agent, at disconnect and
//! with a confirmed unlock's result; read by `agents/*` and `acs/entrances/*`, which never write.
//! A presence row not refreshed for [`STALE_AFTER_BEATS`] heartbeats (its instance was killed)
//! counts as offline. Used on PostgreSQL; a single SQLite instance answers from its own memory
//! (`agents::Hub`), so these tables stay empty there.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::db::{params, Connection, Value};
use super::sql::{ids as sql_ids, ms, time, uuid, Filter};
use super::StoreResult;

/// Heartbeat periods without a refresh after which a presence row no longer counts.
pub const STALE_AFTER_BEATS: i64 = 3;

/// The oldest `seen_at` that still counts as online at `now`.
pub fn fresh_since(now: DateTime<Utc>, heartbeat_ms: u32) -> DateTime<Utc> {
    now - chrono::Duration::milliseconds(STALE_AFTER_BEATS * i64::from(heartbeat_ms))
}

/// Records that `link` (an instance's connection) holds `agent_id` and heard from it at `now`.
pub fn seen(conn: &Connection, agent_id: Uuid, link: &str, now: DateTime<Utc>) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO agent_presence (agent_id, link, seen_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (agent_id) DO UPDATE SET link = excluded.link, seen_at = excluded.seen_at",
        params![agent_id.to_string(), link, ms(now)],
    )?;
    Ok(())
}

/// Forgets the agent's presence if `link` still holds it (a newer link elsewhere stays).
pub fn gone(conn: &Connection, agent_id: Uuid, link: &str) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM agent_presence WHERE agent_id = ?1 AND link = ?2",
        params![agent_id.to_string(), link],
    )?;
    Ok(())
}

/// Forgets every agent held by `instance` (it is shutting down cleanly).
pub fn gone_instance(conn: &Connection, instance: Uuid) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM agent_presence WHERE link LIKE ?1",
        [format!("{instance}:%")],
    )?;
    Ok(())
}

/// The ids (column `id` of `select`) among `ids` in `column`, under `since_clause` (one `?`,
/// bound to `since`): the one shape of every presence read, on the shared [`Filter`].
fn matching(
    conn: &Connection,
    select: &str,
    since_clause: &str,
    since: DateTime<Utc>,
    column: &str,
    ids: &[Uuid],
) -> StoreResult<Vec<(Uuid, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filter::default();
    f.raw(since_clause, vec![Value::Integer(ms(since))])
        .any_of(column, sql_ids(ids));
    let mut stmt = conn.prepare(&format!("{select} WHERE {}", f.sql()))?;
    let rows = stmt.query_map(f.params().as_slice(), |r| {
        Ok((uuid(r, "id")?, r.get::<_, i64>("at")?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which of `agents` (unrevoked) some instance heard from since `since`.
pub fn online_agents(
    conn: &Connection,
    agents: &[Uuid],
    since: DateTime<Utc>,
) -> StoreResult<HashSet<Uuid>> {
    let found = matching(
        conn,
        "SELECT p.agent_id AS id, p.seen_at AS at FROM agent_presence p JOIN agents a ON a.id = p.agent_id",
        "a.revoked_at IS NULL AND p.seen_at >= ?",
        since,
        "p.agent_id",
        agents,
    )?;
    Ok(found.into_iter().map(|(id, _)| id).collect())
}

/// Which of `sites` have their live agent connected to some instance, heard from since `since`.
pub fn online_sites(
    conn: &Connection,
    sites: &[Uuid],
    since: DateTime<Utc>,
) -> StoreResult<HashSet<Uuid>> {
    let found = matching(
        conn,
        "SELECT a.acs_system_id AS id, p.seen_at AS at FROM agent_presence p JOIN agents a ON a.id = p.agent_id",
        "a.revoked_at IS NULL AND p.seen_at >= ?",
        since,
        "a.acs_system_id",
        sites,
    )?;
    Ok(found.into_iter().map(|(id, _)| id).collect())
}

/// Records that an agent confirmed a pulse keeping `entrance` unlocked until `until` (a later
/// time already recorded stays).
pub fn opened(conn: &Connection, entrance: Uuid, until: DateTime<Utc>) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO agent_door_state (acs_entrance_id, unlocked_until) VALUES (?1, ?2)
         ON CONFLICT (acs_entrance_id) DO UPDATE SET unlocked_until =
           CASE WHEN excluded.unlocked_until > agent_door_state.unlocked_until
                THEN excluded.unlocked_until ELSE agent_door_state.unlocked_until END",
        params![entrance.to_string(), ms(until)],
    )?;
    Ok(())
}

/// Until when each of `entrances` that is unlocked at `now` stays unlocked.
pub fn unlocked_until(
    conn: &Connection,
    entrances: &[Uuid],
    now: DateTime<Utc>,
) -> StoreResult<HashMap<Uuid, DateTime<Utc>>> {
    let found = matching(
        conn,
        "SELECT acs_entrance_id AS id, unlocked_until AS at FROM agent_door_state",
        "unlocked_until > ?",
        now,
        "acs_entrance_id",
        entrances,
    )?;
    Ok(found.into_iter().map(|(id, at)| (id, time(at))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_goes_stale_after_three_heartbeats_and_only_its_own_link_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let c = super::super::Backend::Sqlite(dir.path().join("p.sqlite3"))
            .connect(true)
            .unwrap();
        let t0 = ajar_protocol::time::from_millis(1_800_000_000_000);
        let ws = super::super::workspaces::create(&c, "W", t0).unwrap().id;
        let site = super::super::sites::create(&c, ws, "S", "UTC", t0)
            .unwrap()
            .acs_system_id;
        let agent = Uuid::now_v7();
        c.execute(
            "INSERT INTO agents (id, workspace_id, acs_system_id, name, public_key, created_at)
             VALUES (?1, ?2, ?3, 'a', 'k', ?4)",
            params![agent.to_string(), ws.to_string(), site.to_string(), ms(t0)],
        )
        .unwrap();
        let hb = 10_000;
        let at = |ms_later: i64| t0 + chrono::Duration::milliseconds(ms_later);
        let online = |now| online_agents(&c, &[agent], fresh_since(now, hb)).unwrap();
        assert!(online(t0).is_empty(), "never seen");

        seen(&c, agent, "A:1", t0).unwrap();
        assert!(online(at(29_999)).contains(&agent));
        assert!(online_sites(&c, &[site], fresh_since(at(29_999), hb))
            .unwrap()
            .contains(&site));
        assert!(online(at(30_001)).is_empty(), "stale after 3 beats");
        assert!(online_sites(&c, &[site], fresh_since(at(30_001), hb))
            .unwrap()
            .is_empty());

        // The agent moved to instance B; A's late disconnect must not erase B's row.
        seen(&c, agent, "B:7", at(1000)).unwrap();
        gone(&c, agent, "A:1").unwrap();
        assert!(online(at(2000)).contains(&agent));
        gone(&c, agent, "B:7").unwrap();
        assert!(online(at(2000)).is_empty());
        // A clean shutdown of B forgets B's agents, not another instance's.
        let (ia, ib) = (Uuid::now_v7(), Uuid::now_v7());
        seen(&c, agent, &format!("{ia}:1"), at(2000)).unwrap();
        gone_instance(&c, ib).unwrap();
        assert!(online(at(2001)).contains(&agent));
        gone_instance(&c, ia).unwrap();
        assert!(online(at(2001)).is_empty());

        // A revoked agent is never online.
        seen(&c, agent, "B:8", at(3000)).unwrap();
        c.execute(
            "UPDATE agents SET revoked_at = ?1 WHERE id = ?2",
            params![ms(at(3000)), agent.to_string()],
        )
        .unwrap();
        assert!(online(at(3001)).is_empty());

        // Doors: the later opening wins, and an opening in the past is no opening.
        let door = Uuid::now_v7();
        opened(&c, door, at(5000)).unwrap();
        opened(&c, door, at(4000)).unwrap();
        assert_eq!(
            unlocked_until(&c, &[door], at(100)).unwrap()[&door],
            at(5000)
        );
        assert!(unlocked_until(&c, &[door], at(5000)).unwrap().is_empty());
    }
}
