//! Test pauses reach workspace webhook endpoints only when an endpoint opts in to test events
//! (a checkbox when adding it, a button on its page); their own `callbackUrl` always hears.

use serde_json::{json, Value};

use crate::helpers::{spawn_app_without_email, Browser, TestApp};
use crate::manage_keys::post_without_csrf;
use crate::webhooks::Receiver;

/// Adds an endpoint for `pause.created` and `pause.approved` through the dashboard's form.
async fn add_endpoint(b: &Browser, url: &str, test_events: bool) {
    let mut fields = vec![
        ("url", url),
        ("events", "pause.created"),
        ("events", "pause.approved"),
    ];
    if test_events {
        fields.push(("test_events", "on"));
    }
    assert_eq!(b.post_form("/webhooks", &fields).await.status(), 200);
}

/// A live pause and a test pause, both with a `callbackUrl`; returns (live, test) watchIds.
async fn live_and_test_pauses(app: &TestApp) -> (String, String) {
    let test_key = app.create_key(1, true);
    let mut ids = Vec::new();
    for key in [&app.key, &test_key] {
        let body = json!({ "action": "deploy", "callbackUrl": "http://127.0.0.1:9/cb" });
        let res = app.post_pause_with(key, &body).await;
        assert_eq!(res.status(), 201);
        let pause: Value = res.json().await.unwrap();
        ids.push(pause["watchId"].as_str().unwrap().to_string());
    }
    (ids[0].clone(), ids[1].clone())
}

/// Messages queued for endpoint `endpoint` about the pause `watch_id`.
fn queued_for(app: &TestApp, endpoint: i64, watch_id: &str) -> i64 {
    let id = uuid::Uuid::parse_str(watch_id)
        .unwrap()
        .simple()
        .to_string();
    app.count(&format!(
        "SELECT count(*) FROM outbox o JOIN pauses p ON p.id = o.pause_id
         WHERE p.watch_id = unhex('{id}') AND o.endpoint_id = {endpoint}"
    ))
}

/// Messages about `watch_id` to its own callbackUrl (no endpoint).
fn queued_for_callback(app: &TestApp, watch_id: &str) -> i64 {
    let id = uuid::Uuid::parse_str(watch_id)
        .unwrap()
        .simple()
        .to_string();
    app.count(&format!(
        "SELECT count(*) FROM outbox o JOIN pauses p ON p.id = o.pause_id
         WHERE p.watch_id = unhex('{id}') AND o.channel = 'webhook' AND o.endpoint_id IS NULL"
    ))
}

/// Waits until the dispatcher has nothing left to send.
async fn all_sent(app: &TestApp) {
    for _ in 0..500 {
        if app.count(
            "SELECT count(*) FROM outbox WHERE state = 'pending' AND endpoint_id IS NOT NULL",
        ) == 0
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the endpoints' messages were not sent within 5 s");
}

fn test_flags(receiver: &Receiver) -> Vec<bool> {
    let mut flags: Vec<bool> = (receiver.got.lock().unwrap().iter())
        .map(|d| serde_json::from_str::<Value>(&d.body).unwrap())
        .map(|b| {
            b["data"]["test"]
                .as_bool()
                .expect("the payload says test or not")
        })
        .collect();
    flags.sort();
    flags
}

#[tokio::test]
async fn an_endpoint_without_the_opt_in_gets_no_test_pause_but_still_every_live_one() {
    let app = spawn_app_without_email().await;
    let receiver = Receiver::start(vec![]).await;
    let b = app.sign_in(&app.owner_email).await;
    add_endpoint(&b, &receiver.url, false).await;
    let list = b.get("/webhooks").await.text().await.unwrap();
    assert!(
        list.contains(r#"<td data-label="Test events">not sent</td>"#),
        "{list}"
    );
    let (live, test) = live_and_test_pauses(&app).await;
    assert_eq!(queued_for(&app, 1, &live), 1);
    assert_eq!(queued_for(&app, 1, &test), 0);
    for id in [&live, &test] {
        assert_eq!(b.decide(id, true, None).await.status(), 200);
    }
    assert_eq!(queued_for(&app, 1, &live), 2, "created and approved");
    assert_eq!(queued_for(&app, 1, &test), 0);
    assert_eq!(queued_for_callback(&app, &test), 1, "its own callbackUrl");
    receiver.wait_for(2).await;
    all_sent(&app).await;
    assert_eq!(test_flags(&receiver), [false, false]);
}

#[tokio::test]
async fn an_endpoint_that_opts_in_to_test_events_gets_test_and_live_pauses() {
    let app = spawn_app_without_email().await;
    let receiver = Receiver::start(vec![]).await;
    let b = app.sign_in(&app.owner_email).await;
    add_endpoint(&b, &receiver.url, true).await;
    let list = b.get("/webhooks").await.text().await.unwrap();
    assert!(
        list.contains(r#"<td data-label="Test events">sent</td>"#),
        "{list}"
    );
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'webhook.created'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(details.contains("\"test_events\":true"), "{details}");
    let (live, test) = live_and_test_pauses(&app).await;
    assert_eq!(queued_for(&app, 1, &live), 1);
    assert_eq!(queued_for(&app, 1, &test), 1);
    receiver.wait_for(2).await;
    all_sent(&app).await;
    assert_eq!(
        test_flags(&receiver),
        [false, true],
        "the payload says which"
    );
}

#[tokio::test]
async fn the_opt_in_is_switched_on_and_off_on_the_endpoint_page_with_csrf_and_audited() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    add_endpoint(&b, "http://127.0.0.1:9/hook", false).await;
    let stored = |app: &TestApp| app.count("SELECT test_events FROM webhook_endpoints");
    let forged = [("test_events", "on")];
    let res = post_without_csrf(&b, "/webhooks/1/test-events", &forged).await;
    assert_eq!(res.status(), 403);
    assert_eq!(stored(&app), 0);
    let res = b.post_form("/webhooks/1/test-events", &forged).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/webhooks/1");
    assert_eq!(stored(&app), 1);
    let page = b.get("/webhooks/1").await.text().await.unwrap();
    assert!(page.contains("<strong id=\"test-events\">sent</strong>"));
    assert!(page.contains("Stop sending test events"));
    let (_, test) = live_and_test_pauses(&app).await;
    assert_eq!(queued_for(&app, 1, &test), 1);

    let res = b
        .post_form("/webhooks/1/test-events", &[("test_events", "off")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored(&app), 0);
    let (_, test) = live_and_test_pauses(&app).await;
    assert_eq!(queued_for(&app, 1, &test), 0);
    let audited = app.count(
        "SELECT count(*) FROM audit_log WHERE event = 'webhook.test_events_changed'
           AND subject = 'webhook:1'",
    );
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn an_unknown_endpoint_has_no_test_events_to_switch() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    let res = b
        .post_form("/webhooks/7/test-events", &[("test_events", "on")])
        .await;
    assert_eq!(res.status(), 404);
}
