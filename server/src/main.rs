//! The `ajar-server` command: runs the server (default), or manages API keys and workspaces in
//! the data directory.

use std::path::PathBuf;
use std::process::ExitCode;

use ajar_server::{open_store, store, Config};
use chrono::Utc;
use clap::{Parser, Subcommand};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "ajar-server",
    version,
    about = "The Ajar cloud: Seam-shaped door access API on embedded SQLite"
)]
struct Cli {
    /// Address to listen on.
    #[arg(
        long,
        env = "AJAR_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    listen: String,
    /// Directory holding the database.
    #[arg(
        long,
        env = "AJAR_DATA_DIR",
        default_value = "./ajar-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Store data in PostgreSQL at this URL (postgres://user:password@host:port/db) instead of
    /// SQLite in --data-dir. Several servers may share one database.
    #[arg(long, env = "AJAR_DATABASE_URL", global = true)]
    database: Option<String>,
    /// Base URL of guest links and pagination URLs (default: from --listen).
    #[arg(long, env = "AJAR_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seed a demo workspace when the database is empty and print how to use it.
    #[arg(long)]
    demo: bool,
    /// Relock pulse of new doors, in milliseconds.
    #[arg(long, env = "AJAR_DEFAULT_PULSE_MS", default_value_t = 5000)]
    default_pulse_ms: u32,
    /// Longest window a guest link may have, in days.
    #[arg(long, env = "AJAR_GUEST_LINK_MAX_DAYS", default_value_t = 31)]
    guest_link_max_days: u32,
    /// Guest unlocks allowed at once through one link…
    #[arg(long, env = "AJAR_GUEST_UNLOCK_BURST", default_value_t = 10)]
    guest_unlock_burst: u32,
    /// …and then per minute.
    #[arg(long, env = "AJAR_GUEST_UNLOCKS_PER_MINUTE", default_value_t = 30)]
    guest_unlocks_per_minute: u32,
    /// How long an unlock at a door-agent site waits for the agent's signed ack.
    #[arg(long, env = "AJAR_AGENT_ACK_TIMEOUT_MS", default_value_t = 3000)]
    agent_ack_timeout_ms: u32,
    /// A reverse proxy or load balancer (address or CIDR, repeatable or comma-separated) whose
    /// X-Forwarded-For names the client; per-address limits then apply to that client, not to
    /// the proxy. Requests from any other peer are keyed on the peer address, whatever they send.
    #[arg(long = "trusted-proxy", env = "AJAR_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    trusted_proxies: Vec<ipnet::IpNet>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Admin API keys.
    Keys {
        #[command(subcommand)]
        action: KeysCmd,
    },
    /// Workspaces (tenants).
    Workspaces {
        #[command(subcommand)]
        action: WorkspacesCmd,
    },
    /// Door agents: enrollment codes, list, revoke.
    Agents {
        #[command(subcommand)]
        action: AgentsCmd,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditCmd,
    },
    /// Copy the database to DEST (a new directory) while the server may be running, with
    /// SQLite's online backup API; the copy is verified. Restore by pointing --data-dir at it.
    Backup { dest: PathBuf },
    /// Write one workspace (every row, events with their hash chain) as a JSON document, to move
    /// it to another database with `import` (e.g. SQLite → PostgreSQL or back).
    Export {
        /// Workspace to export (default: the only workspace).
        #[arg(long)]
        workspace_id: Option<Uuid>,
        /// Output file (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Read a document written by `export` into this database, in one transaction, checking the
    /// event chain; the workspace must not exist here yet.
    Import { file: PathBuf },
    /// Bring the database schema up to date (the server also does this when it starts).
    Migrate {
        /// Stop at this schema version (for upgrade tests); default: the newest.
        #[arg(long, hide = true)]
        to_version: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
enum AgentsCmd {
    /// Creates a single-use enrollment code (valid 10 minutes) for a site's door agent.
    Enroll {
        #[arg(long = "site")]
        acs_system_id: Uuid,
        #[arg(long, default_value = "Door agent")]
        name: String,
        #[arg(long)]
        workspace_id: Option<Uuid>,
    },
    /// Lists agents (online state is known only to the running server: see `agents/list`).
    List {
        #[arg(long)]
        workspace_id: Option<Uuid>,
    },
    /// Revokes an agent. The running server refuses it commands at once and drops its link at
    /// the next heartbeat (the `agents/revoke` API route drops it at once).
    Revoke {
        agent_id: Uuid,
        #[arg(long)]
        workspace_id: Option<Uuid>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCmd {
    /// Check the database (`PRAGMA integrity_check`) and every workspace's event hash chain;
    /// names the first bad event and exits non-zero when anything fails.
    Verify,
}

#[derive(Debug, Subcommand)]
enum KeysCmd {
    /// Create an admin API key and print it (once).
    Create {
        /// Workspace of the key (default: the only workspace).
        #[arg(long)]
        workspace_id: Option<Uuid>,
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List API keys (without secrets).
    List {
        #[arg(long)]
        workspace_id: Option<Uuid>,
    },
    /// Revoke an API key at once.
    Revoke {
        api_key_id: Uuid,
        #[arg(long)]
        workspace_id: Option<Uuid>,
    },
}

#[derive(Debug, Subcommand)]
enum WorkspacesCmd {
    /// Create a workspace and an admin API key for it.
    Create {
        #[arg(long)]
        name: String,
    },
    /// List workspaces.
    List,
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("AJAR_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("AJAR_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let database = cli.database.clone();
    let db = database.as_deref();
    let result = match cli.command {
        None => serve(cli),
        Some(Command::Keys { action }) => keys(&cli.data_dir, db, action),
        Some(Command::Workspaces { action }) => workspaces(&cli.data_dir, db, action),
        Some(Command::Agents { action }) => agents(&cli.data_dir, db, action),
        Some(Command::Audit {
            action: AuditCmd::Verify,
        }) => audit_verify(&cli.data_dir, db),
        Some(Command::Backup { ref dest }) => backup(&cli.data_dir, db, dest),
        Some(Command::Migrate { to_version }) => migrate(&cli.data_dir, db, to_version),
        Some(Command::Export {
            workspace_id,
            ref out,
        }) => export(&cli.data_dir, db, workspace_id, out.as_deref()),
        Some(Command::Import { ref file }) => import(&cli.data_dir, db, file),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ajar-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `10.0.0.5` or `10.0.0.0/8` (a bare address is a single-host network).
fn parse_proxy(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is not an IP address or CIDR network"))
}

fn serve(cli: Cli) -> Result<(), String> {
    let config = Config {
        listen: cli.listen,
        data_dir: cli.data_dir,
        database: cli.database,
        public_url: cli.public_url,
        demo: cli.demo,
        bootstrap_api_key: std::env::var("AJAR_BOOTSTRAP_API_KEY")
            .ok()
            .filter(|k| !k.is_empty()),
        default_pulse_ms: cli.default_pulse_ms,
        guest_link_max_days: cli.guest_link_max_days,
        guest_unlock_burst: cli.guest_unlock_burst,
        guest_unlocks_per_minute: cli.guest_unlocks_per_minute,
        agent_ack_timeout_ms: cli.agent_ack_timeout_ms.clamp(100, 10_000),
        trusted_proxies: cli.trusted_proxies,
        ..Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(store::BLOCKING_THREADS)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start runtime: {e}"))?;
    rt.block_on(ajar_server::run(config))
        .map_err(|e| e.to_string())
}

fn pick_workspace(s: &store::Store, id: Option<Uuid>) -> Result<Uuid, String> {
    let all = s
        .read_blocking(store::workspaces::list)
        .map_err(|e| e.to_string())?;
    match id {
        Some(id) if all.iter().any(|w| w.id == id) => Ok(id),
        Some(id) => Err(format!("no workspace {id}")),
        None => match all.as_slice() {
            [only] => Ok(only.id),
            [] => Err("the database has no workspace yet: run `ajar-server workspaces create --name NAME`".into()),
            _ => Err("several workspaces: pass --workspace-id (see `ajar-server workspaces list`)".into()),
        },
    }
}

fn keys(data_dir: &std::path::Path, db: Option<&str>, action: KeysCmd) -> Result<(), String> {
    let s = open_store(data_dir, db).map_err(|e| e.to_string())?;
    let out = match action {
        KeysCmd::Create { workspace_id, name } => {
            let ws = pick_workspace(&s, workspace_id)?;
            let k = s
                .write_blocking(move |c| store::keys::create(c, ws, &name, None, Utc::now()))
                .map_err(|e| e.to_string())?;
            println!("api_key_id: {}", k.api_key_id);
            println!("workspace_id: {ws}");
            println!("api_key (shown once): {}", k.token.unwrap_or_default());
            Ok(())
        }
        KeysCmd::List { workspace_id } => {
            let ws = pick_workspace(&s, workspace_id)?;
            let all = s
                .read_blocking(move |c| store::keys::list(c, ws))
                .map_err(|e| e.to_string())?;
            for k in all {
                println!(
                    "{}  {}  {}  created {}{}",
                    k.api_key_id,
                    k.token_prefix,
                    k.name,
                    ajar_protocol::time::format_ts(&k.created_at),
                    k.revoked_at
                        .map(|t| format!("  revoked {}", ajar_protocol::time::format_ts(&t)))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        KeysCmd::Revoke {
            api_key_id,
            workspace_id,
        } => {
            let ws = pick_workspace(&s, workspace_id)?;
            s.write_blocking(move |c| store::keys::revoke(c, ws, api_key_id, Utc::now()))
                .map_err(|e| e.to_string())?;
            println!("revoked {api_key_id}");
            Ok(())
        }
    };
    s.close();
    out
}

fn workspaces(
    data_dir: &std::path::Path,
    db: Option<&str>,
    action: WorkspacesCmd,
) -> Result<(), String> {
    let s = open_store(data_dir, db).map_err(|e| e.to_string())?;
    let out = match action {
        WorkspacesCmd::Create { name } => {
            let (ws, key) = s
                .write_blocking(move |c| {
                    let ws = store::workspaces::create(c, &name, Utc::now())?;
                    let key = store::keys::create(c, ws.id, "initial", None, Utc::now())?;
                    Ok((ws, key))
                })
                .map_err(|e| e.to_string())?;
            println!("workspace_id: {}", ws.id);
            println!("api_key (shown once): {}", key.token.unwrap_or_default());
            Ok(())
        }
        WorkspacesCmd::List => {
            for w in s
                .read_blocking(store::workspaces::list)
                .map_err(|e| e.to_string())?
            {
                println!("{}  {}", w.id, w.name);
            }
            Ok(())
        }
    };
    s.close();
    out
}

fn agents(data_dir: &std::path::Path, db: Option<&str>, action: AgentsCmd) -> Result<(), String> {
    let s = open_store(data_dir, db).map_err(|e| e.to_string())?;
    let out = match action {
        AgentsCmd::Enroll {
            acs_system_id,
            name,
            workspace_id,
        } => {
            let ws = pick_workspace(&s, workspace_id)?;
            let code = s
                .write_blocking(move |c| {
                    store::agents::create_code(c, ws, acs_system_id, &name, Utc::now())
                })
                .map_err(|e| e.to_string())?;
            println!(
                "enrollment code (shown once, single use, valid until {}):",
                ajar_protocol::time::format_ts(&code.expires_at)
            );
            println!("{}", code.code.unwrap_or_default());
            println!("on the door computer: ajar-agent --server <server URL> --enroll <code>");
            Ok(())
        }
        AgentsCmd::List { workspace_id } => {
            let ws = pick_workspace(&s, workspace_id)?;
            for a in s
                .read_blocking(move |c| store::agents::list(c, ws, None))
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{}  site {}  {}  enrolled {}{}",
                    a.agent_id,
                    a.acs_system_id,
                    a.name,
                    ajar_protocol::time::format_ts(&a.created_at),
                    a.revoked_at
                        .map(|t| format!("  revoked {}", ajar_protocol::time::format_ts(&t)))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        AgentsCmd::Revoke {
            agent_id,
            workspace_id,
        } => {
            let ws = pick_workspace(&s, workspace_id)?;
            s.write_blocking(move |c| store::agents::revoke(c, ws, agent_id, Utc::now()))
                .map_err(|e| e.to_string())?;
            println!("revoked {agent_id}");
            Ok(())
        }
    };
    s.close();
    out
}

fn db_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join(ajar_server::DB_FILE)
}

fn report(v: &store::maintenance::Verdict) -> Result<(), String> {
    println!("integrity_check: {}", v.integrity);
    match &v.chain {
        Ok(sum) => println!(
            "event chain: ok ({} events in {} workspaces)",
            sum.events, sum.workspaces
        ),
        Err(b) => println!(
            "event chain: BROKEN at event {} (seq {}) of workspace {}: {}",
            b.event_id, b.seq, b.workspace_id, b.what
        ),
    }
    if v.ok() {
        Ok(())
    } else {
        Err("audit verification failed".into())
    }
}

fn audit_verify(data_dir: &std::path::Path, db: Option<&str>) -> Result<(), String> {
    let v = match ajar_server::backend(data_dir, db).map_err(|e| e.to_string())? {
        store::Backend::Postgres(url) => store::maintenance::verify_postgres(&url),
        store::Backend::Sqlite(path) => store::maintenance::verify_file(&path),
    }
    .map_err(|e| e.to_string())?;
    report(&v)
}

fn backup(
    data_dir: &std::path::Path,
    db: Option<&str>,
    dest: &std::path::Path,
) -> Result<(), String> {
    if let store::Backend::Postgres(_) =
        ajar_server::backend(data_dir, db).map_err(|e| e.to_string())?
    {
        return Err(
            "on PostgreSQL, back up with PostgreSQL's own tools (pg_dump, or continuous archiving)"
                .into(),
        );
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let target = db_path(dest);
    let v =
        store::maintenance::backup_file(&db_path(data_dir), &target).map_err(|e| e.to_string())?;
    report(&v)?;
    println!(
        "backup written to {} (restore: --data-dir {})",
        target.display(),
        dest.display()
    );
    Ok(())
}

fn migrate(data_dir: &std::path::Path, db: Option<&str>, to: Option<i64>) -> Result<(), String> {
    if let store::Backend::Postgres(url) =
        ajar_server::backend(data_dir, db).map_err(|e| e.to_string())?
    {
        let v = store::maintenance::migrate_postgres(&url, to).map_err(|e| e.to_string())?;
        println!("schema version {v}");
        return Ok(());
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let v = store::maintenance::migrate_file(&db_path(data_dir), to).map_err(|e| e.to_string())?;
    println!("schema version {v}");
    Ok(())
}

fn export(
    data_dir: &std::path::Path,
    db: Option<&str>,
    workspace_id: Option<Uuid>,
    out: Option<&std::path::Path>,
) -> Result<(), String> {
    let s = open_store(data_dir, db).map_err(|e| e.to_string())?;
    let result = (|| {
        let ws = pick_workspace(&s, workspace_id)?;
        let doc = s
            .read_blocking(move |c| store::transfer::export(c, ws))
            .map_err(|e| e.to_string())?;
        let text = serde_json::to_string(&doc).map_err(|e| e.to_string())?;
        match out {
            Some(path) => std::fs::write(path, text + "\n")
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            None => println!("{text}"),
        }
        eprintln!("exported workspace {ws}");
        Ok(())
    })();
    s.close();
    result
}

fn import(
    data_dir: &std::path::Path,
    db: Option<&str>,
    file: &std::path::Path,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
    let s = open_store(data_dir, db).map_err(|e| e.to_string())?;
    let result = s
        .write_blocking(move |c| store::transfer::import(c, &doc))
        .map_err(|e| match e {
            store::StoreError::Domain(api) => api.message.clone(),
            e => e.to_string(),
        });
    s.close();
    let done = result?;
    println!(
        "imported workspace {}: {} rows and {} events (hash chain checked)",
        done.workspace_id, done.rows, done.events
    );
    Ok(())
}
