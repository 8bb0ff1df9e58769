use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

use super::read_until_closed;
use crate::helpers::{spawn_app_configured, TestApp};

/// A server whose header and body timeouts are one second.
async fn impatient_app() -> TestApp {
    spawn_app_configured(
        Arc::new(TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| {
            s.limits.header_timeout = Duration::from_secs(1);
            s.limits.body_timeout = Duration::from_secs(1);
        },
    )
    .await
}

/// Asserts a 408 problem+json that closes the connection, within a few seconds of the deadline.
fn assert_timed_out(response: &str, took: Duration) {
    let lower = response.to_ascii_lowercase();
    assert!(lower.starts_with("http/1.1 408"), "{response}");
    assert!(
        lower.contains("content-type: application/problem+json"),
        "{response}"
    );
    assert!(lower.contains("connection: close"), "{response}");
    assert!(response.contains("\"type\":\"/problems/request-timeout\""));
    assert!(response.contains("\"status\":408"));
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "answered after {took:?}"
    );
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_gets_408_and_is_closed() {
    let app = impatient_app().await;
    let mut conn = app.raw_connection().await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: */")
        .await
        .unwrap();
    let healthz = app.api.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(healthz.status(), 200, "others are served meanwhile");
    let (response, took) = read_until_closed(&mut conn, Duration::from_secs(5)).await;
    // actix answers this one itself, before any of our code runs: a bare 408.
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
}

#[tokio::test]
async fn a_stalled_api_body_gets_a_problem_408_and_nothing_is_created() {
    let app = impatient_app().await;
    let mut conn = app.raw_connection().await;
    let head = format!(
        "POST /api/pause HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"action\":",
        app.key
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    app.create_pause("served while another client stalls").await;
    let (response, took) = read_until_closed(&mut conn, Duration::from_secs(5)).await;
    assert_timed_out(&response, took);
    assert_eq!(app.count("SELECT COUNT(*) FROM pauses"), 1);
}

#[tokio::test]
async fn a_body_trickled_a_byte_at_a_time_is_cut_off_at_the_deadline() {
    let app = impatient_app().await;
    let conn = app.raw_connection().await;
    let (mut reader, mut writer) = conn.into_split();
    let head = format!(
        "POST /api/pause HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
        app.key
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..50 {
            if writer.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let started = std::time::Instant::now();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(4), async {
        use tokio::io::AsyncReadExt;
        let _ = reader.read_to_end(&mut out).await;
    })
    .await;
    assert!(read.is_ok(), "the trickle kept the request open");
    assert_timed_out(&String::from_utf8_lossy(&out), started.elapsed());
    trickle.abort();
}

#[tokio::test]
async fn stalled_dashboard_form_bodies_get_408_too() {
    let app = impatient_app().await;
    // `/login` reads a `web::Form`, `/d/…` reads `web::Bytes`: both stop at the deadline.
    for path in ["/login", "/d/some-token"] {
        let mut conn = app.raw_connection().await;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 80\r\n\r\nemail="
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        let (response, took) = read_until_closed(&mut conn, Duration::from_secs(5)).await;
        assert_timed_out(&response, took);
    }
}

#[tokio::test]
async fn a_body_sent_in_time_on_a_kept_alive_connection_is_served_normally() {
    let app = impatient_app().await;
    let mut conn = app.raw_connection().await;
    let body = r#"{"action":"deploy"}"#;
    let request = format!(
        "POST /api/pause HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        app.key,
        body.len()
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (response, _) = read_until_closed(&mut conn, Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(response.contains("HTTP/1.1 200"), "{response}");
    assert!(!response.contains(" 408 "), "{response}");
}
