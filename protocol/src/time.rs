//! Time on the wire: RFC 3339 UTC timestamps with milliseconds, and half-open `[starts_at, ends_at)`
//! windows used by access grants (and guest links).

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Formats a timestamp the way Seam does: `2026-01-01T00:00:00.000Z`.
pub fn format_ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an RFC 3339 timestamp with any offset and converts it to UTC.
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc))
}

/// Milliseconds since the Unix epoch to a UTC timestamp (saturating at the representable range).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `serde(with = "rfc3339")` for `DateTime<Utc>` fields.
pub mod rfc3339 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_ts(t))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse_ts(&s).map_err(serde::de::Error::custom)
    }
}

/// `serde(with = "rfc3339_opt")` for `Option<DateTime<Utc>>` fields (null when absent).
pub mod rfc3339_opt {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_ts(t)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| parse_ts(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// Where an instant falls relative to a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowPosition {
    NotYetOpen,
    Open,
    Closed,
}

/// A half-open window `[starts_at, ends_at)`; `ends_at: None` never closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    #[serde(with = "rfc3339")]
    pub starts_at: DateTime<Utc>,
    #[serde(with = "rfc3339_opt")]
    pub ends_at: Option<DateTime<Utc>>,
}

/// A window whose end is not after its start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ends_at ({ends_at}) must be after starts_at ({starts_at})")]
pub struct EmptyWindow {
    pub starts_at: String,
    pub ends_at: String,
}

impl TimeWindow {
    /// Builds a window, refusing one that is empty or inverted.
    pub fn new(
        starts_at: DateTime<Utc>,
        ends_at: Option<DateTime<Utc>>,
    ) -> Result<Self, EmptyWindow> {
        match ends_at {
            Some(end) if end <= starts_at => Err(EmptyWindow {
                starts_at: format_ts(&starts_at),
                ends_at: format_ts(&end),
            }),
            _ => Ok(Self { starts_at, ends_at }),
        }
    }

    /// Where `t` falls: before the start, inside, or at/after the end.
    pub fn position(&self, t: DateTime<Utc>) -> WindowPosition {
        if t < self.starts_at {
            WindowPosition::NotYetOpen
        } else if self.ends_at.is_some_and(|end| t >= end) {
            WindowPosition::Closed
        } else {
            WindowPosition::Open
        }
    }

    /// True when `t` is inside `[starts_at, ends_at)`.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.position(t) == WindowPosition::Open
    }

    /// True when `other` lies entirely inside `self`.
    pub fn covers(&self, other: &TimeWindow) -> bool {
        other.starts_at >= self.starts_at
            && match (self.ends_at, other.ends_at) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => b <= a,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_ts(s).expect("valid timestamp")
    }

    #[test]
    fn window_is_half_open() {
        let w = TimeWindow::new(t("2026-01-01T10:00:00Z"), Some(t("2026-01-01T11:00:00Z")))
            .expect("window");
        assert_eq!(
            w.position(t("2026-01-01T09:59:59.999Z")),
            WindowPosition::NotYetOpen
        );
        assert!(w.contains(t("2026-01-01T10:00:00Z")));
        assert!(w.contains(t("2026-01-01T10:59:59.999Z")));
        assert_eq!(
            w.position(t("2026-01-01T11:00:00Z")),
            WindowPosition::Closed
        );
    }

    #[test]
    fn empty_and_inverted_windows_are_refused() {
        assert!(
            TimeWindow::new(t("2026-01-01T10:00:00Z"), Some(t("2026-01-01T10:00:00Z"))).is_err()
        );
        assert!(
            TimeWindow::new(t("2026-01-01T10:00:00Z"), Some(t("2026-01-01T09:00:00Z"))).is_err()
        );
        assert!(TimeWindow::new(t("2026-01-01T10:00:00Z"), None).is_ok());
    }

    #[test]
    fn open_ended_window_never_closes_and_covers() {
        let open = TimeWindow::new(t("2026-01-01T00:00:00Z"), None).expect("window");
        assert!(open.contains(t("2999-01-01T00:00:00Z")));
        let inner = TimeWindow::new(t("2026-02-01T00:00:00Z"), Some(t("2026-03-01T00:00:00Z")))
            .expect("window");
        assert!(open.covers(&inner));
        assert!(!inner.covers(&open));
    }

    #[test]
    fn timestamps_round_trip_in_seam_format() {
        let ts = t("2026-03-29T01:30:00+02:00");
        assert_eq!(format_ts(&ts), "2026-03-28T23:30:00.000Z");
        assert_eq!(from_millis(ts.timestamp_millis()), ts);
    }
}

/// Why a time entered in a site's zone cannot be turned into one instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    #[error("{0:?} is neither RFC 3339 (with offset) nor a local date-time like 2026-03-29T09:30")]
    Unparseable(String),
    #[error("{0:?} is not an IANA time zone")]
    UnknownZone(String),
    #[error("{local} does not exist in {zone}: the clocks jump forward over it (daylight saving time starts)")]
    Nonexistent { local: String, zone: String },
    #[error("{local} happens twice in {zone} (daylight saving time ends): add the offset, {earlier} or {later}")]
    Ambiguous {
        local: String,
        zone: String,
        earlier: String,
        later: String,
    },
}

/// Resolves a time given either as an RFC 3339 instant (with `Z` or an offset) or as a civil
/// date-time without offset, read in `zone` (an IANA name). A civil time in a spring-forward gap
/// is refused, and one in a fall-back fold must carry its offset: nothing is guessed.
pub fn resolve_in_zone(input: &str, zone: &str) -> Result<DateTime<Utc>, LocalTimeError> {
    if let Ok(t) = parse_ts(input) {
        return Ok(t);
    }
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| LocalTimeError::UnknownZone(zone.to_owned()))?;
    let naive = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(input.trim(), f).ok())
    .ok_or_else(|| LocalTimeError::Unparseable(input.to_owned()))?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(LocalTimeError::Nonexistent {
            local: naive.format("%Y-%m-%dT%H:%M").to_string(),
            zone: zone.to_owned(),
        }),
        chrono::LocalResult::Ambiguous(a, b) => Err(LocalTimeError::Ambiguous {
            local: naive.format("%Y-%m-%dT%H:%M").to_string(),
            zone: zone.to_owned(),
            earlier: a.to_rfc3339_opts(SecondsFormat::Secs, false),
            later: b.to_rfc3339_opts(SecondsFormat::Secs, false),
        }),
    }
}

/// Formats an instant as civil time in `zone`, with its offset (`2026-03-29T03:30:00+02:00`).
pub fn format_in_zone(t: &DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => t
            .with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false),
        Err(_) => format_ts(t),
    }
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    #[test]
    fn civil_times_resolve_in_the_site_zone() {
        let t = resolve_in_zone("2026-07-01T09:30", "Europe/Berlin").expect("summer");
        assert_eq!(format_ts(&t), "2026-07-01T07:30:00.000Z");
        let w = resolve_in_zone("2026-01-15T09:30:00", "Europe/Berlin").expect("winter");
        assert_eq!(format_ts(&w), "2026-01-15T08:30:00.000Z");
        // An explicit instant wins over the zone.
        let z = resolve_in_zone("2026-07-01T09:30:00Z", "Europe/Berlin").expect("utc");
        assert_eq!(format_ts(&z), "2026-07-01T09:30:00.000Z");
    }

    #[test]
    fn dst_gap_is_refused_and_fold_needs_an_offset() {
        // Europe/Berlin: 2026-03-29 02:00 -> 03:00; 2026-10-25 03:00 -> 02:00.
        assert!(matches!(
            resolve_in_zone("2026-03-29T02:30", "Europe/Berlin"),
            Err(LocalTimeError::Nonexistent { .. })
        ));
        match resolve_in_zone("2026-10-25T02:30", "Europe/Berlin") {
            Err(LocalTimeError::Ambiguous { earlier, later, .. }) => {
                assert_eq!(earlier, "2026-10-25T02:30:00+02:00");
                assert_eq!(later, "2026-10-25T02:30:00+01:00");
                let first = resolve_in_zone(&earlier, "Europe/Berlin").expect("offset given");
                assert_eq!(format_ts(&first), "2026-10-25T00:30:00.000Z");
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
        // A civil window across spring-forward is one hour shorter in real time.
        let a = resolve_in_zone("2026-03-29T01:00", "Europe/Berlin").expect("a");
        let b = resolve_in_zone("2026-03-29T04:00", "Europe/Berlin").expect("b");
        assert_eq!((b - a).num_hours(), 2);
        assert!(resolve_in_zone("tomorrow", "Europe/Berlin").is_err());
        assert!(resolve_in_zone("2026-03-29T01:00", "Mars/Base").is_err());
    }

    #[test]
    fn instants_format_in_the_zone_with_offset() {
        let t = parse_ts("2026-03-29T01:30:00Z").expect("t");
        assert_eq!(
            format_in_zone(&t, "Europe/Berlin"),
            "2026-03-29T03:30:00+02:00"
        );
    }
}
