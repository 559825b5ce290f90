//! Fuzzes the agent's command verifier (`CommandGuard`, the exact code `ajar-agent` runs).
//! Raw bytes go through it as received frames; the same bytes also shape a command that is
//! then genuinely signed, so the checks after the signature (addressee, expiry, lifetime,
//! single use, sequence, pulse) are reached. Oracle: whatever is accepted obeys every rule,
//! and nothing is accepted twice.
#![no_main]

use ajar_protocol::agent::{self as wire, kind, Action, CommandGuard, MAX_COMMAND_LIFETIME_MS};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

fn take<const N: usize>(d: &mut &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = d.len().min(N);
    out[..n].copy_from_slice(&d[..n]);
    *d = &d[n..];
    out
}

fuzz_target!(|data: &[u8]| {
    let server = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
    let me = Uuid::from_u128(0xA6E7);
    let now: i64 = 1_800_000_000_000;
    let mut guard = CommandGuard::new(me, server.verifying_key(), 1000);

    // 1. As a raw frame: random bytes carry no valid signature, so nothing is accepted.
    assert!(guard.accept(data, now).is_err());

    // 2. As the fields of a signed command.
    let mut d = data;
    let to_me = take::<1>(&mut d)[0] & 1 == 0;
    let issued_off = i64::from(i32::from_le_bytes(take::<4>(&mut d)));
    let life = i64::from(i32::from_le_bytes(take::<4>(&mut d)));
    let seq = u64::from_le_bytes(take::<8>(&mut d));
    let pulse = u32::from_le_bytes(take::<4>(&mut d));
    let id = take::<16>(&mut d);
    let cmd = wire::Command {
        agent_id: if to_me { me } else { Uuid::from_u128(7) },
        acs_entrance_id: Uuid::nil(),
        action: Action::Unlock,
        pulse_ms: pulse,
        command_id: wire::hex128(id),
        issued_at_ms: now + issued_off,
        expires_at_ms: (now + issued_off).saturating_add(life),
        seq,
    };
    let frame = wire::seal(kind::COMMAND, &cmd, &server);
    let before = guard.last_seq();
    if let Ok(got) = guard.accept(frame.as_bytes(), now) {
        assert_eq!(got, cmd);
        assert_eq!(got.agent_id, me);
        assert!(got.expires_at_ms > now);
        assert!(got.expires_at_ms - got.issued_at_ms <= MAX_COMMAND_LIFETIME_MS);
        assert!(got.seq > before);
        assert!(got.pulse_ms >= 1);
        assert!(
            guard.accept(frame.as_bytes(), now).is_err(),
            "accepted twice"
        );
    }
    // Tampering with any byte of a signed frame's body is refused.
    if let Ok(mut env) = wire::decode(frame.as_bytes()) {
        if !d.is_empty() && !env.body.is_empty() {
            let pos = usize::from(d[0]) % env.body.len();
            let mut b = env.body.into_bytes();
            b[pos] ^= 0x01;
            if let Ok(body) = String::from_utf8(b) {
                env.body = body;
                let f = serde_json::to_string(&env).unwrap();
                let mut fresh = CommandGuard::new(me, server.verifying_key(), 0);
                assert!(fresh.accept(f.as_bytes(), now).is_err());
            }
        }
    }
});
