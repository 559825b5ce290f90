//! Behind a reverse proxy: per-address limits count the client named by a trusted proxy's
//! X-Forwarded-For, and a client that writes the header itself cannot escape its own limit.

mod common;

use common::Server;
use serde_json::{json, Value};

/// Unknown-token page views from one claimed client until the limiter answers 429, bounded.
async fn flood(srv: &Server, forwarded_for: impl Fn(usize) -> String) -> bool {
    for i in 0..60 {
        let (st, v) = view(srv, &format!("{:0>43}", i), &forwarded_for(i)).await;
        match st {
            404 => {}
            429 => {
                assert_eq!(v["error"]["type"], "rate_limited");
                return true;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    false
}

async fn view(srv: &Server, token: &str, forwarded_for: &str) -> (u16, Value) {
    let resp = srv
        .http
        .post(format!("{}/g/api/view", srv.url))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("send");
    let st = resp.status().as_u16();
    (st, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_trusted_proxy_gets_one_budget_per_client_not_one_for_everybody() {
    let tmp = tempfile::tempdir().expect("tmp");
    let srv = Server::start_in(tmp.path(), &["--trusted-proxy", "127.0.0.1/32,::1"]);
    assert!(
        flood(&srv, |_| "198.51.100.7".to_owned()).await,
        "one client behind the proxy is limited"
    );
    // Another client behind the same proxy still gets an honest 404, not the first one's 429.
    let (st, _) = view(&srv, &format!("{:0>43}", 999), "198.51.100.8").await;
    assert_eq!(st, 404, "the proxy's other clients keep their own budget");
    // The limited client cannot escape by writing its own entries on the left.
    let (st, _) = view(&srv, &format!("{:0>43}", 998), "203.0.113.1, 198.51.100.7").await;
    assert_eq!(
        st, 429,
        "left-hand entries are the client's own and not believed"
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_the_header_is_ignored() {
    let srv = Server::start().await;
    assert!(
        flood(&srv, |i| format!("198.51.100.{}", i % 250)).await,
        "a different spoofed X-Forwarded-For on every request does not escape the limit"
    );
}

#[tokio::test]
async fn a_bad_trusted_proxy_value_stops_the_server_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ajar-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(tmp.path())
        .args(["--trusted-proxy", "not-an-ip"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not-an-ip") && err.contains("not an IP address"),
        "{err}"
    );
}
