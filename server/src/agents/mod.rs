//! The door-agent hub: the server's Ed25519 signing key (generated from the OS CSPRNG on first
//! start, kept in the data directory with mode 0600), the live agent connections, and the
//! command round trip: sign a short-lived single-use command, send it only to a connected
//! agent (never queued), and wait for the agent's signed ack for that command id.

pub mod cluster;
pub mod link;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ajar_protocol::agent::{self as wire, AckOutcome, Action, Command};
use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// File in the data directory holding the server's 32-byte signing key seed.
pub const KEY_FILE: &str = "agent-link.key";

/// Loads the server's signing key, creating it on first start.
pub fn load_or_create_key(data_dir: &Path) -> std::io::Result<SigningKey> {
    let path = data_dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let seed: [u8; 32] = bytes.try_into().map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is not a 32-byte key", path.display()),
                )
            })?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| std::io::Error::other(e.to_string()))?;
            write_private(&path, &seed)?;
            tracing::info!(path = %path.display(), "created the agent-link signing key");
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(e),
    }
}

/// Writes a secret file readable by its owner only (created with mode 0600, then renamed).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// What a connection task is told to do.
#[derive(Debug)]
pub enum Outbound {
    Frame(String),
    Close(&'static str),
}

#[derive(Debug)]
struct Conn {
    conn_id: u64,
    site: Uuid,
    tx: mpsc::UnboundedSender<Outbound>,
}

#[derive(Debug)]
struct Pending {
    agent_id: Uuid,
    reply: oneshot::Sender<AckOutcome>,
}

/// How an agent unlock ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A valid signed ack: the relay pulsed.
    Confirmed,
    /// A valid signed ack reporting a driver failure.
    DriverFailed(String),
    /// No connection to the agent: nothing was sent.
    Offline,
    /// Sent, but no valid ack before the timeout (or the link dropped).
    NotConfirmed,
}

/// Live agent connections and commands awaiting their ack.
#[derive(Debug)]
pub struct Hub {
    key: SigningKey,
    conns: Mutex<HashMap<Uuid, Conn>>,
    pending: Mutex<HashMap<String, Pending>>,
    open_until: Mutex<HashMap<Uuid, DateTime<Utc>>>,
    seq: AtomicU64,
    next_conn: AtomicU64,
    pub command_lifetime_ms: i64,
    pub ack_timeout: Duration,
    pub heartbeat_ms: u32,
    /// With PostgreSQL: the route to agents connected to other instances.
    cluster: OnceLock<Arc<cluster::Cluster>>,
}

impl Hub {
    pub fn new(key: SigningKey, command_lifetime_ms: i64, ack_timeout: Duration) -> Self {
        // Sequence numbers start at the wall clock in microseconds, so they keep increasing
        // across restarts; each agent's hello also reports its last accepted sequence.
        let start = u64::try_from(Utc::now().timestamp_micros()).unwrap_or(1);
        Hub {
            key,
            conns: Mutex::default(),
            pending: Mutex::default(),
            open_until: Mutex::default(),
            seq: AtomicU64::new(start),
            next_conn: AtomicU64::new(1),
            command_lifetime_ms: command_lifetime_ms.clamp(1, wire::MAX_COMMAND_LIFETIME_MS),
            ack_timeout,
            heartbeat_ms: 10_000,
            cluster: OnceLock::new(),
        }
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn public_key_text(&self) -> String {
        wire::public_key_text(&self.key.verifying_key())
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Registers a connection, closing any older one of the same agent; returns its id.
    pub(crate) fn register(
        &self,
        agent_id: Uuid,
        site: Uuid,
        last_seq: u64,
        tx: mpsc::UnboundedSender<Outbound>,
    ) -> u64 {
        self.seq.fetch_max(last_seq, Ordering::SeqCst);
        let conn_id = self.next_conn.fetch_add(1, Ordering::SeqCst);
        let old = lock(&self.conns).insert(agent_id, Conn { conn_id, site, tx });
        if let Some(old) = old {
            let _ = old
                .tx
                .send(Outbound::Close("replaced by a newer connection"));
        }
        conn_id
    }

    /// Forgets a connection (if it is still the agent's current one) and fails its pending commands.
    pub(crate) fn unregister(&self, agent_id: Uuid, conn_id: u64) {
        let mut conns = lock(&self.conns);
        if conns.get(&agent_id).is_some_and(|c| c.conn_id == conn_id) {
            conns.remove(&agent_id);
            drop(conns);
            lock(&self.pending).retain(|_, p| p.agent_id != agent_id);
        }
    }

    /// Cuts a revoked agent off at once.
    pub fn disconnect(&self, agent_id: Uuid) {
        if let Some(c) = lock(&self.conns).remove(&agent_id) {
            let _ = c.tx.send(Outbound::Close("agent revoked"));
        }
        lock(&self.pending).retain(|_, p| p.agent_id != agent_id);
    }

    pub fn is_online(&self, agent_id: Uuid) -> bool {
        lock(&self.conns).contains_key(&agent_id)
    }

    /// Whether the live agent of `site` is connected.
    pub fn site_online(&self, site: Uuid) -> bool {
        lock(&self.conns).values().any(|c| c.site == site)
    }

    /// When an agent-driven entrance relocks, after a confirmed pulse.
    pub fn unlocked_until(&self, entrance: Uuid, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        lock(&self.open_until)
            .get(&entrance)
            .copied()
            .filter(|t| *t > now)
    }

    /// Called by a connection with an ack whose signature it has verified.
    pub(crate) fn resolve(&self, agent_id: Uuid, command_id: &str, outcome: AckOutcome) -> bool {
        let mut pending = lock(&self.pending);
        match pending.get(command_id) {
            Some(p) if p.agent_id == agent_id => {
                let p = pending.remove(command_id).expect("present");
                p.reply.send(outcome).is_ok()
            }
            _ => false,
        }
    }

    /// With PostgreSQL: this instance's id, under which it records the agents it holds in
    /// `agent_presence` (see `store::presence`); `None` on a single SQLite instance.
    pub fn instance(&self) -> Option<Uuid> {
        self.cluster.get().map(|c| c.instance)
    }

    /// The name of one connection in `agent_presence`: unique across instances and restarts.
    pub(crate) fn link_name(&self, conn_id: u64) -> Option<String> {
        self.instance().map(|i| format!("{i}:{conn_id}"))
    }

    /// Routes commands for agents connected to other instances through `cluster`.
    pub fn set_cluster(&self, cluster: Arc<cluster::Cluster>) {
        let _ = self.cluster.set(cluster);
    }

    fn opened(&self, entrance: Uuid, now: DateTime<Utc>, until: DateTime<Utc>) {
        let mut open = lock(&self.open_until);
        open.retain(|_, t| *t > now);
        let slot = open.entry(entrance).or_insert(until);
        if *slot < until {
            *slot = until;
        }
    }

    /// Signs and sends one unlock command, then waits for its ack. Never queues: an agent that
    /// is not connected right now (here, or with PostgreSQL at another instance) gets nothing.
    pub async fn unlock(
        &self,
        agent_id: Uuid,
        entrance: Uuid,
        pulse_ms: u32,
        now: DateTime<Utc>,
    ) -> Delivery {
        let mut id = [0u8; 16];
        if getrandom::fill(&mut id).is_err() {
            return Delivery::NotConfirmed;
        }
        let command_id = wire::hex128(id);
        let issued = now.timestamp_millis();
        let expires = issued + self.command_lifetime_ms;
        let cluster = match self.cluster.get() {
            Some(c) if !self.is_online(agent_id) => c.clone(),
            _ => {
                return self
                    .send_command(agent_id, entrance, pulse_ms, command_id, issued, expires)
                    .await
            }
        };
        // Never wait past the command's own expiry.
        let wait = self
            .ack_timeout
            .min(Duration::from_millis(self.command_lifetime_ms as u64));
        let d = cluster
            .forward(
                agent_id, entrance, pulse_ms, command_id, issued, expires, wait,
            )
            .await;
        if d == Delivery::Confirmed {
            self.opened(
                entrance,
                now,
                now + chrono::Duration::milliseconds(i64::from(pulse_ms)),
            );
        }
        d
    }

    /// Signs and sends a command with the given id and expiry to the agent connected here, then
    /// waits for its ack (at most until the expiry, at most the ack timeout).
    pub async fn send_command(
        &self,
        agent_id: Uuid,
        entrance: Uuid,
        pulse_ms: u32,
        command_id: String,
        issued_at_ms: i64,
        expires_at_ms: i64,
    ) -> Delivery {
        let cmd = Command {
            agent_id,
            acs_entrance_id: entrance,
            action: Action::Unlock,
            pulse_ms,
            command_id: command_id.clone(),
            issued_at_ms,
            expires_at_ms,
            seq: self.seq.fetch_add(1, Ordering::SeqCst) + 1,
        };
        let frame = wire::seal(wire::kind::COMMAND, &cmd, &self.key);
        let (reply, rx) = oneshot::channel();
        lock(&self.pending).insert(command_id.clone(), Pending { agent_id, reply });
        let sent = lock(&self.conns)
            .get(&agent_id)
            .is_some_and(|c| c.tx.send(Outbound::Frame(frame)).is_ok());
        if !sent {
            lock(&self.pending).remove(&command_id);
            return Delivery::Offline;
        }
        // Never wait past the command's own expiry.
        let lifetime = u64::try_from(expires_at_ms - issued_at_ms).unwrap_or(0);
        let wait = self.ack_timeout.min(Duration::from_millis(lifetime));
        let result = tokio::time::timeout(wait, rx).await;
        lock(&self.pending).remove(&command_id);
        match result {
            Ok(Ok(AckOutcome::Pulsed)) => {
                let now = ajar_protocol::time::from_millis(issued_at_ms);
                self.opened(
                    entrance,
                    now,
                    now + chrono::Duration::milliseconds(i64::from(pulse_ms)),
                );
                Delivery::Confirmed
            }
            Ok(Ok(AckOutcome::DriverFailed(d))) => Delivery::DriverFailed(d),
            _ => Delivery::NotConfirmed,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create_key(dir.path()).unwrap();
        let b = load_or_create_key(dir.path()).unwrap();
        assert_eq!(a.to_bytes(), b.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let c = load_or_create_key(tempfile::tempdir().unwrap().path()).unwrap();
        assert_ne!(a.to_bytes(), c.to_bytes(), "no shared or default key");
    }

    #[tokio::test]
    async fn an_offline_agent_gets_nothing_and_fails_fast() {
        let hub = Hub::new(
            SigningKey::from_bytes(&[3; 32]),
            5000,
            Duration::from_secs(3),
        );
        let t = std::time::Instant::now();
        let d = hub
            .unlock(Uuid::now_v7(), Uuid::now_v7(), 1000, Utc::now())
            .await;
        assert_eq!(d, Delivery::Offline);
        assert!(t.elapsed() < Duration::from_millis(100));
        assert!(lock(&hub.pending).is_empty());
    }
}
