//! What must hold after the crashes, read from the database file itself: every acknowledged
//! unlock has its attempt and its `lock.unlocked` event, no idempotency key produced two
//! unlocks, every unlock event has an attempt row, revoked links stay revoked with no unlock
//! after the revoke.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::traffic::{Answer, Log};

/// Counts for the report.
#[derive(Debug, Default)]
pub struct Counts {
    pub acked: usize,
    pub acked_on_retry: usize,
    pub committed_unanswered: usize,
    pub unlock_events: i64,
    pub revokes_acked: usize,
    pub revokes_retried: usize,
}

pub fn check(db: &Path, log: &Log) -> Result<(Counts, Vec<String>), String> {
    let conn = Connection::open(db).map_err(|e| e.to_string())?;
    let mut bad = Vec::new();
    let mut c = Counts::default();
    let q = |sql: &str, id: &str| -> Result<i64, String> {
        conn.query_row(sql, [id], |r| r.get(0))
            .map_err(|e| e.to_string())
    };
    for (u, first, retry) in &log.unlocks {
        let acked = match (first, retry) {
            (Answer::Unlocked(a), _) => {
                c.acked += 1;
                Some(a)
            }
            (Answer::None, Some(Answer::Unlocked(a))) => {
                c.acked_on_retry += 1;
                c.committed_unanswered += 1;
                Some(a)
            }
            (Answer::None, None) => {
                bad.push(format!(
                    "key {} was never answered, not even on retry",
                    u.key
                ));
                None
            }
            _ => None,
        };
        if let Some(a) = acked {
            let events = q(
                "SELECT count(*) FROM events WHERE action_attempt_id = ?1 AND event_type = 'lock.unlocked'",
                a,
            )?;
            let attempts = q(
                "SELECT count(*) FROM action_attempts WHERE id = ?1 AND status = 'success'",
                a,
            )?;
            if events != 1 || attempts != 1 {
                bad.push(format!(
                    "acknowledged unlock {a} (key {}) is not in the audit trail: {events} unlock events, {attempts} attempts",
                    u.key
                ));
            }
        }
    }
    // Unanswered first tries whose retry found the committed attempt (same key, same attempt)
    // are the "committed but never acknowledged" cases the keys exist for.
    let dup: Vec<(String, i64)> = conn
        .prepare(
            "SELECT coalesce(a.idempotency_key, '(none)'), count(*) FROM events e JOIN action_attempts a ON a.id = e.action_attempt_id
             WHERE e.event_type = 'lock.unlocked' GROUP BY a.workspace_id, a.idempotency_key HAVING count(*) > 1 OR a.idempotency_key IS NULL",
        )
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .map_err(|e| e.to_string())?;
    for (k, n) in dup {
        bad.push(format!("idempotency key {k} produced {n} unlocks"));
    }
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM events e WHERE e.event_type = 'lock.unlocked'
             AND NOT EXISTS (SELECT 1 FROM action_attempts a WHERE a.id = e.action_attempt_id)",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    if orphans > 0 {
        bad.push(format!("{orphans} unlock events without an action attempt"));
    }
    c.unlock_events = conn
        .query_row(
            "SELECT count(*) FROM events WHERE event_type = 'lock.unlocked'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    for (link, _, acked) in &log.revokes {
        if *acked {
            c.revokes_acked += 1;
        } else {
            c.revokes_retried += 1;
        }
        let revoked: Option<Option<i64>> = conn
            .query_row(
                "SELECT revoked_at FROM guest_links WHERE id = ?1",
                [link],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| e.to_string())?;
        if !matches!(revoked, Some(Some(_))) {
            bad.push(format!(
                "guest link {link} is not revoked after its revoke (acknowledged: {acked})"
            ));
        }
        let after = q(
            "SELECT count(*) FROM events u WHERE u.guest_link_id = ?1 AND u.event_type = 'lock.unlocked'
             AND u.seq > (SELECT min(r.seq) FROM events r WHERE r.guest_link_id = ?1 AND r.event_type = 'guest_link.revoked')",
            link,
        )?;
        if after > 0 {
            bad.push(format!(
                "{after} unlocks through guest link {link} after it was revoked"
            ));
        }
    }
    Ok((c, bad))
}

/// `PRAGMA integrity_check` and `PRAGMA user_version` of a database file.
pub fn integrity(db: &Path) -> Result<(String, i64), String> {
    let conn = Connection::open(db).map_err(|e| e.to_string())?;
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    Ok((ok, v))
}
