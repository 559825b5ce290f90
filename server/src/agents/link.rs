//! The agent link endpoint (`GET /agents/link`, a WebSocket the agent dials out to). The server
//! speaks first with a fresh nonce; the agent must answer with a `hello` signed by its enrolled,
//! unrevoked key over that nonce, or the connection is closed. The server answers with a signed
//! `welcome`. After that: unlock commands out; signed acks, door-position events and pings in.
//! Any frame of another protocol version, an unknown kind, or binary data closes the link.

use std::sync::Arc;
use std::time::Duration;

use ajar_protocol::agent::{self as wire, kind, Ack, DoorEvent, Hello, Welcome};
use ajar_protocol::Event;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::Outbound;
use crate::store::{agents, entrances, events, presence};
use crate::AppState;

/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn handler(State(app): State<Arc<AppState>>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(wire::MAX_FRAME_BYTES)
        .max_frame_size(wire::MAX_FRAME_BYTES)
        .on_upgrade(move |socket| serve(app, socket))
}

async fn close(mut socket: WebSocket, why: &'static str) {
    tracing::warn!(reason = why, "agent link closed");
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1008,
            reason: why.into(),
        })))
        .await;
}

fn random_nonce() -> Option<String> {
    let mut n = [0u8; 16];
    getrandom::fill(&mut n).ok()?;
    Some(wire::hex128(n))
}

async fn serve(app: Arc<AppState>, mut socket: WebSocket) {
    let Some(nonce) = random_nonce() else {
        return close(socket, "no randomness").await;
    };
    let challenge = wire::plain(
        kind::CHALLENGE,
        &wire::Challenge {
            nonce: nonce.clone(),
        },
    );
    if socket.send(Message::Text(challenge.into())).await.is_err() {
        return;
    }
    let text = match tokio::time::timeout(HELLO_TIMEOUT, socket.recv()).await {
        Ok(Some(Ok(Message::Text(t)))) => t,
        _ => return close(socket, "expected a hello").await,
    };
    let env = match wire::decode(text.as_bytes()) {
        Ok(env) if env.kind == kind::HELLO => env,
        Ok(_) => return close(socket, "expected a signed hello").await,
        Err(_) => return close(socket, "unsupported or malformed hello").await,
    };
    // Read the claimed id only to find the key the signature must verify against.
    let Ok(claimed) = serde_json::from_str::<Hello>(&env.body) else {
        return close(socket, "malformed hello").await;
    };
    let agent = app
        .store
        .read(move |c| agents::get_any(c, claimed.agent_id))
        .await
        .ok()
        .flatten()
        .filter(|a| a.revoked_at.is_none());
    let Some(agent) = agent else {
        return close(socket, "unknown or revoked agent").await;
    };
    let Some(key) = wire::parse_public_key(&agent.public_key) else {
        return close(socket, "unusable agent key").await;
    };
    let hello: Hello = match wire::open(&env, kind::HELLO, &key) {
        Ok(h) => h,
        Err(_) => return close(socket, "hello signature does not verify").await,
    };
    if hello.server_nonce != nonce || hello.agent_id != agent.agent_id {
        return close(socket, "hello does not answer this challenge").await;
    }
    let hub = app.agents.clone();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = hub.register(agent.agent_id, agent.acs_system_id, hello.last_seq, tx);
    // A revoke that committed between the lookup and the registration must still win.
    let id = agent.agent_id;
    let now = app.clock.now();
    let link = hub.link_name(conn_id);
    let link_w = link.clone();
    let still_live = app
        .store
        .write(move |c| {
            let live = agents::get_any(c, id)?.is_some_and(|a| a.revoked_at.is_none());
            if live {
                agents::touch_connected(c, id, now)?;
                if let Some(link) = &link_w {
                    presence::seen(c, id, link, now)?;
                }
            }
            Ok(live)
        })
        .await
        .unwrap_or(false);
    let leave = Leave {
        app: app.clone(),
        agent_id: id,
        conn_id,
        link: link.clone(),
    };
    if !still_live {
        leave.now().await;
        return close(socket, "agent revoked").await;
    }
    let welcome = wire::seal(
        kind::WELCOME,
        &Welcome {
            agent_id: id,
            agent_nonce: hello.agent_nonce.clone(),
            server_time_ms: Utc::now().timestamp_millis(),
            heartbeat_ms: hub.heartbeat_ms,
        },
        hub.signing_key(),
    );
    if socket.send(Message::Text(welcome.into())).await.is_err() {
        leave.now().await;
        return;
    }
    tracing::info!(agent_id = %id, site = %agent.acs_system_id, version = %hello.agent_version, "agent connected");
    let idle = Duration::from_millis(u64::from(hub.heartbeat_ms) * 3);
    // With PostgreSQL the presence row is refreshed on a heartbeat at most twice per heartbeat
    // period, however often the agent pings.
    let refresh = Duration::from_millis(u64::from(hub.heartbeat_ms) / 2);
    let mut refreshed = tokio::time::Instant::now();
    let why = loop {
        tokio::select! {
            msg = tokio::time::timeout(idle, socket.recv()) => match msg {
                Err(_) => break "no heartbeat",
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => break "agent hung up",
                Ok(Some(Ok(Message::Ping(_)))) | Ok(Some(Ok(Message::Pong(_)))) => {}
                Ok(Some(Ok(Message::Binary(_)))) => {
                    close(socket, "binary frames are not part of the protocol").await;
                    leave.now().await;
                    return;
                }
                Ok(Some(Ok(Message::Text(t)))) => match handle(&app, &agent, &key, t.as_bytes()) {
                    Ok(Some(reply)) => {
                        if socket.send(Message::Text(reply.into())).await.is_err() {
                            break "send failed";
                        }
                        // Each heartbeat re-reads the agent, so a revoke made offline
                        // (`ajar-server agents revoke`) also cuts the link within one beat.
                        let live = match &link {
                            Some(link) if refreshed.elapsed() >= refresh => {
                                refreshed = tokio::time::Instant::now();
                                let (link, now) = (link.clone(), app.clock.now());
                                app.store.write(move |c| {
                                    let live = agents::get_any(c, id)?.is_some_and(|a| a.revoked_at.is_none());
                                    if live {
                                        presence::seen(c, id, &link, now)?;
                                    }
                                    Ok(live)
                                }).await.unwrap_or(true)
                            }
                            _ => app.store.read(move |c| agents::get_any(c, id)).await
                                .map(|a| a.is_some_and(|a| a.revoked_at.is_none()))
                                .unwrap_or(true),
                        };
                        if !live {
                            close(socket, "agent revoked").await;
                            leave.now().await;
                            return;
                        }
                    }
                    Ok(None) => {}
                    Err(why) => {
                        close(socket, why).await;
                        leave.now().await;
                        return;
                    }
                }
            },
            out = rx.recv() => match out {
                Some(Outbound::Frame(f)) => {
                    if socket.send(Message::Text(f.into())).await.is_err() {
                        break "send failed";
                    }
                }
                Some(Outbound::Close(why)) => {
                    close(socket, why).await;
                    leave.now().await;
                    return;
                }
                None => break "hub closed",
            },
        }
    };
    tracing::info!(agent_id = %id, reason = why, "agent disconnected");
    leave.now().await;
}

/// Ends one registered connection: forgets it in the hub and, with PostgreSQL, removes its
/// presence row (only if this link still holds the agent).
struct Leave {
    app: Arc<AppState>,
    agent_id: Uuid,
    conn_id: u64,
    link: Option<String>,
}

impl Leave {
    async fn now(self) {
        self.app.agents.unregister(self.agent_id, self.conn_id);
        if let Some(link) = self.link {
            let id = self.agent_id;
            if let Err(e) = self
                .app
                .store
                .write(move |c| presence::gone(c, id, &link))
                .await
            {
                tracing::warn!(agent_id = %id, error = %e, "cannot clear the agent's presence; it goes stale");
            }
        }
    }
}

/// Handles one frame from an authenticated agent: `Ok(Some(reply))`, `Ok(None)`, or
/// `Err(reason)` to close the link.
fn handle(
    app: &Arc<AppState>,
    agent: &ajar_protocol::agents::Agent,
    key: &ed25519_dalek::VerifyingKey,
    bytes: &[u8],
) -> Result<Option<String>, &'static str> {
    let env = wire::decode(bytes).map_err(|_| "unsupported or malformed frame")?;
    match env.kind.as_str() {
        kind::PING => Ok(Some(wire::plain(kind::PONG, &serde_json::json!({})))),
        kind::ACK => {
            match wire::open::<Ack>(&env, kind::ACK, key) {
                Ok(ack) if ack.agent_id == agent.agent_id => {
                    if !app
                        .agents
                        .resolve(agent.agent_id, &ack.command_id, ack.outcome)
                    {
                        tracing::warn!(agent_id = %agent.agent_id, command_id = %ack.command_id, "ack for no pending command ignored");
                    }
                }
                Ok(_) => {
                    tracing::warn!(agent_id = %agent.agent_id, "ack naming another agent ignored")
                }
                Err(e) => tracing::warn!(agent_id = %agent.agent_id, error = %e, "bad ack ignored"),
            }
            Ok(None)
        }
        kind::DOOR => {
            match wire::open::<DoorEvent>(&env, kind::DOOR, key) {
                Ok(ev) if ev.agent_id == agent.agent_id => record_door(app, agent, ev),
                _ => tracing::warn!(agent_id = %agent.agent_id, "bad door event ignored"),
            }
            Ok(None)
        }
        _ => Err("unexpected frame kind"),
    }
}

fn record_door(app: &Arc<AppState>, agent: &ajar_protocol::agents::Agent, ev: DoorEvent) {
    let (ws, site, agent_id) = (agent.workspace_id, agent.acs_system_id, agent.agent_id);
    let now = app.clock.now();
    let store = app.store.clone();
    tokio::spawn(async move {
        let r = store
            .write(move |c| {
                let Some(e) = entrances::get(c, ws, ev.acs_entrance_id)? else {
                    return Ok(false);
                };
                if e.acs_system_id != site {
                    return Ok(false);
                }
                events::append(
                    c,
                    &Event {
                        event_id: Uuid::now_v7(),
                        event_type: ev.position.event_type().to_owned(),
                        workspace_id: ws,
                        created_at: now,
                        occurred_at: now,
                        connected_account_id: Some(crate::store::workspaces::connected_account_id(
                            ws,
                        )),
                        acs_system_id: Some(site),
                        acs_entrance_id: Some(ev.acs_entrance_id),
                        agent_id: Some(agent_id),
                        actor_type: Some("agent".to_owned()),
                        actor_id: Some(agent_id),
                        ..Event::default()
                    },
                )?;
                Ok(true)
            })
            .await;
        if !matches!(r, Ok(true)) {
            tracing::warn!(%agent_id, "door event for an entrance outside the agent's site ignored");
        }
    });
}
