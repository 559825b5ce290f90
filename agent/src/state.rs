//! What the agent keeps in its state directory: its private key (`agent.key`, 32 bytes, mode
//! 0600, generated from the OS CSPRNG on first start), its enrollment (`enrollment.json`: agent
//! id, site, the pinned server public key, server URL), and the last command sequence it
//! accepted (`last_seq`, written and synced before any pulse, so a restart cannot lower it).

use std::io::Write;
use std::path::{Path, PathBuf};

use ajar_protocol::agent as wire;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AgentError;

/// The agent's enrollment as kept on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub agent_id: Uuid,
    pub acs_system_id: Uuid,
    pub server_public_key: String,
    pub server: String,
}

impl Enrolled {
    pub fn server_key(&self) -> Result<VerifyingKey, AgentError> {
        wire::parse_public_key(&self.server_public_key)
            .ok_or_else(|| AgentError::Config("enrollment.json has an unusable server key".into()))
    }
}

/// The state directory.
#[derive(Debug, Clone)]
pub struct State {
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AgentError + '_ {
    move |source| AgentError::State {
        path: path.to_owned(),
        source,
    }
}

/// Writes `bytes` to `path` atomically: a private temporary file, synced, then renamed.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_data()?;
    std::fs::rename(&tmp, path)
}

impl State {
    /// Opens (creating, mode 0700) the state directory.
    pub fn open(dir: &Path) -> Result<State, AgentError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io(dir))?;
        }
        Ok(State {
            dir: dir.to_owned(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The agent's signing key, generated on first use. Never leaves this directory.
    pub fn key(&self) -> Result<SigningKey, AgentError> {
        let path = self.dir.join("agent.key");
        match std::fs::read(&path) {
            Ok(bytes) => {
                let seed: [u8; 32] = bytes.try_into().map_err(|_| {
                    AgentError::Config(format!("{} is not a 32-byte key", path.display()))
                })?;
                Ok(SigningKey::from_bytes(&seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed)
                    .map_err(|e| AgentError::Config(format!("no randomness: {e}")))?;
                write_private(&path, &seed).map_err(io(&path))?;
                tracing::info!(path = %path.display(), "generated this agent's key");
                Ok(SigningKey::from_bytes(&seed))
            }
            Err(e) => Err(io(&path)(e)),
        }
    }

    pub fn enrollment(&self) -> Result<Option<Enrolled>, AgentError> {
        let path = self.dir.join("enrollment.json");
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| AgentError::Config(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    pub fn save_enrollment(&self, e: &Enrolled) -> Result<(), AgentError> {
        let path = self.dir.join("enrollment.json");
        let text = serde_json::to_vec_pretty(e).expect("serialises");
        write_private(&path, &text).map_err(io(&path))
    }

    pub fn last_seq(&self) -> Result<u64, AgentError> {
        let path = self.dir.join("last_seq");
        match std::fs::read_to_string(&path) {
            Ok(s) => s
                .trim()
                .parse()
                .map_err(|_| AgentError::Config(format!("{} is corrupt", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Durably records the last accepted sequence (before the relay moves). The file holds a
    /// fixed-width number overwritten in place and synced with `fdatasync`, so each command
    /// costs one data flush and no metadata change (a write of 21 bytes at offset 0 is not torn).
    pub fn save_last_seq(&self, seq: u64) -> Result<(), AgentError> {
        let path = self.dir.join("last_seq");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let f = opts.open(&path).map_err(io(&path))?;
        let text = format!("{seq:020}\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            f.write_all_at(text.as_bytes(), 0).map_err(io(&path))?;
        }
        #[cfg(not(unix))]
        {
            let mut f = &f;
            f.write_all(text.as_bytes()).map_err(io(&path))?;
        }
        if f.metadata().map_err(io(&path))?.len() != text.len() as u64 {
            f.set_len(text.len() as u64).map_err(io(&path))?;
            f.sync_all().map_err(io(&path))?;
        }
        f.sync_data().map_err(io(&path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_private_stable_and_unique() {
        let d = tempfile::tempdir().unwrap();
        let s = State::open(d.path()).unwrap();
        let k1 = s.key().unwrap();
        assert_eq!(k1.to_bytes(), s.key().unwrap().to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(d.path().join("agent.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(m & 0o777, 0o600);
        }
        let d2 = tempfile::tempdir().unwrap();
        let other = State::open(d2.path()).unwrap();
        assert_ne!(k1.to_bytes(), other.key().unwrap().to_bytes());
        assert_eq!(s.last_seq().unwrap(), 0);
        s.save_last_seq(1_234_567_890_123).unwrap();
        s.save_last_seq(42).unwrap();
        assert_eq!(State::open(d.path()).unwrap().last_seq().unwrap(), 42);
    }
}
