//! `ajar-crash`: the crash-safety harness. Runs unlock and guest-link traffic (with
//! Idempotency-Keys) and guest-link revokes against the real `ajar-server`, kills it with
//! SIGKILL at random moments, checks the crashed database (`ajar-server audit verify`:
//! integrity check and event hash chain), restarts it on the same data directory, retries every
//! unanswered request with the same key, and at the end checks that nothing acknowledged was
//! lost or doubled. A second phase kills `ajar-server migrate` mid-migration of an old-version
//! database. Exits 1 when any promise was broken.

mod checks;
mod server;
mod traffic;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;

use crate::server::Binary;
use crate::traffic::{Answer, Log, Rng};

#[derive(Debug, Parser)]
#[command(name = "ajar-crash", about = "Kill -9 harness for ajar-server")]
struct Cli {
    /// Kill/restart cycles under traffic.
    #[arg(long, default_value_t = 20)]
    cycles: u32,
    /// Kills during a schema migration (each on a fresh copy of an old-version database).
    #[arg(long, default_value_t = 5)]
    migration_kills: u32,
    /// Events in the old-version database the migration must chain.
    #[arg(long, default_value_t = 60_000)]
    migration_events: u32,
    /// Concurrent unlock clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Shortest and longest traffic time before a kill, in milliseconds.
    #[arg(long, default_value_t = 300)]
    min_ms: u64,
    #[arg(long, default_value_t = 1500)]
    max_ms: u64,
    /// Random seed (default: from the clock); printed so a run can be replayed.
    #[arg(long)]
    seed: Option<u64>,
    /// The ajar-server binary [default: next to this executable].
    #[arg(long)]
    server: Option<PathBuf>,
    /// Extra environment for the server, KEY=VALUE (e.g. AJAR_FAULT=reply-before-commit for a
    /// fault-injection build).
    #[arg(long = "server-env", value_name = "KEY=VALUE")]
    server_env: Vec<String>,
    /// Keep the data directory (printed) instead of deleting it.
    #[arg(long)]
    keep: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    match rt.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ajar-crash: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<bool, String> {
    let seed = cli.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let mut rng = Rng::new(seed);
    let tmp = tempfile::Builder::new()
        .prefix("ajar-crash-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let root = if cli.keep {
        tmp.keep()
    } else {
        tmp.path().to_owned()
    };
    let mut env = Vec::new();
    for kv in &cli.server_env {
        let (k, v) = kv.split_once('=').ok_or("--server-env wants KEY=VALUE")?;
        env.push((k.to_owned(), v.to_owned()));
    }
    let bin = Binary {
        path: match &cli.server {
            Some(p) => p.clone(),
            None => server::default_binary()?,
        },
        data_dir: root.join("data"),
        env,
    };
    println!(
        "ajar-crash: seed {seed}, {} cycles, {} clients, server {}, data {}",
        cli.cycles,
        cli.clients,
        bin.path.display(),
        root.display()
    );
    let started = Instant::now();
    let mut bad = Vec::new();

    let http = traffic::client();
    let mut srv = bin.start()?;
    let fx = Arc::new(traffic::setup(&http, &srv.url, 4).await?);
    let log = Arc::new(Mutex::new(Log::default()));
    let mut mid_revoke_kills = 0;
    for cycle in 0..cli.cycles {
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for _ in 0..cli.clients {
            tasks.push(tokio::spawn(traffic::unlock_worker(
                http.clone(),
                srv.url.clone(),
                fx.clone(),
                log.clone(),
                stop.clone(),
                Rng::new(rng.next()),
            )));
        }
        tasks.push(tokio::spawn(traffic::revoker(
            http.clone(),
            srv.url.clone(),
            fx.clone(),
            log.clone(),
            stop.clone(),
        )));
        let span = cli.max_ms.saturating_sub(cli.min_ms) + 1;
        tokio::time::sleep(Duration::from_millis(cli.min_ms + rng.below(span))).await;
        let before = log.lock().expect("log").revokes.len();
        tokio::task::spawn_blocking(move || srv.kill())
            .await
            .map_err(|e| e.to_string())?;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        // The revoker stops at the revoke that got no answer: the kill landed during it.
        if log.lock().expect("log").revokes[before..]
            .iter()
            .any(|(_, _, acked)| !acked)
        {
            mid_revoke_kills += 1;
        }
        // The crashed database, before the server touches it again.
        let (ok, out) = bin.tool(&["audit", "verify"])?;
        if !ok {
            bad.push(format!(
                "cycle {cycle}: audit verify after the kill failed:\n{out}"
            ));
        }
        srv = bin.start()?;
        // Retry every unanswered request once, with the same key.
        let pending: Vec<usize> = {
            let l = log.lock().expect("log");
            l.unlocks
                .iter()
                .enumerate()
                .filter(|(_, (_, a, r))| *a == Answer::None && r.is_none())
                .map(|(i, _)| i)
                .collect()
        };
        for i in pending {
            let u = log.lock().expect("log").unlocks[i].0.clone();
            let a = traffic::send(&http, &srv.url, &u, &fx).await;
            log.lock().expect("log").unlocks[i].2 = Some(a);
        }
        let unrevoked: Vec<String> = log
            .lock()
            .expect("log")
            .revokes
            .iter()
            .filter(|(_, _, acked)| !acked)
            .map(|(l, _, _)| l.clone())
            .collect();
        for link in unrevoked {
            // Revoking an already revoked link is refused or accepted; either way it must end
            // revoked, which the final check reads from the database.
            let _ = traffic::admin(
                &http,
                &srv.url,
                "/guest_links/revoke",
                serde_json::json!({"guest_link_id": link}),
            )
            .await;
        }
        // A revoked link's token opens nothing, right after the restart.
        let recent: Vec<(String, String)> = {
            let l = log.lock().expect("log");
            l.revokes
                .iter()
                .rev()
                .take(3)
                .map(|(l, t, _)| (l.clone(), t.clone()))
                .collect()
        };
        for (link, token) in recent {
            let u = traffic::Unlock {
                key: format!("after-revoke-{}", uuid::Uuid::new_v4()),
                guest: Some((link.clone(), token)),
                door: fx.doors[0].clone(),
            };
            if let Answer::Unlocked(a) = traffic::send(&http, &srv.url, &u, &fx).await {
                bad.push(format!("revoked link {link} still unlocked (attempt {a})"));
            }
        }
        let l = log.lock().expect("log");
        eprintln!(
            "cycle {:>3}: {} unlock requests so far, {} revokes",
            cycle + 1,
            l.unlocks.len(),
            l.revokes.len()
        );
    }
    if !tokio::task::spawn_blocking(move || srv.stop())
        .await
        .map_err(|e| e.to_string())?
    {
        bad.push("the server did not stop cleanly on SIGTERM".into());
    }
    let log = Arc::try_unwrap(log)
        .map_err(|_| "log still shared")?
        .into_inner()
        .map_err(|e| e.to_string())?;
    let (counts, mut problems) = checks::check(&bin.db_path(), &log)?;
    bad.append(&mut problems);
    bad.extend(log.server_errors.iter().cloned());
    let (ok, out) = bin.tool(&["audit", "verify"])?;
    if !ok {
        bad.push(format!("final audit verify failed:\n{out}"));
    }
    let traffic_secs = started.elapsed().as_secs_f64();
    println!(
        "traffic: {} cycles in {traffic_secs:.1} s; {} unlock requests, {} acknowledged at once, {} unanswered at the kill \
         and acknowledged on retry with the same key, {} unlock events stored (one per key); {} revokes ({} acknowledged, \
         {} retried after a kill; {mid_revoke_kills} kills landed during a revoke)",
        cli.cycles,
        log.unlocks.len(),
        counts.acked,
        counts.acked_on_retry,
        counts.unlock_events,
        log.revokes.len(),
        counts.revokes_acked,
        counts.revokes_retried,
    );

    // Phase 2: kills during a schema migration.
    let mig = migration_phase(&bin, &root, &cli, &mut rng, &mut bad)?;
    println!("{mig}");

    if bad.is_empty() {
        println!(
            "ajar-crash: OK: 0 acknowledged unlocks lost, 0 duplicate unlocks per key, integrity ok and event chains intact after every kill ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
        Ok(true)
    } else {
        println!("ajar-crash: FAILED ({} problems):", bad.len());
        for b in bad.iter().take(20) {
            println!("  - {b}");
        }
        if bad.len() > 20 {
            println!("  … and {} more", bad.len() - 20);
        }
        Ok(false)
    }
}

/// Builds a database at the schema version before the newest, fills it with events written
/// without a chain, then repeatedly starts `ajar-server migrate` on a fresh copy and kills it
/// at a random moment: the database must be at the old or the new version, never between, and
/// intact; a final migrate must then chain everything.
fn migration_phase(
    bin: &Binary,
    root: &std::path::Path,
    cli: &Cli,
    rng: &mut Rng,
    bad: &mut Vec<String>,
) -> Result<String, String> {
    if cli.migration_kills == 0 {
        return Ok("migration: skipped".into());
    }
    let base = Binary {
        data_dir: root.join("mig-base"),
        ..bin.clone()
    };
    let (_, out) = base.tool(&["migrate"])?;
    let latest: i64 = out
        .trim()
        .strip_prefix("schema version ")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("unexpected migrate output: {out}"))?;
    std::fs::remove_dir_all(&base.data_dir).map_err(|e| e.to_string())?;
    // The version before the event chain (migration 5); later migrations are appended after it.
    let old = 4.min(latest - 1);
    let (ok, out) = base.tool(&["migrate", "--to-version", &old.to_string()])?;
    if !ok {
        return Err(format!("cannot build a version-{old} database: {out}"));
    }
    {
        let conn = rusqlite::Connection::open(base.db_path()).map_err(|e| e.to_string())?;
        conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        let ws = [
            "0190a000-0000-7000-8000-00000000a001",
            "0190a000-0000-7000-8000-00000000a002",
        ];
        for w in ws {
            conn.execute(
                "INSERT INTO workspaces (id, name, connected_account_id, created_at) VALUES (?1, 'old', ?1, 0)",
                [w],
            )
            .map_err(|e| e.to_string())?;
        }
        let mut ins = conn
            .prepare("INSERT INTO events (id, workspace_id, event_type, occurred_at, body) VALUES (?1, ?2, 'acs_system.added', ?3, ?4)")
            .map_err(|e| e.to_string())?;
        for i in 0..cli.migration_events {
            let w = ws[(i % 2) as usize];
            let id = format!("0190a000-0000-7000-8000-{i:012}");
            let body = serde_json::json!({"event_id": id, "workspace_id": w, "event_type": "acs_system.added",
                "occurred_at": "2026-01-01T00:00:00.000Z", "created_at": "2026-01-01T00:00:00.000Z"});
            ins.execute(rusqlite::params![id, w, i64::from(i), body.to_string()])
                .map_err(|e| e.to_string())?;
        }
        drop(ins);
        conn.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(|e| e.to_string())?;
    }
    let work = Binary {
        data_dir: root.join("mig-work"),
        ..bin.clone()
    };
    // How long an uninterrupted migration takes, to aim the kills inside it.
    server::copy_db(&base.db_path(), &work.data_dir)?;
    let t = Instant::now();
    let (ok, out) = work.tool(&["migrate"])?;
    let full = t.elapsed();
    if !ok {
        bad.push(format!("migration failed: {out}"));
        return Ok("migration: failed".into());
    }
    let mut mid = 0;
    for k in 0..cli.migration_kills {
        server::copy_db(&base.db_path(), &work.data_dir)?;
        let at = full.mul_f64(0.1 + 0.8 * (rng.below(1000) as f64 / 1000.0));
        let mut child = std::process::Command::new(&work.path)
            .arg("migrate")
            .arg("--data-dir")
            .arg(&work.data_dir)
            .env("AJAR_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        std::thread::sleep(at);
        let _ = child.kill();
        let status = child.wait().map_err(|e| e.to_string())?;
        let (integrity, version) = checks::integrity(&work.db_path())?;
        // Each migration commits with its version bump, so a kill leaves some version between
        // the old and the newest, never a half-applied one (re-running `migrate` below finishes
        // the rest, and `audit verify` proves the chain migration was whole).
        if status.code().is_none() && version < latest {
            mid += 1;
        }
        if integrity != "ok" {
            bad.push(format!("migration kill {k}: integrity_check: {integrity}"));
        }
        if !(old..=latest).contains(&version) {
            bad.push(format!(
                "migration kill {k}: schema version {version}, outside {old}..={latest}"
            ));
        }
        let (ok, out) = work.tool(&["migrate"])?;
        let (vok, vout) = work.tool(&["audit", "verify"])?;
        if !ok || !vok || !vout.contains(&format!("{} events", cli.migration_events)) {
            bad.push(format!(
                "migration kill {k}: after re-running migrate: {out}{vout}"
            ));
        }
    }
    Ok(format!(
        "migration: version {old} -> {latest} chaining {} events takes {:.0} ms; {} kills, {mid} landed mid-migration (left at a version between {old} and {latest}), all intact and complete after re-running migrate",
        cli.migration_events,
        full.as_secs_f64() * 1000.0,
        cli.migration_kills
    ))
}
