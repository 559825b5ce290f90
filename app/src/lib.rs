//! `ajar-app`: the Ajar desktop app (Tauri v2) for front-desk staff and hosts. The front end is
//! the static `ui/` folder; [`commands`] are thin calls into [`state::AppState`], which holds the
//! `ajar-core` session. Tokens and link URLs live in the OS keyring on this side only.

pub mod commands;
pub mod error;
pub mod state;

use std::path::PathBuf;
use std::sync::Arc;

use ajar_core::secrets::KeyringSecretStore;
use tauri::Manager;

pub use error::UiError;
pub use state::AppState;

/// Where profiles and caches go: `AJAR_APP_DATA_DIR`, else the platform's app data directory.
fn data_dir(app: &tauri::App) -> PathBuf {
    if let Some(d) = std::env::var_os("AJAR_APP_DATA_DIR") {
        return PathBuf::from(d);
    }
    app.path()
        .app_data_dir()
        .unwrap_or_else(|_| PathBuf::from("ajar-data"))
}

/// Runs the app until its window closes.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let secrets = Arc::new(KeyringSecretStore::new("ajar"));
            app.manage(AppState::new(data_dir(app), secrets));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::profiles,
            commands::sign_in,
            commands::open_profile,
            commands::sign_out,
            commands::doors_cached,
            commands::doors,
            commands::unlock,
            commands::preview_window,
            commands::share,
            commands::show_link,
            commands::copy_link,
            commands::share_via,
            commands::post_to_slack,
            commands::save_qr,
            commands::links,
            commands::revoke_link,
            commands::activity,
            commands::poll_activity,
            commands::settings,
            commands::set_slack_webhook,
            commands::ui_ready,
            commands::my_role,
            commands::admin_people,
            commands::admin_add_user,
            commands::admin_edit_user,
            commands::admin_remove_user,
            commands::admin_set_remote_unlock,
            commands::admin_add_cloud_key,
            commands::admin_revoke_cloud_key,
            commands::admin_issue_sign_in,
            commands::admin_sessions,
            commands::admin_revoke_session,
            commands::admin_sites,
            commands::admin_add_site,
            commands::admin_edit_site,
            commands::admin_doors,
            commands::admin_add_door,
            commands::admin_edit_door,
            commands::admin_api_keys,
            commands::admin_create_api_key,
            commands::admin_revoke_api_key,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running the Ajar app");
}
