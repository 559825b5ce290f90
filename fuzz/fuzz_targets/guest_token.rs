//! Guest tokens: the guest API's body parsing and token-shape check, and the hash it looks a
//! plausible token up by. Only 43-character base62 tokens are plausible; the lookup hash is
//! always 64 lowercase hex characters.
#![no_main]

use ajar_server::api::guest;
use ajar_server::secrets::hash_token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = guest::inspect_body(data);
    let token = String::from_utf8_lossy(data);
    let plausible = guest::plausible(&token);
    assert_eq!(
        plausible,
        token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric())
    );
    let h = hash_token(&token);
    assert_eq!(h.len(), 64);
    assert!(h
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
});
