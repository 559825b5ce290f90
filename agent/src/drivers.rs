//! Relay drivers behind one trait: `simulated` (counts pulses), `command` (runs a configured
//! program), `http` (a Shelly-style relay endpoint) and `gpio` (a Linux GPIO character device
//! line, with an optional door-position input). [`pulse`] energises the relay and always
//! releases it after the pulse, in its own task, whatever happens to the server link.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ajar_protocol::agent::DoorPosition;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::config::DriverConfig;

#[derive(Debug, Clone, thiserror::Error)]
pub enum DriverError {
    #[error("{0}")]
    Failed(String),
    #[error("this driver is not available on this platform")]
    Unsupported,
}

pub type DriverFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DriverError>> + Send + 'a>>;

/// A relay the agent can energise (unlock) and release (relock).
pub trait Driver: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;
    fn open<'a>(&'a self, entrance: Uuid, pulse_ms: u32) -> DriverFuture<'a>;
    fn close<'a>(&'a self, entrance: Uuid) -> DriverFuture<'a>;
    /// Door-position events, when the hardware has a door sensor (taken once).
    fn door_events(&self) -> Option<mpsc::UnboundedReceiver<(Uuid, DoorPosition)>> {
        None
    }
}

/// Builds the configured driver.
pub fn build(cfg: &DriverConfig) -> Result<Arc<dyn Driver>, DriverError> {
    Ok(match cfg {
        DriverConfig::Simulated => Arc::new(Simulated::default()),
        DriverConfig::Command { program, args } => Arc::new(Command {
            program: program.clone(),
            args: args.clone(),
        }),
        DriverConfig::Http { on_url, off_url } => Arc::new(Http::new(on_url, off_url)?),
        DriverConfig::Gpio {
            chip,
            line,
            active_low,
            door_sensor_line,
            held_open_secs,
        } => gpio::build(chip, *line, *active_low, *door_sensor_line, *held_open_secs)?,
    })
}

/// Energises the relay for `pulse_ms`, then always releases it: the release runs in its own
/// task that does not depend on the caller or the server link. Returns once the relay is
/// energised (or failed to be).
pub async fn pulse(
    driver: Arc<dyn Driver>,
    entrance: Uuid,
    pulse_ms: u32,
) -> Result<(), DriverError> {
    let opened = driver.open(entrance, pulse_ms).await;
    let d = driver.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(u64::from(pulse_ms))).await;
        for attempt in 1..=5u64 {
            match d.close(entrance).await {
                Ok(()) => {
                    tracing::info!(%entrance, "relocked");
                    return;
                }
                Err(e) => {
                    tracing::error!(%entrance, attempt, error = %e, "relock failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
            }
        }
        tracing::error!(%entrance, "relock failed five times: check the relay (its hardware timeout must release it)");
    });
    opened
}

/// No hardware: counts pulses and relocks (logs both).
#[derive(Debug, Default)]
pub struct Simulated {
    pub opens: AtomicU64,
    pub closes: AtomicU64,
}

impl Driver for Simulated {
    fn name(&self) -> &'static str {
        "simulated"
    }
    fn open<'a>(&'a self, entrance: Uuid, pulse_ms: u32) -> DriverFuture<'a> {
        Box::pin(async move {
            self.opens.fetch_add(1, Ordering::SeqCst);
            tracing::info!(%entrance, pulse_ms, "simulated relay energised");
            Ok(())
        })
    }
    fn close<'a>(&'a self, entrance: Uuid) -> DriverFuture<'a> {
        Box::pin(async move {
            self.closes.fetch_add(1, Ordering::SeqCst);
            tracing::debug!(%entrance, "simulated relay released");
            Ok(())
        })
    }
}

/// Runs `program [args…] open <entrance> <pulse_ms>` and `program [args…] close <entrance>`.
#[derive(Debug)]
pub struct Command {
    program: std::path::PathBuf,
    args: Vec<String>,
}

impl Command {
    async fn run(&self, extra: Vec<String>) -> Result<(), DriverError> {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args).args(extra).kill_on_drop(true);
        let status = tokio::time::timeout(Duration::from_secs(10), cmd.status())
            .await
            .map_err(|_| DriverError::Failed(format!("{} took over 10 s", self.program.display())))?
            .map_err(|e| {
                DriverError::Failed(format!("cannot run {}: {e}", self.program.display()))
            })?;
        if status.success() {
            Ok(())
        } else {
            Err(DriverError::Failed(format!(
                "{} exited with {status}",
                self.program.display()
            )))
        }
    }
}

impl Driver for Command {
    fn name(&self) -> &'static str {
        "command"
    }
    fn open<'a>(&'a self, entrance: Uuid, pulse_ms: u32) -> DriverFuture<'a> {
        Box::pin(self.run(vec![
            "open".into(),
            entrance.to_string(),
            pulse_ms.to_string(),
        ]))
    }
    fn close<'a>(&'a self, entrance: Uuid) -> DriverFuture<'a> {
        Box::pin(self.run(vec!["close".into(), entrance.to_string()]))
    }
}

/// Calls a relay's HTTP endpoint: `on_url` to energise, `off_url` to release.
#[derive(Debug)]
pub struct Http {
    client: reqwest::Client,
    on_url: String,
    off_url: String,
}

impl Http {
    fn new(on_url: &str, off_url: &str) -> Result<Self, DriverError> {
        for u in [on_url, off_url] {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(DriverError::Failed(format!(
                    "relay URL must be http(s): {u}"
                )));
            }
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| DriverError::Failed(e.to_string()))?;
        Ok(Http {
            client,
            on_url: on_url.to_owned(),
            off_url: off_url.to_owned(),
        })
    }

    async fn call(&self, template: &str, entrance: Uuid, pulse_ms: u32) -> Result<(), DriverError> {
        let url = template
            .replace("{entrance}", &entrance.to_string())
            .replace("{pulse_s}", &format!("{:.1}", f64::from(pulse_ms) / 1000.0));
        let resp = self
            .client
            .get(&url)
            .send()
            .await
            .map_err(|e| DriverError::Failed(format!("relay unreachable: {e}")))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(DriverError::Failed(format!(
                "relay answered {}",
                resp.status()
            )))
        }
    }
}

impl Driver for Http {
    fn name(&self) -> &'static str {
        "http"
    }
    fn open<'a>(&'a self, entrance: Uuid, pulse_ms: u32) -> DriverFuture<'a> {
        Box::pin(self.call(&self.on_url, entrance, pulse_ms))
    }
    fn close<'a>(&'a self, entrance: Uuid) -> DriverFuture<'a> {
        Box::pin(self.call(&self.off_url, entrance, 0))
    }
}

/// Turns door-sensor readings into door-position events: `open`/`closed` on each change,
/// `forced` when the door opens while the relay is released, `held_open` once when it stays
/// open past the limit.
#[derive(Debug)]
pub struct DoorMonitor {
    held_open_ms: i64,
    open_since: Option<i64>,
    reported_held: bool,
}

impl DoorMonitor {
    pub fn new(held_open_ms: i64) -> Self {
        DoorMonitor {
            held_open_ms,
            open_since: None,
            reported_held: false,
        }
    }

    /// One reading at `now_ms`: whether the door is open and whether the relay is energised.
    pub fn observe(&mut self, open: bool, relay_energised: bool, now_ms: i64) -> Vec<DoorPosition> {
        let mut out = vec![];
        match (self.open_since, open) {
            (None, true) => {
                self.open_since = Some(now_ms);
                self.reported_held = false;
                out.push(if relay_energised {
                    DoorPosition::Open
                } else {
                    DoorPosition::Forced
                });
            }
            (Some(_), false) => {
                self.open_since = None;
                out.push(DoorPosition::Closed);
            }
            (Some(since), true) => {
                if !self.reported_held && now_ms - since >= self.held_open_ms {
                    self.reported_held = true;
                    out.push(DoorPosition::HeldOpen);
                }
            }
            (None, false) => {}
        }
        out
    }
}

#[cfg(target_os = "linux")]
mod gpio {
    //! The `gpio` driver on the Linux GPIO character device (`gpio-cdev`).
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use gpio_cdev::{Chip, LineHandle, LineRequestFlags};
    use tokio::sync::mpsc;
    use uuid::Uuid;

    use super::{DoorMonitor, Driver, DriverError, DriverFuture};
    use ajar_protocol::agent::DoorPosition;

    #[derive(Debug)]
    pub struct Gpio {
        relay: Mutex<LineHandle>,
        active: u8,
        energised: Arc<AtomicBool>,
        events: Mutex<Option<mpsc::UnboundedReceiver<(Uuid, DoorPosition)>>>,
        last_entrance: Arc<Mutex<Uuid>>,
    }

    fn err(e: impl std::fmt::Display) -> DriverError {
        DriverError::Failed(e.to_string())
    }

    pub fn build(
        chip: &Path,
        line: u32,
        active_low: bool,
        sensor: Option<u32>,
        held_open_secs: u64,
    ) -> Result<Arc<dyn Driver>, DriverError> {
        let mut chip = Chip::new(chip).map_err(err)?;
        let (active, inactive) = if active_low { (0, 1) } else { (1, 0) };
        // Requested released: a (re)started agent always begins with the door locked.
        let relay = chip
            .get_line(line)
            .map_err(err)?
            .request(LineRequestFlags::OUTPUT, inactive, "ajar-agent relay")
            .map_err(err)?;
        let energised = Arc::new(AtomicBool::new(false));
        let last_entrance = Arc::new(Mutex::new(Uuid::nil()));
        let (tx, rx) = mpsc::unbounded_channel();
        if let Some(s) = sensor {
            let input = chip
                .get_line(s)
                .map_err(err)?
                .request(LineRequestFlags::INPUT, 0, "ajar-agent door sensor")
                .map_err(err)?;
            let (en, le) = (energised.clone(), last_entrance.clone());
            std::thread::spawn(move || {
                let mut mon = DoorMonitor::new((held_open_secs * 1000) as i64);
                let start = std::time::Instant::now();
                loop {
                    // Contact closed (active) = door closed.
                    let Ok(v) = input.get_value() else { return };
                    let now = start.elapsed().as_millis() as i64;
                    for ev in mon.observe(v == 0, en.load(Ordering::SeqCst), now) {
                        let door = *le.lock().unwrap_or_else(|e| e.into_inner());
                        if tx.send((door, ev)).is_err() {
                            return;
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
        }
        Ok(Arc::new(Gpio {
            relay: Mutex::new(relay),
            active,
            energised,
            events: Mutex::new(Some(rx)),
            last_entrance,
        }))
    }

    impl Gpio {
        fn set(&self, on: bool) -> Result<(), DriverError> {
            let v = if on { self.active } else { 1 - self.active };
            self.relay
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .set_value(v)
                .map_err(err)?;
            self.energised.store(on, Ordering::SeqCst);
            Ok(())
        }
    }

    impl Driver for Gpio {
        fn name(&self) -> &'static str {
            "gpio"
        }
        fn open<'a>(&'a self, entrance: Uuid, _pulse_ms: u32) -> DriverFuture<'a> {
            *self.last_entrance.lock().unwrap_or_else(|e| e.into_inner()) = entrance;
            Box::pin(async move { self.set(true) })
        }
        fn close<'a>(&'a self, _entrance: Uuid) -> DriverFuture<'a> {
            Box::pin(async move { self.set(false) })
        }
        fn door_events(&self) -> Option<mpsc::UnboundedReceiver<(Uuid, DoorPosition)>> {
            self.events.lock().unwrap_or_else(|e| e.into_inner()).take()
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod gpio {
    use super::{Driver, DriverError};
    use std::path::Path;
    use std::sync::Arc;
    pub fn build(
        _chip: &Path,
        _line: u32,
        _active_low: bool,
        _sensor: Option<u32>,
        _held: u64,
    ) -> Result<Arc<dyn Driver>, DriverError> {
        Err(DriverError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_relay_is_released_after_the_pulse_even_when_the_caller_is_gone() {
        let d = Arc::new(Simulated::default());
        let driver: Arc<dyn Driver> = d.clone();
        // The caller (the link) is dropped right after the relay is energised.
        let task = tokio::spawn(pulse(driver, Uuid::now_v7(), 3000));
        task.await.unwrap().unwrap();
        assert_eq!(d.opens.load(Ordering::SeqCst), 1);
        assert_eq!(d.closes.load(Ordering::SeqCst), 0);
        tokio::time::sleep(Duration::from_millis(2999)).await;
        assert_eq!(
            d.closes.load(Ordering::SeqCst),
            0,
            "not before the pulse ends"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert_eq!(
            d.closes.load(Ordering::SeqCst),
            1,
            "released after the pulse"
        );
    }

    #[test]
    fn door_monitor_reports_open_closed_forced_and_held() {
        let mut m = DoorMonitor::new(30_000);
        assert_eq!(m.observe(false, false, 0), vec![]);
        assert_eq!(m.observe(true, true, 10), vec![DoorPosition::Open]);
        assert_eq!(m.observe(true, false, 20_000), vec![]);
        assert_eq!(m.observe(true, false, 30_010), vec![DoorPosition::HeldOpen]);
        assert_eq!(
            m.observe(true, false, 40_000),
            vec![],
            "held open is reported once"
        );
        assert_eq!(m.observe(false, false, 41_000), vec![DoorPosition::Closed]);
        assert_eq!(m.observe(true, false, 50_000), vec![DoorPosition::Forced]);
    }

    #[tokio::test]
    async fn the_command_driver_runs_the_program_with_the_entrance_and_pulse() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let d = Command {
            program: "/bin/sh".into(),
            args: vec![
                "-c".into(),
                format!("echo \"$0 $1 $2\" >> {}", log.display()),
            ],
        };
        let door = Uuid::now_v7();
        d.open(door, 1500).await.unwrap();
        d.close(door).await.unwrap();
        let text = std::fs::read_to_string(&log).unwrap();
        assert_eq!(text, format!("open {door} 1500\nclose {door} \n"));
        let bad = Command {
            program: "/bin/false".into(),
            args: vec![],
        };
        assert!(bad.open(door, 1).await.is_err());
    }
}
