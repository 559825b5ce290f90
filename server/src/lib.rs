//! `ajar-server`: the Ajar cloud. An HTTP API in the shape of Seam's cloud-key API, Ajar's own
//! admin routes, authorization at the moment of use, SQLite storage with an append-only audit
//! trail, and door drivers (the in-process `simulated` driver by default).

pub mod agents;
pub mod api;
pub mod authz;
pub mod clock;
pub mod demo;
pub mod drivers;
pub mod error;
pub mod secrets;
pub mod store;
pub mod testing;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::drivers::{DoorDriver, SimulatedDriver};
use crate::store::Store;

/// Runtime settings of the server.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    /// `postgres://…` to store data in PostgreSQL; `None`: SQLite in `data_dir`.
    pub database: Option<String>,
    pub public_url: Option<String>,
    pub demo: bool,
    pub bootstrap_api_key: Option<String>,
    pub default_pulse_ms: u32,
    pub max_body_bytes: usize,
    /// Longest window a guest link may have.
    pub guest_link_max_days: u32,
    /// Guest unlocks allowed per link: burst, then per minute.
    pub guest_unlock_burst: u32,
    pub guest_unlocks_per_minute: u32,
    /// Lifetime of a signed agent command (at most 10 s).
    pub agent_command_lifetime_ms: u32,
    /// How long an unlock waits for the agent's signed ack.
    pub agent_ack_timeout_ms: u32,
    /// Heartbeat period told to agents (1 to 60 s): a link silent for 3 periods is dropped, and
    /// with PostgreSQL a presence row not refreshed for 3 periods counts as offline.
    pub agent_heartbeat_ms: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see `api::client_ip`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./ajar-data"),
            database: None,
            public_url: None,
            demo: false,
            bootstrap_api_key: None,
            default_pulse_ms: 5000,
            max_body_bytes: 64 * 1024,
            guest_link_max_days: 31,
            guest_unlock_burst: 10,
            guest_unlocks_per_minute: 30,
            agent_command_lifetime_ms: 5000,
            trusted_proxies: Vec::new(),
            agent_ack_timeout_ms: 3000,
            agent_heartbeat_ms: 10_000,
        }
    }
}

/// Settings handlers need at request time.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub public_url: String,
    pub default_pulse_ms: u32,
    pub max_body_bytes: usize,
    pub guest_link_max_days: u32,
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl AppState {
    /// Live state of doors: from their site's door agent when it has one, else from the driver.
    /// On a single SQLite instance the agent state is this instance's own links; with several
    /// instances on PostgreSQL it is also what the others recorded in `store::presence` (one
    /// read, no write), so every instance gives the same answer.
    pub async fn door_states(
        &self,
        es: &[ajar_protocol::AcsEntrance],
        now: chrono::DateTime<Utc>,
    ) -> store::StoreResult<Vec<drivers::DoorState>> {
        let by_agent: Vec<&ajar_protocol::AcsEntrance> = es
            .iter()
            .filter(|e| e.ajar_metadata.driver == "agent")
            .collect();
        let (mut sites_online, mut open) = (HashSet::new(), HashMap::new());
        if self.agents.instance().is_some() && !by_agent.is_empty() {
            let sites: Vec<Uuid> = by_agent.iter().map(|e| e.acs_system_id).collect();
            let doors: Vec<Uuid> = by_agent.iter().map(|e| e.acs_entrance_id).collect();
            let since = store::presence::fresh_since(now, self.agents.heartbeat_ms);
            (sites_online, open) = self
                .store
                .read(move |c| {
                    Ok((
                        store::presence::online_sites(c, &sites, since)?,
                        store::presence::unlocked_until(c, &doors, now)?,
                    ))
                })
                .await?;
        }
        Ok(es
            .iter()
            .map(|e| {
                if e.ajar_metadata.driver == "agent" {
                    let here = self.agents.unlocked_until(e.acs_entrance_id, now);
                    let there = open.get(&e.acs_entrance_id).copied();
                    drivers::DoorState {
                        online: self.agents.site_online(e.acs_system_id)
                            || sites_online.contains(&e.acs_system_id),
                        unlocked_until: here.max(there),
                    }
                } else {
                    self.driver.state(e.acs_entrance_id, now)
                }
            })
            .collect())
    }

    /// Which of `agents` are connected: to this instance, or (PostgreSQL) to another one that
    /// heard from them within the staleness window.
    pub async fn agents_online(&self, agents: &[Uuid]) -> store::StoreResult<HashSet<Uuid>> {
        let mut online: HashSet<Uuid> = agents
            .iter()
            .copied()
            .filter(|a| self.agents.is_online(*a))
            .collect();
        if self.agents.instance().is_some() && online.len() < agents.len() {
            let rest: Vec<Uuid> = agents
                .iter()
                .copied()
                .filter(|a| !online.contains(a))
                .collect();
            let since = store::presence::fresh_since(self.clock.now(), self.agents.heartbeat_ms);
            online.extend(
                self.store
                    .read(move |c| store::presence::online_agents(c, &rest, since))
                    .await?,
            );
        }
        Ok(online)
    }
}

/// Shared state of the running server.
#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn clock::Clock>,
    pub limits: api::guest::Limits,
    pub driver: Arc<dyn DoorDriver>,
    pub agents: Arc<agents::Hub>,
    pub config: RuntimeConfig,
    pub openapi: String,
}

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Name of the database file inside the data directory.
pub const DB_FILE: &str = "ajar.sqlite3";

/// Where the data lives: PostgreSQL when `database` is a `postgres://` URL, else the SQLite file
/// in `data_dir`.
pub fn backend(
    data_dir: &std::path::Path,
    database: Option<&str>,
) -> Result<store::Backend, StartError> {
    match database.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(store::Backend::Sqlite(data_dir.join(DB_FILE))),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(store::Backend::Postgres(url.to_owned()))
        }
        Some(_) => Err(StartError::Config(
            "--database / AJAR_DATABASE_URL must be a postgres:// URL (SQLite, the default, lives in --data-dir)".into(),
        )),
    }
}

/// Opens (creating if needed) the database: PostgreSQL at `database`, or SQLite in `data_dir`.
/// Blocking: call it off the async threads.
pub fn open_store(data_dir: &std::path::Path, database: Option<&str>) -> Result<Store, StartError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StartError::DataDir {
        path: data_dir.to_owned(),
        source,
    })?;
    Ok(Store::open_backend(backend(data_dir, database)?)?)
}

/// Checks the shape Seam's SDKs require of an API key.
pub fn check_api_key_shape(key: &str) -> Result<(), StartError> {
    let bad = ["seam_cst", "seam_at", "seam_pk"];
    if !key.starts_with("seam_")
        || bad.iter().any(|b| key.starts_with(b))
        || key.len() < 24
        || key.len() > 200
    {
        return Err(StartError::Config(
            "AJAR_BOOTSTRAP_API_KEY must start with seam_ (not seam_cst/seam_at/seam_pk) and be 24 to 200 characters".into(),
        ));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(StartError::Config(
            "AJAR_BOOTSTRAP_API_KEY must be printable ASCII without spaces".into(),
        ));
    }
    Ok(())
}

/// A started server: its address and state; `serve` runs it until `shutdown` resolves.
#[derive(Debug)]
pub struct Started {
    pub addr: SocketAddr,
    pub public_url: String,
    pub state: Arc<AppState>,
    listener: TcpListener,
}

impl Started {
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let store = self.state.store.clone();
        let agents = self.state.agents.clone();
        axum::serve(
            self.listener,
            api::router(self.state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartError::Serve)?;
        if let Some(me) = agents.instance() {
            // The agents held here reconnect to another instance; until then they are offline.
            let _ = store
                .write(move |c| store::presence::gone_instance(c, me))
                .await;
        }
        tracing::info!("shutting down: finishing queued writes");
        store.close();
        Ok(())
    }
}

/// Starts the server and serves until SIGINT/SIGTERM.
pub async fn run(config: Config) -> Result<(), StartError> {
    let started = start(config, Arc::new(clock::SystemClock)).await?;
    started.serve(shutdown_signal()).await
}

/// Opens the database, applies `--demo` and the bootstrap key, and binds the listener.
pub async fn start(config: Config, clock: Arc<dyn clock::Clock>) -> Result<Started, StartError> {
    if let Some(k) = &config.bootstrap_api_key {
        check_api_key_shape(k)?;
    }
    let store = {
        let (dir, db) = (config.data_dir.clone(), config.database.clone());
        tokio::task::spawn_blocking(move || open_store(&dir, db.as_deref()))
            .await
            .map_err(|e| StartError::Config(format!("cannot open the database: {e}")))??
    };
    let listener =
        TcpListener::bind(&config.listen)
            .await
            .map_err(|source| StartError::Listen {
                addr: config.listen.clone(),
                source,
            })?;
    let addr: SocketAddr = listener.local_addr().map_err(StartError::Serve)?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();

    let was_empty = store.read(store::workspaces::is_empty).await?;
    let demo = if config.demo {
        Some(demo::prepare(&store, Utc::now()).await?)
    } else {
        None
    };
    if let Some(key) = config.bootstrap_api_key.clone() {
        let key2 = key.clone();
        let exists = store
            .read(move |c| store::keys::authenticate(c, &key2))
            .await?
            .is_some();
        if was_empty && !exists {
            store
                .write(move |c| {
                    let ws = match store::workspaces::list(c)?.into_iter().next() {
                        Some(ws) => ws,
                        None => store::workspaces::create(c, "Default", Utc::now())?,
                    };
                    store::keys::create(c, ws.id, "bootstrap", Some(key), Utc::now())
                })
                .await?;
            tracing::info!("created the bootstrap API key from AJAR_BOOTSTRAP_API_KEY");
        } else if !exists {
            tracing::warn!("AJAR_BOOTSTRAP_API_KEY ignored: the database is not empty");
        }
    }

    let agent_key =
        agents::load_or_create_key(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.join(agents::KEY_FILE),
            source,
        })?;
    let mut hub = agents::Hub::new(
        agent_key,
        i64::from(config.agent_command_lifetime_ms),
        std::time::Duration::from_millis(u64::from(config.agent_ack_timeout_ms)),
    );
    hub.heartbeat_ms = config.agent_heartbeat_ms.clamp(1000, 60_000);
    let hub = Arc::new(hub);
    if store.dialect() == store::Dialect::Postgres {
        // Several instances may share the database: commands for an agent connected to another
        // instance go through it (LISTEN/NOTIFY).
        let url = config.database.clone().unwrap_or_default();
        let (h, rt) = (hub.clone(), tokio::runtime::Handle::current());
        let cluster =
            tokio::task::spawn_blocking(move || agents::cluster::Cluster::start(&url, h, rt))
                .await
                .map_err(|e| StartError::Config(e.to_string()))?
                .map_err(StartError::Config)?;
        hub.set_cluster(cluster);
    }
    let state = Arc::new(AppState {
        store: store.clone(),
        clock,
        limits: api::guest::Limits::new(config.guest_unlock_burst, config.guest_unlocks_per_minute),
        driver: Arc::new(SimulatedDriver::default()),
        agents: hub,
        openapi: api::openapi::document(&public_url).to_string(),
        config: RuntimeConfig {
            public_url: public_url.clone(),
            default_pulse_ms: config.default_pulse_ms,
            max_body_bytes: config.max_body_bytes,
            guest_link_max_days: config.guest_link_max_days,
            trusted_proxies: config.trusted_proxies.clone(),
        },
    });
    if let Some(d) = demo {
        println!("{}", d.banner(&public_url));
    }
    // Tests and scripts wait for this exact line.
    println!("ajar-server listening on http://{addr}");
    tracing::info!(%addr, %public_url, data_dir = %config.data_dir.display(), database = %store.describe(), "ajar-server started");
    Ok(Started {
        addr,
        public_url,
        state,
        listener,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
