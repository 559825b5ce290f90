//! The database schema and its migrations, versioned by `PRAGMA user_version` on SQLite and by
//! the `schema_version` table on PostgreSQL. Migrations are written once, in SQLite's DDL;
//! [`pg_ddl`] translates them for PostgreSQL (64-bit integers, identity keys, triggers), so both
//! schemas have the same tables, columns and constraints. Each migration runs in its own write
//! transaction together with the version bump, so a crash mid-migration leaves the previous
//! version intact (and on PostgreSQL, the write lock keeps two instances from migrating at once).

use super::db::{Connection, Dialect};

use super::{StoreError, StoreResult};

/// Migrations in order; entry `i` moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE workspaces (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    connected_account_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE acs_systems (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX acs_systems_ws ON acs_systems(workspace_id, seq);

CREATE TABLE acs_entrances (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    acs_system_id TEXT NOT NULL REFERENCES acs_systems(id),
    display_name TEXT NOT NULL,
    can_unlock_with_cloud_key INTEGER NOT NULL,
    is_in_lockdown INTEGER NOT NULL DEFAULT 0,
    relock_pulse_ms INTEGER NOT NULL,
    driver TEXT NOT NULL DEFAULT 'simulated',
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX acs_entrances_ws ON acs_entrances(workspace_id, seq);

CREATE TABLE user_identities (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    email_address TEXT,
    full_name TEXT,
    phone_number TEXT,
    user_identity_key TEXT,
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'front_desk', 'admin')),
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX user_identities_ws ON user_identities(workspace_id, seq);
CREATE UNIQUE INDEX user_identities_key ON user_identities(workspace_id, user_identity_key)
    WHERE user_identity_key IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE access_grants (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_identity_id TEXT NOT NULL REFERENCES user_identities(id),
    name TEXT,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER,
    access_grant_key TEXT,
    reservation_key TEXT,
    requested_methods TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX access_grants_ws ON access_grants(workspace_id, seq);
CREATE INDEX access_grants_user ON access_grants(user_identity_id);
CREATE UNIQUE INDEX access_grants_key ON access_grants(workspace_id, access_grant_key)
    WHERE access_grant_key IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE access_grant_entrances (
    access_grant_id TEXT NOT NULL REFERENCES access_grants(id),
    acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(id),
    workspace_id TEXT NOT NULL,
    PRIMARY KEY (access_grant_id, acs_entrance_id)
) WITHOUT ROWID;
CREATE INDEX access_grant_entrances_entrance ON access_grant_entrances(acs_entrance_id);

CREATE TABLE access_methods (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    access_grant_id TEXT NOT NULL REFERENCES access_grants(id),
    mode TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    issued_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX access_methods_grant ON access_methods(access_grant_id);

CREATE TABLE action_attempts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    action_type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'success', 'error')),
    was_confirmed_by_device INTEGER,
    error_type TEXT,
    error_message TEXT,
    access_method_id TEXT,
    acs_entrance_id TEXT,
    user_identity_id TEXT,
    idempotency_key TEXT,
    request_fingerprint TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX action_attempts_ws ON action_attempts(workspace_id, seq);
CREATE UNIQUE INDEX action_attempts_idem ON action_attempts(workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE client_sessions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_identity_id TEXT NOT NULL REFERENCES user_identities(id),
    token_hash TEXT NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    user_identifier_key TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX client_sessions_ws ON client_sessions(workspace_id, seq);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    event_type TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    user_identity_id TEXT,
    acs_entrance_id TEXT,
    acs_system_id TEXT,
    access_grant_id TEXT,
    access_method_id TEXT,
    action_attempt_id TEXT,
    body TEXT NOT NULL
);
CREATE INDEX events_ws ON events(workspace_id, seq);
CREATE INDEX events_user ON events(workspace_id, user_identity_id);
CREATE INDEX events_entrance ON events(workspace_id, acs_entrance_id);
CREATE INDEX events_attempt ON events(action_attempt_id);

-- The audit trail is append-only: the database itself refuses to change or remove an event.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"#,
    r#"
CREATE TABLE guest_links (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    token_hash TEXT NOT NULL UNIQUE,
    issuer_user_identity_id TEXT NOT NULL REFERENCES user_identities(id),
    access_method_id TEXT NOT NULL REFERENCES access_methods(id),
    description TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    max_unlock_count INTEGER,
    unlock_count INTEGER NOT NULL DEFAULT 0,
    last_unlocked_at INTEGER,
    view_count INTEGER NOT NULL DEFAULT 0,
    last_viewed_at INTEGER,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    CHECK (ends_at > starts_at),
    CHECK (max_unlock_count IS NULL OR unlock_count <= max_unlock_count)
);
CREATE INDEX guest_links_ws ON guest_links(workspace_id, seq);
CREATE INDEX guest_links_issuer ON guest_links(workspace_id, issuer_user_identity_id);

CREATE TABLE guest_link_entrances (
    guest_link_id TEXT NOT NULL REFERENCES guest_links(id),
    acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(id),
    workspace_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    webhook_token_hash TEXT NOT NULL UNIQUE,
    PRIMARY KEY (guest_link_id, acs_entrance_id)
) WITHOUT ROWID;
CREATE INDEX guest_link_entrances_entrance ON guest_link_entrances(acs_entrance_id);

ALTER TABLE events ADD COLUMN guest_link_id TEXT;
CREATE INDEX events_guest_link ON events(workspace_id, guest_link_id);
"#,
    // The control center: the Remote Unlock switch on a user's access (on for everyone until an
    // admin turns it off), and cloud keys that cover whole sites.
    r#"
ALTER TABLE user_identities ADD COLUMN remote_unlock_enabled INTEGER NOT NULL DEFAULT 1
    CHECK (remote_unlock_enabled IN (0, 1));

-- Cloud keys for whole sites: doors added to the site later join the grant.
CREATE TABLE access_grant_systems (
    access_grant_id TEXT NOT NULL REFERENCES access_grants(id),
    acs_system_id TEXT NOT NULL REFERENCES acs_systems(id),
    workspace_id TEXT NOT NULL,
    PRIMARY KEY (access_grant_id, acs_system_id)
) WITHOUT ROWID;
CREATE INDEX access_grant_systems_system ON access_grant_systems(acs_system_id);
"#,
    // Door agents (issue 7): enrolled agents, one live agent per site, and their single-use
    // enrollment codes (stored as SHA-256).
    r#"
CREATE TABLE agents (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    acs_system_id TEXT NOT NULL REFERENCES acs_systems(id),
    name TEXT NOT NULL,
    public_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_connected_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX agents_ws ON agents(workspace_id, seq);
CREATE INDEX agents_site ON agents(acs_system_id);
CREATE UNIQUE INDEX agents_one_live_per_site ON agents(acs_system_id) WHERE revoked_at IS NULL;

CREATE TABLE agent_enrollment_codes (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    acs_system_id TEXT NOT NULL REFERENCES acs_systems(id),
    name TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    agent_id TEXT
);
"#,
    // The audit hash chain (see `events::append`); existing rows are chained by
    // `events::backfill_chain` in this migration's transaction.
    r#"
ALTER TABLE events ADD COLUMN prev_hash TEXT;
ALTER TABLE events ADD COLUMN hash TEXT;
"#,
    // Rate limits that must hold across server instances (issue 10): GCRA state (theoretical
    // arrival time, ms) per key, updated in the writer's transaction.
    r#"
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat INTEGER NOT NULL
);
"#,
    // Door-agent state shared by server instances (issue 10, see `store::presence`): which
    // instance's link holds each agent and when it last heard from it, and until when an
    // agent-driven door stays unlocked after a confirmed pulse. Transient: not exported.
    r#"
CREATE TABLE agent_presence (
    agent_id TEXT PRIMARY KEY,
    link TEXT NOT NULL,
    seen_at INTEGER NOT NULL
);
CREATE TABLE agent_door_state (
    acs_entrance_id TEXT PRIMARY KEY,
    unlocked_until INTEGER NOT NULL
);
"#,
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database up to [`latest_version`]; refuses a database from a newer build.
pub fn migrate(conn: &Connection) -> StoreResult<()> {
    migrate_to(conn, latest_version())
}

/// The schema version the database is at.
pub fn current_version(conn: &Connection) -> StoreResult<i64> {
    match conn.dialect() {
        Dialect::Sqlite => Ok(conn.query_row("PRAGMA user_version", (), |r| r.get(0))?),
        Dialect::Postgres => {
            let exists: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = 'schema_version')",
                (),
                |r| r.get(0),
            )?;
            if !exists {
                return Ok(0);
            }
            Ok(conn.query_row(
                "SELECT COALESCE(MAX(version), 0) AS v FROM schema_version",
                (),
                |r| r.get(0),
            )?)
        }
    }
}

fn set_version(conn: &Connection, v: i64) -> StoreResult<()> {
    match conn.dialect() {
        Dialect::Sqlite => conn.execute_batch(&format!("PRAGMA user_version = {v}"))?,
        Dialect::Postgres => {
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);
                 DELETE FROM schema_version;",
            )?;
            conn.execute("INSERT INTO schema_version (version) VALUES (?1)", [v])?;
        }
    }
    Ok(())
}

/// Brings the database up to schema version `target` (at most [`latest_version`]). After each
/// migration's SQL, and in its transaction, events without a chain hash are chained.
pub fn migrate_to(conn: &Connection, target: i64) -> StoreResult<()> {
    let target = target.clamp(0, latest_version());
    loop {
        super::begin_write(conn)?;
        let step = (|| -> StoreResult<Option<(i64, u64)>> {
            // Read under the write lock: another instance may have migrated meanwhile.
            let current = current_version(conn)?;
            if current > latest_version() {
                return Err(StoreError::TooNew {
                    found: current,
                    supported: latest_version(),
                });
            }
            if current >= target {
                return Ok(None);
            }
            let sql = MIGRATIONS[current as usize];
            match conn.dialect() {
                Dialect::Sqlite => conn.execute_batch(sql)?,
                Dialect::Postgres => conn.execute_batch(&pg_ddl(sql))?,
            }
            let chained = super::events::backfill_chain(conn)?;
            set_version(conn, current + 1)?;
            Ok(Some((current + 1, chained)))
        })();
        match step {
            Ok(Some((version, chained))) => {
                conn.execute_batch("COMMIT").inspect_err(|_| {
                    let _ = conn.execute_batch("ROLLBACK");
                })?;
                tracing::info!(version, chained, "database migrated");
            }
            Ok(None) => {
                conn.execute_batch("ROLLBACK")?;
                return Ok(());
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
}

/// Translates a migration from SQLite's DDL to PostgreSQL's: `INTEGER` columns become `BIGINT`
/// (`INTEGER PRIMARY KEY` an identity column), `WITHOUT ROWID` goes, and each
/// `CREATE TRIGGER t BEFORE UPDATE|DELETE ON tbl BEGIN SELECT RAISE(ABORT, 'msg'); END;`
/// becomes a row trigger calling `ajar_refuse('msg')` (plus a TRUNCATE trigger for DELETE).
pub fn pg_ddl(sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(at) = rest.find("CREATE TRIGGER ") {
        out.push_str(&pg_columns(&rest[..at]));
        let after = &rest[at..];
        let end = after.find("END;").map(|e| e + 4).unwrap_or(after.len());
        out.push_str(&pg_trigger(&after[..end]));
        rest = &after[end..];
    }
    out.push_str(&pg_columns(rest));
    out
}

fn pg_columns(sql: &str) -> String {
    let s = sql
        .replace("WITHOUT ROWID", "")
        .replace("INTEGER PRIMARY KEY AUTOINCREMENT", "\u{1}")
        .replace("INTEGER PRIMARY KEY", "\u{1}")
        .replace("INTEGER", "BIGINT");
    s.replace(
        '\u{1}',
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    )
}

fn pg_trigger(sqlite: &str) -> String {
    let words: Vec<&str> = sqlite.split_whitespace().collect();
    // CREATE TRIGGER <name> BEFORE <UPDATE|DELETE> ON <table> BEGIN ...
    let (name, op, table) = (words[2], words[4], words[6]);
    let msg = sqlite
        .split('\'')
        .nth(1)
        .unwrap_or("this table is append-only");
    let mut out = format!(
        "CREATE OR REPLACE FUNCTION ajar_refuse() RETURNS trigger LANGUAGE plpgsql AS
         $ajar$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $ajar$;
         CREATE TRIGGER {name} BEFORE {op} ON {table} FOR EACH ROW EXECUTE FUNCTION ajar_refuse('{msg}');"
    );
    if op == "DELETE" {
        out.push_str(&format!(
            "\nCREATE TRIGGER {name}_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION ajar_refuse('{msg}');"
        ));
    }
    out
}
