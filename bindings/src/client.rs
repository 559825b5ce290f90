//! `AjarClient` (profiles, sign-in) and `AjarSession` (one server and account): one-line
//! delegations to `ajar-core`, with async methods that are `suspend` in Kotlin, `async` in Swift
//! and awaitable in Python.

use std::sync::Arc;

use crate::error::AjarError;
use crate::secrets::{Foreign, SecretStore};
use crate::types::*;

type Result<T> = std::result::Result<T, AjarError>;

fn uuid(field: &str, s: Option<String>) -> Result<Option<uuid::Uuid>> {
    s.map(|v| {
        uuid::Uuid::parse_str(&v).map_err(|_| AjarError::InvalidInput {
            message: format!("{field}: {v:?} is not an id"),
        })
    })
    .transpose()
}

/// Profiles and sign-in, over an app data directory and the app's secret store.
#[derive(Debug, uniffi::Object)]
pub struct AjarClient(ajar_core::Core);

#[uniffi::export(async_runtime = "tokio")]
impl AjarClient {
    /// `data_dir` holds profiles (no secrets) and the entry caches.
    #[uniffi::constructor]
    pub fn new(data_dir: String, secrets: Arc<dyn SecretStore>) -> Arc<Self> {
        Arc::new(AjarClient(ajar_core::Core::new(
            data_dir,
            Arc::new(Foreign(secrets)),
        )))
    }

    /// Saved profiles.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        let (list, default) = self.0.profiles()?;
        Ok(list
            .into_iter()
            .map(|p| Profile {
                is_default: default.as_deref() == Some(p.name.as_str()),
                name: p.name,
                server: p.server,
                label: p.label,
            })
            .collect())
    }

    /// Signs in with a token or a sign-in code (`ajar:signin?server=…&token=…`).
    pub async fn sign_in(
        &self,
        name: String,
        server: Option<String>,
        token_or_code: String,
    ) -> Result<Arc<AjarSession>> {
        Ok(Arc::new(AjarSession(
            self.0
                .sign_in(&name, server.as_deref(), &token_or_code)
                .await?,
        )))
    }

    /// Opens a saved profile (the default one when `name` is `None`).
    pub async fn session(&self, name: Option<String>) -> Result<Arc<AjarSession>> {
        Ok(Arc::new(AjarSession(
            self.0.session(name.as_deref()).await?,
        )))
    }

    /// Signs out everywhere; true when the session was also ended on the server.
    pub async fn sign_out(&self, name: String) -> Result<bool> {
        Ok(self.0.sign_out(&name).await?)
    }
}

/// One server and account.
#[derive(Debug, uniffi::Object)]
pub struct AjarSession(ajar_core::Session);

#[uniffi::export(async_runtime = "tokio")]
impl AjarSession {
    /// A session from a server URL and token, keeping nothing on disk (kiosks, tests).
    #[uniffi::constructor]
    pub async fn connect(server: String, token: String) -> Result<Arc<AjarSession>> {
        Ok(Arc::new(AjarSession(
            ajar_core::Session::connect(&server, &token, None, None).await?,
        )))
    }

    pub fn server(&self) -> String {
        self.0.server().to_owned()
    }

    pub async fn identity(&self) -> Result<Identity> {
        Ok(self.0.identity().await?.into())
    }

    /// The doors, fresh from the server (or the cache, marked stale, when offline).
    pub async fn entries(&self) -> Result<EntryList> {
        Ok(self.0.entries().await?.into())
    }

    /// The doors from the cache only (instant start).
    pub fn cached_entries(&self) -> Result<Option<EntryList>> {
        Ok(self.0.cached_entries()?.map(EntryList::from))
    }

    /// Unlocks a door (id or name) with the user's own cloud key.
    pub async fn unlock(&self, entry: String) -> Result<UnlockOutcome> {
        Ok(self.0.unlock(&entry).await?.into())
    }

    /// Creates a guest link and everything the share sheet needs.
    pub async fn share(&self, request: ShareRequest) -> Result<SharePayload> {
        Ok(self.0.share(&request.into()).await?.into())
    }

    /// Posts a share payload's Slack message to an incoming webhook.
    pub async fn post_to_slack(&self, webhook_url: String, payload: SharePayload) -> Result<()> {
        let p = ajar_core::SharePayload {
            link: self
                .0
                .link(parse_id("guest_link_id", &payload.link.guest_link_id)?)
                .await?,
            url: payload.url,
            qr_svg: payload.qr_svg,
            qr_png: payload.qr_png,
            subject: payload.subject,
            text: payload.text,
            mailto: payload.mailto,
            sms: payload.sms,
            slack_message: serde_json_value(&payload.slack_message_json)?,
            webhook_urls: vec![],
        };
        Ok(self.0.post_to_slack(&webhook_url, &p).await?)
    }

    /// Guest links (yours; all for front desk and admins), optionally in one state.
    pub async fn links(&self, state: Option<String>) -> Result<Vec<GuestLinkInfo>> {
        Ok(self
            .0
            .links(state.as_deref())
            .await?
            .into_iter()
            .map(GuestLinkInfo::from)
            .collect())
    }

    pub async fn link(&self, guest_link_id: String) -> Result<GuestLinkInfo> {
        Ok(self
            .0
            .link(parse_id("guest_link_id", &guest_link_id)?)
            .await?
            .into())
    }

    pub async fn revoke_link(&self, guest_link_id: String) -> Result<()> {
        Ok(self
            .0
            .revoke_link(parse_id("guest_link_id", &guest_link_id)?)
            .await?)
    }

    /// Activity, newest first.
    pub async fn activity(&self, filter: ActivityFilter) -> Result<Vec<ActivityEvent>> {
        let f = ajar_core::session::ActivityFilter {
            user_identity_id: uuid("user_identity_id", filter.user_identity_id)?,
            guest_link_id: uuid("guest_link_id", filter.guest_link_id)?,
            acs_entrance_id: uuid("acs_entrance_id", filter.acs_entrance_id)?,
            acs_system_id: uuid("acs_system_id", filter.acs_system_id)?,
            since: None,
            limit: filter.limit,
        };
        Ok(self
            .0
            .activity(f)
            .await?
            .into_iter()
            .map(ActivityEvent::from)
            .collect())
    }
}

fn parse_id(field: &str, s: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(s).map_err(|_| AjarError::InvalidInput {
        message: format!("{field}: {s:?} is not an id"),
    })
}

fn serde_json_value(s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| AjarError::InvalidInput {
        message: format!("slack_message_json: {e}"),
    })
}
