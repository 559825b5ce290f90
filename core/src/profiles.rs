//! Profiles (one per server and account, side by side) and sign-in. A profile file holds only
//! names and server URLs; tokens go to the [`SecretStore`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cache::Cache;
use crate::error::{CoreError, Result};
use crate::secrets::SecretStore;
use crate::session::Session;
use crate::share::{payload, SharePayload};
use crate::signin::parse_code;
use ajar_protocol::{GuestLink, WebhookUrl};
use uuid::Uuid;

/// A saved sign-in (no secret in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub server: String,
    /// Who this profile acts as, for display ("Maya Member (member)", "API key").
    pub label: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ProfilesFile {
    default: Option<String>,
    profiles: Vec<Profile>,
}

/// The entry point: profiles, sign-in and sign-out, over a data directory and a secret store.
#[derive(Debug, Clone)]
pub struct Core {
    dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
}

fn secret_key(profile: &str) -> String {
    format!("profile:{profile}")
}

fn link_key(profile: &str, link: Uuid) -> String {
    format!("link:{profile}:{link}")
}

/// The secret parts of a created guest link (its URL and webhook URLs), kept in the secret store
/// so the issuer can show its QR again: the server keeps only hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KeptLink {
    url: String,
    #[serde(default)]
    webhook_urls: Vec<WebhookUrl>,
}

fn valid_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(CoreError::InvalidInput(format!(
            "profile name {name:?} must be 1-64 letters, digits, '-', '_' or '.'"
        )));
    }
    Ok(())
}

impl Core {
    /// `dir` holds `profiles.json` and the entry caches; it is created when needed.
    pub fn new(dir: impl Into<PathBuf>, secrets: Arc<dyn SecretStore>) -> Self {
        Core {
            dir: dir.into(),
            secrets,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self) -> PathBuf {
        self.dir.join("profiles.json")
    }

    fn load(&self) -> Result<ProfilesFile> {
        match std::fs::read(self.file()) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CoreError::Storage(format!("{} is damaged: {e}", self.file().display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ProfilesFile::default()),
            Err(e) => Err(e.into()),
        }
    }

    fn save(&self, f: &ProfilesFile) -> Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join("profiles.json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(f).map_err(|e| CoreError::Storage(e.to_string()))?,
        )?;
        // Rename is atomic: the file is either the old or the new one, never half written.
        std::fs::rename(&tmp, self.file())?;
        Ok(())
    }

    /// Saved profiles, and which one is the default.
    pub fn profiles(&self) -> Result<(Vec<Profile>, Option<String>)> {
        let f = self.load()?;
        Ok((f.profiles, f.default))
    }

    /// Signs in with a token or a sign-in code, checks it against the server, and keeps the
    /// token in the secret store. The new profile becomes the default.
    pub async fn sign_in(
        &self,
        name: &str,
        server: Option<&str>,
        token_or_code: &str,
    ) -> Result<Session> {
        valid_name(name)?;
        let code = parse_code(token_or_code)?;
        let server = server
            .map(str::to_owned)
            .or(code.server)
            .ok_or_else(|| CoreError::InvalidInput("which server? pass its URL".into()))?;
        let session = Session::connect(&server, &code.token, None, None).await?;
        let who = session.identity().await?;
        self.secrets.set(&secret_key(name), &code.token)?;
        let mut f = self.load()?;
        f.profiles.retain(|p| p.name != name);
        f.profiles.push(Profile {
            name: name.to_owned(),
            server: session.server().to_owned(),
            label: who.label(),
        });
        f.default = Some(name.to_owned());
        self.save(&f)?;
        let cache = Cache::open(&self.dir, name)?;
        Ok(session.with_profile(name, cache))
    }

    /// Opens the named profile (or the default one).
    pub async fn session(&self, name: Option<&str>) -> Result<Session> {
        let f = self.load()?;
        let name = match name.map(str::to_owned).or(f.default.clone()) {
            Some(n) => n,
            None if f.profiles.len() == 1 => f.profiles[0].name.clone(),
            None => {
                return Err(CoreError::NotSignedIn(
                    "no profile yet: sign in first".into(),
                ))
            }
        };
        let p = f
            .profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| CoreError::NotSignedIn(format!("no profile named {name:?}")))?;
        let token = self.secrets.get(&secret_key(&name))?.ok_or_else(|| {
            CoreError::NotSignedIn(format!("profile {name:?} has no token: sign in again"))
        })?;
        let cache = Cache::open(&self.dir, &name)?;
        Ok(Session::offline(&p.server, &token)?.with_profile(&name, cache))
    }

    /// Makes `name` the default profile.
    pub fn set_default(&self, name: &str) -> Result<()> {
        let mut f = self.load()?;
        if !f.profiles.iter().any(|p| p.name == name) {
            return Err(CoreError::NotFound {
                what: format!("profile {name:?}"),
            });
        }
        f.default = Some(name.to_owned());
        self.save(&f)
    }

    /// Signs out everywhere: ends the session on the server when it is a client session (best
    /// effort; offline sign-out still forgets everything here), deletes the token from the secret
    /// store, the profile and its cache.
    pub async fn sign_out(&self, name: &str) -> Result<bool> {
        let mut f = self.load()?;
        let Some(p) = f.profiles.iter().find(|p| p.name == name).cloned() else {
            return Err(CoreError::NotFound {
                what: format!("profile {name:?}"),
            });
        };
        let mut revoked = false;
        if let Some(token) = self.secrets.get(&secret_key(name))? {
            if let Ok(s) = Session::offline(&p.server, &token) {
                revoked = s.revoke_own_session().await.unwrap_or(false);
            }
        }
        self.secrets.delete(&secret_key(name))?;
        f.profiles.retain(|p| p.name != name);
        if f.default.as_deref() == Some(name) {
            f.default = f.profiles.first().map(|p| p.name.clone());
        }
        self.save(&f)?;
        Cache::remove(&self.dir, name)?;
        Ok(revoked)
    }

    /// Keeps a new link's URL and webhook URLs in the secret store, under the profile.
    pub fn keep_link(&self, profile: &str, share: &SharePayload) -> Result<()> {
        let kept = KeptLink {
            url: share.url.clone(),
            webhook_urls: share.webhook_urls.clone(),
        };
        let json = serde_json::to_string(&kept).map_err(|e| CoreError::Storage(e.to_string()))?;
        self.secrets
            .set(&link_key(profile, share.link.guest_link_id), &json)
    }

    /// The share payload of a link kept with [`Core::keep_link`], rebuilt for `link` as the server
    /// lists it now; `None` when this device did not keep it (created elsewhere, or forgotten).
    pub fn kept_link(
        &self,
        profile: &str,
        mut link: GuestLink,
        door_names: &[String],
    ) -> Result<Option<SharePayload>> {
        let Some(json) = self.secrets.get(&link_key(profile, link.guest_link_id))? else {
            return Ok(None);
        };
        let kept: KeptLink = serde_json::from_str(&json)
            .map_err(|e| CoreError::Secrets(format!("kept link is damaged: {e}")))?;
        link.url = Some(kept.url);
        link.webhook_urls = Some(kept.webhook_urls);
        payload(link, door_names).map(Some)
    }

    /// Forgets a kept link (after it was revoked: its URL no longer opens anything).
    pub fn forget_link(&self, profile: &str, link: Uuid) -> Result<()> {
        self.secrets.delete(&link_key(profile, link))
    }
}
