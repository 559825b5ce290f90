//! The `ajar-app` binary: starts the desktop app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    ajar_app::run();
}
