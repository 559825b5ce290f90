//! The cost of a call on the ffi surface made directly from Rust, to compare with the same calls
//! through the generated Python bindings (bindings/tests/python/bench_calls.py): the difference
//! is what uniffi adds. Against a real ajar-server in process; medians over batches.
//!
//!   cargo run --release -p ajar-ffi --example call_bench [-- ITERATIONS]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use ajar_ffi::{AjarClient, SecretStore};

/// Median time per call in nanoseconds, over `batches` batches of `per_batch` calls.
fn median(mut per_call_ns: Vec<f64>) -> f64 {
    per_call_ns.sort_by(|a, b| a.total_cmp(b));
    per_call_ns[per_call_ns.len() / 2]
}

fn report(name: &str, calls: usize, ns: f64) {
    println!(
        "{name:<40} {calls:>8} calls  median {:>10.3} µs/call",
        ns / 1000.0
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let per_batch = 100;
    let batches = (iterations / per_batch).max(1);

    let srv = common::server().await;
    let seeded = common::seed(&srv).await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = Arc::new(common::MapStore::default());
    let client = AjarClient::new(
        dir.path().to_string_lossy().into_owned(),
        store as Arc<dyn SecretStore>,
    );
    let s = client
        .sign_in("bench".into(), Some(srv.url.clone()), seeded.token.clone())
        .await
        .expect("sign in");
    s.entries().await.expect("entries"); // fills the cache
    s.identity().await.expect("identity"); // cached from here on

    // Warm up, then measure.
    for _ in 0..1000 {
        std::hint::black_box(s.server());
    }
    let mut t = Vec::with_capacity(batches);
    for _ in 0..batches {
        let t0 = Instant::now();
        for _ in 0..per_batch {
            std::hint::black_box(s.server());
        }
        t.push(t0.elapsed().as_nanos() as f64 / per_batch as f64);
    }
    report(
        "sync   AjarSession.server()",
        batches * per_batch,
        median(t),
    );

    let mut t = Vec::with_capacity(batches);
    for _ in 0..batches {
        let t0 = Instant::now();
        for _ in 0..per_batch {
            std::hint::black_box(client.profiles().expect("profiles"));
        }
        t.push(t0.elapsed().as_nanos() as f64 / per_batch as f64);
    }
    report(
        "sync   AjarClient.profiles()",
        batches * per_batch,
        median(t),
    );

    let mut t = Vec::with_capacity(batches);
    for _ in 0..batches {
        let t0 = Instant::now();
        for _ in 0..per_batch {
            std::hint::black_box(s.identity().await.expect("identity"));
        }
        t.push(t0.elapsed().as_nanos() as f64 / per_batch as f64);
    }
    report(
        "async  AjarSession.identity() (cached)",
        batches * per_batch,
        median(t),
    );
}
