//! `ajar-core`: the client core every Ajar app is built on (desktop, mobile through uniffi, the
//! `ajar` CLI). Pure Rust and async (tokio); it knows nothing of uniffi or Tauri.
//!
//! Start from [`Core`] (profiles and sign-in; tokens live in a [`SecretStore`]) and get a
//! [`Session`] for one server and account: entries (cached for offline start), unlock, share
//! (guest links with a [`SharePayload`]), links and activity.

pub mod admin;
pub mod cache;
pub mod error;
pub mod profiles;
pub mod secrets;
pub mod session;
pub mod share;
pub mod signin;

pub use admin::{Admin, CloudKeyRequest, DoorChanges, NewDoor, NewUser, SignInIssue, UserChanges};
pub use error::{CoreError, Result};
pub use profiles::{Core, Profile};
pub use secrets::{MemorySecretStore, SecretStore};
pub use session::{Entry, EntryList, Identity, Session, UnlockOutcome};
pub use share::{SharePayload, ShareRequest, WindowInput};
