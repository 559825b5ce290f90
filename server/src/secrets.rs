//! Secrets: API keys and client-session tokens drawn from the OS CSPRNG (256 bits, base62, with
//! a typed prefix that secret scanners can grep for), and the SHA-256 hashes that are all the
//! database ever keeps of them.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 43 base62 characters carry 256 bits.
const SECRET_CHARS: usize = 43;

/// `n` characters of base62 from the OS CSPRNG, without modulo bias.
pub fn random_base62(n: usize) -> String {
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
        for &b in &buf {
            // 248 = 4 * 62: accept only bytes that map evenly.
            if b < 248 && out.len() < n {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    out
}

/// A new admin API key: `seam_ak1_<256-bit secret>` (Seam's SDKs require the `seam_` prefix and
/// refuse `seam_cst`, `seam_at`, `seam_pk`).
pub fn new_api_key() -> String {
    format!("seam_ak1_{}", random_base62(SECRET_CHARS))
}

/// A new client-session token: `seam_cst1_<256-bit secret>`.
pub fn new_client_session_token() -> String {
    format!("seam_cst1_{}", random_base62(SECRET_CHARS))
}

/// Hex SHA-256 of a token; tokens carry 256 bits, so a plain hash is enough (NIST SP 800-63B).
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The part of a token that is safe to show again: its type prefix and four characters.
pub fn display_prefix(token: &str) -> String {
    let head: String = token
        .chars()
        .take(token.rfind('_').map_or(8, |i| i + 5))
        .collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn secrets_have_the_right_shape_and_do_not_repeat() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let k = new_api_key();
            assert!(k.starts_with("seam_ak1_"));
            assert_eq!(k.len(), "seam_ak1_".len() + 43);
            assert!(k["seam_ak1_".len()..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric()));
            assert!(seen.insert(k));
        }
        assert!(new_client_session_token().starts_with("seam_cst1_"));
    }

    #[test]
    fn hash_is_sha256_hex_and_prefix_hides_the_secret() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let k = new_api_key();
        let p = display_prefix(&k);
        assert_eq!(p.chars().count(), "seam_ak1_".len() + 4 + 1);
        assert!(k.starts_with(p.trim_end_matches('…')));
    }
}
