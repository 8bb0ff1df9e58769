//! A network blip between the gate and the server: the server created the pause but the answer
//! was lost. The gate sends the create again with the same `Idempotency-Key` and the same bytes,
//! so the server replays the first pause: one pause, and the wait goes on as if nothing happened.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::gate_support::{approve, start};
use crate::helpers::spawn_app;

/// What the proxy does to the first connection.
#[derive(Clone, Copy)]
enum Blip {
    /// Forwards the request whole, then drops both sides before any answer reaches the client.
    LoseTheAnswer,
    /// Answers `503` with `Retry-After: 1` itself, as a server that is starting would.
    Unavailable,
}

/// A proxy to `upstream` that spoils the first connection as `blip` says; later connections
/// pass through untouched.
async fn proxy(upstream: String, blip: Blip) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let first = seen.fetch_add(1, Ordering::SeqCst) == 0;
            let mut server = TcpStream::connect(&upstream).await.unwrap();
            tokio::spawn(async move {
                if first && matches!(blip, Blip::Unavailable) {
                    whole_request(&mut client).await;
                    let body = r#"{"type":"/problems/unavailable","title":"Service unavailable","status":503,"detail":"starting"}"#;
                    let head = format!("HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                    client.write_all(head.as_bytes()).await.unwrap();
                    client.write_all(body.as_bytes()).await.unwrap();
                } else if first {
                    let request = whole_request(&mut client).await;
                    server.write_all(&request).await.unwrap();
                    // The server answers (so it created the pause); the client never hears it.
                    let mut answer = [0u8; 1];
                    let _ = server.read(&mut answer).await;
                } else {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    (address, connections)
}

/// One HTTP/1.1 request: the head, then `content-length` bytes of body.
async fn whole_request(client: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = client.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the client closed before sending its request");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return buf;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_was_lost_is_sent_again_and_makes_no_second_pause() {
    let app = spawn_app().await;
    let upstream = app.address.trim_start_matches("http://").to_string();
    let (address, connections) = proxy(upstream, Blip::LoseTheAnswer).await;
    let mut gate = start(
        &address,
        &app.key,
        &["wait", "Deploy through a flaky network"],
        "",
    );
    let id = gate.pending_watch_id().await;
    assert!(
        gate.err.contains("retrying in"),
        "the first answer was not lost: {}",
        gate.err
    );
    assert!(connections.load(Ordering::SeqCst) >= 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pauses"),
        1,
        "the retry made a second pause"
    );
    approve(&app, &id).await;
    let done = gate.done().await;
    assert_eq!(
        (done.code, done.json()["watchId"].as_str()),
        (0, Some(id.as_str())),
        "{}",
        done.err
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_with_retry_after_is_waited_out_for_as_long_as_it_says() {
    let app = spawn_app().await;
    let upstream = app.address.trim_start_matches("http://").to_string();
    let (address, _) = proxy(upstream, Blip::Unavailable).await;
    let mut gate = start(
        &address,
        &app.key,
        &["wait", "Deploy while the server starts"],
        "",
    );
    let id = gate.pending_watch_id().await;
    assert!(
        gate.err
            .contains("503 Service unavailable: starting; retrying in 1000 ms"),
        "{}",
        gate.err
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pauses"), 1);
    approve(&app, &id).await;
    assert_eq!(gate.done().await.code, 0);
}
