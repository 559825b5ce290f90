//! Rate limits shared by every server instance on one database: the GCRA state (theoretical
//! arrival time in ms) per key lives in `rate_limits` and is taken inside the writer's
//! transaction, so instances behind a load balancer share one budget. Used on PostgreSQL; a single
//! SQLite instance keeps its limits in memory (`api::guest::Gcra`).

use super::db::{params, Connection, OptionalExtension};
use super::StoreResult;

/// Takes one request's worth for `key` (`burst_ms` of credit, one request per `interval_ms`);
/// false when the key is over its limit (nothing is recorded then).
pub fn take(
    conn: &Connection,
    key: &str,
    now_ms: i64,
    interval_ms: i64,
    burst_ms: i64,
) -> StoreResult<bool> {
    let tat: Option<i64> = conn
        .query_row("SELECT tat FROM rate_limits WHERE key = ?1", [key], |r| {
            r.get("tat")
        })
        .optional()?;
    let tat = tat.unwrap_or(now_ms).max(now_ms);
    if tat - now_ms + interval_ms > burst_ms {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO rate_limits (key, tat) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
        params![key, tat + interval_ms],
    )?;
    Ok(true)
}
