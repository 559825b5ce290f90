//! Fuzzes the agent link's frame decoder: any bytes from the network must give a frame or a
//! `FrameError`, never a panic, and only frames within the size bound decode.
#![no_main]

use ajar_protocol::agent::{self as wire, kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(env) = wire::decode(data) else { return };
    assert!(data.len() <= wire::MAX_FRAME_BYTES);
    assert_eq!(env.v, wire::VERSION);
    // Every body type the agent or server parses.
    let _ = wire::open_plain::<wire::Challenge>(&env, kind::CHALLENGE);
    let _ = serde_json::from_str::<wire::Hello>(&env.body);
    let _ = serde_json::from_str::<wire::Welcome>(&env.body);
    let _ = serde_json::from_str::<wire::Command>(&env.body);
    let _ = serde_json::from_str::<wire::Ack>(&env.body);
    let _ = serde_json::from_str::<wire::DoorEvent>(&env.body);
    // A signed kind never opens without a valid signature from this key.
    let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]).verifying_key();
    if env.sig.is_none() {
        assert!(wire::open::<serde_json::Value>(&env, &env.kind, &key).is_err());
    }
});
