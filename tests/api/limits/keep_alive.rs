//! Later requests on a kept-alive connection: their heads have the same deadline as the first.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::read_until_closed;
use crate::helpers::{spawn_app_configured, TestApp};

pub(super) const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/// A server whose header timeout is one second.
async fn impatient_app() -> TestApp {
    spawn_app_configured(
        Arc::new(TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| s.limits.header_timeout = Duration::from_secs(1),
    )
    .await
}

/// Reads one whole response (head and `Content-Length` body) and returns it.
pub(super) async fn read_response(conn: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let whole = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = conn.read(&mut buf).await.unwrap();
            assert!(
                n > 0,
                "closed mid-response: {}",
                String::from_utf8_lossy(&out)
            );
            out.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&out).to_ascii_lowercase();
            let Some(end) = text.find("\r\n\r\n") else {
                continue;
            };
            let length = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse::<usize>().unwrap());
            if out.len() >= end + 4 + length {
                return;
            }
        }
    })
    .await;
    assert!(whole.is_ok(), "no whole response in 5 s");
    String::from_utf8(out).unwrap()
}

/// Sends `bytes` one at a time, `gap` apart, until they run out or the server hangs up.
pub(super) fn trickle(
    mut writer: tokio::net::tcp::OwnedWriteHalf,
    bytes: &'static [u8],
    gap: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for b in bytes {
            if writer.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(gap).await;
        }
    })
}

#[tokio::test]
async fn a_later_head_trickled_on_a_kept_alive_connection_is_cut_off_at_the_header_timeout() {
    let app = impatient_app().await;
    let mut conn = app.raw_connection().await;
    conn.write_all(HEALTHZ).await.unwrap();
    assert!(read_response(&mut conn).await.starts_with("HTTP/1.1 200"));

    let (mut reader, writer) = conn.into_split();
    // 40 bytes, one every 300 ms: 12 s if nothing stops it.
    let slow = trickle(
        writer,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijkl",
        Duration::from_millis(300),
    );
    let started = Instant::now();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut out)).await;
    let took = started.elapsed();
    slow.abort();
    assert!(read.is_ok(), "the trickled head kept the connection open");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "closed after {took:?}"
    );
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    let healthz = app.api.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(healthz.status(), 200, "others are served");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_longer_than_the_header_timeout_still_serves_a_prompt_request(
) {
    let app = impatient_app().await;
    let mut conn = app.raw_connection().await;
    conn.write_all(HEALTHZ).await.unwrap();
    assert!(read_response(&mut conn).await.starts_with("HTTP/1.1 200"));
    // Idle between requests is keep-alive's business (75 s), not the header timeout's.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    conn.write_all(HEALTHZ).await.unwrap();
    assert!(read_response(&mut conn).await.starts_with("HTTP/1.1 200"));
    // And the next head is timed afresh from its own first byte.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    conn.write_all(b"Host: x\r\n\r\n").await.unwrap();
    assert!(read_response(&mut conn).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn pipelined_requests_and_a_long_poll_on_one_connection_are_all_answered() {
    let app = impatient_app().await;
    let watch_id = app
        .create_watch_id(serde_json::json!({"action": "x"}))
        .await;
    let mut conn = app.raw_connection().await;
    let poll = format!(
        "GET /api/pause/{watch_id}?wait=2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        app.key
    );
    // Four requests in one write; the long-poll in the middle outlasts the header timeout.
    let close = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let burst = [HEALTHZ, HEALTHZ, poll.as_bytes(), close].concat();
    let started = Instant::now();
    conn.write_all(&burst).await.unwrap();
    let (answers, _) = read_until_closed(&mut conn, Duration::from_secs(6)).await;
    assert_eq!(answers.matches("HTTP/1.1 200").count(), 4, "{answers}");
    assert!(answers.contains("\"pending\""), "{answers}");
    // Timers round to the millisecond: a little slack below the 2 s wait.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900),
        "the long-poll waited: {took:?}"
    );
}
