//! The real OS keyring backend (run explicitly: `keyctl session - cargo test -p ajar-core --test
//! keyring -- --ignored`; Linux CI runs it from `.ci/run`). Ignored by default because a desktop
//! keyring may prompt or be absent.

#[cfg(feature = "keyring")]
#[test]
#[ignore = "needs an OS keyring; run under `keyctl session -` on Linux"]
fn keyring_round_trip() {
    use ajar_core::secrets::KeyringSecretStore;
    use ajar_core::SecretStore;
    let store = KeyringSecretStore::new("ajar-test");
    let key = format!("profile:test-{}", std::process::id());
    assert_eq!(store.get(&key).expect("get before"), None);
    store
        .set(&key, "seam_cst1_secret_for_the_keyring_test")
        .expect("set");
    // A fresh store object (as after a restart) sees the secret.
    let again = KeyringSecretStore::new("ajar-test");
    assert_eq!(
        again.get(&key).expect("get").as_deref(),
        Some("seam_cst1_secret_for_the_keyring_test")
    );
    again.delete(&key).expect("delete");
    assert_eq!(store.get(&key).expect("get after"), None);
}
