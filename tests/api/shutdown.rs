//! Graceful shutdown of the real binary on SIGTERM: parked long-polls answer with the current
//! state, a request in flight completes, new connections are refused, and the process exits 0
//! within 10 s.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::process::{key_create, Server};

/// A create whose body arrives in two halves: it is in flight until the second half is sent.
async fn start_slow_create(base: &str, key: &str) -> (TcpStream, Vec<u8>) {
    let addr = base.trim_start_matches("http://");
    let body = json!({ "action": "sent slowly" }).to_string().into_bytes();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/pause HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first).await.unwrap();
    (stream, rest.to_vec())
}

async fn finish_slow_create(mut stream: TcpStream, rest: Vec<u8>) -> String {
    stream.write_all(&rest).await.unwrap();
    let mut answer = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("the request in flight is answered")
        .unwrap();
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_answers_long_polls_finishes_requests_in_flight_refuses_new_ones_and_exits_0() {
    let dir = tempfile::TempDir::new().unwrap();
    let key = key_create(dir.path());
    let mut server = Server::start(dir.path());
    let client = reqwest::Client::new();
    let created = server
        .create_pause(&client, &key, &json!({ "action": "x" }))
        .await;
    let status_url = created["statusUrl"].as_str().unwrap().to_string();
    let poll = tokio::spawn({
        let (client, key) = (client.clone(), key.clone());
        async move {
            let res = client
                .get(format!("{status_url}?wait=30"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }
    });
    let (slow, rest) = start_slow_create(&server.base, &key).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    server.signal("-TERM");

    let (status, body) = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the parked long-poll is answered")
        .unwrap();
    assert_eq!(
        (status.as_u16(), body["status"].as_str()),
        (200, Some("pending"))
    );

    // While the slow request is still in flight, nobody new gets in.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fresh = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
        .get(format!("{}/healthz", server.base))
        .send()
        .await;
    let err = fresh.expect_err("a new connection after SIGTERM is refused");
    assert!(err.is_connect(), "refused, not left hanging: {err:?}");

    let answer = finish_slow_create(slow, rest).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let exit = tokio::task::spawn_blocking(move || server.child.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
