//! Output formatting: plain tables, times in a site's zone, ages, and writing to stdout (where a
//! closed pipe is an error to stop on, not a panic).

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::CliError;

/// Writes text to stdout, followed by a newline.
pub fn line(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

/// Writes a JSON document to stdout, on one line when `compact`, else pretty-printed.
pub fn json<T: Serialize + ?Sized>(value: &T, compact: bool) -> Result<(), CliError> {
    let text = if compact {
        serde_json::to_string(value)
    } else {
        serde_json::to_string_pretty(value)
    }
    .map_err(|e| CliError::Io(std::io::Error::other(e)))?;
    line(&text)
}

/// A note for the human on stderr (never mixed into stdout).
pub fn note(text: &str) {
    eprintln!("ajar: {text}");
}

/// Lays rows out in columns separated by two spaces; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let render = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cols {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = vec![render(header.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| render(r.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

/// `2026-03-29 03:30` in `zone` (the site's IANA zone).
pub fn civil(t: &DateTime<Utc>, zone: &str) -> String {
    let s = ajar_protocol::time::format_in_zone(t, zone).replacen('T', " ", 1);
    s.get(..16).unwrap_or(&s).to_owned()
}

/// A window in the site's zone: `2026-03-29 09:00 – 2026-03-29 18:00`, `until …`, `from …`.
pub fn window(
    start: Option<&DateTime<Utc>>,
    end: Option<&DateTime<Utc>>,
    zone: &str,
    now: DateTime<Utc>,
) -> String {
    match (start.filter(|s| **s > now), end) {
        (Some(s), Some(e)) => format!("{} – {}", civil(s, zone), civil(e, zone)),
        (Some(s), None) => format!("from {}", civil(s, zone)),
        (None, Some(e)) => format!("until {}", civil(e, zone)),
        (None, None) => "open-ended".to_owned(),
    }
}

/// `just now`, `5 min`, `3 h`, `2 days`.
pub fn age(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=172_799 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// The first 8 characters of an id, for compact display.
pub fn short(id: &uuid::Uuid) -> String {
    id.to_string()[..8].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_do_not_pad_the_last_column() {
        let t = table(
            &["A", "LONG"],
            &[vec!["xyz".into(), "1".into()], vec!["é".into(), "".into()]],
        );
        assert_eq!(t, "A    LONG\nxyz  1\né");
    }

    #[test]
    fn times_show_in_the_site_zone() {
        let t = ajar_protocol::time::parse_ts("2026-07-01T07:30:00Z").expect("ts");
        assert_eq!(civil(&t, "Europe/Berlin"), "2026-07-01 09:30");
        let before = ajar_protocol::time::parse_ts("2026-06-01T00:00:00Z").expect("ts");
        assert_eq!(
            window(Some(&t), None, "UTC", before),
            "from 2026-07-01 07:30"
        );
        assert_eq!(
            window(Some(&before), Some(&t), "UTC", t),
            "until 2026-07-01 07:30"
        );
        assert_eq!(age(chrono::Duration::seconds(125)), "2 min ago");
    }
}
