//! Facts about the machine and the build under test, for the report header: CPU, kernel, OS,
//! memory, load, the file system of the data directory, the date, and the server binary with the
//! git commit of the checkout it was built in. Every fact is best effort and reads "unknown" when
//! it cannot be found.

use std::path::Path;
use std::process::Command;

/// What the report header says about where the figures come from.
#[derive(Debug, Clone)]
pub struct Facts {
    pub date: String,
    pub cpus: usize,
    pub cpu_model: String,
    pub kernel: String,
    pub os: String,
    pub memory: String,
    pub data_fs: String,
    /// The load average (1, 5, 15 min) when the benchmark started.
    pub load: String,
    /// The server binary's path (Markdown code) and build time.
    pub server_binary: String,
    pub commit: String,
    pub rustc: String,
}

const UNKNOWN: &str = "unknown";

fn run(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The value of the first `key: value` line of `text` whose key is `key`.
fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_owned())
    })
}

pub fn gather(data_dir: &Path, server_binary: &Path) -> Facts {
    let cpuinfo = read("/proc/cpuinfo").unwrap_or_default();
    let os = read("/etc/os-release").and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_owned())
    });
    let memory = read("/proc/meminfo")
        .and_then(|t| field(&t, "MemTotal"))
        .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    // The checkout the server binary was built in (target/release/ajar-server lives inside it).
    let bin_dir = server_binary
        .parent()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let commit = run("git", &["-C", &bin_dir, "rev-parse", "--show-toplevel"]).and_then(|root| {
        let c = run("git", &["-C", &root, "rev-parse", "--short", "HEAD"])?;
        let dirty = run(
            "git",
            &[
                "-C",
                &root,
                "status",
                "--porcelain",
                "--",
                "server",
                "protocol",
            ],
        )
        .is_some();
        Some(if dirty {
            format!("{c} + uncommitted changes in server/ or protocol/")
        } else {
            c
        })
    });
    let built = std::fs::metadata(server_binary)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| {
            run(
                "date",
                &[
                    "-u",
                    "-d",
                    &format!("@{}", d.as_secs()),
                    "+%Y-%m-%d %H:%M UTC",
                ],
            )
        });
    let data_fs = run(
        "df",
        &["--output=fstype,source", &data_dir.to_string_lossy()],
    )
    .and_then(|o| {
        let line = o.lines().nth(1)?.to_owned();
        let mut parts = line.split_whitespace();
        Some(format!("{} on {}", parts.next()?, parts.next()?))
    });
    Facts {
        date: run("date", &["-u", "+%Y-%m-%d"]).unwrap_or_else(|| UNKNOWN.into()),
        // The machine's CPUs, not this process's affinity (which --client-cpus narrows).
        cpus: match cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count()
        {
            0 => std::thread::available_parallelism().map_or(0, |n| n.get()),
            n => n,
        },
        cpu_model: field(&cpuinfo, "model name").unwrap_or_else(|| UNKNOWN.into()),
        kernel: read("/proc/sys/kernel/osrelease")
            .map(|k| format!("Linux {}", k.trim()))
            .unwrap_or_else(|| UNKNOWN.into()),
        os: os.unwrap_or_else(|| UNKNOWN.into()),
        memory: memory.unwrap_or_else(|| UNKNOWN.into()),
        data_fs: data_fs.unwrap_or_else(|| UNKNOWN.into()),
        load: read("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| UNKNOWN.into()),
        server_binary: match built {
            Some(t) => format!("`{}` (built {t})", server_binary.display()),
            None => format!("`{}`", server_binary.display()),
        },
        commit: commit.unwrap_or_else(|| UNKNOWN.into()),
        rustc: run("rustc", &["--version"]).unwrap_or_else(|| UNKNOWN.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn cpuinfo_field() {
        let t = "processor\t: 0\nmodel name\t: Some CPU @ 2.0GHz\nflags\t: a b\n";
        assert_eq!(field(t, "model name").as_deref(), Some("Some CPU @ 2.0GHz"));
        assert_eq!(field(t, "missing"), None);
    }
}
