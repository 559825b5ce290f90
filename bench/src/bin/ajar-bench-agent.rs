//! `ajar-bench-agent`: the unlock round trip through a door agent (API → server → signed
//! command over the agent link → `ajar-agent` verifies, records its sequence, pulses the
//! simulated relay → signed ack → recorded → answer) against the same unlock on a door driven by
//! the in-server simulated driver, in the same run. Both are real processes on loopback: a
//! release `ajar-server` and a release `ajar-agent`. One client, requests alternating between the
//! two doors so both see the same conditions. Prints a Markdown report.

#[path = "../server.rs"]
#[allow(dead_code)]
mod server;

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};

const API_KEY: &str = "seam_benchagent_0123456789abcdefghij";

#[derive(Debug, Parser)]
#[command(
    name = "ajar-bench-agent",
    about = "Unlock round trip through ajar-agent vs the in-server simulated driver"
)]
struct Cli {
    /// Unlocks per door (measured), after a warm-up of a tenth of that.
    #[arg(long, default_value_t = 1000)]
    unlocks: usize,
    /// About 5 s for CI: 150 unlocks per door.
    #[arg(long)]
    quick: bool,
    /// Directory for the server's and agent's data (e.g. /dev/shm to take fsync out).
    #[arg(long, value_name = "DIR")]
    data_parent: Option<PathBuf>,
    /// Use target/release binaries as they are (no cargo build).
    #[arg(long)]
    no_build: bool,
}

fn release_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    Ok(exe.parent().ok_or("no dir")?.to_owned())
}

fn build() -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building release ajar-server and ajar-agent…");
    let st = std::process::Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "ajar-server",
            "-p",
            "ajar-agent",
        ])
        .status()
        .map_err(|e| e.to_string())?;
    st.success()
        .then_some(())
        .ok_or_else(|| "cargo build failed".to_owned())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn ok(&self, path: &str, body: Value) -> Result<Value, String> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(API_KEY)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let st = r.status();
        let v: Value = r.json().await.map_err(|e| e.to_string())?;
        if !st.is_success() {
            return Err(format!("{path}: {st} {v}"));
        }
        Ok(v)
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if !cli.no_build {
        build()?;
    }
    let dir = release_dir()?;
    let server_bin = dir.join("ajar-server");
    let agent_bin = dir.join("ajar-agent");
    let n = if cli.quick { 150 } else { cli.unlocks.max(10) };
    let srv = server::Server::start(&server::Launch {
        binary: &server_bin,
        api_key: API_KEY,
        data_parent: cli.data_parent.as_deref(),
        cpus: None,
        args: &[],
    })
    .await?;
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("http://{}", srv.addr),
    };
    let mut doors = vec![];
    for name in ["Simulated", "Agent"] {
        let site = api
            .ok(
                "/acs/systems/create",
                json!({"name": name, "time_zone": "UTC"}),
            )
            .await?;
        let site = site["acs_system"]["acs_system_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let d = api
            .ok(
                "/acs/entrances/create",
                json!({"acs_system_id": site, "display_name": name, "relock_pulse_ms": 200}),
            )
            .await?;
        doors.push((
            site,
            d["acs_entrance"]["acs_entrance_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    let user = api
        .ok("/user_identities/create", json!({"full_name": "Bench"}))
        .await?;
    let user = user["user_identity"]["user_identity_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let g = api
        .ok("/access_grants/create", json!({"user_identity_id": user, "acs_entrance_ids": [doors[0].1, doors[1].1], "requested_access_methods": [{"mode": "cloud_key"}]}))
        .await?;
    let method = g["access_grant"]["access_method_ids"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Enroll and start the agent (simulated relay) for the second site.
    let code = api
        .ok(
            "/agents/enrollment_codes/create",
            json!({"acs_system_id": doors[1].0}),
        )
        .await?;
    let code = code["agent_enrollment_code"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let tmp = match &cli.data_parent {
        Some(p) => tempfile::Builder::new()
            .prefix("ajar-bench-agent-")
            .tempdir_in(p),
        None => tempfile::Builder::new()
            .prefix("ajar-bench-agent-")
            .tempdir(),
    }
    .map_err(|e| e.to_string())?;
    let state = tmp.path().join("state");
    let out = std::process::Command::new(&agent_bin)
        .args([
            "--server",
            &api.base,
            "--enroll",
            &code,
            "--enroll-only",
            "--state-dir",
        ])
        .arg(&state)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", agent_bin.display()))?;
    if !out.status.success() {
        return Err(format!("enroll: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let mut agent = tokio::process::Command::new(&agent_bin)
        .args([
            "--server",
            &api.base,
            "--driver",
            "simulated",
            "--state-dir",
        ])
        .arg(&state)
        .env("AJAR_AGENT_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    loop {
        let e = api
            .ok("/acs/entrances/get", json!({"acs_entrance_id": doors[1].1}))
            .await?;
        if e["acs_entrance"]["ajar_metadata"]["is_online"] == true {
            break;
        }
        if t.elapsed() > Duration::from_secs(20) {
            return Err("the agent did not come online".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let unlock = |door: String| {
        let api = &api;
        let method = method.clone();
        async move {
            let t = Instant::now();
            let v = api
                .ok(
                    "/access_methods/unlock_door",
                    json!({"access_method_id": method, "acs_entrance_id": door}),
                )
                .await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if v["action_attempt"]["result"]["was_confirmed_by_device"] != true {
                return Err(format!("unconfirmed unlock: {v}"));
            }
            Ok::<f64, String>(ms)
        }
    };
    eprintln!("warm-up…");
    for _ in 0..(n / 10).max(5) {
        unlock(doors[0].1.clone()).await?;
        unlock(doors[1].1.clone()).await?;
    }
    eprintln!("measuring {n} unlocks per door, alternating…");
    let (mut sim, mut ag) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        sim.push(unlock(doors[0].1.clone()).await?);
        ag.push(unlock(doors[1].1.clone()).await?);
    }
    let _ = agent.kill().await;
    srv.stop().await?;
    sim.sort_by(f64::total_cmp);
    ag.sort_by(f64::total_cmp);
    let (s50, s99, a50, a99) = (
        pct(&sim, 0.5),
        pct(&sim, 0.99),
        pct(&ag, 0.5),
        pct(&ag, 0.99),
    );
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "## Unlock round trip through the door agent ({} CPUs, data in {})",
        cpus,
        cli.data_parent
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the system temp dir".into())
    );
    println!();
    println!(
        "`cargo run --release -p ajar-bench --bin ajar-bench-agent -- {}`",
        args.join(" ")
    );
    println!();
    println!("| door driver | unlocks | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    println!("| simulated (in server) | {n} | {s50:.2} | {s99:.2} |");
    println!("| ajar-agent (signed command + ack) | {n} | {a50:.2} | {a99:.2} |");
    println!(
        "| **agent adds** | | **{:.2}** | {:.2} |",
        a50 - s50,
        a99 - s99
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ajar-bench-agent: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ajar-bench-agent: {e}");
            ExitCode::FAILURE
        }
    }
}
