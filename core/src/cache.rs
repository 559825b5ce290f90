//! The local cache (SQLite, one file per profile): the last entry list, so apps open instantly and
//! work offline, marked stale with its age until refreshed. No secrets are cached.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;

/// A profile's cache database.
#[derive(Debug, Clone)]
pub struct Cache {
    conn: Arc<Mutex<Connection>>,
}

fn path(dir: &Path, profile: &str) -> PathBuf {
    dir.join(format!("cache-{profile}.sqlite3"))
}

impl Cache {
    pub fn open(dir: &Path, profile: &str) -> Result<Cache> {
        std::fs::create_dir_all(dir)?;
        let conn = Connection::open(path(dir, profile))?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at INTEGER NOT NULL)",
        )?;
        Ok(Cache {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// An in-memory cache (headless use: nothing is written to disk).
    pub fn memory() -> Result<Cache> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch("CREATE TABLE documents (name TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at INTEGER NOT NULL)")?;
        Ok(Cache {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub fn remove(dir: &Path, profile: &str) -> Result<()> {
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", path(dir, profile).display()));
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    pub fn put(&self, name: &str, body: &str, fetched_at: DateTime<Utc>) -> Result<()> {
        let c = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        c.execute(
            "INSERT INTO documents (name, body, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
            params![name, body, fetched_at.timestamp_millis()],
        )?;
        Ok(())
    }

    pub fn get(&self, name: &str) -> Result<Option<(String, DateTime<Utc>)>> {
        let c = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let row: Option<(String, i64)> = c
            .query_row(
                "SELECT body, fetched_at FROM documents WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(b, t)| (b, ajar_protocol::time::from_millis(t))))
    }
}
