//! The agent's clock: the system clock, optionally shifted by an offset read from a file at
//! every reading (a test hook, `--test-clock-offset-file`, so tests can move the agent 30 s
//! into the future without sleeping).

use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_file: Option<PathBuf>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { offset_file: None }
    }

    pub fn with_offset_file(path: PathBuf) -> Self {
        Clock {
            offset_file: Some(path),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        let sys = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let offset = self
            .offset_file
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0);
        sys.saturating_add(offset)
    }
}
