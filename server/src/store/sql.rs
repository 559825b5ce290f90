//! Small SQL helpers shared by the resource modules: column conversions (UUIDs as text,
//! times as milliseconds), a WHERE-clause builder, and opaque page cursors.

use crate::store::db::Row;
use crate::store::db::{ToValue, Value as SqlValue};
use base64::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::ApiError;

pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn time(ms: i64) -> DateTime<Utc> {
    ajar_protocol::time::from_millis(ms)
}

pub fn opt_time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(time)
}

/// Reads a UUID stored as text.
pub fn uuid(row: &Row, idx: &str) -> crate::store::db::Result<Uuid> {
    let s: String = row.get(idx)?;
    Uuid::parse_str(&s).map_err(crate::store::db::Error::conversion)
}

pub fn opt_uuid(row: &Row, idx: &str) -> crate::store::db::Result<Option<Uuid>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| Uuid::parse_str(&s).map_err(crate::store::db::Error::conversion))
        .transpose()
}

/// Builds `WHERE a = ? AND b IN (?, ?)` with its parameters.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    clauses: Vec<String>,
    params: Vec<SqlValue>,
}

impl Filter {
    /// Every filter starts from the workspace.
    pub fn workspace(column: &str, ws: Uuid) -> Self {
        let mut f = Filter::default();
        f.eq(column, ws.to_string());
        f
    }

    pub fn eq(&mut self, column: &str, v: impl Into<SqlValue>) -> &mut Self {
        self.clauses.push(format!("{column} = ?"));
        self.params.push(v.into());
        self
    }

    pub fn raw(&mut self, clause: &str, params: Vec<SqlValue>) -> &mut Self {
        self.clauses.push(clause.to_owned());
        self.params.extend(params);
        self
    }

    pub fn any_of(&mut self, column: &str, vs: Vec<SqlValue>) -> &mut Self {
        if vs.is_empty() {
            self.clauses.push("FALSE".to_owned());
        } else {
            let marks = vec!["?"; vs.len()].join(", ");
            self.clauses.push(format!("{column} IN ({marks})"));
            self.params.extend(vs);
        }
        self
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }

    pub fn params(&self) -> Vec<&dyn ToValue> {
        self.params.iter().map(|p| p as &dyn ToValue).collect()
    }
}

pub fn ids(v: &[Uuid]) -> Vec<SqlValue> {
    v.iter().map(|u| SqlValue::Text(u.to_string())).collect()
}

/// Encodes the position after `seq` as an opaque cursor.
pub fn encode_cursor(seq: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("ajar1:{seq}"))
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    let bad = || ApiError::invalid_field("page_cursor", "Invalid page cursor");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("ajar1:")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(bad)
}

/// One page of a list and the cursor of the next.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Resolves `limit` and `page_cursor` into `(limit, after_seq)`.
pub fn page_args(
    limit: Option<f64>,
    default: u32,
    cursor: Option<&str>,
) -> Result<(u32, i64), ApiError> {
    let limit = match limit {
        None => default,
        Some(l) if l.is_finite() && l >= 1.0 && l.fract() == 0.0 => {
            (l as u64).min(u64::from(default.max(1000))) as u32
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "limit",
                "Expected a positive whole number",
            ))
        }
    };
    let after = match cursor {
        Some(c) if !c.is_empty() => decode_cursor(c)?,
        _ => 0,
    };
    Ok((limit, after))
}

/// [`paged`] over the rows of `filter` that also satisfy `live` (e.g. `deleted_at IS NULL`).
#[allow(clippy::too_many_arguments)]
pub fn paged_live<T>(
    conn: &crate::store::db::Connection,
    select: &str,
    filter: &Filter,
    live: &str,
    seq_col: &str,
    limit: u32,
    after: i64,
    map: impl Fn(&Row) -> crate::store::db::Result<T>,
) -> crate::store::db::Result<Page<T>> {
    let mut f = filter.clone();
    f.raw(live, vec![]);
    paged(conn, select, &f, seq_col, limit, after, |r| {
        Ok((
            r.get(seq_col.rsplit('.').next().unwrap_or(seq_col))?,
            map(r)?,
        ))
    })
}

/// Runs `SELECT <cols> FROM <from> WHERE <filter> AND seq > after ORDER BY seq LIMIT n+1` and
/// turns the extra row into a next-page cursor.
pub fn paged<T>(
    conn: &crate::store::db::Connection,
    select: &str,
    filter: &Filter,
    seq_col: &str,
    limit: u32,
    after: i64,
    map: impl Fn(&Row) -> crate::store::db::Result<(i64, T)>,
) -> crate::store::db::Result<Page<T>> {
    let sql = format!(
        "{select} WHERE {} AND {seq_col} > ? ORDER BY {seq_col} LIMIT ?",
        filter.sql()
    );
    let mut params = filter.params();
    let fetch = i64::from(limit) + 1;
    params.push(&after);
    params.push(&fetch);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params.as_slice(), |r| map(r))?;
    let mut items = Vec::new();
    let mut last_seq = after;
    let mut more = false;
    for row in rows {
        let (seq, item) = row?;
        if items.len() == limit as usize {
            more = true;
            break;
        }
        last_seq = seq;
        items.push(item);
    }
    Ok(Page {
        items,
        next_cursor: more.then(|| encode_cursor(last_seq)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)).expect("cursor"), 42);
        assert!(decode_cursor("not a cursor").is_err());
        assert!(decode_cursor(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("ajar1:-5")
        )
        .is_err());
    }

    #[test]
    fn limit_must_be_a_positive_integer() {
        assert!(page_args(Some(0.0), 500, None).is_err());
        assert!(page_args(Some(1.5), 500, None).is_err());
        assert_eq!(page_args(Some(3.0), 500, None).expect("limit").0, 3);
        assert_eq!(page_args(None, 500, None).expect("limit").0, 500);
    }
}
