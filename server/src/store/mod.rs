//! Storage behind one interface, on either of two backends (see [`db`]):
//!
//! - **SQLite** (the embedded default): one database file (WAL, `synchronous=FULL`, foreign keys
//!   on), read through a small pool of read-only connections.
//! - **PostgreSQL** (`--database postgres://…`): a pool of read connections, each read one
//!   REPEATABLE READ snapshot.
//!
//! On both, writes go through a single writer thread per server that commits queued jobs
//! together (group commit). A job's effects are in its own savepoint, so a job that fails leaves
//! nothing behind, and every job's caller is answered only after COMMIT. On PostgreSQL every
//! write transaction first takes one transaction-scoped advisory lock ([`WRITE_LOCK`]), so the
//! writers of several server instances on one database run one at a time, exactly as SQLite's
//! single writer does: idempotency checks, guest-link counters, sequence order and the events
//! hash chain hold across instances.
//!
//! The SQL lives in one module per resource, written once for both engines; each function takes
//! a [`db::Connection`] and the caller's workspace id, so every query is scoped to one workspace.
pub mod agents;
pub mod attempts;
pub mod cloud_keys;
pub mod db;
pub mod entrances;
pub mod events;
pub mod grants;
pub mod guest_links;
pub mod keys;
pub mod maintenance;
pub mod presence;
pub mod rate_limits;
pub mod schema;
pub mod sessions;
pub mod sites;
pub mod sql;
pub mod transfer;
pub mod users;
pub mod workspaces;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use rusqlite::OpenFlags;

pub use db::{Connection, Dialect};
use tokio::sync::oneshot;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] db::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("database schema version {found} is newer than this server understands ({supported})")]
    TooNew { found: i64, supported: i64 },
    /// A domain error raised inside a transaction; the transaction's effects are rolled back.
    #[error(transparent)]
    Domain(#[from] crate::error::ApiError),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(db::Error::Sqlite(e))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Key of the PostgreSQL advisory lock every write transaction holds (`pg_advisory_xact_lock`):
/// one writer at a time across all server instances on the database ("ajar" in ASCII).
pub const WRITE_LOCK: i64 = 0x616a_6172;

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Backend {
    /// A redacted description for logs (no password).
    pub fn describe(&self) -> String {
        match self {
            Backend::Sqlite(p) => format!("sqlite:{}", p.display()),
            Backend::Postgres(url) => match url.split_once('@') {
                Some((_, host)) => format!("postgres://…@{host}"),
                None => url.clone(),
            },
        }
    }

    fn connect(&self, write: bool) -> StoreResult<Connection> {
        match self {
            Backend::Sqlite(path) if write => open_writer(path),
            Backend::Sqlite(path) => open_reader(path),
            Backend::Postgres(url) => {
                let conn = Connection::connect_postgres(url)?;
                if write {
                    schema::migrate(&conn)?;
                }
                Ok(conn)
            }
        }
    }
}

type Reply = Box<dyn FnOnce(StoreResult<()>) + Send>;
struct Done {
    ok: bool,
    reply: Reply,
}
type Job = Box<dyn FnOnce(&Connection) -> Done + Send>;

/// Most jobs the writer folds into one transaction.
const MAX_BATCH: usize = 128;
/// Most idle read connections kept open. The server's runtime runs at most this many blocking
/// reads at once (`BLOCKING_THREADS`), so under load every read finds a pooled connection
/// instead of opening a new one.
const MAX_IDLE_READERS: usize = 16;

/// Blocking threads the server's runtime should allow: one per pooled read connection.
pub const BLOCKING_THREADS: usize = MAX_IDLE_READERS;

/// Above this WAL size the checkpointer forces a TRUNCATE checkpoint (it waits for the readers
/// of older snapshots), because under non-stop reads a PASSIVE checkpoint never lets the WAL
/// restart and the file grows without bound.
const WAL_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    readers: Mutex<Vec<Connection>>,
    writer_thread: Mutex<Option<thread::JoinHandle<()>>>,
    checkpointer: Mutex<Option<(mpsc::Sender<()>, thread::JoinHandle<()>)>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend.describe())
            .finish()
    }
}

fn configure(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Opens the writer connection: WAL on, migrations applied. Checkpoints are taken off the
/// commit path (a background thread runs them), and the page cache holds the hot indexes.
fn open_writer(path: &Path) -> StoreResult<Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&conn)?;
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    let conn = Connection::from_sqlite(conn);
    schema::migrate(&conn)?;
    Ok(conn)
}

fn open_reader(path: &Path) -> StoreResult<Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    configure(&conn)?;
    // Belt and braces: a read connection can never write, whatever SQL a bug sends it.
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(Connection::from_sqlite(conn))
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and starts the writer thread.
    pub fn open(path: &Path) -> StoreResult<Self> {
        Store::open_backend(Backend::Sqlite(path.to_owned()))
    }

    /// Opens the database (applying migrations) and starts the writer thread. Blocking: call it
    /// off the async threads.
    pub fn open_backend(backend: Backend) -> StoreResult<Self> {
        let conn = backend.connect(true)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let handle = thread::Builder::new()
            .name("ajar-db-writer".into())
            .spawn({
                let backend = backend.clone();
                move || writer_loop(conn, rx, backend)
            })
            .map_err(|e| StoreError::Corrupt(format!("cannot start writer thread: {e}")))?;
        let checkpointer = match &backend {
            Backend::Sqlite(path) => Some(start_checkpointer(path)?),
            Backend::Postgres(_) => None,
        };
        Ok(Store {
            inner: Arc::new(Inner {
                backend,
                writer: Mutex::new(Some(tx)),
                readers: Mutex::new(Vec::new()),
                writer_thread: Mutex::new(Some(handle)),
                checkpointer: Mutex::new(checkpointer),
            }),
        })
    }

    /// Runs `f` on a read-only connection, off the async threads.
    pub async fn read<R, F>(&self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(f))
            .await
            .map_err(|_| StoreError::WriterGone)?
    }

    /// Runs `f` on a read-only connection on the current thread.
    pub fn read_blocking<R, F>(&self, f: F) -> StoreResult<R>
    where
        F: FnOnce(&Connection) -> StoreResult<R>,
    {
        let conn = {
            let mut idle = self.inner.readers.lock().unwrap_or_else(|e| e.into_inner());
            let mut c = idle.pop();
            while c.as_ref().is_some_and(Connection::is_broken) {
                c = idle.pop();
            }
            c
        };
        let conn = match conn {
            Some(c) => c,
            None => self.inner.backend.connect(false)?,
        };
        // A read sees one consistent snapshot of the database.
        conn.execute_batch(match conn.dialect() {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        })?;
        let out = f(&conn);
        let end = conn.execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        if end.is_ok() {
            let mut idle = self.inner.readers.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
        }
        out
    }

    /// Runs `f` in the writer's transaction and answers after it has been committed. If `f`
    /// returns an error, everything it wrote is rolled back.
    pub async fn write<R, F>(&self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.submit(f, move |r| {
            let _ = tx.send(r);
        })?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Blocking variant of [`Store::write`] for command-line tools.
    pub fn write_blocking<R, F>(&self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.submit(f, move |r| {
            let _ = tx.send(r);
        })?;
        rx.recv().map_err(|_| StoreError::WriterGone)?
    }

    fn submit<R, F, S>(&self, f: F, send: S) -> StoreResult<()>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
        S: FnOnce(StoreResult<R>) + Send + 'static,
    {
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |commit| {
                send(match commit {
                    Ok(()) => result,
                    Err(e) => Err(e),
                })
            });
            Done { ok, reply }
        });
        let guard = self.inner.writer.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .ok_or(StoreError::WriterGone)?
            .send(job)
            .map_err(|_| StoreError::WriterGone)
    }

    /// Where the data lives, without secrets (for logs).
    pub fn describe(&self) -> String {
        self.inner.backend.describe()
    }

    /// Which engine the store runs on.
    pub fn dialect(&self) -> Dialect {
        match self.inner.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Stops the writer after the queued jobs are committed.
    pub fn close(&self) {
        self.inner
            .writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(h) = self
            .inner
            .writer_thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = h.join();
        }
        // Then the last checkpoint folds the WAL into the database file.
        let checkpointer = self
            .inner
            .checkpointer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some((stop, h)) = checkpointer {
            let _ = stop.send(());
            let _ = h.join();
        }
    }
}

/// How often the background checkpointer folds committed WAL pages into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Runs checkpoints on their own connection, so commits never wait for one. A PASSIVE
/// checkpoint never blocks readers or the writer; the last one, at close, truncates the WAL.
fn start_checkpointer(path: &Path) -> StoreResult<(mpsc::Sender<()>, thread::JoinHandle<()>)> {
    let conn = rusqlite::Connection::open(path)?;
    configure(&conn)?;
    let wal = {
        let mut p = path.as_os_str().to_owned();
        p.push("-wal");
        PathBuf::from(p)
    };
    let (tx, rx) = mpsc::channel::<()>();
    let handle = thread::Builder::new()
        .name("ajar-db-checkpoint".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(CHECKPOINT_EVERY) {
                let big = std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_LIMIT_BYTES);
                let sql = if big {
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                } else {
                    "PRAGMA wal_checkpoint(PASSIVE)"
                };
                if let Err(e) = conn.query_row(sql, [], |_| Ok(())) {
                    tracing::warn!(error = %e, "checkpoint failed; will retry");
                }
            }
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        })
        .map_err(|e| StoreError::Corrupt(format!("cannot start checkpoint thread: {e}")))?;
    Ok((tx, handle))
}

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Job>, backend: Backend) {
    while let Ok(first) = rx.recv() {
        if conn.is_broken() {
            // PostgreSQL went away (restart, network): reconnect before the next batch. If that
            // fails too, the batch's BEGIN fails and its callers are answered 503.
            match backend.connect(false) {
                Ok(c) => {
                    tracing::warn!("database connection lost; reconnected");
                    conn = c;
                }
                Err(e) => tracing::error!(error = %e, "database connection lost; cannot reconnect"),
            }
        }
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
    }
}

/// Opens a write transaction: SQLite's `BEGIN IMMEDIATE`; on PostgreSQL a transaction holding
/// [`WRITE_LOCK`] until it ends, which serializes the writers of every instance.
pub fn begin_write(conn: &Connection) -> db::Result<()> {
    match conn.dialect() {
        Dialect::Sqlite => conn.execute_batch("BEGIN IMMEDIATE"),
        Dialect::Postgres => {
            conn.execute_batch("BEGIN")?;
            conn.query_row("SELECT pg_advisory_xact_lock(?1)", [WRITE_LOCK], |_| Ok(()))
                .inspect_err(|_| {
                    let _ = conn.execute_batch("ROLLBACK");
                })
        }
    }
}

fn run_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(e) = begin_write(conn) {
        // Jobs never run outside a transaction. Dropping them drops their reply channels, so
        // each caller gets `WriterGone` (answered as 503) and nothing was written.
        tracing::error!(error = %e, "cannot begin write transaction");
        drop(batch);
        return;
    }
    let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
    for job in batch {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            tracing::error!(error = %e, "cannot open savepoint; job dropped unanswered");
            drop(job);
            continue;
        }
        let done = job(conn);
        let end = if done.ok {
            conn.execute_batch("RELEASE job")
        } else {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        if let Err(e) = end {
            tracing::error!(error = %e, "cannot close savepoint");
        }
        replies.push(done.reply);
    }
    #[cfg(feature = "fault-injection")]
    if fault::reply_before_commit() {
        // A deliberately broken build for the crash harness's own test: callers are told
        // "done" while the transaction is still open, so a crash now loses acknowledged work.
        replies.drain(..).for_each(|r| r(Ok(())));
        thread::sleep(std::time::Duration::from_millis(200));
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => replies.into_iter().for_each(|r| r(Ok(()))),
        Err(e) => {
            tracing::error!(error = %e, "commit failed; rolling back the batch");
            let _ = conn.execute_batch("ROLLBACK");
            for r in replies {
                r(Err(StoreError::Corrupt(format!("commit failed: {e}"))));
            }
        }
    }
}

/// Faults a `fault-injection` build can be told to make (environment `AJAR_FAULT`); never
/// compiled into a normal build.
#[cfg(feature = "fault-injection")]
pub mod fault {
    fn named(name: &str) -> bool {
        std::env::var("AJAR_FAULT").is_ok_and(|f| f.split(',').any(|f| f.trim() == name))
    }

    /// `AJAR_FAULT=reply-before-commit`: the writer answers its callers before COMMIT.
    pub fn reply_before_commit() -> bool {
        static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ON.get_or_init(|| named("reply-before-commit"))
    }
}
