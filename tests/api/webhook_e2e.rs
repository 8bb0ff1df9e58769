//! Our Standard Webhooks signatures checked by the official library (`standardwebhooks` on npm,
//! e2e/webhook-receiver.mjs), not by our own code: a receiver that fails the first delivery,
//! retries driven by the manual clock, the retry under the same webhook-id.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use holdpoint::domain::webhooks;
use serde_json::Value;

use crate::helpers::{spawn_app_without_email, TestApp};
use crate::webhooks::{advance, attempts_recorded};

/// The node receiver; killed when dropped so a failing test leaves no process behind.
struct NodeReceiver {
    child: Child,
    lines: mpsc::Receiver<String>,
    port: u16,
}

impl Drop for NodeReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NodeReceiver {
    fn start(secret: &str, fail_first: u32) -> NodeReceiver {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert!(
            root.join("e2e/node_modules/standardwebhooks").exists(),
            "the webhook end-to-end test needs the standardwebhooks package: `npm ci --prefix e2e` \
             (./test does it), or set HOLDPOINT_SKIP_NODE=1 to skip it"
        );
        let mut child = Command::new("node")
            .arg(root.join("e2e/webhook-receiver.mjs"))
            .args([secret, &fail_first.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs (install Node.js 18 or newer)");
        let (tx, lines) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let first = lines.recv_timeout(Duration::from_secs(10));
        let port = first
            .expect("the receiver printed its port")
            .trim()
            .parse()
            .unwrap();
        NodeReceiver { child, lines, port }
    }

    /// The next verified delivery, as the receiver printed it. Polls without blocking: the
    /// server under test runs on this test's runtime.
    async fn next(&mut self) -> Value {
        for _ in 0..1000 {
            if let Ok(line) = self.lines.try_recv() {
                return serde_json::from_str(&line).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "no verified delivery within 10 s; receiver exit: {:?}",
            self.child.try_wait()
        )
    }
}

/// An endpoint for every event but the reference docs' names (a new pause would also send
/// `approval.required`, and this test follows one message's retries); returns its secret.
fn endpoint(app: &TestApp) -> String {
    let now = app.now();
    let all: Vec<String> = (webhooks::EVENTS.iter())
        .filter(|e| !e.is_reference())
        .map(|e| e.to_string())
        .collect();
    app.with_db(|c| {
        webhooks::create(
            c,
            now,
            holdpoint::domain::ids::WorkspaceId(1),
            "http://127.0.0.1:9/unset",
            &all,
        )
    })
    .unwrap()
    .1
}

#[tokio::test]
async fn deliveries_verify_with_the_official_standard_webhooks_library() {
    if std::env::var_os("HOLDPOINT_SKIP_NODE").is_some() {
        crate::skips::skip_or_fail(
            "deliveries_verify_with_the_official_standard_webhooks_library",
            "HOLDPOINT_SKIP_NODE is set",
        );
        return;
    }
    let app = spawn_app_without_email().await;
    let secret = endpoint(&app);
    let mut receiver = NodeReceiver::start(&secret, 1);
    let url = format!("http://127.0.0.1:{}/hook", receiver.port);
    app.with_db(|c| Ok(c.execute("UPDATE webhook_endpoints SET url = ?1", [&url])?))
        .unwrap();

    let pause = app.create_pause("Rotate the database password").await;
    let first = receiver.next().await;
    assert_eq!(
        (first["type"].as_str(), first["attempt"].as_i64()),
        (Some("pause.created"), Some(1))
    );
    attempts_recorded(&app, 1).await;
    advance(&app, 6);
    let retry = receiver.next().await;
    assert_eq!(retry["id"], first["id"], "the retry keeps its webhook-id");
    assert_eq!(retry["attempt"], 2);

    let browser = app.sign_in(&app.owner_email).await;
    let id = pause["watchId"].as_str().unwrap();
    assert_eq!(browser.decide(id, true, Some("ok")).await.status(), 200);
    let decided = receiver.next().await;
    assert_eq!(decided["type"], "pause.approved");
    assert!(decided["id"].as_str().unwrap().starts_with("msg_"));

    for _ in 0..200 {
        if app.count("SELECT count(*) FROM outbox WHERE state != 'delivered'") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE state = 'delivered'"),
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE state != 'delivered'"),
        0
    );
    assert!(
        receiver.child.try_wait().unwrap().is_none(),
        "no delivery failed verification"
    );
}
