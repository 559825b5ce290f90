//! `ajar-bench --flood`: legitimate guest unlocks under a flood of bad tokens. While L clients
//! unlock doors through real guest links (`POST /g/api/unlock`, one durable transaction each), F
//! flood clients send bad API keys (`POST /access_methods/unlock_door`, answered 401) and
//! well-formed but unknown guest tokens (`POST /g/api/unlock`, answered 404, or 429 once the
//! per-IP limiter trips). Reports the legitimate p50/p99, the rate of bad-token requests the
//! server answered, and the server's RSS sampled over the run (flat memory = no unbounded
//! limiter or cache state). `--minutes N` makes it a soak run.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Bytes;
use hyper::Method;
use serde_json::{json, Value};

use crate::http::Conn;
use crate::machine::Facts;
use crate::report::{ms, thousands};
use crate::stats::Summary;

/// Pass/fail figures of security.md §3.4 for this run.
const LEGIT_P99_MS: f64 = 100.0;
const FLOOD_PER_S: f64 = 10_000.0;
const RSS_GROWTH: f64 = 0.10;

/// How the flood run is shaped.
#[derive(Debug, Clone)]
pub struct FloodOpts {
    pub legit_clients: usize,
    pub flood_clients: usize,
    pub links: usize,
    pub duration: Duration,
    pub warmup: Duration,
    pub sample_every: Duration,
}

/// What one flood run measured.
#[derive(Debug)]
pub struct FloodResult {
    pub legit: Summary,
    pub legit_errors: Vec<String>,
    pub bad_answered: u64,
    pub bad_per_s: f64,
    pub by_status: Vec<(u16, u64)>,
    pub bad_unexpected: u64,
    pub bad_samples: Vec<String>,
    /// (seconds since start, RSS in KiB)
    pub rss: Vec<(f64, u64)>,
    pub elapsed: Duration,
}

impl FloodResult {
    /// RSS growth: mean of the last quarter of samples over the mean of the first quarter.
    pub fn rss_growth(&self) -> Option<f64> {
        if self.rss.len() < 4 {
            return None;
        }
        let q = self.rss.len() / 4;
        let mean =
            |s: &[(f64, u64)]| s.iter().map(|(_, k)| *k as f64).sum::<f64>() / s.len() as f64;
        let first = mean(&self.rss[..q]);
        let last = mean(&self.rss[self.rss.len() - q..]);
        Some((last - first) / first)
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// A small xorshift generator for well-formed random tokens (no `rand` dependency).
struct Xs(u64);
impl Xs {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn token(&mut self) -> String {
        const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..43)
            .map(|_| A[(self.next() % 62) as usize] as char)
            .collect()
    }
}

fn str_at(v: &Value, p: &str) -> Result<String, String> {
    v.pointer(p)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no {p} in {v}"))
}

/// Creates a door, a member with a cloud key and `links` guest links; returns
/// (door id, guest tokens).
async fn setup(
    addr: SocketAddr,
    api_key: &str,
    links: usize,
) -> Result<(String, Vec<String>), String> {
    let mut c = Conn::open(addr, api_key).await?;
    let sys = c
        .post_json(
            "/acs/systems/create",
            &json!({"name": "Flood site", "time_zone": "UTC"}),
        )
        .await?;
    let sys = str_at(&sys, "/acs_system/acs_system_id")?;
    let door = c
        .post_json(
            "/acs/entrances/create",
            &json!({"acs_system_id": sys, "display_name": "Front door"}),
        )
        .await?;
    let door = str_at(&door, "/acs_entrance/acs_entrance_id")?;
    let user = c
        .post_json("/user_identities/create", &json!({"full_name": "Host"}))
        .await?;
    let user = str_at(&user, "/user_identity/user_identity_id")?;
    c.post_json(
        "/access_grants/create",
        &json!({"user_identity_id": user, "acs_entrance_ids": [door], "requested_access_methods": [{"mode": "cloud_key"}]}),
    )
    .await?;
    // A week from now: within any server's --guest-link-max-days.
    let ends = unix_to_rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs()
            + 7 * 86_400,
    );
    let mut tokens = Vec::with_capacity(links);
    for i in 0..links {
        let l = c
            .post_json(
                "/guest_links/create",
                &json!({"user_identity_id": user, "acs_entrance_ids": [door], "description": format!("Guest {i}"), "ends_at": ends}),
            )
            .await?;
        let url = str_at(&l, "/guest_link/url")?;
        let token = url
            .split_once("/g#")
            .map(|(_, t)| t.to_owned())
            .ok_or_else(|| format!("no fragment in {url}"))?;
        tokens.push(token);
    }
    Ok((door, tokens))
}

/// Seconds since the epoch as an RFC 3339 UTC timestamp (civil-from-days, no chrono needed).
fn unix_to_rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[derive(Debug, Default)]
struct Counters {
    s401: AtomicU64,
    s404: AtomicU64,
    s429: AtomicU64,
    other: AtomicU64,
}

/// Runs the flood benchmark against a started server.
pub async fn run(
    addr: SocketAddr,
    api_key: &str,
    server_pid: u32,
    o: &FloodOpts,
) -> Result<FloodResult, String> {
    eprintln!("flood: creating {} guest links", o.links);
    let (door, tokens) = setup(addr, api_key, o.links).await?;
    let tokens = Arc::new(tokens);
    let door: Arc<str> = door.into();
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let counters = Arc::new(Counters::default());
    // The legitimate clients run on their own thread and runtime, so their latency is the
    // server's, not the time spent queued behind flood tasks in this process.
    let legit = {
        let (tokens, door, stop, measuring) = (
            tokens.clone(),
            door.clone(),
            stop.clone(),
            measuring.clone(),
        );
        let n = o.legit_clients;
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let handles: Vec<_> = (0..n)
                    .map(|c| {
                        tokio::spawn(legit_client(
                            addr,
                            c,
                            tokens.clone(),
                            door.clone(),
                            stop.clone(),
                            measuring.clone(),
                        ))
                    })
                    .collect();
                let mut lat = Vec::new();
                let mut errors = Vec::new();
                for h in handles {
                    let (l, e) = h.await.map_err(|e| e.to_string())??;
                    lat.extend(l);
                    errors.extend(e);
                }
                Ok::<_, String>((lat, errors))
            })
        })
    };
    let mut flood = Vec::new();
    for c in 0..o.flood_clients {
        let (stop, measuring, counters) = (stop.clone(), measuring.clone(), counters.clone());
        flood.push(tokio::spawn(async move {
            let bad_key = format!("seam_bad{c:04}_0123456789abcdefghijklmnopq");
            let mut conn = Conn::open(addr, &bad_key).await?;
            let mut rng = Xs(0x9E37_79B9_7F4A_7C15 ^ (c as u64 + 1));
            let unlock = Bytes::from(
                json!({"access_method_id": "0190a000-0000-7000-8000-000000000001", "acs_entrance_id": "0190a000-0000-7000-8000-000000000002"}).to_string(),
            );
            let mut samples = Vec::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let key_turn = n.is_multiple_of(2);
                let r = if key_turn {
                    conn.send(Method::POST, "/access_methods/unlock_door", Some(unlock.clone()), None)
                        .await
                } else {
                    let body = json!({"token": rng.token(), "acs_entrance_id": "0190a000-0000-7000-8000-000000000002"}).to_string();
                    conn.send(Method::POST, "/g/api/unlock", Some(Bytes::from(body)), None)
                        .await
                };
                let counting = measuring.load(Ordering::Relaxed);
                match &r {
                    Ok((st, _)) if counting => {
                        let slot = match (key_turn, st.as_u16()) {
                            (true, 401) => &counters.s401,
                            (false, 404) => &counters.s404,
                            (false, 429) => &counters.s429,
                            _ => &counters.other,
                        };
                        slot.fetch_add(1, Ordering::Relaxed);
                        if std::ptr::eq(slot, &counters.other) && samples.len() < 5 {
                            samples.push(format!("{st}"));
                        }
                    }
                    Err(e) if counting => {
                        counters.other.fetch_add(1, Ordering::Relaxed);
                        if samples.len() < 5 {
                            samples.push(e.clone());
                        }
                    }
                    _ => {}
                }
                if r.is_err() {
                    conn = Conn::open(addr, &bad_key).await?;
                }
            }
            Ok::<_, String>(samples)
        }));
    }
    eprintln!(
        "flood: warm-up {:?}, then {:?} measured ({} legit guest clients, {} flood clients)",
        o.warmup, o.duration, o.legit_clients, o.flood_clients
    );
    tokio::time::sleep(o.warmup).await;
    measuring.store(true, Ordering::Relaxed);
    let start = Instant::now();
    let mut rss = Vec::new();
    let mut next_report = Duration::from_secs(60);
    while start.elapsed() < o.duration {
        if let Some(k) = rss_kib(server_pid) {
            rss.push((start.elapsed().as_secs_f64(), k));
        }
        if start.elapsed() >= next_report {
            eprintln!(
                "flood: {:.0} s, server RSS {} KiB",
                start.elapsed().as_secs_f64(),
                rss.last().map_or(0, |r| r.1)
            );
            next_report += Duration::from_secs(60);
        }
        let left = o.duration.saturating_sub(start.elapsed());
        tokio::time::sleep(o.sample_every.min(left).max(Duration::from_millis(1))).await;
    }
    measuring.store(false, Ordering::Relaxed);
    let elapsed = start.elapsed();
    if let Some(k) = rss_kib(server_pid) {
        rss.push((elapsed.as_secs_f64(), k));
    }
    stop.store(true, Ordering::Relaxed);
    let (lat, mut legit_errors) = legit
        .join()
        .map_err(|_| "the legitimate clients' thread panicked".to_owned())??;
    let mut bad_samples = Vec::new();
    for t in flood {
        bad_samples.extend(t.await.map_err(|e| e.to_string())??);
    }
    let legit_error_count = legit_errors.len() as u64;
    legit_errors.truncate(5);
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let by_status = vec![
        (401, get(&counters.s401)),
        (404, get(&counters.s404)),
        (429, get(&counters.s429)),
    ];
    let bad_answered: u64 = by_status.iter().map(|(_, n)| n).sum();
    Ok(FloodResult {
        legit: Summary::from_latencies(lat, legit_error_count, elapsed),
        legit_errors,
        bad_answered,
        bad_per_s: bad_answered as f64 / elapsed.as_secs_f64(),
        by_status,
        bad_unexpected: get(&counters.other),
        bad_samples,
        rss,
        elapsed,
    })
}

/// One legitimate guest client: unlocks through the links in turn, timing each answer.
async fn legit_client(
    addr: SocketAddr,
    c: usize,
    tokens: Arc<Vec<String>>,
    door: Arc<str>,
    stop: Arc<AtomicBool>,
    measuring: Arc<AtomicBool>,
) -> Result<(Vec<u64>, Vec<String>), String> {
    const SUCCESS: &[u8] = b"\"status\":\"success\"";
    let mut conn = Conn::open(addr, "guest").await?;
    let mut lat = Vec::new();
    let mut errors = Vec::new();
    let mut i = c;
    while !stop.load(Ordering::Relaxed) {
        let body =
            json!({"token": tokens[i % tokens.len()], "acs_entrance_id": &*door}).to_string();
        i += o_step(tokens.len());
        let t = Instant::now();
        let r = conn
            .send(Method::POST, "/g/api/unlock", Some(Bytes::from(body)), None)
            .await;
        let took = t.elapsed();
        let good = matches!(&r, Ok((st, b)) if st.as_u16() == 200 && b.windows(SUCCESS.len()).any(|w| w == SUCCESS));
        let broken = r.is_err();
        if measuring.load(Ordering::Relaxed) {
            if good {
                lat.push(took.as_nanos() as u64);
            } else {
                errors.push(match r {
                    Ok((st, b)) => format!("{st}: {}", String::from_utf8_lossy(&b)),
                    Err(e) => e,
                });
            }
        }
        if broken {
            conn = Conn::open(addr, "guest").await?;
        }
    }
    Ok((lat, errors))
}

/// Stride through the links so concurrent clients rarely share one.
fn o_step(links: usize) -> usize {
    if links > 7 {
        7
    } else {
        1
    }
}

/// Whether the run meets the §3.4 figures: (legit p99, flood rate, RSS growth).
pub fn verdicts(r: &FloodResult) -> Vec<(String, bool)> {
    let mut v = vec![
        (
            format!(
                "legitimate guest unlock p99 {} ms ≤ {LEGIT_P99_MS} ms",
                ms(r.legit.p99_ms)
            ),
            r.legit.p99_ms <= LEGIT_P99_MS,
        ),
        (
            format!(
                "bad-token requests answered {} /s ≥ {}/s",
                thousands(r.bad_per_s),
                thousands(FLOOD_PER_S)
            ),
            r.bad_per_s >= FLOOD_PER_S,
        ),
    ];
    if r.elapsed < Duration::from_secs(60) {
        v.push((
            "server RSS growth: not judged (run shorter than a minute; use --minutes)".into(),
            true,
        ));
    } else if let Some(g) = r.rss_growth() {
        v.push((
            format!(
                "server RSS growth {:+.1}% (last quarter vs first quarter of the run) ≤ {:.0}%",
                g * 100.0,
                RSS_GROWTH * 100.0
            ),
            g <= RSS_GROWTH,
        ));
    }
    v
}

/// The Markdown report of a flood run.
pub fn markdown(r: &FloodResult, f: &Facts, o: &FloodOpts, command: &str) -> String {
    let mut s = String::new();
    s.push_str("## Guest unlocks under a bad-token flood\n\n");
    s.push_str(&format!(
        "- Date: {} · machine: {} CPUs, {} · {} · kernel {} · memory {}\n- Server: {} · commit {}\n- Command: `{command}`\n",
        f.date, f.cpus, f.cpu_model, f.os, f.kernel, f.memory, f.server_binary, f.commit
    ));
    s.push_str(&format!(
        "- Setup: {} legitimate guest clients over {} guest links (one durable unlock transaction each, `synchronous=FULL`) and {} flood clients alternating a bad API key (`POST /access_methods/unlock_door`) and an unknown well-formed guest token (`POST /g/api/unlock`), all keep-alive HTTP/1.1 on 127.0.0.1 sharing the CPUs with the server; per-link guest limits raised for the run (`--guest-unlock-burst`/`--guest-unlocks-per-minute`), the per-IP unknown-token limiter left on; {:.0} s warm-up, {:.1} s measured; server RSS sampled every {:.0} s\n\n",
        o.legit_clients,
        o.links,
        o.flood_clients,
        o.warmup.as_secs_f64(),
        r.elapsed.as_secs_f64(),
        o.sample_every.as_secs_f64()
    ));
    s.push_str("| Figure | Value |\n|---|---|\n");
    s.push_str(&format!(
        "| Legitimate guest unlocks | {} req/s ({} ok, {} failed) |\n| Legitimate p50 / p99 / max | {} / {} / {} ms |\n",
        thousands(r.legit.req_per_s),
        r.legit.ok,
        r.legit.errors,
        ms(r.legit.p50_ms),
        ms(r.legit.p99_ms),
        ms(r.legit.max_ms)
    ));
    s.push_str(&format!(
        "| Bad-token requests answered | {} req/s ({} in all: {}) |\n| Bad-token answers other than 401/404/429 | {} |\n",
        thousands(r.bad_per_s),
        r.bad_answered,
        r.by_status
            .iter()
            .map(|(st, n)| format!("{st}: {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        r.bad_unexpected
    ));
    if let (Some(first), Some(last)) = (r.rss.first(), r.rss.last()) {
        let max = r.rss.iter().map(|x| x.1).max().unwrap_or(0);
        s.push_str(&format!(
            "| Server RSS first / max / last | {} / {} / {} MiB ({} samples) |\n",
            first.1 / 1024,
            max / 1024,
            last.1 / 1024,
            r.rss.len()
        ));
    }
    s.push_str("\nChecks (security.md §3.4):\n\n");
    for (what, ok) in verdicts(r) {
        s.push_str(&format!("- {} {what}\n", if ok { "PASS" } else { "MISS" }));
    }
    for e in &r.legit_errors {
        s.push_str(&format!("- legit error sample: {e}\n"));
    }
    for e in &r.bad_samples {
        s.push_str(&format!("- unexpected flood answer: {e}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_from_unix_seconds() {
        assert_eq!(unix_to_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_to_rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn growth_compares_the_last_quarter_with_the_first() {
        let mk = |v: &[u64]| FloodResult {
            legit: Summary::from_latencies(vec![1], 0, Duration::from_secs(1)),
            legit_errors: vec![],
            bad_answered: 0,
            bad_per_s: 0.0,
            by_status: vec![],
            bad_unexpected: 0,
            bad_samples: vec![],
            rss: v.iter().enumerate().map(|(i, k)| (i as f64, *k)).collect(),
            elapsed: Duration::from_secs(1),
        };
        assert_eq!(mk(&[100, 100, 100, 100]).rss_growth(), Some(0.0));
        let g = mk(&[100, 100, 110, 120, 130, 150, 150, 150])
            .rss_growth()
            .unwrap_or(0.0);
        assert!((g - 0.5).abs() < 1e-9, "{g}");
        assert_eq!(mk(&[1, 2]).rss_growth(), None);
    }
}
