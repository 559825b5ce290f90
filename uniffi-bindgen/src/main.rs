//! `uniffi-bindgen`: uniffi's generator, pinned with the workspace's uniffi version.

fn main() {
    uniffi::uniffi_bindgen_main()
}
