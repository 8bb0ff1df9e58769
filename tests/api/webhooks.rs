use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_configured, spawn_app_without_email, without_email, TestApp};
use crate::settle::outbox_settled;

#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

/// Status and `Retry-After` the receiver answers with, in order (then 200).
type Script = Arc<Mutex<VecDeque<(u16, Option<&'static str>)>>>;

/// A webhook receiver on 127.0.0.1 that answers with the scripted statuses.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    pub async fn start(script: Vec<(u16, Option<&'static str>)>) -> Receiver {
        Receiver::start_on("127.0.0.1:0", script).await
    }

    /// On a given address (e.g. a port a server was already told to call).
    pub async fn start_on(addr: &str, script: Vec<(u16, Option<&'static str>)>) -> Receiver {
        let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let script: Script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (g, s) = (got.clone(), script.clone());
        let server = HttpServer::new(move || {
            let (g, s) = (g.clone(), s.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (g, s) = (g.clone(), s.clone());
                async move {
                    let h = |n: &str| {
                        req.headers()
                            .get(n)
                            .map(|v| v.to_str().unwrap().to_string())
                            .unwrap_or_default()
                    };
                    g.lock().unwrap().push(Delivery {
                        id: h("webhook-id"),
                        timestamp: h("webhook-timestamp"),
                        signature: h("webhook-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let (status, retry_after) =
                        s.lock().unwrap().pop_front().unwrap_or((200, None));
                    let mut res =
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
                    if let Some(r) = retry_after {
                        res.insert_header(("retry-after", r));
                    }
                    res.finish()
                }
            }))
        })
        .workers(1)
        .bind(addr)
        .unwrap();
        let url = format!("http://127.0.0.1:{}/hook", server.addrs()[0].port());
        tokio::spawn(server.run());
        Receiver { url, got }
    }

    pub fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        for _ in 0..500 {
            if self.count() >= n {
                return self.got.lock().unwrap().clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} deliveries, got {}", self.count());
    }
}

/// Waits until `n` delivery attempts are recorded (retries are scheduled from that moment).
pub async fn attempts_recorded(app: &TestApp, n: i64) {
    for _ in 0..500 {
        if app.count("SELECT count(*) FROM outbox_attempts") >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} attempts were never recorded");
}

/// Lets retries come due on the manual clock and wakes the dispatcher.
pub fn advance(app: &TestApp, secs: i64) {
    app.clock.advance_secs(secs);
    app.app_state.outbox_wake.notify_one();
}

pub fn callback_secret(app: &TestApp) -> String {
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT callback_secret FROM workspaces WHERE id = 1",
            [],
            |r| r.get(0),
        )?)
    })
    .unwrap()
}

pub fn verify(d: &Delivery, secret: &str) {
    let ts: i64 = d.timestamp.parse().unwrap();
    let expected = holdpoint::notify::webhook::sign(secret, &d.id, ts, &d.body).unwrap();
    assert!(
        d.signature.split(' ').any(|s| s == expected),
        "bad signature {} (want {expected})",
        d.signature
    );
}

async fn decide_pause_with_callback(app: &TestApp, url: &str, approved: bool) -> String {
    let created: Value = app
        .post_pause_with(
            &app.key,
            &json!({ "action": "Ship it", "callbackUrl": url }),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["watchId"].as_str().unwrap().to_string();
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(
        browser
            .decide(&id, approved, Some("because"))
            .await
            .status(),
        200
    );
    id
}

#[tokio::test]
async fn the_decision_is_delivered_to_the_callback_url_signed_per_standard_webhooks() {
    let app = spawn_app_without_email().await;
    let receiver = Receiver::start(vec![]).await;
    let id = decide_pause_with_callback(&app, &receiver.url, true).await;
    let got = receiver.wait_for(1).await;
    let d = &got[0];
    assert!(d.id.starts_with("msg_"));
    verify(d, &callback_secret(&app));
    let body: Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(body["type"], "pause.approved");
    assert_eq!(body["data"]["watchId"], id.as_str());
    assert_eq!(body["data"]["status"], "approved");
    assert_eq!(body["data"]["reason"], "because");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    outbox_settled(&app).await;
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 1);
    assert_eq!(
        receiver.count(),
        1,
        "the creation is not sent to the callback, and nothing twice"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE state = 'delivered'"),
        1
    );
}

#[tokio::test]
async fn workspace_endpoints_receive_the_events_they_subscribe_to() {
    let app = spawn_app_without_email().await;
    let receiver = Receiver::start(vec![]).await;
    let now = app.now();
    let url = receiver.url.clone();
    let (_, secret) = app
        .with_db(move |c| {
            holdpoint::domain::webhooks::create(
                c,
                now,
                holdpoint::domain::ids::WorkspaceId(1),
                &url,
                &["pause.created".into(), "pause.cancelled".into()],
            )
        })
        .unwrap();
    let created = app.create_pause("watched").await;
    app.cancel_pause(&app.key, created["watchId"].as_str().unwrap())
        .await;
    let got = receiver.wait_for(2).await;
    let mut types: Vec<String> = got
        .iter()
        .map(|d| {
            serde_json::from_str::<Value>(&d.body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // An endpoint may have several deliveries in flight, so they can arrive in either order
    // (receivers order events by their `timestamp`).
    types.sort();
    assert_eq!(types, ["pause.cancelled", "pause.created"]);
    got.iter().for_each(|d| verify(d, &secret));
    assert_ne!(got[0].id, got[1].id);
}

#[tokio::test]
async fn failed_deliveries_are_retried_on_schedule_with_the_same_id() {
    let app = spawn_app_without_email().await;
    let receiver = Receiver::start(vec![(500, None), (502, None)]).await;
    decide_pause_with_callback(&app, &receiver.url, false).await;
    attempts_recorded(&app, 1).await;
    advance(&app, 4);
    outbox_settled(&app).await;
    assert_eq!(receiver.count(), 1, "no retry before its time");
    advance(&app, 2);
    attempts_recorded(&app, 2).await;
    assert_eq!(receiver.count(), 2);
    advance(&app, 331);
    let got = receiver.wait_for(3).await;
    assert!(
        got.iter().all(|d| d.id == got[0].id),
        "webhook-id is stable across retries"
    );
    assert!(got.iter().all(|d| d.body == got[0].body));
    for _ in 0..100 {
        if app.count("SELECT count(*) FROM outbox WHERE state = 'delivered'") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(app.count("SELECT attempts FROM outbox"), 3);
    assert_eq!(app.count("SELECT count(*) FROM outbox_attempts WHERE outcome = 'failed' AND response_status >= 500"), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM outbox_attempts WHERE outcome = 'delivered'"),
        1
    );
}

#[tokio::test]
async fn retry_after_is_honoured_and_410_disables_the_endpoint() {
    let app = spawn_app_without_email().await;
    let receiver = Receiver::start(vec![(429, Some("120")), (410, None)]).await;
    let now = app.now();
    let url = receiver.url.clone();
    app.with_db(move |c| {
        holdpoint::domain::webhooks::create(
            c,
            now,
            holdpoint::domain::ids::WorkspaceId(1),
            &url,
            &["pause.created".into()],
        )
    })
    .unwrap();
    app.create_pause("x").await;
    attempts_recorded(&app, 1).await;
    advance(&app, 60);
    outbox_settled(&app).await;
    assert_eq!(receiver.count(), 1, "Retry-After: 120 is respected");
    advance(&app, 61);
    receiver.wait_for(2).await;
    for _ in 0..100 {
        if app.count("SELECT count(*) FROM webhook_endpoints WHERE enabled = 0") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        app.count("SELECT count(*) FROM webhook_endpoints WHERE enabled = 0"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE state = 'failed'"),
        1
    );
    app.create_pause("after 410").await;
    outbox_settled(&app).await;
    assert_eq!(receiver.count(), 2, "a disabled endpoint gets nothing more");
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let dir = Arc::new(tempfile::TempDir::new().unwrap());
    let app = without_email(
        spawn_app_configured(dir, holdpoint::domain::clock::system_now(), |s| {
            s.webhook_allow_private = false
        })
        .await,
    );
    let receiver = Receiver::start(vec![]).await;
    decide_pause_with_callback(&app, &receiver.url, true).await;
    for _ in 0..200 {
        if app.count("SELECT count(*) FROM outbox WHERE state = 'failed'") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE state = 'failed'"),
        1
    );
    let error: String = app
        .with_db(|c| Ok(c.query_row("SELECT last_error FROM outbox", [], |r| r.get(0))?))
        .unwrap();
    assert!(error.contains("private address"), "{error}");
    assert!(
        error.contains("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE=true"),
        "{error}"
    );
    assert_eq!(receiver.count(), 0);
}

#[tokio::test]
async fn messages_queued_while_the_receiver_is_down_survive_a_restart() {
    let first = spawn_app_without_email().await;
    // Nothing listens on this port yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    decide_pause_with_callback(&first, &url, true).await;
    for _ in 0..200 {
        if first.count("SELECT count(*) FROM outbox_attempts") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        first.count("SELECT count(*) FROM outbox WHERE state = 'pending'"),
        1
    );
    first.handle.stop(true).await;
    let (dir, now) = (Arc::clone(&first.dir), first.now());
    drop(first);

    // The receiver comes up (on a port of its own: re-point the queued message at it).
    let receiver = Receiver::start(vec![]).await;
    let second = crate::helpers::spawn_app_in(dir, now + 10_000).await;
    let live = receiver.url.clone();
    second
        .with_db(move |c| Ok(c.execute("UPDATE outbox SET target = ?1", [&live])?))
        .unwrap();
    advance(&second, 0);
    let got = receiver.wait_for(1).await;
    verify(&got[0], &callback_secret(&second));
    assert_eq!(
        serde_json::from_str::<Value>(&got[0].body).unwrap()["type"],
        "pause.approved"
    );
}
