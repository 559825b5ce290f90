//! Moving one workspace between databases (`ajar-server export` / `import`), e.g. from SQLite to
//! PostgreSQL and back: every row of every table that belongs to the workspace, as one JSON
//! document, events with their hash chain. The import writes everything in one transaction and
//! checks the chain as it goes ([`super::events::import`]), so it lands whole or not at all.

use serde_json::{json, Map, Value as Json};
use uuid::Uuid;

use super::db::{Connection, Dialect, Value};
use super::events::EventRow;
use super::{schema, StoreError, StoreResult};
use crate::error::ApiError;

/// The `format` of an export document.
pub const FORMAT: &str = "ajar-workspace-export-v1";

/// Every table, parents before children. An export refuses a database holding a table not named
/// here, so a table added by a later migration is never silently left behind.
pub const TABLES: &[&str] = &[
    "workspaces",
    "api_keys",
    "acs_systems",
    "acs_entrances",
    "user_identities",
    "access_grants",
    "access_grant_entrances",
    "access_grant_systems",
    "access_methods",
    "action_attempts",
    "client_sessions",
    "guest_links",
    "guest_link_entrances",
    "agents",
    "agent_enrollment_codes",
    "events",
];

/// Tables of transient state that belong to no workspace and do not move.
const TRANSIENT: &[&str] = &["rate_limits", "agent_presence", "agent_door_state"];

/// The columns an event row may carry in an export.
const EVENT_COLUMNS: &[&str] = &[
    "seq",
    "id",
    "workspace_id",
    "event_type",
    "occurred_at",
    "user_identity_id",
    "acs_entrance_id",
    "acs_system_id",
    "access_grant_id",
    "access_method_id",
    "action_attempt_id",
    "guest_link_id",
    "body",
    "prev_hash",
    "hash",
];

fn bad(msg: impl Into<String>) -> StoreError {
    StoreError::Corrupt(msg.into())
}

fn owner_column(table: &str) -> &'static str {
    if table == "workspaces" {
        "id"
    } else {
        "workspace_id"
    }
}

fn check_tables(conn: &Connection) -> StoreResult<()> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sqlite_sequence', 'sqlite_stat1')"
        }
        Dialect::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name <> 'schema_version'"
        }
    };
    let names: Vec<String> = conn
        .prepare(sql)?
        .query_map((), |r| r.get("name"))?
        .collect::<Result<_, _>>()?;
    if let Some(unknown) = names
        .iter()
        .find(|n| !TABLES.contains(&n.as_str()) && !TRANSIENT.contains(&n.as_str()))
    {
        return Err(bad(format!(
            "table {unknown} is not known to export; refusing to leave it behind"
        )));
    }
    Ok(())
}

fn to_json(v: &Value) -> StoreResult<Json> {
    Ok(match v {
        Value::Null => Json::Null,
        Value::Integer(i) => json!(i),
        Value::Real(f) => json!(f),
        Value::Text(s) => json!(s),
        Value::Blob(_) => return Err(bad("binary columns cannot be exported")),
    })
}

fn from_json(v: &Json) -> StoreResult<Value> {
    Ok(match v {
        Json::Null => Value::Null,
        Json::String(s) => Value::Text(s.clone()),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or_default()),
        },
        other => return Err(bad(format!("unexpected value {other} in an export"))),
    })
}

/// Every row of workspace `ws`, table by table, in insertion order.
pub fn export(conn: &Connection, ws: Uuid) -> StoreResult<Json> {
    check_tables(conn)?;
    if super::workspaces::list(conn)?.iter().all(|w| w.id != ws) {
        return Err(ApiError::not_found("workspace", "workspace_id", ws).into());
    }
    let mut tables = Map::new();
    for table in TABLES {
        let sql = format!("SELECT * FROM {table} WHERE {} = ?1", owner_column(table));
        let mut rows = conn.prepare(&sql)?.query([ws.to_string()])?;
        let mut out: Vec<(i64, Json)> = Vec::new();
        while let Some(r) = rows.next()? {
            let mut obj = Map::new();
            let mut seq = 0;
            for (c, v) in r.columns().iter().zip(r.values()) {
                if c == "seq" {
                    seq = r.get("seq")?;
                }
                obj.insert(c.clone(), to_json(v)?);
            }
            out.push((seq, Json::Object(obj)));
        }
        out.sort_by_key(|(seq, _)| *seq);
        tables.insert(
            (*table).to_owned(),
            Json::Array(out.into_iter().map(|(_, o)| o).collect()),
        );
    }
    Ok(json!({
        "format": FORMAT,
        "schema_version": schema::current_version(conn)?,
        "workspace_id": ws.to_string(),
        "tables": tables,
    }))
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub workspace_id: Uuid,
    pub rows: u64,
    pub events: u64,
}

fn text(obj: &Map<String, Json>, col: &str) -> StoreResult<String> {
    obj.get(col)
        .and_then(Json::as_str)
        .map(str::to_owned)
        .ok_or_else(|| bad(format!("event without {col}")))
}

fn opt_text(obj: &Map<String, Json>, col: &str) -> Option<String> {
    obj.get(col).and_then(Json::as_str).map(str::to_owned)
}

/// Writes an [`export`] document into this database (call it inside one write transaction). The
/// workspace must not exist here yet; every row must belong to it; schema versions must match.
pub fn import(conn: &Connection, doc: &Json) -> StoreResult<Imported> {
    if doc["format"] != FORMAT {
        return Err(bad(format!("not an {FORMAT} document")));
    }
    let version = schema::current_version(conn)?;
    if doc["schema_version"].as_i64() != Some(version) {
        return Err(bad(format!(
            "the export is of schema version {}, this database is at {version}: migrate both to the same version first",
            doc["schema_version"]
        )));
    }
    check_tables(conn)?;
    let ws: Uuid = doc["workspace_id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| bad("the export names no workspace"))?;
    if super::workspaces::list(conn)?.iter().any(|w| w.id == ws) {
        return Err(ApiError::conflict(
            "workspace_already_exists",
            format!("workspace {ws} already exists in this database; nothing was imported"),
        )
        .into());
    }
    let tables = doc["tables"]
        .as_object()
        .ok_or_else(|| bad("the export has no tables"))?;
    if let Some(unknown) = tables.keys().find(|t| !TABLES.contains(&t.as_str())) {
        return Err(bad(format!("the export has an unknown table {unknown}")));
    }
    let mut done = Imported {
        workspace_id: ws,
        rows: 0,
        events: 0,
    };
    for table in TABLES {
        let rows = match tables.get(*table) {
            Some(Json::Array(rows)) => rows,
            None => continue,
            Some(_) => return Err(bad(format!("table {table} is not a list"))),
        };
        for row in rows {
            let obj = row
                .as_object()
                .ok_or_else(|| bad(format!("a row of {table} is not an object")))?;
            if obj.get(owner_column(table)).and_then(Json::as_str) != Some(&ws.to_string()) {
                return Err(bad(format!(
                    "a row of {table} belongs to another workspace; nothing was imported"
                )));
            }
            if *table == "events" {
                if let Some(c) = obj.keys().find(|c| !EVENT_COLUMNS.contains(&c.as_str())) {
                    return Err(bad(format!("unknown event column {c}")));
                }
                let occurred_at = obj
                    .get("occurred_at")
                    .and_then(Json::as_i64)
                    .ok_or_else(|| bad("event without occurred_at"))?;
                let e = EventRow {
                    id: text(obj, "id")?,
                    workspace_id: text(obj, "workspace_id")?,
                    event_type: text(obj, "event_type")?,
                    occurred_at,
                    user_identity_id: opt_text(obj, "user_identity_id"),
                    acs_entrance_id: opt_text(obj, "acs_entrance_id"),
                    acs_system_id: opt_text(obj, "acs_system_id"),
                    access_grant_id: opt_text(obj, "access_grant_id"),
                    access_method_id: opt_text(obj, "access_method_id"),
                    action_attempt_id: opt_text(obj, "action_attempt_id"),
                    guest_link_id: opt_text(obj, "guest_link_id"),
                    body: text(obj, "body")?,
                };
                super::events::import(conn, &e, &text(obj, "prev_hash")?, &text(obj, "hash")?)?;
                done.events += 1;
                continue;
            }
            // `seq` is the database's own; the rows go in in their original order.
            let cols: Vec<&String> = obj.keys().filter(|c| c.as_str() != "seq").collect();
            if let Some(c) = cols
                .iter()
                .find(|c| c.is_empty() || !c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            {
                return Err(bad(format!("bad column name {c:?} in {table}")));
            }
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                cols.iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                marks.join(", ")
            );
            let values = cols
                .iter()
                .map(|c| from_json(&obj[c.as_str()]))
                .collect::<StoreResult<Vec<Value>>>()?;
            conn.execute(&sql, values)?;
            done.rows += 1;
        }
    }
    Ok(done)
}
