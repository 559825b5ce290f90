//! `ajar-bench`: the benchmark of the unlock path. Starts `ajar-server` on loopback with a fresh
//! data directory, creates users, doors and cloud keys through the API, then for each run drives
//! `GET /health` (baseline, no database) and `POST /access_methods/unlock_door` (one durable
//! SQLite transaction each) with N concurrent keep-alive clients, and prints a Markdown report.

mod flood;
mod http;
mod load;
mod machine;
mod report;
mod server;
mod setup;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;

use crate::load::{Bodies, Phase, Workload};
use crate::report::Report;
use crate::server::{Launch, Server};

#[derive(Debug, Parser)]
#[command(
    name = "ajar-bench",
    about = "Benchmark of ajar-server's unlock path against GET /health",
    long_about = "Starts ajar-server on 127.0.0.1 with a fresh data directory, creates the fixture \
                  through the API, then per run drives GET /health and then \
                  POST /access_methods/unlock_door with N concurrent keep-alive clients for S \
                  seconds each. Every answer is checked. Prints a Markdown report on stdout \
                  (progress on stderr); exits 1 if any request failed."
)]
struct Cli {
    /// Concurrent clients, one keep-alive connection each [default: 16].
    #[arg(long)]
    clients: Option<usize>,
    /// Seconds per phase (one workload in one run) [default: 10; --quick: 2].
    #[arg(long)]
    seconds: Option<f64>,
    /// Runs; the report gives each run and the median over runs [default: 3; --quick: 2].
    #[arg(long)]
    runs: Option<usize>,
    /// Warm-up seconds per workload before the first run, not measured [default: 2; --quick: 0.5].
    #[arg(long)]
    warmup: Option<f64>,
    /// Smoke run of about 10 s for CI: 2 runs of 2 s per phase, 0.5 s warm-up (explicit flags
    /// still win).
    #[arg(long)]
    quick: bool,
    /// The ajar-server binary [default: build it with `cargo build --release -p ajar-server`
    /// and use the ajar-server next to this executable, i.e. target/release/ajar-server].
    #[arg(long)]
    server: Option<PathBuf>,
    /// Without --server: do not run cargo build; use target/release/ajar-server as it is.
    #[arg(long, conflicts_with = "server")]
    no_build: bool,
    /// Users in the fixture, each with their own cloud key.
    #[arg(long, default_value_t = 16)]
    users: usize,
    /// Doors in the fixture; every key opens every door.
    #[arg(long, default_value_t = 4)]
    doors: usize,
    /// Threads of the benchmark's own async runtime (1 = single-threaded, the leanest).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Create the server's temporary data directory under DIR (e.g. /dev/shm to take fsync out
    /// of the picture) [default: the system temp dir].
    #[arg(long, value_name = "DIR")]
    data_parent: Option<PathBuf>,
    /// Pin the server to these CPUs with `taskset -c LIST` (e.g. 1).
    #[arg(long, value_name = "LIST")]
    server_cpus: Option<String>,
    /// Pin the benchmark itself to these CPUs with `taskset -a -p -c LIST` (e.g. 0).
    #[arg(long, value_name = "LIST")]
    client_cpus: Option<String>,
    /// Start N server instances on one database and spread the clients over them (client i
    /// talks to instance i mod N). Needs AJAR_DATABASE_URL (PostgreSQL, an empty database): the
    /// servers inherit it.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// A label for the report's title (e.g. "tmpfs data dir").

    #[arg(long)]
    label: Option<String>,
    /// Instead of the unlock benchmark: legitimate guest unlocks under a flood of bad API keys
    /// and bad guest tokens, with server RSS sampled over the run (see flood.rs). Measures
    /// --seconds (default 10; --quick 3) or --minutes.
    #[arg(long)]
    flood: bool,
    /// With --flood: soak for this many minutes (e.g. 10) instead of --seconds.
    #[arg(long, requires = "flood")]
    minutes: Option<f64>,
    /// With --flood: clients doing legitimate guest unlocks.
    #[arg(long, default_value_t = 4)]
    legit_clients: usize,
    /// With --flood: clients sending bad tokens.
    #[arg(long, default_value_t = 32)]
    flood_clients: usize,
    /// With --flood: guest links the legitimate clients use.
    #[arg(long, default_value_t = 200)]
    links: usize,
}

/// The options after defaults and `--quick` are applied.
#[derive(Debug)]
struct Opts {
    cli: Cli,
    clients: usize,
    duration: Duration,
    runs: usize,
    warmup: Duration,
}

fn secs(s: f64, what: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(s).map_err(|_| format!("--{what} must be a positive number"))
}

fn resolve(cli: Cli) -> Result<Opts, String> {
    let (seconds, runs, warmup) = if cli.quick {
        (2.0, 2, 0.5)
    } else {
        (10.0, 3, 2.0)
    };
    let o = Opts {
        clients: cli.clients.unwrap_or(16),
        duration: secs(cli.seconds.unwrap_or(seconds), "seconds")?,
        runs: cli.runs.unwrap_or(runs),
        warmup: secs(cli.warmup.unwrap_or(warmup), "warmup")?,
        cli,
    };
    if o.clients == 0 || o.runs == 0 || o.duration.is_zero() {
        return Err("--clients, --runs and --seconds must be at least 1".into());
    }
    if o.cli.users == 0 || o.cli.doors == 0 || o.cli.client_threads == 0 {
        return Err("--users, --doors and --client-threads must be at least 1".into());
    }
    Ok(o)
}

/// The command line as given, for the report.
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$\\".contains(c)) {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a
            }
        })
        .collect();
    if args.is_empty() {
        "cargo run --release -p ajar-bench".to_owned()
    } else {
        format!("cargo run --release -p ajar-bench -- {}", args.join(" "))
    }
}

fn bench_api_key() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("seam_bench_{nanos:024}")
}

async fn bench(o: &Opts) -> Result<Report, String> {
    let binary = match &o.cli.server {
        Some(p) => p.clone(),
        None if !o.cli.no_build => server::build_default()?,
        None => {
            let bin = server::default_binary()?;
            if server::looks_stale(&bin) {
                eprintln!(
                    "WARNING: server/ or protocol/ sources are newer than {}; rebuild with `cargo build --release -p ajar-server`",
                    bin.display()
                );
            }
            bin
        }
    };
    let api_key = bench_api_key();
    let on_postgres = std::env::var("AJAR_DATABASE_URL").is_ok_and(|u| !u.trim().is_empty());
    if o.cli.instances == 0 || (o.cli.instances > 1 && !on_postgres) {
        return Err("--instances N > 1 needs AJAR_DATABASE_URL (a PostgreSQL database)".into());
    }
    eprintln!("starting {}", binary.display());
    let launch = Launch {
        binary: &binary,
        api_key: &api_key,
        data_parent: o.cli.data_parent.as_deref(),
        cpus: o.cli.server_cpus.as_deref(),
        args: &[],
    };
    let srv = Server::start(&launch).await?;
    // Further instances start on the now non-empty database (the first created the key).
    let mut others = Vec::new();
    for _ in 1..o.cli.instances {
        others.push(Server::start(&launch).await?);
    }
    eprintln!(
        "server pid {} on {}, data in {}",
        srv.pid,
        srv.addr,
        srv.data_dir.display()
    );
    let facts = machine::gather(&srv.data_dir, &binary);
    let addrs: Vec<std::net::SocketAddr> = std::iter::once(srv.addr)
        .chain(others.iter().map(|s| s.addr))
        .collect();
    let result = drive(o, &srv, &addrs, on_postgres, api_key.into(), facts).await;
    for other in others {
        let _ = other.stop().await;
    }
    let log = srv.log_tail();
    let stopped = srv.stop().await;
    let mut report = result.map_err(|e| format!("{e}\n{log}"))?;
    if let Err(e) = stopped {
        report
            .notes
            .push(format!("**The server did not stop cleanly:** {e}"));
    }
    Ok(report)
}

async fn drive(
    o: &Opts,
    srv: &Server,
    addrs: &[std::net::SocketAddr],
    on_postgres: bool,
    api_key: Arc<str>,
    facts: machine::Facts,
) -> Result<Report, String> {
    eprintln!(
        "creating {} users with a cloud key each and {} doors",
        o.cli.users, o.cli.doors
    );
    let fixture = setup::create(srv.addr, &api_key, o.cli.users, o.cli.doors).await?;
    let bodies = Arc::new(Bodies::new(&fixture));
    let phase = |workload, duration, tag: String| Phase {
        workload,
        clients: o.clients,
        duration,
        tag,
    };
    if !o.warmup.is_zero() {
        for (w, tag) in [(Workload::Health, "w-h"), (Workload::Unlock, "w-u")] {
            eprintln!("warm-up: {w} for {:?}", o.warmup);
            load::run(
                addrs,
                api_key.clone(),
                bodies.clone(),
                phase(w, o.warmup, tag.into()),
                srv.pid,
            )
            .await?;
        }
    }
    let mut runs = Vec::with_capacity(o.runs);
    for n in 1..=o.runs {
        let mut got = Vec::with_capacity(2);
        for w in [Workload::Health, Workload::Unlock] {
            let tag = format!("r{n}-{}", if w == Workload::Health { "h" } else { "u" });
            let r = load::run(
                addrs,
                api_key.clone(),
                bodies.clone(),
                phase(w, o.duration, tag),
                srv.pid,
            )
            .await?;
            let m = &r.summary;
            eprintln!(
                "run {n}/{}: {w}: {} req/s, p50 {} ms, p99 {} ms, max {} ms, {} errors",
                o.runs,
                report::thousands(m.req_per_s),
                report::ms(m.p50_ms),
                report::ms(m.p99_ms),
                report::ms(m.max_ms),
                m.errors
            );
            for e in &r.error_samples {
                eprintln!("  error: {e}");
            }
            got.push(r);
        }
        let unlock = got.pop().ok_or("missing unlock phase")?;
        let health = got.pop().ok_or("missing health phase")?;
        runs.push((n, health, unlock));
    }
    let pinning = match (&o.cli.server_cpus, &o.cli.client_cpus) {
        (None, None) => "none (server and benchmark share all CPUs)".to_owned(),
        (s, c) => format!(
            "server on CPUs {}, benchmark on CPUs {} (taskset)",
            s.as_deref().unwrap_or("all"),
            c.as_deref().unwrap_or("all")
        ),
    };
    let setup = format!(
        "{} concurrent keep-alive HTTP/1.1 clients (closed loop, hyper, {} client thread(s)) on the same machine, sharing the CPUs with the server; {:.1} s per phase, {} run(s), {:.1} s warm-up per workload before run 1; unlock fixture {} users × {} doors (one cloud key per user, unique Idempotency-Key per request); pinning: {}; server log level warn",
        o.clients,
        o.cli.client_threads,
        o.duration.as_secs_f64(),
        o.runs,
        o.warmup.as_secs_f64(),
        o.cli.users,
        o.cli.doors,
        pinning,
    );
    let setup = if on_postgres {
        format!(
            "{setup}; database: PostgreSQL (AJAR_DATABASE_URL), {} server instance(s) on it, clients spread over them (CPU columns: the first instance only)",
            addrs.len()
        )
    } else {
        setup
    };
    Ok(Report {
        facts,
        label: o.cli.label.clone(),
        command: command_line(),
        setup,
        runs,
        notes: Vec::new(),
    })
}

/// `--flood`: starts the server with per-link guest limits raised, runs [`flood::run`], prints
/// its report. Fails (false) only when requests failed; the §3.4 figures are reported.
async fn flood_bench(o: &Opts) -> Result<bool, String> {
    let binary = match &o.cli.server {
        Some(p) => p.clone(),
        None if !o.cli.no_build => server::build_default()?,
        None => server::default_binary()?,
    };
    let api_key = bench_api_key();
    let args: Vec<String> = [
        "--guest-unlock-burst",
        "1000000",
        "--guest-unlocks-per-minute",
        "100000000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let srv = Server::start(&Launch {
        binary: &binary,
        api_key: &api_key,
        data_parent: o.cli.data_parent.as_deref(),
        cpus: o.cli.server_cpus.as_deref(),
        args: &args,
    })
    .await?;
    let facts = machine::gather(&srv.data_dir, &binary);
    let duration = match o.cli.minutes {
        Some(m) => secs(m * 60.0, "minutes")?,
        None => secs(
            o.cli
                .seconds
                .unwrap_or(if o.cli.quick { 3.0 } else { 10.0 }),
            "seconds",
        )?,
    };
    let fo = flood::FloodOpts {
        legit_clients: o.cli.legit_clients.max(1),
        flood_clients: o.cli.flood_clients.max(1),
        links: o.cli.links.max(1),
        duration,
        warmup: o.warmup,
        sample_every: if duration >= Duration::from_secs(120) {
            Duration::from_secs(10)
        } else {
            Duration::from_secs(1)
        },
    };
    let result = flood::run(srv.addr, &api_key, srv.pid, &fo).await;
    let log = srv.log_tail();
    let stopped = srv.stop().await;
    let r = result.map_err(|e| format!("{e}\n{log}"))?;
    print!("{}", flood::markdown(&r, &facts, &fo, &command_line()));
    if let Err(e) = stopped {
        eprintln!("ajar-bench: the server did not stop cleanly: {e}");
        return Ok(false);
    }
    if r.legit.errors > 0 || r.bad_unexpected > 0 || r.legit.ok == 0 {
        eprintln!(
            "ajar-bench: FAILED: {} legitimate request(s) failed, {} unexpected flood answer(s)",
            r.legit.errors, r.bad_unexpected
        );
        return Ok(false);
    }
    Ok(true)
}

/// Pins this whole process to `cpus` with `taskset` (no unsafe code needed).
fn pin_self(cpus: &str) -> Result<(), String> {
    let ok = std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &std::process::id().to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "cannot pin the benchmark to CPUs {cpus} with taskset"
        ))
    }
}

fn main() -> ExitCode {
    let o = match resolve(Cli::parse()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ajar-bench: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(cpus) = &o.cli.client_cpus {
        if let Err(e) = pin_self(cpus) {
            eprintln!("ajar-bench: {e}");
            return ExitCode::from(2);
        }
    }
    let rt = if o.cli.client_threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(o.cli.client_threads)
            .enable_all()
            .build()
    };
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ajar-bench: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    if o.cli.flood {
        return match rt.block_on(flood_bench(&o)) {
            Ok(ok) => {
                if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(e) => {
                eprintln!("ajar-bench: {e}");
                ExitCode::from(2)
            }
        };
    }
    match rt.block_on(bench(&o)) {
        Ok(report) => {
            print!("{}", report.markdown());
            let errors = report.errors();
            if errors > 0 {
                eprintln!("ajar-bench: FAILED: {errors} request(s) failed; see the report");
                ExitCode::from(1)
            } else if !report.notes.is_empty() {
                eprintln!("ajar-bench: FAILED: {}", report.notes.join("; "));
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("ajar-bench: {e}");
            ExitCode::from(2)
        }
    }
}
