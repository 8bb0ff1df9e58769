//! Approve with edits: an approval declares `editable` keys of its context, a person changes
//! them before approving, the agent reads `edits` next to the untouched `context`.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Browser, TestApp};

const CONTEXT: &str = r#"{"to":"ann@example.com","body":"Hi Ann","cc":["bo@example.com"]}"#;

fn body(editable: Value) -> Value {
    json!({
        "action": "Send email",
        "context": serde_json::from_str::<Value>(CONTEXT).unwrap(),
        "editable": editable,
    })
}

async fn create_problem(app: &TestApp, body: &Value) -> String {
    let res = app.post_pause_with(&app.key, body).await;
    let problem = assert_problem(res, 422).await;
    problem["detail"].as_str().unwrap().to_string()
}

async fn editable_pause(app: &TestApp) -> (String, Browser) {
    let id = app.create_watch_id(body(json!(["to", "body"]))).await;
    (id, app.sign_in(&app.owner_email).await)
}

async fn decide(browser: &Browser, id: &str, body: Value) -> reqwest::Response {
    let csrf = browser.csrf().await;
    browser.decide_with_token(id, &body, Some(&csrf)).await
}

#[tokio::test]
async fn an_approval_with_edits_returns_the_edits_next_to_the_untouched_context() {
    let app = spawn_app().await;
    let (id, browser) = editable_pause(&app).await;
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["editable"], json!(["to", "body"]));
    assert!(read.get("edits").is_none());
    let res = decide(
        &browser,
        &id,
        json!({ "approved": true, "edits": { "body": { "text": "Hi Ann, see you" } } }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["status"], "approved");
    assert_eq!(
        read["edits"],
        json!({ "body": { "text": "Hi Ann, see you" } })
    );
    assert_eq!(read["context"]["body"], "Hi Ann");
}

#[tokio::test]
async fn the_audit_row_of_an_approval_with_edits_records_before_and_after() {
    let app = spawn_app().await;
    let (id, browser) = editable_pause(&app).await;
    let edits = json!({ "approved": true, "edits": { "to": "cy@example.com", "body": "Hi Ann" } });
    assert_eq!(decide(&browser, &id, edits).await.status(), 200);
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE subject = ?1 AND event = 'pause.approved'",
                [&id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    // An unchanged value is no edit.
    assert_eq!(
        details["edits"],
        json!({ "to": { "before": "ann@example.com", "after": "cy@example.com" } })
    );
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["edits"], json!({ "to": "cy@example.com" }));
}

#[tokio::test]
async fn editable_keys_that_do_not_fit_the_context_are_refused_with_a_detail() {
    let app = spawn_app().await;
    let cases = [
        (
            body(json!(["subject"])),
            "`editable` names `subject`, which is not a top-level key of `context`",
        ),
        (body(json!(["to", "to"])), "`editable` lists `to` twice"),
        (
            body(json!([])),
            "`editable` lists 1 to 20 keys of `context` (got 0)",
        ),
        (
            json!({ "action": "a", "context": [1, 2], "editable": ["to"] }),
            "`editable` names keys of `context`, so `context` must be a JSON object",
        ),
        (
            json!({ "action": "a", "editable": ["to"] }),
            "`editable` names keys of `context`, so `context` must be a JSON object",
        ),
    ];
    for (body, detail) in cases {
        assert_eq!(create_problem(&app, &body).await, detail, "{body}");
    }
}

#[tokio::test]
async fn twenty_editable_keys_are_accepted_and_twenty_one_refused() {
    let app = spawn_app().await;
    let with = |n: usize| {
        let keys: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
        let context: serde_json::Map<String, Value> =
            keys.iter().map(|k| (k.clone(), json!(1))).collect();
        json!({ "action": "a", "context": context, "editable": keys })
    };
    assert_eq!(app.post_pause_with(&app.key, &with(20)).await.status(), 201);
    assert_eq!(
        create_problem(&app, &with(21)).await,
        "`editable` lists 1 to 20 keys of `context` (got 21)"
    );
}

#[tokio::test]
async fn edits_of_undeclared_keys_or_with_a_rejection_are_refused_and_nothing_is_decided() {
    let app = spawn_app().await;
    let (id, browser) = editable_pause(&app).await;
    let cases = [
        (
            json!({ "approved": true, "edits": { "cc": [] } }),
            "edits",
            "`cc` is not editable on this pause (editable: to, body)",
        ),
        (
            json!({ "approved": false, "reason": "no", "edits": { "body": "x" } }),
            "edits",
            "`edits` come only with an approval (`approved: true`)",
        ),
    ];
    for (body, field, detail) in cases {
        let problem = assert_problem(decide(&browser, &id, body).await, 422).await;
        assert_eq!(
            (problem["field"].as_str(), problem["detail"].as_str()),
            (Some(field), Some(detail))
        );
    }
    let plain = app
        .create_watch_id(json!({ "action": "a", "context": { "to": 1 } }))
        .await;
    let problem = assert_problem(
        decide(
            &browser,
            &plain,
            json!({ "approved": true, "edits": { "to": 2 } }),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        problem["detail"],
        "this pause declares no editable keys, so `to` cannot be edited"
    );
    assert_eq!(app.stored_status(&id), "pending");
    assert_eq!(app.stored_status(&plain), "pending");
}

#[tokio::test]
async fn edits_up_to_64_kib_are_accepted_and_one_byte_more_refused() {
    let app = spawn_app().await;
    let (first, browser) = editable_pause(&app).await;
    let second = app.create_watch_id(body(json!(["body"]))).await;
    // `{"body":"…"}` is the text plus 11 bytes.
    let over = json!({ "approved": true, "edits": { "body": "x".repeat(65536 - 11 + 1) } });
    let problem = assert_problem(decide(&browser, &first, over).await, 422).await;
    assert_eq!(
        problem["detail"],
        "`edits` is limited like `context`: 64 KiB and 64 levels of nesting"
    );
    let at = json!({ "approved": true, "edits": { "body": "x".repeat(65536 - 11) } });
    assert_eq!(decide(&browser, &second, at).await.status(), 200);
}

#[tokio::test]
async fn the_pause_page_offers_a_text_field_per_editable_string_and_applies_what_is_typed() {
    let app = spawn_app().await;
    let (id, browser) = editable_pause(&app).await;
    let next = format!("/pauses/{id}");
    let page = browser.get(&next).await.text().await.unwrap();
    assert!(page.contains("name=\"edit_text.to\""), "{page}");
    assert!(
        page.contains("name=\"edit_text.body\" value=\"Hi Ann\""),
        "{page}"
    );
    assert!(!page.contains("name=\"edit_text.cc\""));
    assert!(
        !page.contains("&#34;Hi Ann&#34;"),
        "no JSON quotes around text"
    );
    let fields = [
        ("approved", "true"),
        ("edit_text.to", "ann@example.com"),
        ("edit_text.body", "Hi Ann, unquoted"),
        ("next", next.as_str()),
    ];
    let path = format!("/api/pause/{id}/approve");
    assert_eq!(browser.post_html_form(&path, &fields).await.status(), 303);
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["status"], "approved");
    assert_eq!(read["edits"], json!({ "body": "Hi Ann, unquoted" }));
    let page = browser.get(&next).await.text().await.unwrap();
    assert!(page.contains("Approved with edits"));
}

#[tokio::test]
async fn rejecting_from_the_page_ignores_the_edit_fields() {
    let app = spawn_app().await;
    let (id, browser) = editable_pause(&app).await;
    let fields = [
        ("approved", "false"),
        ("edit.body", "not json"),
        ("edit_number.n", "not a number"),
        ("reason", "no"),
        ("next", "/"),
    ];
    let res = browser
        .post_html_form(&format!("/api/pause/{id}/approve"), &fields)
        .await;
    assert_eq!(res.status(), 303);
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["status"], "rejected");
    assert!(read.get("edits").is_none());
}

#[tokio::test]
async fn editable_and_reject_options_belong_to_approvals_only() {
    let app = spawn_app().await;
    let plan = |extra: (&str, Value)| {
        let mut body =
            json!({ "action": "a", "kind": "plan", "plan": "# Plan", "context": { "to": 1 } });
        body[extra.0] = extra.1;
        body
    };
    let editable = plan(("editable", json!(["to"])));
    assert_eq!(
        create_problem(&app, &editable).await,
        "`editable` is only for kind `approval` (this pause is kind `plan`)"
    );
    let options = plan(("rejectOptions", json!([{ "name": "a", "title": "A" }])));
    assert_eq!(
        create_problem(&app, &options).await,
        "`rejectOptions` is only for kind `approval` (this pause is kind `plan`)"
    );
}

#[tokio::test]
async fn a_plan_takes_no_reject_option_and_no_edits() {
    let app = spawn_app().await;
    let id = app
        .create_watch_id(
            json!({ "action": "a", "kind": "plan", "plan": "# Plan", "context": { "to": 1 } }),
        )
        .await;
    let browser = app.sign_in(&app.owner_email).await;
    let body = json!({ "approved": false, "reason": "redo", "rejectOption": "tone" });
    let problem = assert_problem(decide(&browser, &id, body).await, 422).await;
    assert_eq!(
        problem["detail"],
        "a plan offers no reject options: send feedback in `reason`"
    );
    let body = json!({ "approved": true, "edits": { "to": 2 } });
    let problem = assert_problem(decide(&browser, &id, body).await, 422).await;
    assert_eq!(
        problem["detail"],
        "this pause declares no editable keys, so `to` cannot be edited"
    );
    assert_eq!(app.stored_status(&id), "pending");
}
