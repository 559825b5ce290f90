//! The server under test as a child process: started on loopback with a fixed data directory,
//! killed with SIGKILL (no chance to finish anything), stopped with SIGTERM at the end, and its
//! command-line tools (`audit verify`, `migrate`) run against the same directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const ADMIN_KEY: &str = "seam_crashharness_0123456789abcdefghij";

/// A running `ajar-server`.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub url: String,
}

/// How to run the binary.
#[derive(Debug, Clone)]
pub struct Binary {
    pub path: PathBuf,
    pub data_dir: PathBuf,
    /// Extra environment (e.g. `AJAR_FAULT` for a fault-injection build).
    pub env: Vec<(String, String)>,
}

impl Binary {
    pub fn start(&self) -> Result<Server, String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.with_extension("log"))
            .map_err(|e| format!("cannot open the server log: {e}"))?;
        let mut child = Command::new(&self.path)
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&self.data_dir)
            .args(["--guest-unlock-burst", "1000000"])
            .args(["--guest-unlocks-per-minute", "1000000"])
            .env("AJAR_BOOTSTRAP_API_KEY", ADMIN_KEY)
            .env("AJAR_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.path.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(url) = line.strip_prefix("ajar-server listening on ") {
                        let _ = tx.send(url.trim().to_owned());
                        sent = true;
                    }
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => Ok(Server { child, url }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(
                    "the server did not start within 60 s (see the .log next to the data dir)"
                        .into(),
                )
            }
        }
    }

    /// Runs `ajar-server <args> --data-dir DIR`; returns (exit success, stdout + stderr).
    pub fn tool(&self, args: &[&str]) -> Result<(bool, String), String> {
        let out = Command::new(&self.path)
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env("AJAR_LOG", "warn")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.path.display()))?;
        Ok((
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ))
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("ajar.sqlite3")
    }
}

impl Server {
    /// SIGKILL: the process dies at once, mid-whatever.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait (graceful: queued writes are committed).
    pub fn stop(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..300 {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `ajar-server` next to this executable (target/<profile>/ajar-server).
pub fn default_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin = exe
        .parent()
        .map(|d| d.join("ajar-server"))
        .ok_or("no directory")?;
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "no server binary at {}: run `cargo build -p ajar-server` or pass --server PATH",
            bin.display()
        ))
    }
}

/// Copies a database file (and its WAL, if any) for a fresh migration attempt.
pub fn copy_db(from: &Path, to_dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to_dir).map_err(|e| e.to_string())?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(to_dir.join(format!("ajar.sqlite3{suffix}")));
    }
    std::fs::copy(from, to_dir.join("ajar.sqlite3")).map_err(|e| e.to_string())?;
    Ok(())
}
