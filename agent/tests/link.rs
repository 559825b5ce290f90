//! The door agent against a real server on loopback: the real `ajar-agent` binary (command
//! driver appending each relay movement to a file), an in-process `ajar-server`, and for the
//! attack cases a WebSocket man-in-the-middle between them that records, holds and injects
//! frames. Every refused frame must leave the pulse count unchanged.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ajar_protocol::agent::{self as wire, kind, Action};
use ajar_server::clock::SystemClock;
use ajar_server::testing::TestServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "seam_agenttest_0123456789abcdefghij";

struct World {
    srv: TestServer,
    http: reqwest::Client,
    doors: Vec<(String, String)>, // (site, door)
    method: String,
}

impl World {
    async fn start(sites: usize) -> World {
        let srv = TestServer::start_with(KEY, Arc::new(SystemClock), |c| {
            c.agent_ack_timeout_ms = 2000;
        })
        .await
        .expect("server");
        World::with(srv, sites).await
    }

    /// The fixture on an already started server.
    async fn with(srv: TestServer, sites: usize) -> World {
        let mut w = World {
            srv,
            http: reqwest::Client::new(),
            doors: vec![],
            method: String::new(),
        };
        for i in 0..sites {
            let site = w
                .ok(
                    "/acs/systems/create",
                    json!({"name": format!("Site {i}"), "time_zone": "UTC"}),
                )
                .await["acs_system"]["acs_system_id"]
                .as_str()
                .unwrap()
                .to_owned();
            let door = w
                .ok(
                    "/acs/entrances/create",
                    json!({"acs_system_id": site, "display_name": format!("Door {i}")}),
                )
                .await["acs_entrance"]["acs_entrance_id"]
                .as_str()
                .unwrap()
                .to_owned();
            w.doors.push((site, door));
        }
        let user = w
            .ok("/user_identities/create", json!({"full_name": "Maya"}))
            .await["user_identity"]["user_identity_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let doors: Vec<&String> = w.doors.iter().map(|(_, d)| d).collect();
        let g = w
            .ok("/access_grants/create", json!({"user_identity_id": user, "acs_entrance_ids": doors, "requested_access_methods": [{"mode": "cloud_key"}]}))
            .await;
        w.method = g["access_grant"]["access_method_ids"][0]
            .as_str()
            .unwrap()
            .to_owned();
        w
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.srv.url))
            .bearer_auth(KEY)
            .json(&body)
            .send()
            .await
            .expect("request");
        let st = r.status().as_u16();
        (st, r.json().await.expect("json"))
    }

    async fn ok(&self, path: &str, body: Value) -> Value {
        let (st, v) = self.post(path, body).await;
        assert_eq!(st, 200, "{path}: {v}");
        v
    }

    async fn code(&self, site: &str) -> String {
        self.ok(
            "/agents/enrollment_codes/create",
            json!({"acs_system_id": site}),
        )
        .await["agent_enrollment_code"]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn unlock(&self, door: &str) -> (Value, Duration) {
        let t = Instant::now();
        let v = self
            .ok(
                "/access_methods/unlock_door",
                json!({"access_method_id": self.method, "acs_entrance_id": door}),
            )
            .await;
        (v["action_attempt"].clone(), t.elapsed())
    }

    async fn online(&self, agent: &str) -> bool {
        self.ok("/agents/get", json!({"agent_id": agent})).await["agent"]["is_online"] == true
    }

    async fn wait_online(&self, agent: &str, want: bool) {
        let t = Instant::now();
        while self.online(agent).await != want {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "agent online never became {want}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn events(&self, attempt: &str) -> Vec<String> {
        self.ok("/events/list", json!({"action_attempt_id": attempt}))
            .await["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// One agent's files and process.
struct AgentProc {
    dir: tempfile::TempDir,
    child: Option<Child>,
    agent_id: String,
}

impl AgentProc {
    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }
    fn pulses_file(&self) -> PathBuf {
        self.dir.path().join("pulses")
    }
    fn clock_file(&self) -> PathBuf {
        self.dir.path().join("clock-offset")
    }
    fn log_file(&self) -> PathBuf {
        self.dir.path().join("agent.log")
    }

    /// Relay energisations so far.
    fn pulses(&self) -> usize {
        std::fs::read_to_string(self.pulses_file())
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("open "))
            .count()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }

    fn set_clock_offset_ms(&self, ms: i64) {
        std::fs::write(self.clock_file(), ms.to_string()).unwrap();
    }

    /// Enrolls (real binary, `--enroll-only`) with `code` against `server`.
    fn enroll(server: &str, code: &str) -> AgentProc {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ajar-agent"))
            .args([
                "--server",
                server,
                "--enroll",
                code,
                "--enroll-only",
                "--state-dir",
            ])
            .arg(dir.path().join("state"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "enroll failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let e: Value = serde_json::from_slice(
            &std::fs::read(dir.path().join("state/enrollment.json")).unwrap(),
        )
        .unwrap();
        AgentProc {
            dir,
            child: None,
            agent_id: e["agent_id"].as_str().unwrap().to_owned(),
        }
    }

    /// Runs the agent, dialling `server` (the real one or a proxy).
    fn run(&mut self, server: &str) {
        self.run_with(server, &[]);
    }

    /// [`AgentProc::run`] with extra command-line arguments.
    fn run_with(&mut self, server: &str, extra: &[&str]) {
        let cfg = format!(
            "server = \"{server}\"\nstate_dir = \"{}\"\nheartbeat_secs = 1\nmax_backoff_secs = 1\n[driver]\nkind = \"command\"\nprogram = \"/bin/sh\"\nargs = [\"-c\", \"echo \\\"$0 $1 $2\\\" >> {}\"]\n",
            self.state().display(),
            self.pulses_file().display()
        );
        let cfg_path = self.dir.path().join("agent.toml");
        std::fs::write(&cfg_path, cfg).unwrap();
        self.set_clock_offset_ms(0);
        let log = std::fs::File::create(self.log_file()).unwrap();
        self.child = Some(
            Command::new(env!("CARGO_BIN_EXE_ajar-agent"))
                .arg("--config")
                .arg(&cfg_path)
                .arg("--test-clock-offset-file")
                .arg(self.clock_file())
                .args(extra)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
    }
}

impl Drop for AgentProc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A WebSocket man-in-the-middle between an agent and the server.
#[derive(Default)]
struct Tap {
    commands: Mutex<Vec<String>>,
    held: Mutex<Vec<String>>,
    hold: AtomicBool,
    block: AtomicBool,
    to_agent: Mutex<Option<mpsc::UnboundedSender<String>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Tap {
    fn inject(&self, frame: &str) {
        let tx = self
            .to_agent
            .lock()
            .unwrap()
            .clone()
            .expect("a live connection");
        tx.send(frame.to_owned()).unwrap();
    }
    fn last_command(&self) -> String {
        self.commands
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a recorded command")
    }
    /// Drops every proxied connection now.
    fn cut(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
        *self.to_agent.lock().unwrap() = None;
    }
}

async fn proxy(server_url: &str) -> (String, Arc<Tap>) {
    proxy_to(&[server_url]).await
}

/// A proxy that, like a load balancer, passes each new connection to the first of `servers`
/// that accepts it.
async fn proxy_to(servers: &[&str]) -> (String, Arc<Tap>) {
    let upstreams: Vec<String> = servers
        .iter()
        .map(|u| format!("{}/agents/link", u.replace("http://", "ws://")))
        .collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tap = Arc::new(Tap::default());
    let t = tap.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            if t.block.load(Ordering::SeqCst) {
                drop(tcp);
                continue;
            }
            let (t2, ups) = (t.clone(), upstreams.clone());
            let task = tokio::spawn(async move {
                let Ok(agent) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                let mut server = None;
                for up in &ups {
                    if let Ok((s, _)) = tokio_tungstenite::connect_async(up).await {
                        server = Some(s);
                        break;
                    }
                }
                let Some(server) = server else {
                    return;
                };
                let (mut a_tx, mut a_rx) = agent.split();
                let (mut s_tx, mut s_rx) = server.split();
                let (tx, mut rx) = mpsc::unbounded_channel::<String>();
                *t2.to_agent.lock().unwrap() = Some(tx);
                loop {
                    tokio::select! {
                        m = s_rx.next() => {
                            let Some(Ok(m)) = m else { return };
                            if let Message::Text(text) = &m {
                                if wire::decode(text.as_bytes()).is_ok_and(|e| e.kind == kind::COMMAND) {
                                    t2.commands.lock().unwrap().push(text.to_string());
                                    if t2.hold.load(Ordering::SeqCst) {
                                        t2.held.lock().unwrap().push(text.to_string());
                                        continue;
                                    }
                                }
                            }
                            if a_tx.send(m).await.is_err() { return }
                        }
                        m = a_rx.next() => {
                            let Some(Ok(m)) = m else { return };
                            if s_tx.send(m).await.is_err() { return }
                        }
                        Some(f) = rx.recv() => {
                            if a_tx.send(Message::Text(f.into())).await.is_err() { return }
                        }
                    }
                }
            });
            t.tasks.lock().unwrap().push(task);
        }
    });
    (format!("http://{addr}"), tap)
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(600)).await;
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_unlock_with_confirmation_then_revoke_cuts_the_agent_off() {
    let w = World::start(1).await;
    let (site, door) = w.doors[0].clone();
    let code = w.code(&site).await;
    let mut a = AgentProc::enroll(&w.srv.url, &code);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(a.state().join("agent.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            m & 0o777,
            0o600,
            "the private key is readable by its owner only"
        );
    }
    // The code is single-use.
    let dir = tempfile::tempdir().unwrap();
    let again = Command::new(env!("CARGO_BIN_EXE_ajar-agent"))
        .args([
            "--server",
            &w.srv.url,
            "--enroll",
            &code,
            "--enroll-only",
            "--state-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!again.status.success(), "a used enrollment code is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("unknown, used or expired"));

    // Before the agent connects, the door is offline and an unlock fails fast, audited.
    let (att, took) = w.unlock(&door).await;
    assert_eq!(att["status"], "error");
    assert_eq!(att["error"]["type"], "agent_offline");
    assert!(took < Duration::from_secs(3));

    a.run(&w.srv.url);
    w.wait_online(&a.agent_id, true).await;
    let e = w
        .ok("/acs/entrances/get", json!({"acs_entrance_id": door}))
        .await;
    assert_eq!(e["acs_entrance"]["ajar_metadata"]["driver"], "agent");
    assert_eq!(e["acs_entrance"]["ajar_metadata"]["is_online"], true);

    let (att, _) = w.unlock(&door).await;
    assert_eq!(att["status"], "success", "{att}");
    assert_eq!(att["result"]["was_confirmed_by_device"], true);
    assert_eq!(a.pulses(), 1);
    let ev = w.events(att["action_attempt_id"].as_str().unwrap()).await;
    for t in [
        "action_attempt.unlock_door.requested",
        "lock.unlocked",
        "action_attempt.unlock_door.succeeded",
    ] {
        assert!(ev.iter().any(|e| e == t), "{t} in {ev:?}");
    }
    let e = w
        .ok("/acs/entrances/get", json!({"acs_entrance_id": door}))
        .await;
    assert_eq!(
        e["acs_entrance"]["is_locked"], false,
        "unlocked for the pulse"
    );

    // Revoke: the link is cut at once and unlocks fail.
    w.ok("/agents/revoke", json!({"agent_id": a.agent_id}))
        .await;
    assert!(
        !w.online(&a.agent_id).await,
        "offline as soon as the revoke answers"
    );
    let (att, took) = w.unlock(&door).await;
    assert_eq!(att["status"], "error");
    assert_eq!(att["error"]["type"], "agent_offline");
    assert!(took < Duration::from_secs(3));
    let ev = w.events(att["action_attempt_id"].as_str().unwrap()).await;
    assert!(
        ev.iter().any(|e| e == "action_attempt.unlock_door.failed"),
        "{ev:?}"
    );
    settle().await;
    assert_eq!(a.pulses(), 1, "no pulse after the revoke");
    // The revoked agent cannot come back: its hellos are refused.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!w.online(&a.agent_id).await);
    assert!(a.log().contains("unknown or revoked agent"), "{}", a.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_late_misaddressed_unsigned_forged_and_downgraded_frames_pulse_nothing() {
    let w = World::start(2).await;
    let (site_a, door_a) = w.doors[0].clone();
    let (site_b, _door_b) = w.doors[1].clone();
    let mut a = AgentProc::enroll(&w.srv.url, &w.code(&site_a).await);
    let mut b = AgentProc::enroll(&w.srv.url, &w.code(&site_b).await);
    let (pa_url, pa) = proxy(&w.srv.url).await;
    let (pb_url, pb) = proxy(&w.srv.url).await;
    a.run(&pa_url);
    b.run(&pb_url);
    w.wait_online(&a.agent_id, true).await;
    w.wait_online(&b.agent_id, true).await;

    let (att, _) = w.unlock(&door_a).await;
    assert_eq!(att["result"]["was_confirmed_by_device"], true, "{att}");
    assert_eq!(a.pulses(), 1);
    let recorded = pa.last_command();

    // 1. Replay of the recorded frame (still within its lifetime).
    pa.inject(&recorded);
    settle().await;
    assert_eq!(a.pulses(), 1, "replayed frame refused");
    assert!(
        a.log().contains("command id was already used"),
        "{}",
        a.log()
    );

    // 2. The same frame delivered to another agent.
    pb.inject(&recorded);
    settle().await;
    assert_eq!(b.pulses(), 0, "frame for another agent refused");
    assert!(
        b.log().contains("addressed to another agent"),
        "{}",
        b.log()
    );

    // 3. A frame held back and delivered 11 s late (the agent's clock is moved 11 s on).
    pa.hold.store(true, Ordering::SeqCst);
    let (att, _) = w.unlock(&door_a).await;
    assert_eq!(att["status"], "error");
    assert_eq!(att["error"]["type"], "device_not_confirmed", "{att}");
    pa.hold.store(false, Ordering::SeqCst);
    let late = pa.held.lock().unwrap().pop().expect("held frame");
    a.set_clock_offset_ms(11_000);
    pa.inject(&late);
    settle().await;
    assert_eq!(a.pulses(), 1, "11 s late frame refused");
    assert!(a.log().contains("expired"), "{}", a.log());
    a.set_clock_offset_ms(0);

    // 4. Unsigned and 5. forged (signed by another key) fresh commands.
    let fresh = |seq: u64| wire::Command {
        agent_id: a.agent_id.parse().unwrap(),
        acs_entrance_id: door_a.parse().unwrap(),
        action: Action::Unlock,
        pulse_ms: 1000,
        command_id: wire::hex128([seq as u8; 16]),
        issued_at_ms: now_ms(),
        expires_at_ms: now_ms() + 5000,
        seq: u64::MAX - seq,
    };
    pa.inject(&wire::plain(kind::COMMAND, &fresh(1)));
    settle().await;
    assert_eq!(a.pulses(), 1, "unsigned frame refused");
    assert!(a.log().contains("frame is not signed"), "{}", a.log());
    let forger = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    pa.inject(&wire::seal(kind::COMMAND, &fresh(2), &forger));
    settle().await;
    assert_eq!(a.pulses(), 1, "forged frame refused");
    assert!(a.log().contains("signature does not verify"), "{}", a.log());

    // 6. A downgraded frame (another protocol version) closes the link; nothing pulses.
    let mut env = wire::decode(recorded.as_bytes()).unwrap();
    env.v = 0;
    env.sig = None;
    pa.inject(&serde_json::to_string(&env).unwrap());
    settle().await;
    assert_eq!(a.pulses(), 1, "downgraded frame refused");
    assert!(
        a.log().contains("protocol version 0 is not supported"),
        "{}",
        a.log()
    );

    // Server side: a downgraded or unsigned hello, or one from an unknown key, is closed.
    let link = format!("{}/agents/link", w.srv.url.replace("http://", "ws://"));
    for variant in ["v0", "unsigned", "unknown-key"] {
        let (mut ws, _) = tokio_tungstenite::connect_async(&link).await.unwrap();
        let Some(Ok(Message::Text(ch))) = ws.next().await else {
            panic!("challenge")
        };
        let ch: wire::Challenge =
            wire::open_plain(&wire::decode(ch.as_bytes()).unwrap(), kind::CHALLENGE).unwrap();
        let hello = wire::Hello {
            agent_id: a.agent_id.parse().unwrap(),
            server_nonce: ch.nonce,
            agent_nonce: "00".repeat(16),
            last_seq: 0,
            agent_version: "x".into(),
            door_sensor: false,
        };
        let frame = match variant {
            "v0" => {
                let mut e =
                    wire::decode(wire::seal(kind::HELLO, &hello, &forger).as_bytes()).unwrap();
                e.v = 0;
                serde_json::to_string(&e).unwrap()
            }
            "unsigned" => wire::plain(kind::HELLO, &hello),
            _ => wire::seal(kind::HELLO, &hello, &forger),
        };
        ws.send(Message::Text(frame.into())).await.unwrap();
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {}
            other => panic!("{variant} hello was answered: {other:?}"),
        }
    }

    // The real agent reconnects and still opens on a fresh, genuine command.
    w.wait_online(&a.agent_id, true).await;
    let (att, _) = w.unlock(&door_a).await;
    assert_eq!(att["result"]["was_confirmed_by_device"], true, "{att}");
    assert_eq!(a.pulses(), 2);
    assert_eq!(b.pulses(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_seconds_offline_then_back_pulses_nothing_from_old_commands() {
    let w = World::start(1).await;
    let (site, door) = w.doors[0].clone();
    let mut a = AgentProc::enroll(&w.srv.url, &w.code(&site).await);
    let (p_url, p) = proxy(&w.srv.url).await;
    a.run(&p_url);
    w.wait_online(&a.agent_id, true).await;
    let (att, _) = w.unlock(&door).await;
    assert_eq!(att["result"]["was_confirmed_by_device"], true, "{att}");
    let delivered = p.last_command();
    // A command captured in flight, never delivered.
    p.hold.store(true, Ordering::SeqCst);
    let (att, _) = w.unlock(&door).await;
    assert_eq!(att["error"]["type"], "device_not_confirmed");
    let captured = p.held.lock().unwrap().pop().unwrap();
    p.hold.store(false, Ordering::SeqCst);

    // The agent goes offline: the server fails unlocks fast and queues nothing.
    p.block.store(true, Ordering::SeqCst);
    p.cut();
    w.wait_online(&a.agent_id, false).await;
    let (att, took) = w.unlock(&door).await;
    assert_eq!(att["error"]["type"], "agent_offline");
    assert!(took < Duration::from_secs(3), "{took:?}");
    let ev = w.events(att["action_attempt_id"].as_str().unwrap()).await;
    assert!(
        ev.iter().any(|e| e == "action_attempt.unlock_door.failed"),
        "{ev:?}"
    );

    // 30 s pass (on the agent's clock), then it comes back.
    a.set_clock_offset_ms(30_000);
    p.block.store(false, Ordering::SeqCst);
    w.wait_online(&a.agent_id, true).await;
    settle().await;
    assert_eq!(a.pulses(), 1, "nothing was queued for the agent");
    p.inject(&captured);
    p.inject(&delivered);
    settle().await;
    assert_eq!(a.pulses(), 1, "old commands refused after the outage");

    // Back on time, a fresh unlock works.
    a.set_clock_offset_ms(0);
    let (att, _) = w.unlock(&door).await;
    assert_eq!(att["result"]["was_confirmed_by_device"], true, "{att}");
    assert_eq!(a.pulses(), 2);
}

/// Acts as an enrolled agent with its own key (read from its state directory): the server
/// records signed door-position events on the audit trail and ignores acks it cannot verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn door_position_events_are_audited_and_unverifiable_acks_ignored() {
    let w = World::start(1).await;
    let (site, door) = w.doors[0].clone();
    let a = AgentProc::enroll(&w.srv.url, &w.code(&site).await);
    let seed: [u8; 32] = std::fs::read(a.state().join("agent.key"))
        .unwrap()
        .try_into()
        .unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let agent_id: uuid::Uuid = a.agent_id.parse().unwrap();
    let link = format!("{}/agents/link", w.srv.url.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(&link).await.unwrap();
    let Some(Ok(Message::Text(ch))) = ws.next().await else {
        panic!("challenge")
    };
    let ch: wire::Challenge =
        wire::open_plain(&wire::decode(ch.as_bytes()).unwrap(), kind::CHALLENGE).unwrap();
    let hello = wire::Hello {
        agent_id,
        server_nonce: ch.nonce,
        agent_nonce: "ab".repeat(16),
        last_seq: 0,
        agent_version: "test".into(),
        door_sensor: true,
    };
    ws.send(Message::Text(wire::seal(kind::HELLO, &hello, &key).into()))
        .await
        .unwrap();
    let Some(Ok(Message::Text(wel))) = ws.next().await else {
        panic!("welcome")
    };
    assert_eq!(wire::decode(wel.as_bytes()).unwrap().kind, kind::WELCOME);
    w.wait_online(&a.agent_id, true).await;

    // A door forced open, signed: recorded.
    let ev = wire::DoorEvent {
        agent_id,
        acs_entrance_id: door.parse().unwrap(),
        position: wire::DoorPosition::Forced,
        at_ms: now_ms(),
    };
    ws.send(Message::Text(wire::seal(kind::DOOR, &ev, &key).into()))
        .await
        .unwrap();
    // The same event signed by another key: ignored.
    let other = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
    let mut held = ev.clone();
    held.position = wire::DoorPosition::HeldOpen;
    ws.send(Message::Text(wire::seal(kind::DOOR, &held, &other).into()))
        .await
        .unwrap();

    // An unlock whose ack is forged (wrong key) stays unconfirmed.
    let (att, _) = tokio::join!(w.unlock(&door), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let env = wire::decode(t.as_bytes()).unwrap();
                    if env.kind == kind::COMMAND {
                        let c: wire::Command = serde_json::from_str(&env.body).unwrap();
                        let ack = wire::Ack {
                            agent_id,
                            command_id: c.command_id,
                            seq: c.seq,
                            outcome: wire::AckOutcome::Pulsed,
                            at_ms: now_ms(),
                        };
                        ws.send(Message::Text(wire::seal(kind::ACK, &ack, &other).into()))
                            .await
                            .unwrap();
                        return;
                    }
                }
                other => panic!("link ended: {other:?}"),
            }
        }
    });
    let att = att.0;
    assert_eq!(att["status"], "error");
    assert_eq!(att["error"]["type"], "device_not_confirmed", "{att}");

    let events = w
        .ok(
            "/events/list",
            json!({"acs_entrance_id": door, "limit": 100}),
        )
        .await["events"]
        .as_array()
        .unwrap()
        .clone();
    let forced: Vec<_> = events
        .iter()
        .filter(|e| e["event_type"] == "acs_entrance.door_forced_open")
        .collect();
    assert_eq!(forced.len(), 1, "{events:?}");
    assert_eq!(forced[0]["agent_id"], a.agent_id.as_str());
    assert!(!events
        .iter()
        .any(|e| e["event_type"] == "acs_entrance.door_held_open"));
}

/// A fresh database on the PostgreSQL of `AJAR_TEST_POSTGRES`, if set.
fn pg_test_database() -> Option<String> {
    let base = std::env::var("AJAR_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())?;
    let name = format!("ajar_agent_{}", uuid::Uuid::new_v4().simple());
    let url = format!("{}/{name}", base.rsplit_once('/')?.0);
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&base, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
    })
    .join()
    .expect("thread");
    Some(url)
}

/// Two server instances on one PostgreSQL database (and one agent key, as DEPLOYMENT.md says).
async fn instance(dir: &std::path::Path, db: &str) -> TestServer {
    let (dir, db) = (dir.to_owned(), db.to_owned());
    TestServer::start_with(KEY, Arc::new(SystemClock), move |c| {
        c.agent_ack_timeout_ms = 2000;
        c.data_dir = dir;
        c.database = Some(db);
    })
    .await
    .expect("server")
}

/// `path` with `body` on the server at `url` (answers of any status).
async fn post_at(url: &str, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{url}{path}"))
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json")
}

/// What the instance at `url` says of the agent's link and of the door: (agent online, door
/// online, door locked).
async fn seen_from(url: &str, agent: &str, door: &str) -> (bool, bool, bool) {
    let a = post_at(url, "/agents/get", json!({"agent_id": agent})).await;
    let e = post_at(url, "/acs/entrances/get", json!({"acs_entrance_id": door})).await;
    (
        a["agent"]["is_online"] == true,
        e["acs_entrance"]["ajar_metadata"]["is_online"] == true,
        e["acs_entrance"]["is_locked"] == true,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_an_unlock_accepted_by_one_instance_reaches_the_agent_on_another() {
    let Some(db) = pg_test_database() else {
        return; // needs AJAR_TEST_POSTGRES: several instances share a PostgreSQL database
    };
    let dir = tempfile::tempdir().unwrap();
    let w = World::with(instance(dir.path(), &db).await, 1).await;
    let b = instance(dir.path(), &db).await;
    // A third instance that takes no part in any unlock: it knows only what the database says.
    let c = instance(dir.path(), &db).await;
    let (site, door) = w.doors[0].clone();
    let code = w.code(&site).await;
    // The agent enrolls and connects through instance B; unlocks go to instance A.
    let mut agent = AgentProc::enroll(&b.url, &code);
    agent.run(&b.url);
    let on_b = |path: &'static str, body: Value| {
        let url = b.url.clone();
        async move { post_at(&url, path, body).await }
    };
    let t = Instant::now();
    while on_b("/agents/get", json!({"agent_id": agent.agent_id})).await["agent"]["is_online"]
        != true
    {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "agent never connected to B"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every instance gives the same answer, whichever holds the link.
    for url in [&w.srv.url, &b.url, &c.url] {
        assert_eq!(
            seen_from(url, &agent.agent_id, &door).await,
            (true, true, true),
            "{url}: agent online, door online and locked"
        );
    }

    let (att, took) = w.unlock(&door).await;
    assert_eq!(att["status"], "success", "{att}");
    assert_eq!(att["result"]["was_confirmed_by_device"], true);
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(agent.pulses(), 1, "one command, one pulse");
    let ev = w.events(att["action_attempt_id"].as_str().unwrap()).await;
    assert!(ev.iter().any(|e| e == "lock.unlocked"), "{ev:?}");
    // The door stands open (for its 5 s pulse) on every instance, C included.
    for url in [&w.srv.url, &b.url, &c.url] {
        assert_eq!(
            seen_from(url, &agent.agent_id, &door).await,
            (true, true, false),
            "{url}: the door is unlocked"
        );
    }

    // Through B itself (the local path) and again through A: one pulse each, never more.
    let v = on_b(
        "/access_methods/unlock_door",
        json!({"access_method_id": w.method, "acs_entrance_id": door}),
    )
    .await;
    assert_eq!(v["action_attempt"]["status"], "success", "{v}");
    let (att, _) = w.unlock(&door).await;
    assert_eq!(att["status"], "success", "{att}");
    settle().await;
    assert_eq!(agent.pulses(), 3);

    // The agent gone from every instance: each says so, A's unlock is refused as offline,
    // nothing pulses.
    let agent_id = agent.agent_id.clone();
    drop(agent);
    let t = Instant::now();
    while on_b("/agents/get", json!({"agent_id": agent_id})).await["agent"]["is_online"] == true {
        assert!(t.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for url in [&w.srv.url, &b.url, &c.url] {
        let (agent_on, door_on, _) = seen_from(url, &agent_id, &door).await;
        assert!(!agent_on && !door_on, "{url}: agent and door offline");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (att, took) = w.unlock(&door).await;
    assert_eq!(att["status"], "error", "{att}");
    assert_eq!(att["error"]["type"], "agent_offline", "{att}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

/// Environment variable telling [`child_server_for_the_kill_test`] to run a server.
const CHILD_SERVER: &str = "AJAR_TEST_CHILD_SERVER";
const CHILD_LIFETIME_MS: u32 = 3000;
/// The kill test's heartbeat: a killed instance's agents count as offline 3 s after its last
/// refresh.
const HEARTBEAT_MS: u32 = 1000;

/// Not a test on its own: run as a separate process (this test binary again) by the kill test,
/// with `AJAR_TEST_CHILD_SERVER` = `data_dir\ndatabase_url`, it serves until killed, so that the
/// instance can be killed with SIGKILL. Without the variable it returns at once.
#[test]
fn child_server_for_the_kill_test() {
    let Ok(spec) = std::env::var(CHILD_SERVER) else {
        return;
    };
    let (dir, db) = spec.split_once('\n').expect("data_dir\\ndatabase");
    let config = ajar_server::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.into(),
        database: Some(db.into()),
        agent_ack_timeout_ms: 2000,
        agent_command_lifetime_ms: CHILD_LIFETIME_MS,
        agent_heartbeat_ms: HEARTBEAT_MS,
        ..ajar_server::Config::default()
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(ajar_server::store::BLOCKING_THREADS)
        .enable_all()
        .build()
        .unwrap()
        .block_on(ajar_server::run(config))
        .expect("child server");
}

/// A server instance in its own process (killed, with SIGKILL, when dropped).
struct ChildServer {
    child: Child,
    url: String,
}

impl ChildServer {
    fn start(dir: &std::path::Path, db: &str) -> ChildServer {
        use std::io::BufRead;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_server_for_the_kill_test",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_SERVER, format!("{}\n{db}", dir.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the child server exited before listening")
                .unwrap();
            // The test harness may print "test … ... " on the same line first.
            if let Some((_, addr)) = line.split_once("ajar-server listening on ") {
                break addr.trim().to_owned();
            }
        };
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ChildServer { child, url }
    }

    /// SIGKILL: no shutdown, no goodbye to the agent or the database.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The commands the agent accepted, from its JSON log: (command id, wall time of acceptance in
/// ms, command expiry in ms).
fn accepted_commands(log: &str) -> Vec<(String, i64, i64)> {
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "command accepted")
        .map(|v| {
            let at = chrono::DateTime::parse_from_rfc3339(v["timestamp"].as_str().unwrap())
                .unwrap()
                .timestamp_millis();
            let f = &v["fields"];
            let expires = f["expires_at_ms"].as_i64().unwrap();
            (f["command_id"].as_str().unwrap().to_owned(), at, expires)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_an_instance_killed_mid_load_loses_no_acknowledged_unlock_and_duplicates_none()
{
    let Some(db) = pg_test_database() else {
        return; // needs AJAR_TEST_POSTGRES: several instances share a PostgreSQL database
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (dir2, db2) = (dir.path().to_owned(), db.clone());
    let a = TestServer::start_with(KEY, Arc::new(SystemClock), move |c| {
        c.agent_ack_timeout_ms = 2000;
        c.agent_command_lifetime_ms = CHILD_LIFETIME_MS;
        c.agent_heartbeat_ms = HEARTBEAT_MS;
        c.data_dir = dir2;
        c.database = Some(db2);
    })
    .await
    .expect("server");
    let w = World::with(a, 1).await;
    let mut b = ChildServer::start(dir.path(), &db);
    let (site, door) = w.doors[0].clone();
    let code = w.code(&site).await;
    // The agent dials a load balancer that prefers B and falls back to A.
    let mut agent = AgentProc::enroll(&b.url, &code);
    let (lb, tap) = proxy_to(&[&b.url, &w.srv.url]).await;
    agent.run_with(&lb, &["--log-format", "json"]);
    let t = Instant::now();
    while post_at(&b.url, "/agents/get", json!({"agent_id": agent.agent_id})).await["agent"]
        ["is_online"]
        != true
    {
        assert!(t.elapsed() < Duration::from_secs(20), "agent never on B");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // 48 unlocks, each with its own Idempotency-Key, alternately to A and B, four at a time;
    // B is killed once 10 have been answered. A request B cannot answer is retried on A with
    // the same key, as a load balancer would. The balancer lets the agent back in (to A) only
    // once A has seen B's presence go stale.
    const TOTAL: usize = 48;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(Vec::<(String, Value)>::new()));
    let (a_url, b_url) = (w.srv.url.clone(), b.url.clone());
    let mut workers = vec![];
    for _ in 0..4 {
        let (next, answered, results) = (next.clone(), answered.clone(), results.clone());
        let (a_url, b_url, method, door) =
            (a_url.clone(), b_url.clone(), w.method.clone(), door.clone());
        workers.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= TOTAL {
                    return;
                }
                let key = format!("kill-test-{i}");
                let body = json!({"access_method_id": method, "acs_entrance_id": door});
                let send = |url: String| {
                    http.post(format!("{url}/access_methods/unlock_door"))
                        .bearer_auth(KEY)
                        .header("Idempotency-Key", key.clone())
                        .json(&body)
                        .send()
                };
                let first = if i % 2 == 0 { &a_url } else { &b_url };
                let mut answer = match send(first.clone()).await {
                    Ok(r) if r.status().as_u16() == 200 => Some(r.json::<Value>().await),
                    _ => None,
                };
                if !matches!(answer, Some(Ok(_))) {
                    let r = send(a_url.clone()).await.expect("A answers");
                    assert_eq!(r.status().as_u16(), 200);
                    answer = Some(r.json::<Value>().await);
                }
                let v = answer.unwrap().unwrap();
                results
                    .lock()
                    .unwrap()
                    .push((key, v["action_attempt"].clone()));
                answered.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    while answered.load(Ordering::SeqCst) < 10 {
        assert!(started.elapsed() < Duration::from_secs(60), "load stalled");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tap.block.store(true, Ordering::SeqCst);
    b.kill();
    let killed_at = Instant::now();
    let killed_after = answered.load(Ordering::SeqCst);
    // B's presence row is still fresh: A answers from it, then the staleness rule (3
    // heartbeats without a refresh) turns agent and door offline without B's help.
    let from_a = || seen_from(&w.srv.url, &agent.agent_id, &door);
    let (agent_on, door_on, _) = from_a().await;
    assert!(agent_on && door_on, "fresh presence from B still counts");
    loop {
        let (agent_on, door_on, _) = from_a().await;
        if !agent_on && !door_on {
            break;
        }
        assert!(
            killed_at.elapsed() < Duration::from_millis(u64::from(HEARTBEAT_MS) * 3 + 1500),
            "a killed instance's agent still online after 3 heartbeats"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stale_after = killed_at.elapsed();
    tap.block.store(false, Ordering::SeqCst);
    for w in workers {
        w.await.expect("worker");
    }
    assert!(killed_after < TOTAL, "B was killed mid-load");
    let results = results.lock().unwrap().clone();
    assert_eq!(results.len(), TOTAL);

    // Every answer is final (no later pulse): wait past every command's expiry, then count.
    tokio::time::sleep(Duration::from_millis(u64::from(CHILD_LIFETIME_MS) + 1000)).await;
    let accepted = accepted_commands(&agent.log());
    let pulses = agent.pulses();
    let status = |s: &str| results.iter().filter(|(_, a)| a["status"] == s).count();
    let success = status("success");
    let pending = status("pending");
    let not_confirmed = results
        .iter()
        .filter(|(_, a)| a["error"]["type"] == "device_not_confirmed")
        .count();
    let offline = results
        .iter()
        .filter(|(_, a)| a["error"]["type"] == "agent_offline")
        .count();
    eprintln!(
        "kill test: {TOTAL} unlocks, B killed after {killed_after} answers, its agent offline \
         on A after {stale_after:?}: {success} success, {pending} pending, {not_confirmed} not \
         confirmed, {offline} offline; {} commands accepted, {pulses} pulses",
        accepted.len()
    );
    assert_eq!(
        success + pending + not_confirmed + offline,
        TOTAL,
        "no other outcome: {results:?}"
    );
    assert!(success >= 5, "the load did unlock doors: {success}");
    // Each command pulsed once and never twice; each accepted before its expiry.
    let mut ids: Vec<&String> = accepted.iter().map(|(id, _, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), accepted.len(), "a command id accepted twice");
    assert_eq!(pulses, accepted.len(), "one pulse per accepted command");
    for (id, at, expires) in &accepted {
        assert!(
            at < expires,
            "command {id} accepted at {at} after its expiry {expires}"
        );
    }
    // Every acknowledged unlock pulsed; only unlocks whose outcome was left open (pending on the
    // killed instance, or "not confirmed") may have pulsed besides.
    assert!(pulses >= success, "an acknowledged unlock did not pulse");
    assert!(
        pulses <= success + pending + not_confirmed,
        "a refused unlock pulsed: {pulses} pulses"
    );
    // The same keys again on A: the same attempts, nothing new sent.
    for (key, att) in &results {
        let r = w
            .http
            .post(format!("{}/access_methods/unlock_door", w.srv.url))
            .bearer_auth(KEY)
            .header("Idempotency-Key", key.clone())
            .json(&json!({"access_method_id": w.method, "acs_entrance_id": door}))
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v["action_attempt"]["action_attempt_id"], att["action_attempt_id"],
            "{key}: a retried key is the same attempt"
        );
    }
    settle().await;
    assert_eq!(agent.pulses(), pulses, "replays sent nothing");

    // The agent is back through A (its second session): unlocks succeed again, one pulse each.
    let t = Instant::now();
    while agent.log().matches("server authenticated").count() < 2 {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the agent never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.wait_online(&agent.agent_id, true).await;
    let (att, _) = w.unlock(&door).await;
    assert_eq!(att["status"], "success", "{att}");
    settle().await;
    assert_eq!(agent.pulses(), pulses + 1);
    assert!(started.elapsed() < Duration::from_secs(120));
}
