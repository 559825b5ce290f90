//! `ajar-ffi`: the whole client surface of `ajar-core` for Kotlin (Android), Swift (iOS) and
//! Python, through uniffi. Thin by design: each exported method is a one-line delegation plus the
//! conversion of its types; no business rule lives here.

uniffi::setup_scaffolding!();

mod client;
mod error;
mod secrets;
mod types;

pub use client::{AjarClient, AjarSession};
pub use error::AjarError;
pub use secrets::SecretStore;
pub use types::*;
