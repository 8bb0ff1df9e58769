//! Webhook endpoints over the API (issue 20): a live `admin` key adds, reads, changes, tests
//! and deletes them, every change audited; the secret is shown once; the limits (20 enabled
//! endpoints, a chosen secret of 24 to 64 bytes) hold at the limit and one past it.

use std::sync::Arc;

use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_configured, TestApp};
use crate::policy::admin_key;
use crate::settle::outbox_settled;
use crate::webhooks::{verify, Receiver};
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::webhooks;

pub async fn send(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.api.request(method, app.url(path)).bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

fn secret_of(bytes: usize) -> String {
    let key = base64::engine::general_purpose::STANDARD.encode(vec![42u8; bytes]);
    format!("whsec_{key}")
}

fn audited(app: &TestApp, event: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE event = '{event}' AND actor_type = 'key'"
    ))
}

#[tokio::test]
async fn an_admin_key_adds_reads_changes_and_deletes_an_endpoint_and_sees_its_secret_once() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let body = json!({"url": "https://hooks.example.com/in", "events": ["approval.required", "pause.approved"]});
    let res = send(&app, &key, Method::POST, "/api/webhooks", Some(body)).await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let secret = made["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{made}");
    assert_eq!(made["enabled"], true);
    assert_eq!(made["testEvents"], false);
    let id = made["id"].as_i64().unwrap();
    let path = format!("/api/webhooks/{id}");
    let read: Value = send(&app, &key, Method::GET, &path, None)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        read.get("secret").is_none(),
        "a read never shows it: {read}"
    );
    let listed: Value = send(&app, &key, Method::GET, "/api/webhooks", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"], json!([read]));
    assert!(!listed.to_string().contains(secret));

    let change = json!({"url": "https://hooks.example.com/v2", "events": ["task.complete"], "enabled": false, "testEvents": true});
    let res = send(&app, &key, Method::PATCH, &path, Some(change)).await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["url"], "https://hooks.example.com/v2");
    assert_eq!(changed["events"], json!(["task.complete"]));
    assert_eq!(
        (&changed["enabled"], &changed["testEvents"]),
        (&json!(false), &json!(true))
    );
    for event in [
        "webhook.created",
        "webhook.changed",
        "webhook.disabled",
        "webhook.test_events_changed",
    ] {
        assert_eq!(audited(&app, event), 1, "{event}");
    }

    let res = send(&app, &key, Method::DELETE, &path, None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(audited(&app, "webhook.deleted"), 1);
    assert_problem(send(&app, &key, Method::GET, &path, None).await, 404).await;
    let listed: Value = send(&app, &key, Method::GET, "/api/webhooks", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"], json!([]));
    let b = app.sign_in(&app.owner_email).await;
    let page = b.get("/webhooks").await.text().await.unwrap();
    assert!(
        !page.contains("hooks.example.com/v2"),
        "gone from the page too"
    );
}

#[tokio::test]
async fn a_test_ping_reaches_only_that_endpoint_signed_with_the_secret_it_was_given() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let (one, other) = (Receiver::start(vec![]).await, Receiver::start(vec![]).await);
    let chosen = secret_of(32);
    let body = json!({"url": one.url, "events": ["pause.created"], "secret": chosen});
    let made: Value = send(&app, &key, Method::POST, "/api/webhooks", Some(body))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(made["secret"], chosen.as_str());
    let body = json!({"url": other.url, "events": ["pause.created"]});
    let res = send(&app, &key, Method::POST, "/api/webhooks", Some(body)).await;
    assert_eq!(res.status(), 201);

    let path = format!("/api/webhooks/{}/test", made["id"]);
    let res = send(&app, &key, Method::POST, &path, None).await;
    assert_eq!(res.status(), 202);
    let queued: Value = res.json().await.unwrap();
    let delivery_id = queued["deliveryId"].as_str().unwrap();
    let got = one.wait_for(1).await;
    outbox_settled(&app).await;
    assert_eq!(got[0].id, delivery_id);
    verify(&got[0], &chosen);
    let ping: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(ping["type"], "ping");
    assert_eq!(other.count(), 0, "only the endpoint tested");
    assert_eq!(audited(&app, "webhook.tested"), 1);
    assert_problem(
        send(&app, &key, Method::POST, "/api/webhooks/99/test", None).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn twenty_enabled_endpoints_are_allowed_and_the_twenty_first_is_409() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let (now, events) = (app.now(), vec!["pause.created".to_string()]);
    app.with_db(|c| {
        for i in 1..20 {
            let url = format!("https://example.com/h{i}");
            webhooks::create(c, now, WorkspaceId(1), &url, &events)?;
        }
        Ok(())
    })
    .unwrap();
    let add = |url: &str, enabled: bool| json!({"url": url, "events": ["pause.created"], "enabled": enabled});
    let res = send(
        &app,
        &key,
        Method::POST,
        "/api/webhooks",
        Some(add("https://example.com/20", true)),
    )
    .await;
    assert_eq!(res.status(), 201, "the 20th");
    let res = send(
        &app,
        &key,
        Method::POST,
        "/api/webhooks",
        Some(add("https://example.com/21", true)),
    )
    .await;
    let problem = assert_problem(res, 409).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("20 enabled"),
        "{problem}"
    );
    let res = send(
        &app,
        &key,
        Method::POST,
        "/api/webhooks",
        Some(add("https://example.com/off", false)),
    )
    .await;
    assert_eq!(res.status(), 201, "a disabled one takes no place");
    let off: Value = res.json().await.unwrap();
    let path = format!("/api/webhooks/{}", off["id"]);
    let res = send(
        &app,
        &key,
        Method::PATCH,
        &path,
        Some(json!({"enabled": true})),
    )
    .await;
    assert_problem(res, 409).await;
    assert_eq!(
        app.count("SELECT count(*) FROM webhook_endpoints WHERE enabled = 1"),
        20
    );
}

#[tokio::test]
async fn a_chosen_secret_of_24_or_64_bytes_is_taken_and_23_or_65_refused() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    for (bytes, status) in [(24, 201), (64, 201), (23, 422), (65, 422)] {
        let body = json!({"url": "https://example.com/h", "events": ["pause.created"], "secret": secret_of(bytes)});
        let res = send(&app, &key, Method::POST, "/api/webhooks", Some(body)).await;
        assert_eq!(res.status(), status, "{bytes} bytes");
        if status == 422 {
            assert_eq!(res.json::<Value>().await.unwrap()["field"], "secret");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM webhook_endpoints"), 2);
}

#[tokio::test]
async fn an_unknown_event_is_422_naming_its_index_and_nothing_is_added() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let body =
        json!({"url": "https://example.com/h", "events": ["pause.created", "pause.exploded"]});
    let res = send(&app, &key, Method::POST, "/api/webhooks", Some(body)).await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["field"], "events[1]");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("pause.exploded"));
    assert_eq!(app.count("SELECT count(*) FROM webhook_endpoints"), 0);
}

#[tokio::test]
async fn a_private_url_is_422_on_url_naming_the_setting_that_allows_it() {
    let dir = Arc::new(tempfile::TempDir::new().unwrap());
    let now = holdpoint::domain::clock::system_now();
    let app = spawn_app_configured(dir, now, |s| s.webhook_allow_private = false).await;
    let key = admin_key(&app, false);
    let body = json!({"url": "http://127.0.0.1:9000/hook", "events": ["pause.created"]});
    let res = send(&app, &key, Method::POST, "/api/webhooks", Some(body)).await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["field"], "url");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE"),
        "{detail}"
    );
    assert_eq!(app.count("SELECT count(*) FROM webhook_endpoints"), 0);

    let body = json!({"url": "https://hooks.example.com/in", "events": ["pause.created"]});
    let made: Value = send(&app, &key, Method::POST, "/api/webhooks", Some(body))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/webhooks/{}", made["id"]);
    for (change, field) in [
        (json!({"url": "http://[::1]/hook"}), "url"),
        (json!({"events": ["pause.nope"]}), "events[0]"),
    ] {
        let res = send(&app, &key, Method::PATCH, &path, Some(change)).await;
        assert_eq!(assert_problem(res, 422).await["field"], field);
    }
    let kept: Value = send(&app, &key, Method::GET, &path, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        kept["url"], "https://hooks.example.com/in",
        "a refused change writes nothing"
    );
}
