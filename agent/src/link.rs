//! The link to the server: dial out over WebSocket (`wss://` in production), answer the
//! server's challenge with a signed hello, require the server's signed welcome under the key
//! pinned at enrollment, then accept commands through [`CommandGuard`], pulse the relay, and
//! answer with signed acks. Heartbeats keep the link alive; a lost link is redialled with
//! exponential backoff and jitter. Commands are never accepted outside an authenticated session,
//! and nothing is queued: a command that arrives late is refused by its expiry.

use std::sync::Arc;
use std::time::Duration;

use ajar_protocol::agent::{
    self as wire, kind, Ack, AckOutcome, Challenge, CommandGuard, DoorEvent, DoorPosition,
    FrameError, Hello, Refusal, Welcome,
};
use ed25519_dalek::SigningKey;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::clock::Clock;
use crate::drivers::{self, Driver};
use crate::state::{Enrolled, State};
use crate::AgentError;

/// Everything a running agent needs.
#[derive(Debug)]
pub struct Agent {
    pub state: State,
    pub key: SigningKey,
    pub enrolled: Enrolled,
    pub driver: Arc<dyn Driver>,
    pub clock: Clock,
    pub heartbeat: Duration,
    pub max_backoff: Duration,
}

#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("link lost: {0}")]
    Lost(String),
    #[error("server not authenticated: {0}")]
    Handshake(String),
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// Delay before reconnection attempt `n` (0-based): exponential from 0.5 s up to `max`, with
/// full jitter on the upper half so a site's agents do not reconnect in lockstep.
pub fn backoff(n: u32, max: Duration) -> Duration {
    let base = Duration::from_millis(500).saturating_mul(1u32 << n.min(16));
    let cap = base.min(max);
    let half = cap / 2;
    let jitter = if half.is_zero() {
        0
    } else {
        random_u64() % (half.as_millis() as u64 + 1)
    };
    half + Duration::from_millis(jitter)
}

impl Agent {
    /// Runs forever: connect, serve, reconnect.
    pub async fn run(self) -> Result<(), AgentError> {
        let url = crate::config::Config::link_url(&self.enrolled.server)?;
        let server_key = self.enrolled.server_key()?;
        let mut guard =
            CommandGuard::new(self.enrolled.agent_id, server_key, self.state.last_seq()?);
        let mut door_events = self.driver.door_events();
        let mut failures = 0u32;
        tracing::info!(agent_id = %self.enrolled.agent_id, %url, driver = self.driver.name(), "starting");
        loop {
            let started = std::time::Instant::now();
            match self.session(&url, &mut guard, &mut door_events).await {
                Ok(()) => {}
                Err(e) => tracing::warn!(error = %e, "link down"),
            }
            if started.elapsed() > Duration::from_secs(30) {
                failures = 0;
            }
            let wait = backoff(failures, self.max_backoff);
            failures = failures.saturating_add(1);
            tracing::info!(wait_ms = wait.as_millis() as u64, "reconnecting");
            tokio::time::sleep(wait).await;
        }
    }

    async fn session(
        &self,
        url: &str,
        guard: &mut CommandGuard,
        door_events: &mut Option<mpsc::UnboundedReceiver<(Uuid, DoorPosition)>>,
    ) -> Result<(), SessionError> {
        let mut cfg = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default();
        cfg.max_message_size = Some(wire::MAX_FRAME_BYTES);
        cfg.max_frame_size = Some(wire::MAX_FRAME_BYTES);
        let (mut ws, _) = tokio::time::timeout(
            Duration::from_secs(15),
            tokio_tungstenite::connect_async_with_config(url, Some(cfg), true),
        )
        .await
        .map_err(|_| SessionError::Connect("timed out".into()))?
        .map_err(|e| SessionError::Connect(e.to_string()))?;
        let agent_id = self.enrolled.agent_id;

        // 1. The server's challenge.
        let text = next_text(&mut ws, Duration::from_secs(10)).await?;
        let env =
            wire::decode(text.as_bytes()).map_err(|e| SessionError::Handshake(e.to_string()))?;
        let challenge: Challenge = wire::open_plain(&env, kind::CHALLENGE)
            .map_err(|e| SessionError::Handshake(e.to_string()))?;
        // 2. Our signed hello.
        let mut n = [0u8; 16];
        getrandom::fill(&mut n).map_err(|e| SessionError::Handshake(e.to_string()))?;
        let agent_nonce = wire::hex128(n);
        let hello = wire::seal(
            kind::HELLO,
            &Hello {
                agent_id,
                server_nonce: challenge.nonce,
                agent_nonce: agent_nonce.clone(),
                last_seq: guard.last_seq(),
                agent_version: env!("CARGO_PKG_VERSION").to_owned(),
                door_sensor: door_events.is_some(),
            },
            &self.key,
        );
        ws.send(Message::Text(hello.into()))
            .await
            .map_err(|e| SessionError::Lost(e.to_string()))?;
        // 3. The server's signed welcome, under the pinned key.
        let text = next_text(&mut ws, Duration::from_secs(10)).await?;
        let env =
            wire::decode(text.as_bytes()).map_err(|e| SessionError::Handshake(e.to_string()))?;
        let welcome: Welcome = wire::open(
            &env,
            kind::WELCOME,
            &self
                .enrolled
                .server_key()
                .map_err(|e| SessionError::Handshake(e.to_string()))?,
        )
        .map_err(|e| SessionError::Handshake(e.to_string()))?;
        if welcome.agent_id != agent_id || welcome.agent_nonce != agent_nonce {
            return Err(SessionError::Handshake(
                "welcome does not answer our hello".into(),
            ));
        }
        tracing::info!(%agent_id, "connected; server authenticated");

        let (ack_tx, mut ack_rx) = mpsc::unbounded_channel::<String>();
        // Beat at least as often as the server expects (it drops links silent for 3 beats).
        let period = self.heartbeat.min(Duration::from_millis(
            u64::from(welcome.heartbeat_ms).max(1000),
        ));
        let mut beat = tokio::time::interval(period);
        beat.tick().await;
        let mut last_heard = tokio::time::Instant::now();
        loop {
            tokio::select! {
                msg = ws.next() => {
                    let msg = match msg {
                        None => return Err(SessionError::Lost("server closed".into())),
                        Some(Err(e)) => return Err(SessionError::Lost(e.to_string())),
                        Some(Ok(m)) => m,
                    };
                    last_heard = tokio::time::Instant::now();
                    match msg {
                        Message::Text(t) => {
                            if let Err(why) = self.on_frame(t.as_bytes(), guard, &ack_tx) {
                                let _ = ws.close(None).await;
                                return Err(SessionError::Lost(why));
                            }
                        }
                        Message::Close(f) => {
                            return Err(SessionError::Lost(format!("server closed the link: {}",
                                f.map(|f| f.reason.to_string()).unwrap_or_default())));
                        }
                        Message::Binary(_) => {
                            let _ = ws.close(None).await;
                            return Err(SessionError::Lost("binary frame from server".into()));
                        }
                        _ => {}
                    }
                }
                Some(frame) = ack_rx.recv() => {
                    ws.send(Message::Text(frame.into())).await.map_err(|e| SessionError::Lost(e.to_string()))?;
                }
                Some((door, position)) = async { match door_events.as_mut() { Some(r) => r.recv().await, None => std::future::pending().await } } => {
                    tracing::info!(%door, ?position, "door position");
                    let f = wire::seal(kind::DOOR, &DoorEvent { agent_id, acs_entrance_id: door, position, at_ms: self.clock.now_ms() }, &self.key);
                    ws.send(Message::Text(f.into())).await.map_err(|e| SessionError::Lost(e.to_string()))?;
                }
                _ = beat.tick() => {
                    if last_heard.elapsed() > period * 3 {
                        return Err(SessionError::Lost("no answer to heartbeats".into()));
                    }
                    let f = wire::plain(kind::PING, &serde_json::json!({}));
                    ws.send(Message::Text(f.into())).await.map_err(|e| SessionError::Lost(e.to_string()))?;
                }
            }
        }
    }

    /// One frame from the authenticated server. Commands that fail any check are refused and
    /// logged (no pulse); frames of another version or unknown kinds end the session.
    fn on_frame(
        &self,
        bytes: &[u8],
        guard: &mut CommandGuard,
        acks: &mpsc::UnboundedSender<String>,
    ) -> Result<(), String> {
        let env = match wire::decode(bytes) {
            Ok(env) => env,
            Err(
                e @ (FrameError::WrongVersion(_) | FrameError::Malformed(_) | FrameError::TooLarge),
            ) => {
                tracing::warn!(error = %e, "refused frame; closing the link");
                return Err(e.to_string());
            }
            Err(e) => return Err(e.to_string()),
        };
        match env.kind.as_str() {
            kind::PONG => Ok(()),
            kind::COMMAND => {
                let now = self.clock.now_ms();
                let cmd = match guard.accept(bytes, now) {
                    Ok(c) => c,
                    Err(r) => {
                        log_refusal(&r);
                        return Ok(());
                    }
                };
                tracing::info!(command_id = %cmd.command_id, entrance = %cmd.acs_entrance_id, pulse_ms = cmd.pulse_ms, seq = cmd.seq, expires_at_ms = cmd.expires_at_ms, "command accepted");
                // The sequence is on disk before the relay moves.
                let persisted = self.state.save_last_seq(cmd.seq);
                let (driver, key, acks) = (self.driver.clone(), self.key.clone(), acks.clone());
                let clock = self.clock.clone();
                let agent_id = self.enrolled.agent_id;
                tokio::spawn(async move {
                    let outcome = match persisted {
                        Err(e) => {
                            AckOutcome::DriverFailed(format!("cannot record the sequence: {e}"))
                        }
                        Ok(()) => {
                            match drivers::pulse(driver, cmd.acs_entrance_id, cmd.pulse_ms).await {
                                Ok(()) => AckOutcome::Pulsed,
                                Err(e) => {
                                    tracing::error!(error = %e, "relay did not energise");
                                    AckOutcome::DriverFailed(e.to_string())
                                }
                            }
                        }
                    };
                    let ack = Ack {
                        agent_id,
                        command_id: cmd.command_id,
                        seq: cmd.seq,
                        outcome,
                        at_ms: clock.now_ms(),
                    };
                    // If the link is gone the ack is lost; the server reports "not confirmed".
                    let _ = acks.send(wire::seal(kind::ACK, &ack, &key));
                });
                Ok(())
            }
            other => {
                tracing::warn!(kind = %other.chars().take(32).collect::<String>(), "unexpected frame kind; closing the link");
                Err("unexpected frame kind".into())
            }
        }
    }
}

fn log_refusal(r: &Refusal) {
    tracing::warn!(reason = %r, "REFUSED command: no pulse");
}

async fn next_text<S>(ws: &mut S, wait: Duration) -> Result<String, SessionError>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    match tokio::time::timeout(wait, ws.next()).await {
        Err(_) => Err(SessionError::Handshake("timed out".into())),
        Ok(None) => Err(SessionError::Lost("closed".into())),
        Ok(Some(Err(e))) => Err(SessionError::Lost(e.to_string())),
        Ok(Some(Ok(Message::Text(t)))) => Ok(t.to_string()),
        Ok(Some(Ok(Message::Close(f)))) => Err(SessionError::Handshake(format!(
            "server closed the link: {}",
            f.map(|f| f.reason.to_string()).unwrap_or_default()
        ))),
        Ok(Some(Ok(_))) => Err(SessionError::Handshake("unexpected frame".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wss_goes_through_rustls_and_fails_cleanly_on_a_peer_without_tls() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                use tokio::io::AsyncWriteExt;
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let url = crate::config::Config::link_url(&format!("https://{addr}")).unwrap();
        assert!(url.starts_with("wss://"));
        let r = tokio_tungstenite::connect_async(url.as_str()).await;
        let e = r.expect_err("no TLS on the other side").to_string();
        assert!(!e.is_empty());
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let max = Duration::from_secs(60);
        for n in 0..30 {
            let d = backoff(n, max);
            let cap = Duration::from_millis(500)
                .saturating_mul(1u32 << n.min(16))
                .min(max);
            assert!(
                d >= cap / 2 && d <= cap,
                "{n}: {d:?} within [{:?}, {cap:?}]",
                cap / 2
            );
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| backoff(6, max)).collect();
        assert!(spread.len() > 1, "jittered");
    }
}
