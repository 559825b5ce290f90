//! The Tauri commands: each is a thin call into [`AppState`] (and, for the share sheet, into a
//! plugin used from Rust: clipboard, opener, dialog, notification), answering `Result<T, UiError>`.
//! The webview is granted no plugin permission of its own.

use ajar_core::share::{ShareRequest, WindowInput};
use ajar_core::{EntryList, UnlockOutcome};
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
