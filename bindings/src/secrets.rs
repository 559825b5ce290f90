//! `SecretStore` as a foreign trait: Android implements it with Keystore-backed storage, iOS with
//! the Keychain, tests with a dictionary. The core keeps tokens nowhere else.

use std::sync::Arc;

use ajar_core::CoreError;

use crate::error::AjarError;

/// Where the app keeps secrets (tokens) by name.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    fn get(&self, key: String) -> Result<Option<String>, AjarError>;
    fn set(&self, key: String, secret: String) -> Result<(), AjarError>;
    fn delete(&self, key: String) -> Result<(), AjarError>;
}

/// Adapts the app's store to the core's trait.
pub(crate) struct Foreign(pub Arc<dyn SecretStore>);

impl std::fmt::Debug for Foreign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ForeignSecretStore")
    }
}

fn core_err(e: AjarError) -> CoreError {
    CoreError::Secrets(e.to_string())
}

impl ajar_core::SecretStore for Foreign {
    fn get(&self, key: &str) -> ajar_core::Result<Option<String>> {
        self.0.get(key.to_owned()).map_err(core_err)
    }
    fn set(&self, key: &str, secret: &str) -> ajar_core::Result<()> {
        self.0
            .set(key.to_owned(), secret.to_owned())
            .map_err(core_err)
    }
    fn delete(&self, key: &str) -> ajar_core::Result<()> {
        self.0.delete(key.to_owned()).map_err(core_err)
    }
}
