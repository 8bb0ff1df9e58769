//! Slow and greedy clients: read timeouts, the long-poll cap, per-key and per-IP rate limits.

mod connections;
mod keep_alive;
mod per_ip;
mod per_key;
mod real_binary;
mod timeouts;
mod waiter_cap;

use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Reads until the server closes the connection (or `limit` passes: then the test fails),
/// returning what it sent and how long that took.
pub async fn read_until_closed(conn: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    let mut out = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server kept the connection open past {limit:?}"
    );
    (String::from_utf8_lossy(&out).into_owned(), start.elapsed())
}
