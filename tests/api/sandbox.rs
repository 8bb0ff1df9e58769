//! Test keys are a sandbox: a `hitl_test_` key sees and acts only on test pauses, a `hitl_live_`
//! key only on live ones, idempotency records belong to one key, and test pauses reach no human.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};

/// The watchId of a new pending pause created with `key`.
async fn pause_of(app: &TestApp, key: &str, action: &str) -> String {
    let res = app
        .post_pause_with(
            key,
            &json!({ "action": action, "context": { "secret": action } }),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn list_with(app: &TestApp, key: &str, query: &str) -> Value {
    let res = app
        .api
        .get(app.url(&format!("/api/pause{query}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn watch_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["watchId"].as_str().unwrap().to_string())
        .collect()
}

/// `key` can neither read, long-poll nor cancel `other`'s pause (each a plain 404), and
/// reads, long-polls and cancels `own` (its own kind).
async fn only_its_own_kind(app: &TestApp, key: &str, own: &str, other: &str) {
    for query in ["", "?wait=5"] {
        let res = app.get_pause_with(key, other, query).await;
        let problem = assert_problem(res, 404).await;
        assert_eq!(
            problem["detail"],
            format!("no pause with watchId `{other}` in this workspace"),
            "the same answer as for a pause that does not exist"
        );
    }
    assert_problem(app.cancel_pause(key, other).await, 404).await;
    assert_eq!(app.stored_status(other), "pending");
    let read = app.get_pause_with(key, own, "?wait=0").await;
    assert_eq!(read.status(), 200);
    assert_eq!(app.cancel_pause(key, own).await.status(), 200);
    assert_eq!(app.stored_status(own), "cancelled");
}

#[tokio::test]
async fn a_test_key_cannot_read_long_poll_or_cancel_a_live_pause_and_a_live_key_no_test_pause() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    let live = pause_of(&app, &app.key, "live one").await;
    let live_2 = pause_of(&app, &app.key, "live two").await;
    let test = pause_of(&app, &test_key, "test one").await;
    let test_2 = pause_of(&app, &test_key, "test two").await;
    only_its_own_kind(&app, &test_key, &test, &live).await;
    only_its_own_kind(&app, &app.key, &live, &test_2).await;
    // The pauses of the other kind are untouched, and still there for their own kind.
    assert_eq!(
        app.get_pause_with(&app.key, &live_2, "").await.status(),
        200
    );
    assert_eq!(
        app.get_pause_with(&test_key, &test_2, "").await.status(),
        200
    );
}

#[tokio::test]
async fn a_key_lists_and_counts_only_pauses_of_its_own_kind() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    let live = pause_of(&app, &app.key, "live").await;
    let test = pause_of(&app, &test_key, "test").await;
    let decided = pause_of(&app, &test_key, "test, cancelled").await;
    app.cancel_pause(&test_key, &decided).await;
    for query in ["", "?status=pending", "?status=cancelled"] {
        let as_live = list_with(&app, &app.key, query).await;
        let as_test = list_with(&app, &test_key, query).await;
        let (live_ids, test_ids) = (watch_ids(&as_live), watch_ids(&as_test));
        assert!(
            !live_ids.contains(&test) && !live_ids.contains(&decided),
            "{query}"
        );
        assert!(!test_ids.contains(&live), "{query}");
        assert_eq!(as_live["total"], live_ids.len(), "{query}");
        assert_eq!(as_test["total"], test_ids.len(), "{query}");
    }
    assert_eq!(watch_ids(&list_with(&app, &app.key, "").await), [live]);
    assert_eq!(
        watch_ids(&list_with(&app, &test_key, "?status=pending").await),
        [test]
    );
    assert_eq!(
        watch_ids(&list_with(&app, &test_key, "?status=cancelled").await),
        [decided]
    );
}

async fn post_idem(app: &TestApp, key: &str, idem: &str, body: &Value) -> (u16, Value) {
    let res = app
        .api
        .post(app.url("/api/pause"))
        .bearer_auth(key)
        .header("idempotency-key", idem)
        .json(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn one_idempotency_key_used_by_a_test_key_then_a_live_key_makes_two_pauses() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    let body = json!({ "action": "deploy" });
    let (status, test) = post_idem(&app, &test_key, "run-42", &body).await;
    assert_eq!((status, &test["test"]), (201, &json!(true)));
    let (status, live) = post_idem(&app, &app.key, "run-42", &body).await;
    assert_eq!((status, &live["test"]), (201, &json!(false)));
    assert_ne!(test["watchId"], live["watchId"]);
    // Each key still replays its own record, and only its own.
    for (key, first) in [(&test_key, &test), (&app.key, &live)] {
        let (status, again) = post_idem(&app, key, "run-42", &body).await;
        assert_eq!(status, 201);
        assert_eq!(&again, first);
    }
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 2);
    // A second live key of the same workspace is another agent: its own pause too.
    let live_2 = app.create_key(1, false);
    let (status, other) = post_idem(&app, &live_2, "run-42", &body).await;
    assert_eq!((status, &other["test"]), (201, &json!(false)));
    assert_ne!(other["watchId"], live["watchId"]);
}

fn outbox_rows(app: &TestApp, watch_id: &str, channel: &str) -> i64 {
    let id = uuid::Uuid::parse_str(watch_id)
        .unwrap()
        .simple()
        .to_string();
    app.count(&format!(
        "SELECT count(*) FROM outbox o JOIN pauses p ON p.id = o.pause_id
         WHERE p.watch_id = unhex('{id}') AND o.channel = '{channel}'"
    ))
}

#[tokio::test]
async fn a_test_pause_queues_no_email_and_no_slack_but_still_its_own_callback() {
    let app = spawn_app().await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE workspaces SET slack_webhook_url = 'https://hooks.slack.com/services/T/B/x'",
            [],
        )?)
    })
    .unwrap();
    let test_key = app.create_key(1, true);
    let body = json!({ "action": "a", "callbackUrl": "http://127.0.0.1:9/cb" });
    let (_, live) = post_idem(&app, &app.key, "live", &body).await;
    let (_, test) = post_idem(&app, &test_key, "test", &body).await;
    let (live, test) = (
        live["watchId"].as_str().unwrap(),
        test["watchId"].as_str().unwrap(),
    );
    // The live pause shows what a human would get; the test pause gets none of it.
    assert_eq!(outbox_rows(&app, live, "email"), 1);
    assert_eq!(outbox_rows(&app, live, "slack"), 1);
    assert_eq!(outbox_rows(&app, test, "email"), 0);
    assert_eq!(outbox_rows(&app, test, "slack"), 0);
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(test, true, None).await.status(), 200);
    assert_eq!(
        outbox_rows(&app, test, "slack"),
        0,
        "no Slack follow-up either"
    );
    assert_eq!(outbox_rows(&app, test, "email"), 0);
    assert_eq!(outbox_rows(&app, test, "webhook"), 1, "its callbackUrl");
}

#[tokio::test]
async fn the_dashboard_says_test_key_only_of_pauses_made_with_a_hitl_test_key() {
    // Both keys are named "test key" (the helpers' name); only one is a `hitl_test_` key.
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    let body = json!({ "action": "deploy", "metadata": { "agent": "bot" } });
    let live = app.create_watch_id(body.clone()).await;
    let res = app.post_pause_with(&test_key, &body).await;
    let test = res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let live_page = browser
        .get(&format!("/pauses/{live}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        live_page.contains("bot (via key “test key”)"),
        "{live_page}"
    );
    assert!(!live_page.contains("via test key") && !live_page.contains("badge test"));
    let test_page = browser
        .get(&format!("/pauses/{test}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(test_page.contains("bot (via test key “test key”)"));
    assert!(test_page.contains("<span class=\"badge test\">test key</span>"));
    // Each mode of the "Test data" switch lists its own kind of pause, labelled.
    for (test, mode) in [(0, "off"), (1, "on")] {
        let csrf = browser.csrf().await;
        let form = [("test", mode), ("back", "/"), ("csrf_token", &csrf)];
        let url = browser.url("/mode");
        assert_eq!(
            browser
                .client
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status(),
            303
        );
        for path in ["/", "/history"] {
            let html = browser.get(path).await.text().await.unwrap();
            assert_eq!(html.matches("via test key").count(), test, "{path}");
            assert_eq!(
                html.matches("via key “test key”").count(),
                1 - test,
                "{path}"
            );
        }
    }
    let audit = browser.get("/audit").await.text().await.unwrap();
    assert!(!audit.contains("via test key"));
}
