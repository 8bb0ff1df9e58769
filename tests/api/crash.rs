//! Crash safety with the real binary: a message whose first attempt failed survives `kill -9`
//! and is delivered after a restart on the same data directory, and the database is intact.

use serde_json::json;

use crate::process::{key_create, query, wait_until, Server};
use crate::webhooks::Receiver;

#[tokio::test]
async fn a_failed_callback_survives_kill_9_and_is_delivered_after_restart() {
    let dir = tempfile::TempDir::new().unwrap();
    let key = key_create(dir.path());
    // A port where nothing listens yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server::start(dir.path());
    let client = reqwest::Client::new();
    let body = json!({ "action": "Restart the cluster", "callbackUrl": format!("http://127.0.0.1:{port}/hook") });
    let created = server.create_pause(&client, &key, &body).await;
    let watch_id = created["watchId"].as_str().unwrap();
    let res = client
        .post(format!("{}/api/pause/{watch_id}/cancel", server.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    wait_until("the first attempt is recorded", 10, || {
        query(dir.path(), "SELECT count(*) FROM outbox_attempts") == "Integer(1)"
    })
    .await;
    server.kill_9();

    let receiver = Receiver::start_on(&format!("127.0.0.1:{port}"), vec![]).await;
    let restarted = Server::start(dir.path());
    // The retry is due 5 s (±10 %) after the failed attempt, on the system clock.
    wait_until("the callback is delivered after the restart", 15, || {
        receiver.count() >= 1
    })
    .await;
    let got = receiver.wait_for(1).await;
    assert!(got[0].id.starts_with("msg_"), "{}", got[0].id);
    let stored = query(dir.path(), "SELECT msg_id FROM outbox");
    assert!(
        stored.contains(&got[0].id),
        "the same message, not a new one"
    );
    assert!(got[0].body.contains("pause.cancelled"));
    wait_until("the delivery is recorded", 5, || {
        query(dir.path(), "SELECT state FROM outbox") == "Text(\"delivered\")"
    })
    .await;
    drop(restarted);
    assert_eq!(query(dir.path(), "PRAGMA integrity_check"), "Text(\"ok\")");
}
