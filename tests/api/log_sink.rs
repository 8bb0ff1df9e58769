//! A log stream that refuses writes (a closed pipe, a full disk under a redirected log file)
//! must not take the service down: requests are answered, dropped lines are counted in
//! `/metrics`, and SIGTERM still ends the process within 10 s.

use std::process::Stdio;

use serde_json::json;

use crate::fault_support::{fill, start_with_output, terminate_within_10_s, Tmpfs};
use crate::process::{key_create, Server};

/// Creates and reads a pause, then reads the dropped-line count from `/metrics`.
async fn serves_while_logging_fails(server: &Server, key: &str) {
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let created = server
            .create_pause(&client, key, &json!({ "action": "deploy" }))
            .await;
        let watch = created["watchId"].as_str().expect("created");
        let got = client
            .get(format!("{}/api/pause/{watch}", server.base))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200);
        let missing = client
            .get(format!("{}/no-such-page", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
    }
    let metrics = client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dropped: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("holdpoint_log_write_errors_total "))
        .expect("the counter is exported")
        .parse()
        .unwrap();
    assert!(dropped > 0, "no dropped log line was counted:\n{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_log_pipe_neither_stops_requests_nor_sigterm() {
    let dir = tempfile::TempDir::new().unwrap();
    // As `holdpoint serve 2>&1 | head -1` after head exited: the reading end is gone before
    // the banner, so every write to stdout or stderr fails with EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut server = start_with_output(
        dir.path(),
        Stdio::from(writer.try_clone().unwrap()),
        Stdio::from(writer),
    )
    .await;
    let key = key_create(dir.path());
    serves_while_logging_fails(&server, &key).await;
    terminate_within_10_s(&mut server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_log_disk_neither_stops_requests_nor_sigterm() {
    let Some(disk) = Tmpfs::mount("64k", "a_full_log_disk_neither_stops_requests_nor_sigterm")
    else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let log = std::fs::File::create(disk.path.join("holdpoint.log")).unwrap();
    fill(&disk.path.join("filler"), 1 << 20);
    let mut server = start_with_output(
        dir.path(),
        Stdio::from(log.try_clone().unwrap()),
        Stdio::from(log),
    )
    .await;
    let key = key_create(dir.path());
    serves_while_logging_fails(&server, &key).await;
    terminate_within_10_s(&mut server);
}
