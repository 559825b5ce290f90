//! The load generator: N concurrent clients, each on its own keep-alive connection, send one
//! request after another (closed loop) for a fixed time; every answer is checked and every
//! latency kept. Also samples the CPU time the server and the benchmark used during the phase.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use serde::Deserialize;
use tokio::sync::Barrier;

use crate::http::Conn;
use crate::setup::Fixture;
use crate::stats::Summary;

/// What the clients ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `GET /health`: HTTP and routing only, no database.
    Health,
    /// `POST /access_methods/unlock_door`: authentication, authorization and one durable write
    /// transaction per request.
    Unlock,
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Workload::Health => "GET /health",
            Workload::Unlock => "POST unlock_door",
        })
    }
}

/// How to run one phase.
#[derive(Debug, Clone)]
pub struct Phase {
    pub workload: Workload,
    pub clients: usize,
    pub duration: Duration,
    /// Makes the phase's idempotency keys unique across phases.
    pub tag: String,
}

/// What one phase measured.
#[derive(Debug, Clone)]
pub struct PhaseResult {
    pub summary: Summary,
    /// The first few errors, for the report.
    pub error_samples: Vec<String>,
    /// CPU cores the server process used on average over the phase.
    pub server_cores: Option<f64>,
    /// CPU cores the server's database writer thread used on average over the phase (1.00 means
    /// that single thread was never idle).
    pub writer_cores: Option<f64>,
    /// CPU cores the benchmark process used on average over the phase.
    pub bench_cores: Option<f64>,
    /// CPU cores used by everything else on the machine (noise) over the phase.
    pub other_cores: Option<f64>,
}

/// The unlock request bodies, `[user][door]`, serialised once.
#[derive(Debug)]
pub struct Bodies {
    by_user: Vec<Vec<Bytes>>,
    doors: usize,
}

impl Bodies {
    pub fn new(f: &Fixture) -> Self {
        let by_user = (0..f.keys.len())
            .map(|u| {
                (0..f.doors.len())
                    .map(|d| Bytes::from(f.unlock_body(u, d)))
                    .collect()
            })
            .collect();
        Bodies {
            by_user,
            doors: f.doors.len(),
        }
    }

    /// Client `client` keeps to one user's key and walks through the doors.
    fn get(&self, client: usize, seq: u64) -> Bytes {
        let user = &self.by_user[client % self.by_user.len()];
        user[((client as u64 + seq) % self.doors as u64) as usize].clone()
    }
}

#[derive(Deserialize)]
struct HealthAnswer {
    ok: bool,
}

#[derive(Deserialize)]
struct UnlockAnswer {
    ok: bool,
    action_attempt: Attempt,
}

#[derive(Deserialize)]
struct Attempt {
    action_type: String,
    status: String,
}

/// Checks one answer: 200, and the body says the request succeeded.
fn check(workload: Workload, status: StatusCode, body: &[u8]) -> Result<(), String> {
    let bad = || {
        format!(
            "{workload}: {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        )
    };
    if status != StatusCode::OK {
        return Err(bad());
    }
    let good = match workload {
        Workload::Health => serde_json::from_slice::<HealthAnswer>(body).is_ok_and(|a| a.ok),
        Workload::Unlock => serde_json::from_slice::<UnlockAnswer>(body).is_ok_and(|a| {
            a.ok && a.action_attempt.status == "success"
                && a.action_attempt.action_type == "UNLOCK_DOOR"
        }),
    };
    if good {
        Ok(())
    } else {
        Err(bad())
    }
}

struct ClientResult {
    latencies_ns: Vec<u64>,
    errors: u64,
    samples: Vec<String>,
}

const MAX_SAMPLES: usize = 5;

/// The name of the server's single database writer thread (see server/src/store/mod.rs).
const WRITER_THREAD: &str = "ajar-db-writer";

#[allow(clippy::too_many_arguments)]
async fn client(
    id: usize,
    addr: SocketAddr,
    api_key: Arc<str>,
    bodies: Arc<Bodies>,
    phase: Arc<Phase>,
    mut conn: Conn,
    start: Arc<Barrier>,
) -> ClientResult {
    let mut out = ClientResult {
        latencies_ns: Vec::with_capacity(1 << 16),
        errors: 0,
        samples: Vec::new(),
    };
    start.wait().await;
    let deadline = Instant::now() + phase.duration;
    let mut seq = 0u64;
    while Instant::now() < deadline {
        let (method, path, body, idem) = match phase.workload {
            Workload::Health => (Method::GET, "/health", None, None),
            Workload::Unlock => (
                Method::POST,
                "/access_methods/unlock_door",
                Some(bodies.get(id, seq)),
                Some(format!("{}-{id}-{seq}", phase.tag)),
            ),
        };
        seq += 1;
        let t0 = Instant::now();
        let answer = conn.send(method, path, body, idem.as_deref()).await;
        let elapsed = t0.elapsed();
        let failure = match answer {
            Ok((status, bytes)) => check(phase.workload, status, &bytes).err(),
            Err(e) => {
                // The connection is gone: count it, and carry on with a new one.
                match Conn::open(addr, &api_key).await {
                    Ok(c) => conn = c,
                    Err(e2) => {
                        out.errors += 1;
                        out.samples
                            .push(format!("client {id} gave up: {e}; then {e2}"));
                        break;
                    }
                }
                Some(e)
            }
        };
        match failure {
            None => out.latencies_ns.push(elapsed.as_nanos() as u64),
            Some(e) => {
                out.errors += 1;
                if out.samples.len() < MAX_SAMPLES {
                    out.samples.push(e);
                }
            }
        }
    }
    out
}

/// Runs one phase to completion. Connections are opened before the clock starts.
pub async fn run(
    addrs: &[SocketAddr],
    api_key: Arc<str>,
    bodies: Arc<Bodies>,
    phase: Phase,
    server_pid: u32,
) -> Result<PhaseResult, String> {
    let phase = Arc::new(phase);
    let start = Arc::new(Barrier::new(phase.clients + 1));
    let mut tasks = Vec::with_capacity(phase.clients);
    for id in 0..phase.clients {
        let addr = addrs[id % addrs.len()];
        let conn = Conn::open(addr, &api_key).await?;
        tasks.push(tokio::spawn(client(
            id,
            addr,
            api_key.clone(),
            bodies.clone(),
            phase.clone(),
            conn,
            start.clone(),
        )));
    }
    let sample = || {
        (
            cpu::ticks(server_pid),
            cpu::thread_ticks(server_pid, WRITER_THREAD),
            cpu::ticks(std::process::id()),
            cpu::busy_ticks(),
        )
    };
    let cpu0 = sample();
    start.wait().await;
    let t0 = Instant::now();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut samples = Vec::new();
    for t in tasks {
        let r = t.await.map_err(|e| format!("client task failed: {e}"))?;
        latencies.extend_from_slice(&r.latencies_ns);
        errors += r.errors;
        samples.extend(r.samples);
    }
    let elapsed = t0.elapsed();
    let cpu1 = sample();
    samples.truncate(MAX_SAMPLES);
    let cores = |a: Option<u64>, b: Option<u64>| {
        Some(cpu::seconds(b?.checked_sub(a?)?) / elapsed.as_secs_f64())
    };
    Ok(PhaseResult {
        summary: Summary::from_latencies(latencies, errors, elapsed),
        error_samples: samples,
        server_cores: cores(cpu0.0, cpu1.0),
        writer_cores: cores(cpu0.1, cpu1.1),
        bench_cores: cores(cpu0.2, cpu1.2),
        // Everything else the machine did: other processes, and kernel work not charged to
        // either process (e.g. interrupts).
        other_cores: (|| {
            let total = cores(cpu0.3, cpu1.3)?;
            Some((total - cores(cpu0.0, cpu1.0)? - cores(cpu0.2, cpu1.2)?).max(0.0))
        })(),
    })
}

/// CPU time of a process from `/proc/<pid>/stat` (Linux only; `None` elsewhere).
mod cpu {
    use std::sync::OnceLock;

    /// User + system time of `pid` (all its threads), in clock ticks.
    pub fn ticks(pid: u32) -> Option<u64> {
        parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    /// User + system time of the thread of `pid` named `name`, in clock ticks.
    pub fn thread_ticks(pid: u32, name: &str) -> Option<u64> {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .ok()?
            .flatten()
            .find(|t| {
                std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == name)
            })
            .and_then(|t| parse_stat(&std::fs::read_to_string(t.path().join("stat")).ok()?))
    }

    /// Busy time of the whole machine (all CPUs, everything but idle and I/O wait) from the
    /// `cpu` line of `/proc/stat`, in clock ticks.
    pub fn busy_ticks() -> Option<u64> {
        parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    pub fn parse_proc_stat(text: &str) -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with("cpu "))?;
        let v: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        // user nice system idle iowait irq softirq steal [guest guest_nice, already in user].
        let (idle, iowait) = (*v.get(3)?, *v.get(4)?);
        Some(v.iter().take(8).sum::<u64>() - idle - iowait)
    }

    /// utime + stime from the text of a `/proc/.../stat` file.
    pub fn parse_stat(stat: &str) -> Option<u64> {
        // The command name may hold spaces; fields after it are space separated. utime and
        // stime are fields 14 and 15, i.e. the 12th and 13th after the name.
        let rest = &stat[stat.rfind(')')? + 1..];
        let mut f = rest.split_whitespace().skip(11);
        let utime: u64 = f.next()?.parse().ok()?;
        let stime: u64 = f.next()?.parse().ok()?;
        Some(utime + stime)
    }

    /// Clock ticks to seconds (`getconf CLK_TCK`, 100 when unknown).
    pub fn seconds(ticks: u64) -> f64 {
        static HZ: OnceLock<f64> = OnceLock::new();
        let hz = *HZ.get_or_init(|| {
            std::process::Command::new("getconf")
                .arg("CLK_TCK")
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(100.0)
        });
        ticks as f64 / hz
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_cpu_ticks() {
        // A command name with spaces and a parenthesis; utime 1234, stime 56.
        let stat = "4242 (ajar (db) w) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 3 0";
        assert_eq!(cpu::parse_stat(stat), Some(1290));
        assert_eq!(cpu::parse_stat("garbage"), None);
        let proc_stat = "cpu  100 5 50 1000 20 1 2 3 7 0\ncpu0 50 2 25 500 10 0 1 1 0 0\n";
        assert_eq!(cpu::parse_proc_stat(proc_stat), Some(161));
        assert!(cpu::busy_ticks().is_some());
        // This process is always there.
        assert!(cpu::ticks(std::process::id()).is_some());
    }

    #[test]
    fn answers_are_checked() {
        let ok = br#"{"action_attempt":{"action_attempt_id":"x","action_type":"UNLOCK_DOOR","status":"success"},"ok":true}"#;
        assert!(check(Workload::Unlock, StatusCode::OK, ok).is_ok());
        let refused =
            br#"{"action_attempt":{"action_type":"UNLOCK_DOOR","status":"error"},"ok":true}"#;
        assert!(check(Workload::Unlock, StatusCode::OK, refused).is_err());
        assert!(check(Workload::Unlock, StatusCode::SERVICE_UNAVAILABLE, ok).is_err());
        assert!(check(Workload::Unlock, StatusCode::OK, b"not json").is_err());
        assert!(check(
            Workload::Health,
            StatusCode::OK,
            br#"{"ok":true,"status":"ok"}"#
        )
        .is_ok());
        assert!(check(Workload::Health, StatusCode::OK, br#"{"ok":false}"#).is_err());
    }
}
