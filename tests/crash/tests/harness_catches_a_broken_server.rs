//! The harness must be able to fail: against a deliberately broken server (built with the
//! `fault-injection` feature and told to answer before COMMIT), a few kill cycles must report
//! acknowledged unlocks missing from the audit trail. The broken build lives in its own target
//! directory so it never replaces the real `ajar-server` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn broken_server() -> PathBuf {
    if let Some(p) = std::env::var_os("AJAR_FAULT_SERVER") {
        return PathBuf::from(p);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("fault-injection");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "-p",
            "ajar-server",
            "--bin",
            "ajar-server",
            "--features",
            "fault-injection",
            "--target-dir",
        ])
        .arg(&target)
        .current_dir(&root)
        .status()
        .expect("run cargo");
    assert!(
        status.success(),
        "building the fault-injection server failed"
    );
    target.join("debug").join("ajar-server")
}

#[test]
fn a_server_that_answers_before_commit_is_caught() {
    let out = Command::new(env!("CARGO_BIN_EXE_ajar-crash"))
        .args(["--cycles", "3", "--migration-kills", "0", "--seed", "7"])
        .arg("--server")
        .arg(broken_server())
        .args(["--server-env", "AJAR_FAULT=reply-before-commit"])
        .output()
        .expect("run ajar-crash");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "harness did not fail:\n{text}");
    assert!(text.contains("is not in the audit trail"), "{text}");
}
