//! Helpers shared by the CLI's integration tests: the `ajar` binary with a private config
//! directory, and a private OS keyring (gnome-keyring on its own D-Bus session) to run it in.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

pub const AJAR: &str = env!("CARGO_BIN_EXE_ajar");

/// `bin` with a private config dir and none of the caller's Ajar environment.
pub fn program(bin: &str, cfg: &Path) -> Command {
    let mut c = Command::new(bin);
    for v in [
        "AJAR_SERVER",
        "AJAR_TOKEN",
        "AJAR_PROFILE",
        "XDG_CONFIG_HOME",
    ] {
        c.env_remove(v);
    }
    c.env("AJAR_CONFIG_DIR", cfg)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

/// A private Secret Service (gnome-keyring on its own D-Bus session, under a temporary HOME).
pub struct Keyring {
    bus: String,
    home: tempfile::TempDir,
    child: tokio::process::Child,
}

impl Keyring {
    /// `None` when the tools are missing and `AJAR_TEST_SKIP_KEYRING` is set.
    pub async fn start() -> Option<Keyring> {
        let have = |tool: &str| {
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
                .unwrap_or(false)
        };
        let missing: Vec<&str> = ["dbus-run-session", "gnome-keyring-daemon", "keyctl"]
            .into_iter()
            .filter(|t| !have(t))
            .collect();
        if !missing.is_empty() {
            if std::env::var_os("AJAR_TEST_SKIP_KEYRING").is_some() {
                eprintln!(
                    "skipped: keyring tests need {missing:?} (AJAR_TEST_SKIP_KEYRING is set)"
                );
                return None;
            }
            panic!(
                "keyring tests need {missing:?}: apt-get install dbus gnome-keyring keyutils, or set AJAR_TEST_SKIP_KEYRING=1"
            );
        }
        let home = tempfile::tempdir().expect("home");
        let dir = |d: &str| -> PathBuf {
            let p = home.path().join(d);
            std::fs::create_dir_all(&p).expect("dir");
            p
        };
        let mut c = Command::new("dbus-run-session");
        c.args([
            "--",
            "sh",
            "-c",
            "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
             echo \"$DBUS_SESSION_BUS_ADDRESS\" && exec cat >/dev/null",
        ])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("HOME", home.path())
        .env("XDG_RUNTIME_DIR", dir("run"))
        .env("XDG_DATA_HOME", dir("data"))
        .env("XDG_CONFIG_HOME", dir("config"))
        .env("XDG_CACHE_HOME", dir("cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
        let mut child = c.spawn().expect("dbus-run-session");
        let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let bus = tokio::time::timeout(Duration::from_secs(20), out.next_line())
            .await
            .expect("keyring daemon within 20 s")
            .expect("read")
            .expect("the bus address");
        Some(Keyring { bus, home, child })
    }

    /// `keyctl session - ajar …` on this keyring's bus.
    pub fn ajar(&self, cfg: &Path) -> Command {
        let mut c = program("keyctl", cfg);
        c.args(["session", "-", AJAR])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("HOME", self.home.path())
            .env("XDG_RUNTIME_DIR", self.home.path().join("run"));
        c
    }

    pub async fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}
