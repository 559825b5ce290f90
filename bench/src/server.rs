//! The server under test: finds the `ajar-server` binary, starts it on loopback with a fresh
//! data directory and a bootstrap API key, waits for its ready line, and stops it with SIGTERM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The line the server prints on stdout once it accepts connections.
const READY: &str = "ajar-server listening on http://";

/// Where the server binary is expected when `--server` is not given: next to this benchmark's
/// own executable (`target/release/ajar-server` for `cargo run --release -p ajar-bench`).
pub fn default_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find my own executable: {e}"))?;
    let dir = exe.parent().ok_or("my own executable has no directory")?;
    let bin = dir.join(format!("ajar-server{}", std::env::consts::EXE_SUFFIX));
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "no server binary at {}.\nBuild it first with:\n    cargo build --release -p ajar-server\nor pass --server PATH.",
            bin.display()
        ))
    }
}

/// Builds the server with `cargo build --release -p ajar-server` in the workspace this benchmark
/// was built from (a no-op of a second when it is up to date), so that the default binary is
/// never stale, then returns [`default_binary`].
pub fn build_default() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if !root.join("server").join("Cargo.toml").is_file() {
        // Not run from the checkout it was built in: use whatever binary sits next to us.
        return default_binary();
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building the server: cargo build --release -p ajar-server (skip with --no-build)");
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "-p", "ajar-server"])
        .current_dir(&root)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo: {e} (pass --no-build or --server PATH)"))?;
    if !status.success() {
        return Err(format!(
            "`cargo build --release -p ajar-server` failed ({status}); pass --server PATH to use another binary"
        ));
    }
    default_binary()
}

/// Newest modification time of the files under `dir`.
fn newest(dir: &Path) -> Option<SystemTime> {
    let mut best = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest(&path)
        } else {
            entry.metadata().ok()?.modified().ok()
        };
        best = best.max(t);
    }
    best
}

/// Whether the server or protocol sources (`src/`, `Cargo.toml`) in this checkout are newer
/// than `bin`.
pub fn looks_stale(bin: &Path) -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let Some(built) = std::fs::metadata(bin).and_then(|m| m.modified()).ok() else {
        return false;
    };
    ["server", "protocol"]
        .iter()
        .flat_map(|c| {
            let manifest = std::fs::metadata(root.join(c).join("Cargo.toml"))
                .and_then(|m| m.modified())
                .ok();
            [newest(&root.join(c).join("src")), manifest]
        })
        .flatten()
        .any(|t| t > built)
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
    pub data_dir: PathBuf,
    pub log: PathBuf,
    // Removed (with the database) when the server is dropped.
    _tmp: tempfile::TempDir,
}

/// How to start the server.
#[derive(Debug, Clone)]
pub struct Launch<'a> {
    pub binary: &'a Path,
    pub api_key: &'a str,
    /// Directory to create the temporary data directory in (default: the system temp dir).
    pub data_parent: Option<&'a Path>,
    /// CPU list for `taskset -c` (none: no pinning).
    pub cpus: Option<&'a str>,
    /// Extra command-line arguments for the server.
    pub args: &'a [String],
}

impl Server {
    pub async fn start(l: &Launch<'_>) -> Result<Server, String> {
        let tmp = match l.data_parent {
            Some(p) => tempfile::Builder::new().prefix("ajar-bench-").tempdir_in(p),
            None => tempfile::Builder::new().prefix("ajar-bench-").tempdir(),
        }
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let data_dir = tmp.path().join("data");
        let log = tmp.path().join("server.log");
        let log_file = std::fs::File::create(&log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut cmd = match l.cpus {
            Some(cpus) => {
                let mut c = Command::new("taskset");
                c.args(["-c", cpus]).arg(l.binary);
                c
            }
            None => Command::new(l.binary),
        };
        cmd.arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data_dir)
            .args(l.args)
            .env("AJAR_BOOTSTRAP_API_KEY", l.api_key)
            .env("AJAR_LOG", "warn")
            .env_remove("AJAR_PUBLIC_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", l.binary.display()))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = async {
            while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
                if let Some(rest) = line.strip_prefix(READY) {
                    return rest
                        .trim()
                        .parse::<SocketAddr>()
                        .map_err(|e| format!("bad address in {line:?}: {e}"));
                }
            }
            Err("the server exited before it was ready".to_owned())
        };
        let addr = match tokio::time::timeout(Duration::from_secs(30), ready).await {
            Ok(Ok(addr)) => addr,
            Ok(Err(e)) => return Err(format!("{e}\n{}", tail(&log))),
            Err(_) => return Err(format!("the server was not ready in 30 s\n{}", tail(&log))),
        };
        // Keep draining stdout so the server can never block on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            child,
            addr,
            pid,
            data_dir,
            log,
            _tmp: tmp,
        })
    }

    /// Stops the server with SIGTERM (graceful: queued writes are committed) and waits for it.
    pub async fn stop(mut self) -> Result<(), String> {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if sent {
            if let Ok(status) =
                tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await
            {
                let status = status.map_err(|e| e.to_string())?;
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "the server exited with {status}\n{}",
                        tail(&self.log)
                    ))
                };
            }
        }
        let _ = self.child.kill().await;
        Err("the server did not stop on SIGTERM within 30 s; killed it".into())
    }

    /// The end of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(20);
    format!(
        "server log ({}):\n{}",
        log.display(),
        lines[from..].join("\n")
    )
}
