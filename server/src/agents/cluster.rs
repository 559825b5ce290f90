//! Agent commands across several server instances on one PostgreSQL database, routed through the
//! database with LISTEN/NOTIFY on channel [`CHANNEL`] (no cluster protocol of our own). An
//! instance that accepted an unlock for an agent connected elsewhere publishes the command's
//! fields — including the command id and the expiry fixed at acceptance — and waits; the
//! instance holding the agent answers `taken`, signs and sends the command with that same id and
//! expiry (so single use and expiry are exactly those of a local command, and an expired command
//! is never sent), then publishes how it ended. Nobody answering `taken` within
//! [`TAKEN_WITHIN`] means no instance has the agent: offline.

use std::collections::HashMap;
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use postgres::fallible_iterator::FallibleIterator;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::{Delivery, Hub};

/// The NOTIFY channel the instances share.
pub const CHANNEL: &str = "ajar_agents";

/// How long the accepting instance waits for another instance to claim the command.
pub const TAKEN_WITHIN: Duration = Duration::from_millis(1000);

/// A message between instances.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Msg {
    /// "Whoever holds this agent: send this command."
    Cmd {
        req: String,
        from: Uuid,
        agent_id: Uuid,
        entrance: Uuid,
        pulse_ms: u32,
        command_id: String,
        issued_at_ms: i64,
        expires_at_ms: i64,
    },
    /// "I hold the agent and am sending it."
    Taken { req: String, to: Uuid },
    /// "It ended like this."
    Done {
        req: String,
        to: Uuid,
        outcome: Ended,
    },
}

/// How a forwarded command ended (a [`Delivery`] on the wire).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    Confirmed,
    DriverFailed(String),
    Offline,
    NotConfirmed,
}

impl From<&Delivery> for Ended {
    fn from(d: &Delivery) -> Self {
        match d {
            Delivery::Confirmed => Ended::Confirmed,
            Delivery::DriverFailed(s) => Ended::DriverFailed(s.clone()),
            Delivery::Offline => Ended::Offline,
            Delivery::NotConfirmed => Ended::NotConfirmed,
        }
    }
}

impl From<Ended> for Delivery {
    fn from(e: Ended) -> Self {
        match e {
            Ended::Confirmed => Delivery::Confirmed,
            Ended::DriverFailed(s) => Delivery::DriverFailed(s),
            Ended::Offline => Delivery::Offline,
            Ended::NotConfirmed => Delivery::NotConfirmed,
        }
    }
}

#[derive(Debug, Default)]
struct Waiter {
    taken: Option<oneshot::Sender<()>>,
    done: Option<oneshot::Sender<Ended>>,
}

/// This instance's end of the shared channel.
#[derive(Debug)]
pub struct Cluster {
    pub instance: Uuid,
    out: Mutex<std_mpsc::Sender<String>>,
    waiting: Mutex<HashMap<String, Waiter>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Cluster {
    /// Connects the listener and the notifier (two connections to `url`, each on its own
    /// thread: the sync client must stay off the async threads) and starts routing for `hub`.
    /// Blocking: call it off the async threads, with `rt` the server's runtime.
    pub fn start(
        url: &str,
        hub: Arc<Hub>,
        rt: tokio::runtime::Handle,
    ) -> Result<Arc<Cluster>, String> {
        let err = |e: postgres::Error| format!("agent command channel: {e}");
        let mut listener = postgres::Client::connect(url, postgres::NoTls).map_err(err)?;
        listener
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .map_err(err)?;
        let mut notifier = postgres::Client::connect(url, postgres::NoTls).map_err(err)?;
        let (out_tx, out_rx) = std_mpsc::channel::<String>();
        let cluster = Arc::new(Cluster {
            instance: Uuid::now_v7(),
            out: Mutex::new(out_tx),
            waiting: Mutex::default(),
        });
        let url_n = url.to_owned();
        std::thread::Builder::new()
            .name("ajar-pg-notify".into())
            .spawn(move || {
                while let Ok(payload) = out_rx.recv() {
                    let sent = notifier.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload]);
                    if let Err(e) = sent {
                        tracing::warn!(error = %e, "cannot publish an agent command; reconnecting");
                        match postgres::Client::connect(&url_n, postgres::NoTls) {
                            Ok(c) => {
                                notifier = c;
                                let _ = notifier
                                    .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload]);
                            }
                            Err(e) => tracing::error!(error = %e, "notifier cannot reconnect"),
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        let (in_tx, mut in_rx) = mpsc::unbounded_channel::<Msg>();
        let url_l = url.to_owned();
        std::thread::Builder::new()
            .name("ajar-pg-listen".into())
            .spawn(move || loop {
                if in_tx.is_closed() {
                    break;
                }
                let next = listener
                    .notifications()
                    .timeout_iter(Duration::from_millis(500))
                    .next();
                match next {
                    Ok(Some(n)) => {
                        if let Ok(m) = serde_json::from_str::<Msg>(n.payload()) {
                            let _ = in_tx.send(m);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "agent channel listener lost; reconnecting");
                        std::thread::sleep(Duration::from_millis(500));
                        if let Ok(mut c) = postgres::Client::connect(&url_l, postgres::NoTls) {
                            if c.batch_execute(&format!("LISTEN {CHANNEL}")).is_ok() {
                                listener = c;
                            }
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        let me = cluster.clone();
        rt.spawn(async move {
            while let Some(m) = in_rx.recv().await {
                me.handle(&hub, m);
            }
        });
        Ok(cluster)
    }

    fn publish(&self, m: &Msg) {
        if let Ok(text) = serde_json::to_string(m) {
            let _ = lock(&self.out).send(text);
        }
    }

    fn handle(self: &Arc<Self>, hub: &Arc<Hub>, m: Msg) {
        match m {
            Msg::Cmd {
                req,
                from,
                agent_id,
                entrance,
                pulse_ms,
                command_id,
                issued_at_ms,
                expires_at_ms,
            } => {
                if from == self.instance || !hub.is_online(agent_id) {
                    return;
                }
                // Never send a command past the expiry fixed when it was accepted.
                if Utc::now().timestamp_millis() >= expires_at_ms {
                    return;
                }
                self.publish(&Msg::Taken {
                    req: req.clone(),
                    to: from,
                });
                let (me, hub) = (self.clone(), hub.clone());
                tokio::spawn(async move {
                    let d = hub
                        .send_command(
                            agent_id,
                            entrance,
                            pulse_ms,
                            command_id,
                            issued_at_ms,
                            expires_at_ms,
                        )
                        .await;
                    me.publish(&Msg::Done {
                        req,
                        to: from,
                        outcome: Ended::from(&d),
                    });
                });
            }
            Msg::Taken { req, to } if to == self.instance => {
                if let Some(t) = lock(&self.waiting)
                    .get_mut(&req)
                    .and_then(|w| w.taken.take())
                {
                    let _ = t.send(());
                }
            }
            Msg::Done { req, to, outcome } if to == self.instance => {
                if let Some(d) = lock(&self.waiting)
                    .get_mut(&req)
                    .and_then(|w| w.done.take())
                {
                    let _ = d.send(outcome);
                }
            }
            _ => {}
        }
    }

    /// Asks the instance holding `agent_id` to send the command and waits for how it ended, at
    /// most until `wait` has passed.
    #[allow(clippy::too_many_arguments)]
    pub async fn forward(
        &self,
        agent_id: Uuid,
        entrance: Uuid,
        pulse_ms: u32,
        command_id: String,
        issued_at_ms: i64,
        expires_at_ms: i64,
        wait: Duration,
    ) -> Delivery {
        let req = Uuid::new_v4().to_string();
        let (taken_tx, taken_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        lock(&self.waiting).insert(
            req.clone(),
            Waiter {
                taken: Some(taken_tx),
                done: Some(done_tx),
            },
        );
        self.publish(&Msg::Cmd {
            req: req.clone(),
            from: self.instance,
            agent_id,
            entrance,
            pulse_ms,
            command_id,
            issued_at_ms,
            expires_at_ms,
        });
        let started = tokio::time::Instant::now();
        let result = match tokio::time::timeout(TAKEN_WITHIN.min(wait), taken_rx).await {
            Ok(Ok(())) => {
                let left = wait.saturating_sub(started.elapsed());
                match tokio::time::timeout(left, done_rx).await {
                    Ok(Ok(ended)) => Delivery::from(ended),
                    _ => Delivery::NotConfirmed,
                }
            }
            _ => Delivery::Offline,
        };
        lock(&self.waiting).remove(&req);
        result
    }
}
