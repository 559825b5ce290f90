//! The Tauri commands: each is a thin call into [`AppState`] (and, for the share sheet, into a
//! plugin used from Rust: clipboard, opener, dialog, notification), answering `Result<T, UiError>`.
//! The webview is granted no plugin permission of its own. The `admin_*` commands are the control
//! center (People, credentials, sign-in codes, sites and doors, API keys), each one call of
//! `Session::admin()`; the secrets they answer (sign-in code, API key) are not kept here.

use ajar_core::share::{ShareRequest, WindowInput};
use ajar_core::{
    CloudKeyRequest, DoorChanges, EntryList, Identity, NewDoor, NewUser, SignInIssue,
    UnlockOutcome, UserChanges,
};
use ajar_protocol::{AcsEntrance, AcsSystem, ApiKey, ClientSession, CloudKey, Person, Role};
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;
use uuid::Uuid;

use crate::error::{UiError, UiResult};
use crate::state::{
    ActivityItem, ActivityQuery, AppState, LinkRow, Me, Profiles, Settings, ShareSheet,
    WindowPreview,
};

type S<'a> = State<'a, AppState>;

#[tauri::command]
pub fn profiles(state: S<'_>) -> UiResult<Profiles> {
    state.profiles()
}

#[tauri::command]
pub async fn sign_in(
    state: S<'_>,
    profile: String,
    server: Option<String>,
    token_or_code: String,
) -> UiResult<Me> {
    state
        .sign_in(&profile, server.as_deref(), &token_or_code)
        .await
}

#[tauri::command]
pub async fn open_profile(state: S<'_>, profile: Option<String>) -> UiResult<Me> {
    state.open_profile(profile.as_deref()).await
}

#[tauri::command]
pub async fn sign_out(state: S<'_>, profile: String) -> UiResult<bool> {
    state.sign_out(&profile).await
}

#[tauri::command]
pub async fn doors_cached(state: S<'_>) -> UiResult<Option<EntryList>> {
    state.doors_cached().await
}

#[tauri::command]
pub async fn doors(state: S<'_>) -> UiResult<EntryList> {
    state.doors().await
}

#[tauri::command]
pub async fn unlock(state: S<'_>, door: String) -> UiResult<UnlockOutcome> {
    state.unlock(&door).await
}

#[tauri::command]
pub fn preview_window(state: S<'_>, zone: String, window: WindowInput) -> UiResult<WindowPreview> {
    state.preview_window(&zone, &window)
}

#[tauri::command]
pub async fn share(state: S<'_>, request: ShareRequest) -> UiResult<ShareSheet> {
    state.share(&request).await
}

#[tauri::command]
pub async fn show_link(state: S<'_>, id: Uuid) -> UiResult<ShareSheet> {
    state.show_link(id).await
}

#[tauri::command]
pub async fn copy_link(app: AppHandle, state: S<'_>, id: Uuid) -> UiResult<()> {
    let url = state.link_url(id).await?;
    app.clipboard()
        .write_text(url)
        .map_err(|e| UiError::Local(format!("clipboard: {e}")))
}

/// Opens the link's `mailto:` (channel `email`) or `sms:` URI with the system's handler.
#[tauri::command]
pub async fn share_via(app: AppHandle, state: S<'_>, id: Uuid, channel: String) -> UiResult<()> {
    let uri = state.share_uri(id, &channel).await?;
    app.opener()
        .open_url(uri, None::<&str>)
        .map_err(|e| UiError::Local(format!("no app to open {channel}: {e}")))
}

#[tauri::command]
pub async fn post_to_slack(state: S<'_>, id: Uuid) -> UiResult<()> {
    state.post_to_slack(id).await
}

/// Asks where to save the link's QR code (native dialog) and writes the PNG there; answers the
/// path, or `None` when the user cancelled.
#[tauri::command]
pub async fn save_qr(app: AppHandle, state: S<'_>, id: Uuid) -> UiResult<Option<String>> {
    let png = state.qr_png(id).await?;
    let picked = app
        .dialog()
        .file()
        .set_file_name("guest-link-qr.png")
        .add_filter("PNG image", &["png"])
        .blocking_save_file();
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    std::fs::write(&path, png).map_err(|e| UiError::Local(format!("{}: {e}", path.display())))?;
    Ok(Some(path.display().to_string()))
}

#[tauri::command]
pub async fn links(state: S<'_>, filter: Option<String>) -> UiResult<Vec<LinkRow>> {
    state.links(filter.as_deref()).await
}

#[tauri::command]
pub async fn revoke_link(state: S<'_>, id: Uuid) -> UiResult<()> {
    state.revoke_link(id).await
}

#[tauri::command]
pub async fn activity(state: S<'_>, query: Option<ActivityQuery>) -> UiResult<Vec<ActivityItem>> {
    state.activity(&query.unwrap_or_default()).await
}

/// New activity since the last poll; raises a desktop notification for each use of a guest
/// link the user issued.
#[tauri::command]
pub async fn poll_activity(app: AppHandle, state: S<'_>) -> UiResult<Vec<ActivityItem>> {
    let items = state.poll_activity().await?;
    for i in items.iter().filter(|i| i.my_link_used) {
        // A missing notification daemon must not break the activity view.
        let _ = app
            .notification()
            .builder()
            .title(format!("{} opened {}", i.who, i.door))
            .body(format!("{} · {}", i.occurred_local, i.detail))
            .show();
    }
    Ok(items)
}

#[tauri::command]
pub fn settings(state: S<'_>) -> UiResult<Settings> {
    state.settings()
}

#[tauri::command]
pub fn set_slack_webhook(state: S<'_>, url: String) -> UiResult<Settings> {
    state.set_slack_webhook(&url)
}

/// Called by the UI once the door list is drawn: with `AJAR_APP_BENCH=1` the app prints the
/// wall-clock time (ms since the epoch) so a benchmark can measure cold start from outside.
#[tauri::command]
pub fn ui_ready(what: String) {
    if std::env::var_os("AJAR_APP_BENCH").is_some() {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        println!("ajar-app ready {what} {ms}");
    }
}

// ---- the control center: thin calls into `Session::admin()` (the server decides who may) ----

/// The signed-in role (`member`, `front_desk`, `admin`; an API key acts as `admin`), so the UI
/// shows the control center's views to those who can use them.
#[tauri::command]
pub async fn my_role(state: S<'_>) -> UiResult<Role> {
    Ok(match state.session().await?.identity().await? {
        Identity::ApiKey => Role::Admin,
        Identity::User { role, .. } => role,
    })
}

#[tauri::command]
pub async fn admin_people(
    state: S<'_>,
    search: Option<String>,
    role: Option<Role>,
) -> UiResult<Vec<Person>> {
    Ok(state
        .session()
        .await?
        .admin()
        .people(search.as_deref(), role)
        .await?)
}

#[tauri::command]
pub async fn admin_add_user(state: S<'_>, user: NewUser) -> UiResult<Person> {
    Ok(state.session().await?.admin().add_user(&user).await?)
}

#[tauri::command]
pub async fn admin_edit_user(state: S<'_>, user: String, changes: UserChanges) -> UiResult<Person> {
    Ok(state
        .session()
        .await?
        .admin()
        .edit_user(&user, &changes)
        .await?)
}

#[tauri::command]
pub async fn admin_remove_user(state: S<'_>, user: String) -> UiResult<Uuid> {
    Ok(state.session().await?.admin().remove_user(&user).await?)
}

/// The Remote Unlock switch: off stops the user's unlocks and their guest links at the next request.
#[tauri::command]
pub async fn admin_set_remote_unlock(
    state: S<'_>,
    user: String,
    enabled: bool,
) -> UiResult<Person> {
    Ok(state
        .session()
        .await?
        .admin()
        .set_remote_unlock(&user, enabled)
        .await?)
}

#[tauri::command]
pub async fn admin_add_cloud_key(state: S<'_>, request: CloudKeyRequest) -> UiResult<CloudKey> {
    Ok(state
        .session()
        .await?
        .admin()
        .add_cloud_key(&request)
        .await?)
}

#[tauri::command]
pub async fn admin_revoke_cloud_key(state: S<'_>, id: Uuid) -> UiResult<CloudKey> {
    Ok(state.session().await?.admin().revoke_cloud_key(id).await?)
}

/// Issues a sign-in code (and QR) for a user. The answer is the only place its token appears:
/// the app keeps nothing of it.
#[tauri::command]
pub async fn admin_issue_sign_in(state: S<'_>, user: String) -> UiResult<SignInIssue> {
    Ok(state
        .session()
        .await?
        .admin()
        .issue_sign_in(&user, None)
        .await?)
}

#[tauri::command]
pub async fn admin_sessions(state: S<'_>, user: String) -> UiResult<Vec<ClientSession>> {
    Ok(state.session().await?.admin().sessions(&user).await?)
}

#[tauri::command]
pub async fn admin_revoke_session(state: S<'_>, id: Uuid) -> UiResult<()> {
    Ok(state.session().await?.admin().revoke_session(id).await?)
}

#[tauri::command]
pub async fn admin_sites(state: S<'_>) -> UiResult<Vec<AcsSystem>> {
    Ok(state.session().await?.admin().sites().await?)
}

#[tauri::command]
pub async fn admin_add_site(state: S<'_>, name: String, time_zone: String) -> UiResult<AcsSystem> {
    Ok(state
        .session()
        .await?
        .admin()
        .add_site(&name, &time_zone)
        .await?)
}

#[tauri::command]
pub async fn admin_edit_site(
    state: S<'_>,
    site: String,
    name: Option<String>,
    time_zone: Option<String>,
) -> UiResult<AcsSystem> {
    Ok(state
        .session()
        .await?
        .admin()
        .edit_site(&site, name.as_deref(), time_zone.as_deref())
        .await?)
}

#[tauri::command]
pub async fn admin_doors(state: S<'_>, site: Option<String>) -> UiResult<Vec<AcsEntrance>> {
    Ok(state
        .session()
        .await?
        .admin()
        .doors(site.as_deref())
        .await?)
}

#[tauri::command]
pub async fn admin_add_door(state: S<'_>, door: NewDoor) -> UiResult<AcsEntrance> {
    Ok(state.session().await?.admin().add_door(&door).await?)
}

#[tauri::command]
pub async fn admin_edit_door(
    state: S<'_>,
    door: String,
    changes: DoorChanges,
) -> UiResult<AcsEntrance> {
    Ok(state
        .session()
        .await?
        .admin()
        .edit_door(&door, &changes)
        .await?)
}

#[tauri::command]
pub async fn admin_api_keys(state: S<'_>) -> UiResult<Vec<ApiKey>> {
    Ok(state.session().await?.admin().api_keys().await?)
}

/// Creates an API key; its secret is in this answer only (the app keeps nothing of it).
#[tauri::command]
pub async fn admin_create_api_key(state: S<'_>, name: String) -> UiResult<ApiKey> {
    Ok(state.session().await?.admin().create_api_key(&name).await?)
}

#[tauri::command]
pub async fn admin_revoke_api_key(state: S<'_>, id: Uuid) -> UiResult<ApiKey> {
    Ok(state.session().await?.admin().revoke_api_key(id).await?)
}
