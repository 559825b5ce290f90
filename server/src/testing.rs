//! A real server inside a test process, for the test suites of every crate that talks to one
//! (server, core, cli, bindings): loopback on a random port, a fresh data directory that is
//! removed afterwards, a known admin API key, and an injectable clock.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::{start, Config, StartError};

/// A running in-process server; dropping it stops the server and removes its data.
#[derive(Debug)]
pub struct TestServer {
    pub url: String,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), StartError>>>,
}

impl TestServer {
    /// Starts a server with the system clock and default settings.
    pub async fn start(admin_key: &str) -> Result<TestServer, StartError> {
        TestServer::start_with(admin_key, Arc::new(SystemClock), |_| {}).await
    }

    /// Starts a server with `clock`, after `tune` has adjusted the settings.
    pub async fn start_with(
        admin_key: &str,
        clock: Arc<dyn Clock>,
        tune: impl FnOnce(&mut Config),
    ) -> Result<TestServer, StartError> {
        let data_dir = std::env::temp_dir().join(format!("ajar-test-{}", uuid::Uuid::new_v4()));
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir: data_dir.clone(),
            bootstrap_api_key: Some(admin_key.to_owned()),
            ..Default::default()
        };
        tune(&mut config);
        let started = start(config, clock).await?;
        let addr = started.addr;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(started.serve(async move {
            let _ = rx.await;
        }));
        Ok(TestServer {
            url: format!("http://{addr}"),
            addr,
            data_dir,
            stop: Some(tx),
            task: Some(task),
        })
    }

    /// Stops the server and waits until it has finished its queued writes; false when it did
    /// not stop cleanly within 20 s.
    pub async fn stop(&mut self) -> bool {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => matches!(
                tokio::time::timeout(Duration::from_secs(20), task).await,
                Ok(Ok(Ok(())))
            ),
            None => true,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
