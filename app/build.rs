//! Tauri's build step, reading the root `tauri.conf.json` (the config sits at the repository root).
fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().config_path("../tauri.conf.json"))
        .expect("failed to run tauri-build");
}
