//! The `ajar-agent` command: loads the config, enrolls on first start with `--enroll CODE`, then
//! keeps the link to the server up and drives the relay. Logs go to stderr (journald) in plain
//! text, or JSON with `--log-format json`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ajar_agent::clock::Clock;
use ajar_agent::config::{Config, DriverConfig};
use ajar_agent::link::Agent;
use ajar_agent::state::State;
use ajar_agent::{drivers, enroll, AgentError};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "ajar-agent",
    version,
    about = "Ajar door agent: dials out to ajar-server and opens the door on fresh signed commands only"
)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, env = "AJAR_AGENT_CONFIG")]
    config: Option<PathBuf>,
    /// Server base URL (overrides the config).
    #[arg(long, env = "AJAR_AGENT_SERVER")]
    server: Option<String>,
    /// State directory: private key, enrollment, last sequence (overrides the config).
    #[arg(long, env = "AJAR_AGENT_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// Enroll with this single-use code (from `ajar-server agents enroll`) before running.
    #[arg(long)]
    enroll: Option<String>,
    /// Enroll and exit.
    #[arg(long)]
    enroll_only: bool,
    /// Driver shortcut: `simulated`, or `command:/path/to/program` (overrides the config).
    #[arg(long)]
    driver: Option<String>,
    /// Heartbeat period in seconds (overrides the config).
    #[arg(long)]
    heartbeat_secs: Option<u64>,
    /// `text` (default) or `json`.
    #[arg(long, default_value = "text")]
    log_format: String,
    /// Test hook: add the number of milliseconds in this file to the clock.
    #[arg(long, hide = true)]
    test_clock_offset_file: Option<PathBuf>,
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("AJAR_AGENT_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ajar-agent: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("ajar-agent: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<(), AgentError> {
    let mut cfg = match &cli.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if let Some(s) = cli.server {
        cfg.server = Some(s);
    }
    if let Some(d) = cli.state_dir {
        cfg.state_dir = d;
    }
    if let Some(h) = cli.heartbeat_secs {
        cfg.heartbeat_secs = h.max(1);
    }
    if let Some(d) = cli.driver {
        cfg.driver = match d.split_once(':') {
            None if d == "simulated" => DriverConfig::Simulated,
            Some(("command", prog)) => DriverConfig::Command {
                program: prog.into(),
                args: vec![],
            },
            _ => return Err(AgentError::Config(format!("unknown --driver {d}: use simulated or command:PROGRAM (other drivers via the config file)"))),
        };
    }
    let state = State::open(&cfg.state_dir)?;
    let key = state.key()?;
    let enrolled = match (state.enrollment()?, cli.enroll) {
        (Some(_), Some(_)) => {
            return Err(AgentError::Config(format!(
                "already enrolled (see {}); an admin must revoke this agent and you must remove the state directory to enroll again",
                cfg.state_dir.display()
            )))
        }
        (Some(e), None) => e,
        (None, Some(code)) => {
            let server = cfg.server.clone().ok_or_else(|| AgentError::Config("--server is required to enroll".into()))?;
            enroll::enroll(&state, &key, &server, &code).await?
        }
        (None, None) => {
            return Err(AgentError::Config(
                "not enrolled: run once with --enroll <code> (an admin creates it with `ajar-server agents enroll --site <id>`)".into(),
            ))
        }
    };
    // A server URL given now (flag or config) overrides the one saved at enrollment.
    let mut enrolled = enrolled;
    if let Some(s) = cfg.server.clone() {
        enrolled.server = s.trim_end_matches('/').to_owned();
    }
    if cli.enroll_only {
        println!("enrolled as agent {}", enrolled.agent_id);
        return Ok(());
    }
    let driver = drivers::build(&cfg.driver)?;
    let clock = match cli.test_clock_offset_file {
        Some(p) => Clock::with_offset_file(p),
        None => Clock::system(),
    };
    Agent {
        state,
        key,
        enrolled,
        driver,
        clock,
        heartbeat: Duration::from_secs(cfg.heartbeat_secs.max(1)),
        max_backoff: Duration::from_secs(cfg.max_backoff_secs.max(1)),
    }
    .run()
    .await
}
