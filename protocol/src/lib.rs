//! Ajar's wire types, shared by the server and every client: the Seam-shaped objects, the
//! `{…, "ok": true}` envelope, error bodies and codes, pagination, request bodies and time windows.
//! This crate does no I/O.

pub mod agent;
pub mod agents;
pub mod error;
pub mod objects;
pub mod requests;
pub mod time;

pub use error::{ErrorBody, ErrorEnvelope};
pub use objects::*;
pub use time::{TimeWindow, WindowPosition};

/// Prefix of every admin API key (dictated by Seam's SDKs, which refuse other shapes).
pub const API_KEY_PREFIX: &str = "seam_";
/// Prefix of every client-session token.
pub const CLIENT_SESSION_TOKEN_PREFIX: &str = "seam_cst";

/// Wraps a response value in the success envelope: `{"<key>": value, "ok": true}`.
pub fn ok_envelope(key: &str, value: serde_json::Value) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    map.insert(key.to_owned(), value);
    map.insert("ok".to_owned(), serde_json::Value::Bool(true));
    serde_json::Value::Object(map)
}
