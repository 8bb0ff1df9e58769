//! No secret ever reaches a log: the real binary at `HOLDPOINT_LOG=trace` (text, then JSON) is
//! driven through every flow that carries a password, key, token or secret, and its whole
//! output (plus the CLI's) is searched for each of them and their obvious variants.
//!
//! The search could pass vacuously on an empty or partial capture, so it first checks that the
//! log holds the request id of every response the test received.

use serde_json::{json, Value};

use crate::helpers::Browser;
use crate::logged_server::LoggedServer;
use crate::mail_support::free_port;
use crate::process::{query, wait_until};
use crate::secret_flows::*;

const HOOK_PASSWORD: &str = "hook-pass-3b9d1f7e5a";
const HOOK_TOKEN: &str = "hook-token-7e2a9c4b1d";
const CALLBACK_TOKEN: &str = "callback-token-5f8e3a2c6b";

/// A webhook endpoint and a pause's callback with credentials in their URLs (user-info, query
/// string), both unreachable, so their failures are logged and stored.
async fn use_urls_with_credentials(server: &LoggedServer, b: &Browser, key: &str, seen: &mut Seen) {
    let hook = format!(
        "http://hooks:{HOOK_PASSWORD}@127.0.0.1:{}/hook?token={HOOK_TOKEN}",
        free_port()
    );
    let res = b
        .post_form("/webhooks", &[("url", &hook), ("events", "pause.created")])
        .await;
    assert_eq!(res.status(), 200);
    seen.id(&res);
    let callback = format!("http://127.0.0.1:{}/cb?token={CALLBACK_TOKEN}", free_port());
    let res = reqwest::Client::new()
        .post(format!("{}/api/pause", server.base))
        .bearer_auth(key)
        .json(&json!({ "action": "Call me back", "callbackUrl": callback }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    seen.id(&res);
    let watch_id = res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let res = b.decide(&watch_id, true, None).await;
    assert_eq!(res.status(), 200);
    seen.id(&res);
    for (what, secret) in [
        ("webhook URL password", HOOK_PASSWORD),
        ("webhook URL token", HOOK_TOKEN),
        ("callback URL token", CALLBACK_TOKEN),
    ] {
        seen.secret(what, secret);
    }
}

/// Every flow once, against a fresh data directory; returns the server's and the CLI's output.
async fn drive(json: bool, smtp: bool) -> (String, Seen) {
    let dir = tempfile::TempDir::new().unwrap();
    let smtp_url = format!("smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:{}", free_port());
    let mut env = vec![("HOLDPOINT_METRICS_TOKEN", METRICS_TOKEN)];
    if smtp {
        env.push(("HOLDPOINT_SMTP_URL", smtp_url.as_str()));
    }
    let server = LoggedServer::start(dir.path(), json, &env);
    let mut seen = Seen::default();
    for (what, secret) in [
        ("password", PASSWORD),
        ("wrong password", WRONG_PASSWORD),
        ("invitee password", INVITEE_PASSWORD),
        ("wrong key", WRONG_KEY),
        ("metrics token", METRICS_TOKEN),
        ("SMTP password", SMTP_PASSWORD),
    ] {
        seen.secret(what, secret);
    }
    let mut cli_log = server.cli(json, &["workspace", "set-plan", "1", "pro"]).1;
    let (b, jar) = browser(&server.base);
    set_up(&b, &mut seen).await;
    sign_in_again(&b, &jar, &mut seen).await;
    let keys = create_keys(&server, &b, json, &mut seen, &mut cli_log).await;
    use_keys(&server.base, &keys, &mut seen).await;
    invite_someone(&server.base, &b, &mut seen).await;
    add_webhook(&server, &b, &mut seen).await;
    if !smtp {
        decide_by_email_link(&server, &keys.0, &mut seen).await;
    }
    scrape_metrics(&server.base, &mut seen).await;
    // After the email-link flow, which counts the emails sent so far.
    use_urls_with_credentials(&server, &b, &keys.0, &mut seen).await;
    // The dispatcher has tried (and failed) every delivery, so their log lines are in the capture.
    let untried = "SELECT count(*) FROM outbox WHERE attempts = 0";
    wait_until("every message tried", 20, || {
        query(&server.dir, untried) == "Integer(0)"
    })
    .await;
    (server.stop() + &cli_log, seen)
}

fn assert_no_secret_in(log: &str, seen: &Seen) {
    let missing: Vec<_> = seen
        .request_ids
        .iter()
        .filter(|id| !log.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "the capture lacks requests {missing:?}; log:\n{log}"
    );
    assert!(
        seen.request_ids.len() >= 15,
        "too few requests to prove anything: {}",
        seen.request_ids.len()
    );
    for (what, secret) in &seen.secrets {
        if let Some(at) = log.find(secret.as_str()) {
            let line = log[..at].rsplit('\n').next().unwrap_or("").to_string()
                + log[at..].lines().next().unwrap_or("");
            panic!("the {what} ({secret}) is in the log:\n{line}");
        }
    }
}

#[tokio::test]
async fn no_password_key_token_or_secret_appears_in_the_trace_level_text_log() {
    let (log, seen) = drive(false, false).await;
    assert_no_secret_in(&log, &seen);
    assert!(log.contains("request_id="), "access lines carry the id");
}

#[tokio::test]
async fn no_secret_appears_in_the_json_log_either_and_access_lines_are_json_objects() {
    let (log, seen) = drive(true, true).await;
    assert_no_secret_in(&log, &seen);
    let access: Vec<Value> = log
        .lines()
        .filter(|l| l.contains("holdpoint::access"))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(access.len() >= seen.request_ids.len());
    for line in &access {
        for field in [
            "method",
            "route",
            "path",
            "status",
            "latency_ms",
            "request_id",
        ] {
            assert!(!line[field].is_null(), "{field} missing in {line}");
        }
        assert_eq!(line["request_id"], line["span"]["request_id"], "{line}");
    }
}
