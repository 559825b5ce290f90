//! Sharing doors with a guest: the guest link is created on the server; this module turns the
//! answer into a `SharePayload` every shell can hand to its share sheet: the URL, a QR code (SVG
//! and PNG), a short text and subject, `mailto:` and `sms:` URIs, and a Slack message (which it can
//! also post to an incoming webhook).

use ajar_protocol::time::{format_in_zone, format_ts, resolve_in_zone};
use ajar_protocol::{GuestLink, WebhookUrl};
use chrono::{DateTime, Duration, Utc};
use qrcode::{EcLevel, QrCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::error::{CoreError, Result};
use crate::session::Session;

/// When a link is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WindowInput {
    /// From now, for this long.
    For { seconds: i64 },
    /// Civil times in the site's zone (`2026-03-29T09:30`) or RFC 3339 instants; `from` defaults to
    /// now. A civil time in a DST gap is refused; one in a fold must carry its offset.
    Between { from: Option<String>, until: String },
}

/// What to share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRequest {
    /// Door ids or names.
    pub entries: Vec<String>,
    /// What the guest reads on the page; "Guest access" when left empty.
    pub description: String,
    pub window: WindowInput,
    pub max_uses: Option<u32>,
}

/// Everything a share sheet needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharePayload {
    pub link: GuestLink,
    pub url: String,
    pub qr_svg: String,
    pub qr_png: Vec<u8>,
    pub subject: String,
    pub text: String,
    pub mailto: String,
    pub sms: String,
    /// A Slack message body (`{"text", "blocks"}`), for an incoming webhook.
    pub slack_message: Value,
    pub webhook_urls: Vec<WebhookUrl>,
}

/// Resolves a window in `zone`; `now` is the client's clock (the server decides again).
pub fn resolve_window(
    w: &WindowInput,
    zone: &str,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let (from, until) = match w {
        WindowInput::For { seconds } if *seconds > 0 => (now, now + Duration::seconds(*seconds)),
        WindowInput::For { .. } => {
            return Err(CoreError::InvalidInput(
                "the duration must be positive".into(),
            ))
        }
        WindowInput::Between { from, until } => {
            let f = match from {
                Some(f) => resolve_in_zone(f, zone)
                    .map_err(|e| CoreError::InvalidInput(format!("start: {e}")))?,
                None => now,
            };
            let u = resolve_in_zone(until, zone)
                .map_err(|e| CoreError::InvalidInput(format!("end: {e}")))?;
            (f, u)
        }
    };
    if until <= from {
        return Err(CoreError::InvalidInput(
            "the end must be after the start".into(),
        ));
    }
    Ok((from, until))
}

/// Parses `90m`, `2h`, `1d`, `1h30m` into seconds.
pub fn parse_duration(s: &str) -> Result<i64> {
    let bad =
        || CoreError::InvalidInput(format!("{s:?} is not a duration like 30m, 2h, 1d or 1h30m"));
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(bad()),
        };
    }
    if !num.is_empty() || total <= 0 {
        return Err(bad());
    }
    Ok(total)
}

/// The QR code of a URL as SVG (crisp, scalable).
pub fn qr_svg(url: &str) -> Result<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// The QR code of a URL as PNG bytes.
pub fn qr_png(url: &str) -> Result<Vec<u8>> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(320, 320)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| CoreError::Storage(e.to_string()))?;
    Ok(out.into_inner())
}

/// The QR code as text for a terminal (two rows per line, using half blocks).
pub fn qr_text(url: &str) -> Result<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::unicode::Dense1x2>()
        .quiet_zone(true)
        .build())
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Builds the payload for a created link.
pub fn payload(link: GuestLink, door_names: &[String]) -> Result<SharePayload> {
    let url = link.url.clone().ok_or_else(|| CoreError::Server {
        status: 200,
        code: "invalid_response".into(),
        message: "the new link has no URL".into(),
    })?;
    let doors = match door_names {
        [one] => one.clone(),
        many => {
            let (last, rest) = many
                .split_last()
                .map(|(l, r)| (l.clone(), r.join(", ")))
                .unwrap_or_default();
            if rest.is_empty() {
                last
            } else {
                format!("{rest} and {last}")
            }
        }
    };
    let until = format_in_zone(&link.ends_at, &link.time_zone).replace('T', " ");
    let until = until.get(..16).unwrap_or(&until).to_owned();
    let subject = format!("{} shared {doors} with you", link.issuer_display_name);
    let mut text = format!("{subject}, until {until} ({}).", link.time_zone);
    if !link.description.is_empty() {
        text.push_str(&format!(" {}", link.description));
    }
    text.push_str(&format!("\nOpen the link and tap a door: {url}"));
    let slack_message = json!({
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{subject}*\n{}\nValid until {until} ({})", link.description, link.time_zone)}},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open the doors"}, "url": url}]}
        ]
    });
    Ok(SharePayload {
        qr_svg: qr_svg(&url)?,
        qr_png: qr_png(&url)?,
        mailto: format!("mailto:?subject={}&body={}", enc(&subject), enc(&text)),
        sms: format!("sms:?&body={}", enc(&text)),
        webhook_urls: link.webhook_urls.clone().unwrap_or_default(),
        subject,
        text,
        slack_message,
        url,
        link,
    })
}

impl Session {
    /// Creates a guest link and its share payload.
    pub async fn share(&self, req: &ShareRequest) -> Result<SharePayload> {
        if req.entries.is_empty() {
            return Err(CoreError::InvalidInput("pick at least one door".into()));
        }
        let mut doors = Vec::new();
        for r in &req.entries {
            doors.push(self.find_entry(r).await?);
        }
        let zone = doors[0].time_zone.clone();
        if doors.iter().any(|d| d.time_zone != zone) {
            return Err(CoreError::InvalidInput(
                "share doors of one site per link".into(),
            ));
        }
        let (from, until) = resolve_window(&req.window, &zone, Utc::now())?;
        let mut body = json!({
            "acs_entrance_ids": doors.iter().map(|d| d.acs_entrance_id).collect::<Vec<Uuid>>(),
            "description": if req.description.trim().is_empty() { "Guest access" } else { req.description.trim() },
            "starts_at": format_ts(&from),
            "ends_at": format_ts(&until),
        });
        if let Some(n) = req.max_uses {
            body["max_unlock_count"] = json!(n);
        }
        let link: GuestLink = self.call("/guest_links/create", body, "guest_link").await?;
        let names: Vec<String> = doors.iter().map(|d| d.name.clone()).collect();
        payload(link, &names)
    }

    /// Posts the payload's Slack message to an incoming webhook.
    pub async fn post_to_slack(&self, webhook_url: &str, payload: &SharePayload) -> Result<()> {
        if !(webhook_url.starts_with("https://") || webhook_url.starts_with("http://")) {
            return Err(CoreError::InvalidInput(
                "the Slack webhook must be an http(s) URL".into(),
            ));
        }
        let resp = self
            .http()
            .post(webhook_url)
            .json(&payload.slack_message)
            .send()
            .await
            .map_err(|e| CoreError::Network {
                server: webhook_url.to_owned(),
                message: crate::session::net_message(&e),
            })?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(CoreError::Server {
                status: resp.status().as_u16(),
                code: "slack_refused".into(),
                message: resp
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajar_protocol::time::parse_ts;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("2h").expect("2h"), 7200);
        assert_eq!(parse_duration("1h30m").expect("1h30m"), 5400);
        assert_eq!(parse_duration("1d").expect("1d"), 86400);
        for bad in ["", "h", "2", "2x", "0m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_resolve_in_the_site_zone_across_dst() {
        let now = parse_ts("2026-03-28T12:00:00Z").expect("now");
        let (a, b) = resolve_window(
            &WindowInput::Between {
                from: Some("2026-03-29T01:00".into()),
                until: "2026-03-29T04:00".into(),
            },
            "Europe/Berlin",
            now,
        )
        .expect("window");
        assert_eq!((b - a).num_hours(), 2, "spring forward removes an hour");
        assert!(resolve_window(
            &WindowInput::Between {
                from: None,
                until: "2026-03-29T02:30".into()
            },
            "Europe/Berlin",
            now
        )
        .is_err());
        assert!(resolve_window(&WindowInput::For { seconds: 0 }, "UTC", now).is_err());
        assert!(resolve_window(
            &WindowInput::Between {
                from: None,
                until: "2026-03-28T11:00:00Z".into()
            },
            "UTC",
            now
        )
        .is_err());
    }

    #[test]
    fn qr_codes_render() {
        let url = "http://127.0.0.1:8080/g#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
        let svg = qr_svg(url).expect("svg");
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"));
        let png = qr_png(url).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(qr_text(url).expect("text").lines().count() > 10);
    }
}
