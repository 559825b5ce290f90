//! The one SQL interface the resource modules use, over either backend: an embedded SQLite
//! connection (rusqlite) or a PostgreSQL connection (the sync `postgres` client). Queries are
//! written once, in the portable subset both engines share, with SQLite-style placeholders
//! (`?1`, `?`); [`to_pg`] rewrites the few dialect differences for PostgreSQL (placeholders,
//! `INSERT OR IGNORE`, case-insensitive `LIKE`, `json_extract`). Values and rows are our own
//! ([`Value`], [`Row`] read by column name or index), so no module depends on either driver.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use postgres::types::{IsNull, ToSql as PgToSql, Type};

/// Which engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A column or parameter value. Integers are 64-bit in both engines (`INTEGER` in SQLite,
/// `BIGINT` in PostgreSQL); booleans are stored as 0/1.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Errors of a query.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("query returned no rows")]
    NoRows,
    #[error("no column {0}")]
    NoColumn(String),
    #[error("cannot convert a stored value: {0}")]
    Conversion(Box<dyn std::error::Error + Send + Sync>),
}

fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

impl Error {
    /// Whether the database could not be reached (a PostgreSQL connection that closed, or a
    /// server shutting down / restarting): nothing was written, and a retry may succeed.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Postgres(e) => {
                e.is_closed()
                    || e.code().is_some_and(|c| {
                        let c = c.code();
                        c.starts_with("08") || c.starts_with("57P")
                    })
            }
            _ => false,
        }
    }

    /// A stored value that does not parse as what it should be.
    pub fn conversion(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Conversion(e.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// `query_row(..).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Something that can be bound as a parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Integer(*self)
    }
}
impl ToValue for i32 {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl ToValue for u32 {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Integer(i64::from(b))
    }
}

/// Something a column value can be read as.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self>;
}

fn mismatch<T>(want: &str, v: &Value) -> Result<T> {
    Err(Error::conversion(format!("expected {want}, found {v:?}")))
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(v.clone())
    }
}
impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Integer(i) => Ok(*i),
            _ => mismatch("an integer", v),
        }
    }
}
impl FromValue for i32 {
    fn from_value(v: &Value) -> Result<Self> {
        i32::try_from(i64::from_value(v)?).map_err(Error::conversion)
    }
}
impl FromValue for u32 {
    fn from_value(v: &Value) -> Result<Self> {
        u32::try_from(i64::from_value(v)?).map_err(Error::conversion)
    }
}
impl FromValue for u64 {
    fn from_value(v: &Value) -> Result<Self> {
        u64::try_from(i64::from_value(v)?).map_err(Error::conversion)
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(i64::from_value(v)? != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Integer(i) => Ok(*i as f64),
            _ => mismatch("a number", v),
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            _ => mismatch("text", v),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            _ => mismatch("bytes", v),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A column position or name.
pub trait RowIndex {
    fn index(&self, cols: &[String]) -> Result<usize>;
}
impl RowIndex for usize {
    fn index(&self, cols: &[String]) -> Result<usize> {
        if *self < cols.len() {
            Ok(*self)
        } else {
            Err(Error::NoColumn(self.to_string()))
        }
    }
}
impl RowIndex for &str {
    fn index(&self, cols: &[String]) -> Result<usize> {
        cols.iter()
            .position(|c| c == self)
            .ok_or_else(|| Error::NoColumn((*self).to_owned()))
    }
}

/// One result row, read by column name or position.
#[derive(Debug, Clone)]
pub struct Row {
    cols: Arc<[String]>,
    vals: Vec<Value>,
}

impl Row {
    /// Column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.cols
    }

    /// Column values, in order.
    pub fn values(&self) -> &[Value] {
        &self.vals
    }

    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let i = idx.index(&self.cols)?;
        T::from_value(&self.vals[i]).map_err(|e| match e {
            Error::Conversion(c) => Error::conversion(format!("column {}: {c}", self.cols[i])),
            e => e,
        })
    }
}

/// The rows of a query, in order.
#[derive(Debug)]
pub struct Rows {
    rows: std::vec::IntoIter<Row>,
    current: Option<Row>,
}

impl Rows {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<&Row>> {
        self.current = self.rows.next();
        Ok(self.current.as_ref())
    }
}

/// Parameters of a statement: `()`, an array of values, or `params![..]`.
pub trait Params {
    fn values(self) -> Vec<Value>;
}
impl Params for () {
    fn values(self) -> Vec<Value> {
        Vec::new()
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}
impl Params for &[&dyn ToValue] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl Params for &[Value] {
    fn values(self) -> Vec<Value> {
        self.to_vec()
    }
}
impl Params for Vec<Value> {
    fn values(self) -> Vec<Value> {
        self
    }
}

/// `params![a, b, c]`: a parameter list of mixed types.
#[macro_export]
macro_rules! db_params {
    ($($x:expr),* $(,)?) => {
        &[$(&$x as &dyn $crate::store::db::ToValue),*] as &[&dyn $crate::store::db::ToValue]
    };
}
pub use crate::db_params as params;

/// A connection to either engine.
pub struct Connection {
    kind: Kind,
}

enum Kind {
    Sqlite(rusqlite::Connection),
    Postgres(Box<RefCell<PgConn>>),
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("dialect", &self.dialect())
            .finish()
    }
}

struct PgConn {
    client: Option<postgres::Client>,
    /// Prepared statements by their portable SQL.
    cache: HashMap<String, postgres::Statement>,
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // The sync client blocks on its own runtime when it closes, which must not happen on
        // an async worker thread: there, it is closed on a thread of its own.
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::Builder::new()
                    .name("ajar-pg-close".into())
                    .spawn(move || drop(client));
            }
        }
    }
}

impl PgConn {
    fn client(&mut self) -> &mut postgres::Client {
        self.client.as_mut().expect("client present until drop")
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.cache.get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.client().prepare(&to_pg(sql))?;
        if self.cache.len() >= 512 {
            self.cache.clear();
        }
        self.cache.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

impl Connection {
    pub fn from_sqlite(c: rusqlite::Connection) -> Self {
        c.set_prepared_statement_cache_capacity(128);
        Connection {
            kind: Kind::Sqlite(c),
        }
    }

    /// Connects to PostgreSQL at `url` (`postgres://user@host:port/db`), without TLS: the
    /// database is expected on loopback or a private network.
    pub fn connect_postgres(url: &str) -> Result<Self> {
        let client = postgres::Client::connect(url, postgres::NoTls)?;
        Ok(Connection {
            kind: Kind::Postgres(Box::new(RefCell::new(PgConn {
                client: Some(client),
                cache: HashMap::new(),
            }))),
        })
    }

    pub fn dialect(&self) -> Dialect {
        match self.kind {
            Kind::Sqlite(_) => Dialect::Sqlite,
            Kind::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Whether the connection is gone (a PostgreSQL server that closed it); SQLite: never.
    pub fn is_broken(&self) -> bool {
        match &self.kind {
            Kind::Sqlite(_) => false,
            Kind::Postgres(p) => p.borrow().client.as_ref().is_none_or(|c| c.is_closed()),
        }
    }

    /// The SQLite connection, for the SQLite-only maintenance paths (pragmas, backup).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.kind {
            Kind::Sqlite(c) => Some(c),
            Kind::Postgres(_) => None,
        }
    }

    /// Runs one or more statements without parameters (not rewritten for PostgreSQL).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.kind {
            Kind::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Kind::Postgres(p) => Ok(p.borrow_mut().client().batch_execute(sql)?),
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.exec(sql, true, params.values())
    }

    pub fn query_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        let rows = self.query_rows(sql, true, params.values(), Some(1))?;
        rows.first().map(f).unwrap_or(Err(Error::NoRows))
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
            cached: false,
        })
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
            cached: true,
        })
    }

    fn exec(&self, sql: &str, cached: bool, params: Vec<Value>) -> Result<usize> {
        match &self.kind {
            Kind::Sqlite(c) => {
                let p = rusqlite::params_from_iter(params.iter());
                Ok(if cached {
                    c.prepare_cached(sql)?.execute(p)?
                } else {
                    c.prepare(sql)?.execute(p)?
                })
            }
            Kind::Postgres(p) => {
                let mut pg = p.borrow_mut();
                let stmt = pg.statement(sql)?;
                let refs: Vec<&(dyn PgToSql + Sync)> =
                    params.iter().map(|v| v as &(dyn PgToSql + Sync)).collect();
                Ok(pg.client().execute(&stmt, &refs)? as usize)
            }
        }
    }

    fn query_rows(
        &self,
        sql: &str,
        cached: bool,
        params: Vec<Value>,
        max: Option<usize>,
    ) -> Result<Vec<Row>> {
        let max = max.unwrap_or(usize::MAX);
        match &self.kind {
            Kind::Sqlite(c) => {
                let p = rusqlite::params_from_iter(params.iter());
                if cached {
                    let mut st = c.prepare_cached(sql)?;
                    sqlite_rows(&mut st, p, max)
                } else {
                    sqlite_rows(&mut c.prepare(sql)?, p, max)
                }
            }
            Kind::Postgres(p) => {
                let mut pg = p.borrow_mut();
                let stmt = pg.statement(sql)?;
                let refs: Vec<&(dyn PgToSql + Sync)> =
                    params.iter().map(|v| v as &(dyn PgToSql + Sync)).collect();
                let cols: Arc<[String]> =
                    stmt.columns().iter().map(|c| c.name().to_owned()).collect();
                let rows = pg.client().query(&stmt, &refs)?;
                rows.iter()
                    .take(max)
                    .map(|r| {
                        let vals = (0..cols.len())
                            .map(|i| r.try_get::<_, PgAny>(i).map(|a| a.0))
                            .collect::<std::result::Result<Vec<_>, _>>()?;
                        Ok(Row {
                            cols: cols.clone(),
                            vals,
                        })
                    })
                    .collect()
            }
        }
    }
}

fn sqlite_rows<P: rusqlite::Params>(
    stmt: &mut rusqlite::Statement<'_>,
    params: P,
    max: usize,
) -> Result<Vec<Row>> {
    let cols: Arc<[String]> = stmt.column_names().map(str::to_owned).collect();
    let n = cols.len();
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while out.len() < max {
        let Some(r) = rows.next()? else { break };
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            vals.push(match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(i) => Value::Integer(i),
                rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                rusqlite::types::ValueRef::Text(t) => {
                    Value::Text(String::from_utf8_lossy(t).into_owned())
                }
                rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        out.push(Row {
            cols: cols.clone(),
            vals,
        });
    }
    Ok(out)
}

/// A statement on a connection (prepared, and cached when asked, on first use).
#[derive(Debug)]
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
    cached: bool,
}

impl Statement<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.conn.exec(&self.sql, self.cached, params.values())
    }

    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows> {
        let rows = self
            .conn
            .query_rows(&self.sql, self.cached, params.values(), None)?;
        Ok(Rows {
            rows: rows.into_iter(),
            current: None,
        })
    }

    pub fn query_map<T, P: Params, F: FnMut(&Row) -> Result<T>>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let rows = self
            .conn
            .query_rows(&self.sql, self.cached, params.values(), None)?;
        Ok(rows.iter().map(&mut f).collect::<Vec<_>>().into_iter())
    }

    pub fn query_row<T, P: Params>(
        &mut self,
        params: P,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        let rows = self
            .conn
            .query_rows(&self.sql, self.cached, params.values(), Some(1))?;
        rows.first().map(f).unwrap_or(Err(Error::NoRows))
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl PgToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                _ => i.to_string().as_str().to_sql(ty, out),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::FLOAT8 => f.to_sql(ty, out),
                _ => f.to_string().as_str().to_sql(ty, out),
            },
            Value::Text(s) => match *ty {
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => s.parse::<i32>()?.to_sql(ty, out),
                _ => s.as_str().to_sql(ty, out),
            },
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// Any PostgreSQL column value, read into a [`Value`].
struct PgAny(Value);

impl<'a> postgres::types::FromSql<'a> for PgAny {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(PgAny(match *ty {
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Integer(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Value::Integer(i64::from(i16::from_sql(ty, raw)?)),
            Type::OID => Value::Integer(i64::from(u32::from_sql(ty, raw)?)),
            Type::BOOL => Value::Integer(i64::from(bool::from_sql(ty, raw)?)),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::BYTEA => Value::Blob(raw.to_vec()),
            Type::JSONB => Value::Text(String::from_utf8(raw.get(1..).unwrap_or(&[]).to_vec())?),
            _ => Value::Text(String::from_utf8(raw.to_vec())?),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(PgAny(Value::Null))
    }

    fn accepts(ty: &Type) -> bool {
        // Text-like types arrive as UTF-8 bytes; NUMERIC and others would need their own
        // decoding, so queries cast them (e.g. `CAST(sum(x) AS BIGINT)`).
        !matches!(
            *ty,
            Type::NUMERIC | Type::TIMESTAMP | Type::TIMESTAMPTZ | Type::UUID
        )
    }
}

/// Rewrites portable (SQLite-style) SQL for PostgreSQL: `?N` and `?` placeholders become `$N`,
/// `INSERT OR IGNORE` becomes `INSERT .. ON CONFLICT DO NOTHING`, `LIKE` becomes `ILIKE`
/// (SQLite's `LIKE` ignores ASCII case) and `json_extract(col, '$.a.b')` becomes
/// `(col::jsonb #>> '{a,b}')`. String literals are left alone.
pub fn to_pg(sql: &str) -> String {
    let mut s = sql.to_owned();
    let mut ignore = false;
    if let Some(rest) = s.trim_start().strip_prefix("INSERT OR IGNORE INTO") {
        s = format!("INSERT INTO{rest}");
        ignore = true;
    }
    while let Some(at) = s.find("json_extract(") {
        let Some(close) = s[at..].find(')').map(|c| at + c) else {
            break;
        };
        let args = &s[at + "json_extract(".len()..close];
        let (col, path) = args.split_once(',').unwrap_or((args, "'$'"));
        let path = path.trim().trim_matches('\'');
        let keys = path.trim_start_matches('$').trim_start_matches('.');
        let keys = keys.replace('.', ",");
        let replacement = format!("({}::jsonb #>> '{{{keys}}}')", col.trim());
        s.replace_range(at..=close, &replacement);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    let mut in_str = false;
    let mut next = 0usize;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word == "LIKE" {
            out.push_str("ILIKE");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            if c == '\'' {
                in_str = false;
            }
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        match c {
            '\'' => {
                in_str = true;
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    next += 1;
                    digits = next.to_string();
                }
                out.push('$');
                out.push_str(&digits);
            }
            c => out.push(c),
        }
    }
    flush(&mut word, &mut out);
    if ignore {
        out.push_str(" ON CONFLICT DO NOTHING");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_portable_sql_for_postgres() {
        assert_eq!(
            to_pg("SELECT a FROM t WHERE x = ?1 AND y = ?2 AND z = ?1"),
            "SELECT a FROM t WHERE x = $1 AND y = $2 AND z = $1"
        );
        assert_eq!(
            to_pg("SELECT a FROM t WHERE x IN (?, ?) AND s > ? LIMIT ?"),
            "SELECT a FROM t WHERE x IN ($1, $2) AND s > $3 LIMIT $4"
        );
        assert_eq!(
            to_pg("INSERT OR IGNORE INTO t (a) VALUES (?1)"),
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            to_pg("SELECT 1 WHERE name LIKE ? ESCAPE '\\' AND n = 'LIKE ?'"),
            "SELECT 1 WHERE name ILIKE $1 ESCAPE '\\' AND n = 'LIKE ?'"
        );
        assert_eq!(
            to_pg("SELECT 1 WHERE json_extract(body, '$.object_type') = ?"),
            "SELECT 1 WHERE (body::jsonb #>> '{object_type}') = $1"
        );
    }
}
