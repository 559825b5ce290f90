//! Offline and online maintenance of a database file, for the `ajar-server` command line:
//! `migrate` (optionally to an older version, for upgrade tests), `audit verify` (integrity
//! check plus the event hash chain) and `backup` (SQLite's online backup API, safe while the
//! server runs and writes). On PostgreSQL, `migrate` and `audit verify` work the same way
//! ([`migrate_postgres`], [`verify_postgres`]); backups are PostgreSQL's own (`pg_dump`).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::db::{self, Dialect};
use super::events::{self, ChainBreak, ChainSummary};
use super::{schema, StoreError, StoreResult};

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `PRAGMA integrity_check` output (`ok` when sound).
    pub integrity: String,
    pub chain: Result<ChainSummary, ChainBreak>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.integrity == "ok" && self.chain.is_ok()
    }
}

fn open_rw(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Migrates the database at `path` to `target` (default: the newest version); returns the
/// version it is at afterwards.
pub fn migrate_file(path: &Path, target: Option<i64>) -> StoreResult<i64> {
    let conn = db::Connection::from_sqlite(open_rw(path)?);
    schema::migrate_to(&conn, target.unwrap_or_else(schema::latest_version))?;
    schema::current_version(&conn)
}

/// Migrates the PostgreSQL database at `url` to `target` (default: the newest version).
pub fn migrate_postgres(url: &str, target: Option<i64>) -> StoreResult<i64> {
    let conn = db::Connection::connect_postgres(url)?;
    schema::migrate_to(&conn, target.unwrap_or_else(schema::latest_version))?;
    schema::current_version(&conn)
}

/// Checks every workspace's event chain in the PostgreSQL database at `url` (PostgreSQL checks
/// its own pages, so there is no integrity check to run here).
pub fn verify_postgres(url: &str) -> StoreResult<Verdict> {
    verify(&db::Connection::connect_postgres(url)?)
}

/// Checks the database at `path` without writing to it: SQLite's integrity check, then every
/// workspace's event chain.
pub fn verify_file(path: &Path) -> StoreResult<Verdict> {
    if !path.is_file() {
        return Err(StoreError::Corrupt(format!(
            "no database at {}",
            path.display()
        )));
    }
    // Read-write so that SQLite can recover the WAL after a crash; nothing is written.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "query_only", "ON")?;
    verify(&db::Connection::from_sqlite(conn))
}

/// [`verify_file`] on an open connection, in one read snapshot.
pub fn verify(conn: &db::Connection) -> StoreResult<Verdict> {
    conn.execute_batch(match conn.dialect() {
        Dialect::Sqlite => "BEGIN",
        Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    })?;
    let out = (|| {
        let integrity = match conn.dialect() {
            Dialect::Sqlite => {
                let mut stmt = conn.prepare("PRAGMA integrity_check")?;
                let lines: Vec<String> = stmt
                    .query_map((), |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                lines.join("; ")
            }
            Dialect::Postgres => "ok".to_owned(),
        };
        let chain = events::verify_chain(conn)?;
        Ok(Verdict { integrity, chain })
    })();
    let _ = conn.execute_batch("COMMIT");
    out
}

/// Copies the live database at `src` to `dest` with SQLite's online backup API. The copy is one
/// consistent snapshot (a single backup step under one read transaction; in WAL mode the
/// server's writer is never blocked), written to a temporary file, checked with [`verify`], and
/// then renamed into place. `dest` must not exist.
pub fn backup_file(src: &Path, dest: &Path) -> StoreResult<Verdict> {
    if !src.is_file() {
        return Err(StoreError::Corrupt(format!(
            "no database at {}",
            src.display()
        )));
    }
    if dest.exists() {
        return Err(StoreError::Corrupt(format!(
            "{} already exists; a backup never overwrites",
            dest.display()
        )));
    }
    let source = Connection::open_with_flags(
        src,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(Duration::from_secs(10))?;
    let partial = dest.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    {
        let mut target = Connection::open(&partial)?;
        {
            let b = rusqlite::backup::Backup::new(&source, &mut target)?;
            // -1: all pages in one step, so the copy is a single snapshot even under writes.
            use rusqlite::backup::StepResult;
            let mut tries = 0;
            loop {
                match b.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More | StepResult::Busy | StepResult::Locked if tries < 500 => {
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    _ => {
                        return Err(StoreError::Corrupt(
                            "the database stayed busy; backup not taken".into(),
                        ))
                    }
                }
            }
        }
        target.pragma_update(None, "journal_mode", "WAL")?;
        let target = db::Connection::from_sqlite(target);
        let verdict = verify(&target)?;
        if !verdict.ok() {
            drop(target);
            let _ = std::fs::remove_file(&partial);
            return Ok(verdict);
        }
        // Fold the WAL into the file so the backup is one self-contained file.
        target.query_row("PRAGMA wal_checkpoint(TRUNCATE)", (), |_| Ok(()))?;
    }
    for ext in ["partial-wal", "partial-shm"] {
        let _ = std::fs::remove_file(dest.with_extension(ext));
    }
    std::fs::rename(&partial, dest)
        .map_err(|e| StoreError::Corrupt(format!("cannot move the backup into place: {e}")))?;
    if let Some(dir) = dest.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    verify_file(dest)
}
