//! The connection limits on the real binary, configured through its environment variables.

use std::time::{Duration, Instant};

use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::keep_alive::{read_response, trickle, HEALTHZ};
use super::read_until_closed;
use crate::logged_server::LoggedServer;

async fn served(addr: &str) -> TcpStream {
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(HEALTHZ).await.unwrap();
    assert!(read_response(&mut conn).await.starts_with("HTTP/1.1 200"));
    conn
}

#[tokio::test]
async fn the_binary_caps_connections_per_address_and_times_later_heads_from_its_settings() {
    let dir = TempDir::new().unwrap();
    let server = LoggedServer::start(
        dir.path(),
        false,
        &[
            ("HOLDPOINT_LOG", "info"),
            ("HOLDPOINT_HEADER_TIMEOUT", "1"),
            ("HOLDPOINT_MAX_CONNECTIONS_PER_IP", "2"),
        ],
    );
    let addr = server.base.trim_start_matches("http://").to_string();
    let kept = served(&addr).await;
    let _second = served(&addr).await;
    let mut third = TcpStream::connect(&addr).await.unwrap();
    let _ = third.write_all(HEALTHZ).await;
    let (answer, took) = read_until_closed(&mut third, Duration::from_secs(2)).await;
    assert_eq!(answer, "", "the third connection was served");
    assert!(took < Duration::from_secs(1), "{took:?}");

    let (mut reader, writer) = kept.into_split();
    let slow = trickle(
        writer,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijkl",
        Duration::from_millis(300),
    );
    let started = Instant::now();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut out)).await;
    slow.abort();
    assert!(read.is_ok(), "the trickled head kept the connection open");
    assert!(started.elapsed() < Duration::from_millis(2500));
    let log = server.stop();
    assert!(!log.contains("ERROR"), "{log}");
}
