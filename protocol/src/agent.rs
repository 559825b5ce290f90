//! The door-agent link's wire format, shared by `ajar-server` and `ajar-agent` (and fuzzed):
//! frames, their canonical signing bytes, Ed25519 signatures, and [`CommandGuard`], the agent's
//! rule for accepting an unlock command (addressee, server signature, expiry, single use,
//! strictly increasing sequence). Pure: no I/O, time is passed in.
//!
//! A frame is one WebSocket text message: `{"v":1,"kind":"command","body":"<json>","sig":"<b64>"}`.
//! The signature covers `ajar-agent-link/1\n<kind>\n<body>` byte for byte, so both sides sign and
//! verify the exact bytes on the wire (no re-serialisation). There is one protocol version and no
//! unsigned mode: every kind except `challenge`, `ping` and `pong` must carry a valid signature.

use std::collections::{HashSet, VecDeque};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The only protocol version. A frame with any other `v` is refused (no downgrade).
pub const VERSION: u32 = 1;
/// Largest frame either side accepts, in bytes.
pub const MAX_FRAME_BYTES: usize = 4096;
/// A command may live at most this long after it was issued.
pub const MAX_COMMAND_LIFETIME_MS: i64 = 10_000;
/// How far in the agent's future a command's `issued_at_ms` may be (clock skew tolerance).
pub const MAX_CLOCK_SKEW_MS: i64 = 2_000;
/// Longest relay pulse a command may ask for.
pub const MAX_PULSE_MS: u32 = 60_000;
/// Command ids remembered by the agent to refuse a second use (the sequence rule covers older ones).
pub const SEEN_IDS: usize = 4096;

/// Frame kinds.
pub mod kind {
    pub const CHALLENGE: &str = "challenge";
    pub const HELLO: &str = "hello";
    pub const WELCOME: &str = "welcome";
    pub const COMMAND: &str = "command";
    pub const ACK: &str = "ack";
    pub const DOOR: &str = "door";
    pub const PING: &str = "ping";
    pub const PONG: &str = "pong";
    /// Kinds that must be signed.
    pub const SIGNED: &[&str] = &[HELLO, WELCOME, COMMAND, ACK, DOOR];
}

/// One frame as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub v: u32,
    pub kind: String,
    /// The JSON body as a string: exactly the bytes that are signed.
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

/// Server → agent, unsigned, first frame on a connection: a fresh nonce the agent must sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    pub nonce: String,
}

/// Agent → server, signed by the agent: who it is, the server's nonce, its own nonce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub agent_id: Uuid,
    pub server_nonce: String,
    pub agent_nonce: String,
    /// The highest command sequence the agent has accepted (the server issues above it).
    pub last_seq: u64,
    pub agent_version: String,
    /// Whether the agent's driver reports door position.
    #[serde(default)]
    pub door_sensor: bool,
}

/// Server → agent, signed by the server: proves the server holds the key pinned at enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Welcome {
    pub agent_id: Uuid,
    pub agent_nonce: String,
    pub server_time_ms: i64,
    pub heartbeat_ms: u32,
}

/// What a command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Unlock,
}

/// Server → agent, signed by the server: pulse one entrance's relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Command {
    pub agent_id: Uuid,
    pub acs_entrance_id: Uuid,
    pub action: Action,
    pub pulse_ms: u32,
    /// 128 bits, 32 lowercase hex characters.
    pub command_id: String,
    pub issued_at_ms: i64,
    pub expires_at_ms: i64,
    pub seq: u64,
}

/// How the agent handled a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "detail")]
pub enum AckOutcome {
    /// The relay was energised for the pulse and released.
    Pulsed,
    /// The driver failed to energise the relay.
    DriverFailed(String),
}

/// Agent → server, signed by the agent: the result of one command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    pub agent_id: Uuid,
    pub command_id: String,
    pub seq: u64,
    #[serde(flatten)]
    pub outcome: AckOutcome,
    pub at_ms: i64,
}

/// Door position reported by a driver with a door sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoorPosition {
    Open,
    Closed,
    HeldOpen,
    Forced,
}

impl DoorPosition {
    /// The audit event type the server records.
    pub fn event_type(self) -> &'static str {
        match self {
            DoorPosition::Open => "acs_entrance.door_opened",
            DoorPosition::Closed => "acs_entrance.door_closed",
            DoorPosition::HeldOpen => "acs_entrance.door_held_open",
            DoorPosition::Forced => "acs_entrance.door_forced_open",
        }
    }
}

/// Agent → server, signed by the agent: a door-position change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoorEvent {
    pub agent_id: Uuid,
    pub acs_entrance_id: Uuid,
    pub position: DoorPosition,
    pub at_ms: i64,
}

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame larger than {MAX_FRAME_BYTES} bytes")]
    TooLarge,
    #[error("frame is not a valid envelope: {0}")]
    Malformed(String),
    #[error("protocol version {0} is not supported (only {VERSION})")]
    WrongVersion(u32),
    #[error("expected a {expected} frame, got {got}")]
    WrongKind { expected: String, got: String },
    #[error("frame is not signed")]
    Unsigned,
    #[error("signature does not verify")]
    BadSignature,
    #[error("frame body is not valid: {0}")]
    BadBody(String),
}

/// Why the agent refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("command is addressed to another agent ({0})")]
    WrongAgent(Uuid),
    #[error("command expired {late_ms} ms ago")]
    Expired { late_ms: i64 },
    #[error("command issued {ahead_ms} ms in the future")]
    FromTheFuture { ahead_ms: i64 },
    #[error("command lifetime {0} ms is outside 1..={MAX_COMMAND_LIFETIME_MS} ms")]
    BadLifetime(i64),
    #[error("command id was already used")]
    Replayed,
    #[error("command sequence {seq} is not above {last}")]
    StaleSequence { seq: u64, last: u64 },
    #[error("pulse of {0} ms is outside 1..={MAX_PULSE_MS} ms")]
    BadPulse(u32),
    #[error("command id is not 128 bits of hex")]
    BadCommandId,
}

/// The exact bytes a signature covers.
pub fn signing_bytes(kind: &str, body: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + kind.len() + body.len());
    out.extend_from_slice(b"ajar-agent-link/");
    out.extend_from_slice(VERSION.to_string().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(kind.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body.as_bytes());
    out
}

/// Serialises `body` and wraps it in a signed frame (the text of one WebSocket message).
pub fn seal<T: Serialize>(kind: &str, body: &T, key: &SigningKey) -> String {
    let body = serde_json::to_string(body).expect("frame bodies serialise");
    let sig = key.sign(&signing_bytes(kind, &body));
    let env = Envelope {
        v: VERSION,
        kind: kind.to_owned(),
        body,
        sig: Some(B64.encode(sig.to_bytes())),
    };
    serde_json::to_string(&env).expect("envelopes serialise")
}

/// An unsigned frame (only `challenge`, `ping`, `pong`).
pub fn plain<T: Serialize>(kind: &str, body: &T) -> String {
    let env = Envelope {
        v: VERSION,
        kind: kind.to_owned(),
        body: serde_json::to_string(body).expect("frame bodies serialise"),
        sig: None,
    };
    serde_json::to_string(&env).expect("envelopes serialise")
}

/// Parses a frame's envelope: size bound, shape, version. Verifies nothing else.
pub fn decode(bytes: &[u8]) -> Result<Envelope, FrameError> {
    if bytes.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge);
    }
    let env: Envelope =
        serde_json::from_slice(bytes).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if env.v != VERSION {
        return Err(FrameError::WrongVersion(env.v));
    }
    Ok(env)
}

/// Verifies a signed envelope of `expected` kind with `key` and parses its body.
pub fn open<T: DeserializeOwned>(
    env: &Envelope,
    expected: &str,
    key: &VerifyingKey,
) -> Result<T, FrameError> {
    if env.kind != expected {
        return Err(FrameError::WrongKind {
            expected: expected.to_owned(),
            got: env.kind.chars().take(32).collect(),
        });
    }
    let sig = env.sig.as_deref().ok_or(FrameError::Unsigned)?;
    let raw = B64.decode(sig).map_err(|_| FrameError::BadSignature)?;
    let raw: [u8; 64] = raw.try_into().map_err(|_| FrameError::BadSignature)?;
    let sig = Signature::from_bytes(&raw);
    key.verify_strict(&signing_bytes(&env.kind, &env.body), &sig)
        .map_err(|_| FrameError::BadSignature)?;
    serde_json::from_str(&env.body).map_err(|e| FrameError::BadBody(e.to_string()))
}

/// Parses the body of an unsigned kind (`challenge`, `ping`, `pong`).
pub fn open_plain<T: DeserializeOwned>(env: &Envelope, expected: &str) -> Result<T, FrameError> {
    if env.kind != expected || kind::SIGNED.contains(&expected) {
        return Err(FrameError::WrongKind {
            expected: expected.to_owned(),
            got: env.kind.chars().take(32).collect(),
        });
    }
    serde_json::from_str(&env.body).map_err(|e| FrameError::BadBody(e.to_string()))
}

/// A public key as text (standard base64 of its 32 bytes).
pub fn public_key_text(key: &VerifyingKey) -> String {
    B64.encode(key.as_bytes())
}

/// Parses a public key written by [`public_key_text`]; refuses weak (small-order) keys.
pub fn parse_public_key(text: &str) -> Option<VerifyingKey> {
    let raw = B64.decode(text.trim()).ok()?;
    let raw: [u8; 32] = raw.try_into().ok()?;
    let key = VerifyingKey::from_bytes(&raw).ok()?;
    (!key.is_weak()).then_some(key)
}

/// 128 bits as 32 lowercase hex characters (command ids, nonces).
pub fn hex128(bytes: [u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_hex128(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The agent's rule for accepting a command. It remembers the last accepted sequence (the caller
/// persists [`CommandGuard::last_seq`] before pulsing, so a restart cannot lower it) and the
/// most recent command ids.
#[derive(Debug)]
pub struct CommandGuard {
    agent_id: Uuid,
    server_key: VerifyingKey,
    last_seq: u64,
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl CommandGuard {
    pub fn new(agent_id: Uuid, server_key: VerifyingKey, last_seq: u64) -> Self {
        CommandGuard {
            agent_id,
            server_key,
            last_seq,
            seen: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Checks one received frame at the agent's time `now_ms`. On success the command is
    /// recorded as used (its id and sequence can never be accepted again) and returned.
    pub fn accept(&mut self, frame: &[u8], now_ms: i64) -> Result<Command, Refusal> {
        let env = decode(frame)?;
        let cmd: Command = open(&env, kind::COMMAND, &self.server_key)?;
        self.check(&cmd, now_ms)?;
        self.last_seq = cmd.seq;
        if self.order.len() >= SEEN_IDS {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.seen.insert(cmd.command_id.clone());
        self.order.push_back(cmd.command_id.clone());
        Ok(cmd)
    }

    fn check(&self, cmd: &Command, now_ms: i64) -> Result<(), Refusal> {
        if cmd.agent_id != self.agent_id {
            return Err(Refusal::WrongAgent(cmd.agent_id));
        }
        if !is_hex128(&cmd.command_id) {
            return Err(Refusal::BadCommandId);
        }
        let lifetime = cmd.expires_at_ms.saturating_sub(cmd.issued_at_ms);
        if !(1..=MAX_COMMAND_LIFETIME_MS).contains(&lifetime) {
            return Err(Refusal::BadLifetime(lifetime));
        }
        if now_ms >= cmd.expires_at_ms {
            return Err(Refusal::Expired {
                late_ms: now_ms.saturating_sub(cmd.expires_at_ms),
            });
        }
        let ahead = cmd.issued_at_ms.saturating_sub(now_ms);
        if ahead > MAX_CLOCK_SKEW_MS {
            return Err(Refusal::FromTheFuture { ahead_ms: ahead });
        }
        if self.seen.contains(&cmd.command_id) {
            return Err(Refusal::Replayed);
        }
        if cmd.seq <= self.last_seq {
            return Err(Refusal::StaleSequence {
                seq: cmd.seq,
                last: self.last_seq,
            });
        }
        if !(1..=MAX_PULSE_MS).contains(&cmd.pulse_ms) {
            return Err(Refusal::BadPulse(cmd.pulse_ms));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn command(agent: Uuid, seq: u64, issued: i64) -> Command {
        Command {
            agent_id: agent,
            acs_entrance_id: Uuid::nil(),
            action: Action::Unlock,
            pulse_ms: 3000,
            command_id: hex128([seq as u8; 16]),
            issued_at_ms: issued,
            expires_at_ms: issued + 5000,
            seq,
        }
    }

    #[test]
    fn a_fresh_signed_command_is_accepted_once() {
        let server = key(1);
        let agent = Uuid::now_v7();
        let mut g = CommandGuard::new(agent, server.verifying_key(), 0);
        let f = seal(kind::COMMAND, &command(agent, 5, 1_000_000), &server);
        assert!(g.accept(f.as_bytes(), 1_000_100).is_ok());
        assert_eq!(g.last_seq(), 5);
        assert_eq!(g.accept(f.as_bytes(), 1_000_200), Err(Refusal::Replayed));
    }

    #[test]
    fn every_bad_command_is_refused() {
        let server = key(1);
        let agent = Uuid::now_v7();
        let t = 1_000_000;
        let fresh = || CommandGuard::new(agent, server.verifying_key(), 10);
        let ok = command(agent, 11, t);
        // Another agent's command.
        let other = seal(kind::COMMAND, &command(Uuid::now_v7(), 11, t), &server);
        assert!(matches!(
            fresh().accept(other.as_bytes(), t),
            Err(Refusal::WrongAgent(_))
        ));
        // Signed by someone else.
        let forged = seal(kind::COMMAND, &ok, &key(2));
        assert_eq!(
            fresh().accept(forged.as_bytes(), t),
            Err(Refusal::Frame(FrameError::BadSignature))
        );
        // Unsigned.
        let unsigned = plain(kind::COMMAND, &ok);
        assert_eq!(
            fresh().accept(unsigned.as_bytes(), t),
            Err(Refusal::Frame(FrameError::Unsigned))
        );
        // Downgraded version.
        let mut env = decode(seal(kind::COMMAND, &ok, &server).as_bytes()).unwrap();
        env.v = 0;
        let down = serde_json::to_string(&env).unwrap();
        assert_eq!(
            fresh().accept(down.as_bytes(), t),
            Err(Refusal::Frame(FrameError::WrongVersion(0)))
        );
        // Body altered after signing.
        let mut env = decode(seal(kind::COMMAND, &ok, &server).as_bytes()).unwrap();
        env.body = env.body.replace("3000", "9000");
        let altered = serde_json::to_string(&env).unwrap();
        assert_eq!(
            fresh().accept(altered.as_bytes(), t),
            Err(Refusal::Frame(FrameError::BadSignature))
        );
        // 11 s late.
        let f = seal(kind::COMMAND, &ok, &server);
        assert!(matches!(
            fresh().accept(f.as_bytes(), t + 11_000),
            Err(Refusal::Expired { .. })
        ));
        // Exactly at expiry.
        assert!(matches!(
            fresh().accept(f.as_bytes(), t + 5000),
            Err(Refusal::Expired { .. })
        ));
        // Non-increasing sequence.
        let old = seal(kind::COMMAND, &command(agent, 10, t), &server);
        assert!(matches!(
            fresh().accept(old.as_bytes(), t),
            Err(Refusal::StaleSequence { .. })
        ));
        // Lifetime over 10 s.
        let mut long = ok.clone();
        long.expires_at_ms = t + 10_001;
        let f = seal(kind::COMMAND, &long, &server);
        assert!(matches!(
            fresh().accept(f.as_bytes(), t),
            Err(Refusal::BadLifetime(_))
        ));
        // Issued far in the future.
        let f = seal(kind::COMMAND, &command(agent, 11, t + 5_000), &server);
        assert!(matches!(
            fresh().accept(f.as_bytes(), t),
            Err(Refusal::FromTheFuture { .. })
        ));
        // A signed frame of another kind is not a command.
        let f = seal(kind::ACK, &ok, &server);
        assert!(matches!(
            fresh().accept(f.as_bytes(), t),
            Err(Refusal::Frame(FrameError::WrongKind { .. }))
        ));
        // Oversized.
        let big = vec![b' '; MAX_FRAME_BYTES + 1];
        assert_eq!(
            fresh().accept(&big, t),
            Err(Refusal::Frame(FrameError::TooLarge))
        );
        // And the good one passes.
        let f = seal(kind::COMMAND, &ok, &server);
        assert!(fresh().accept(f.as_bytes(), t).is_ok());
    }

    #[test]
    fn acks_round_trip_and_public_keys_parse() {
        let a = key(7);
        let ack = Ack {
            agent_id: Uuid::now_v7(),
            command_id: hex128([1; 16]),
            seq: 3,
            outcome: AckOutcome::DriverFailed("relay stuck".into()),
            at_ms: 5,
        };
        let f = seal(kind::ACK, &ack, &a);
        let env = decode(f.as_bytes()).unwrap();
        let back: Ack = open(&env, kind::ACK, &a.verifying_key()).unwrap();
        assert_eq!(back, ack);
        let text = public_key_text(&a.verifying_key());
        assert_eq!(parse_public_key(&text), Some(a.verifying_key()));
        assert_eq!(parse_public_key("AAAA"), None);
        // The all-zero point has small order.
        assert_eq!(parse_public_key(&B64.encode([0u8; 32])), None);
    }
}
