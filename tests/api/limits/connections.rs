//! The cap on open connections per client address.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::read_until_closed;
use crate::helpers::{spawn_app_configured, TestApp};

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

async fn app_with_cap(per_ip: usize, trusted: &[&str]) -> TestApp {
    let trusted: Vec<IpAddr> = trusted.iter().map(|a| a.parse().unwrap()).collect();
    spawn_app_configured(
        Arc::new(TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| {
            s.limits.max_connections_per_ip = per_ip;
            s.limits.trusted_proxies = trusted;
        },
    )
    .await
}

/// A connection that has been served once (so the server has surely counted it).
async fn served_connection(app: &TestApp) -> TcpStream {
    let mut conn = app.raw_connection().await;
    conn.write_all(HEALTHZ).await.unwrap();
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    conn
}

/// Asserts the server closes `conn` at once without answering its request.
async fn assert_refused(app: &TestApp) {
    let mut conn = app.raw_connection().await;
    let _ = conn.write_all(HEALTHZ).await;
    let (response, took) = read_until_closed(&mut conn, Duration::from_secs(2)).await;
    assert_eq!(response, "", "a connection past the cap was served");
    assert!(took < Duration::from_secs(1), "closed after {took:?}");
}

#[tokio::test]
async fn past_the_per_ip_cap_a_new_connection_is_closed_at_once_until_one_ends() {
    let app = app_with_cap(2, &[]).await;
    let first = served_connection(&app).await;
    let mut second = served_connection(&app).await;
    assert_refused(&app).await;
    // The connections at the cap go on being served.
    second.write_all(HEALTHZ).await.unwrap();
    let mut buf = [0u8; 1024];
    let n = second.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    drop(first);
    // The server notices the hang-up within moments; bounded retries, not a sleep.
    for attempt in 0.. {
        let mut conn = app.raw_connection().await;
        conn.write_all(HEALTHZ).await.unwrap();
        let n = conn.read(&mut buf).await.unwrap_or(0);
        if buf[..n].starts_with(b"HTTP/1.1 200") {
            break;
        }
        assert!(
            attempt < 100,
            "the closed connection's place never came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_trusted_proxy_is_not_capped() {
    let app = app_with_cap(1, &["127.0.0.1"]).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(served_connection(&app).await);
    }
}

#[tokio::test]
async fn a_cap_of_zero_lets_one_address_open_many_connections() {
    let app = app_with_cap(0, &[]).await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(served_connection(&app).await);
    }
}
