//! A lean HTTP/1.1 client: one keep-alive TCP connection per simulated client, driven by hyper's
//! connection-level API (no pool, no URL parsing, no proxy or TLS layers), so that the benchmark
//! spends as little of the shared CPU as it can.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One keep-alive connection to the server, authenticated with an API key.
#[derive(Debug)]
pub struct Conn {
    tx: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    auth: HeaderValue,
}

impl Conn {
    /// Connects (TCP_NODELAY on) and performs the HTTP/1.1 handshake.
    pub async fn open(addr: SocketAddr, api_key: &str) -> Result<Self, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("cannot set TCP_NODELAY: {e}"))?;
        let (tx, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {addr} failed: {e}"))?;
        // The connection task runs on the same runtime as the caller and ends with the
        // connection.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            tx,
            host: HeaderValue::from_str(&addr.to_string()).map_err(|e| e.to_string())?,
            auth: HeaderValue::from_str(&format!("Bearer {api_key}"))
                .map_err(|_| "the API key is not a valid header value".to_owned())?,
        })
    }

    /// Sends one request and reads the whole answer. `body` is sent as JSON when given.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        idempotency_key: Option<&str>,
    ) -> Result<(StatusCode, Bytes), String> {
        self.tx
            .ready()
            .await
            .map_err(|e| format!("connection lost: {e}"))?;
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.host.clone())
            .header(AUTHORIZATION, self.auth.clone());
        if body.is_some() {
            req = req.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(k) = idempotency_key {
            req = req.header("idempotency-key", k);
        }
        let req = req
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| format!("cannot build request: {e}"))?;
        let resp = self
            .tx
            .send_request(req)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("cannot read the answer: {e}"))?
            .to_bytes();
        Ok((status, bytes))
    }

    /// POSTs a JSON value and returns the JSON answer; anything but 200 is an error.
    pub async fn post_json(
        &mut self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let (status, bytes) = self
            .send(
                Method::POST,
                path,
                Some(Bytes::from(body.to_string())),
                None,
            )
            .await?;
        if status != StatusCode::OK {
            return Err(format!(
                "POST {path} answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("POST {path} answered invalid JSON ({e})"))
    }
}
