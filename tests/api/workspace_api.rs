//! The workspace by API (issue 20): the audit log with the page's filters and the export's
//! rows, paged at its limits; the general settings read and changed with the page's
//! validation; the users read-only.

use reqwest::Method;
use serde_json::{json, Value};

use crate::audit_export::exports;
use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::policy::admin_key;
use crate::webhooks_api::send;
use holdpoint::domain::users::Role;

async fn get(app: &TestApp, key: &str, path: &str) -> Value {
    let res = send(app, key, Method::GET, path, None).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_audit_api_answers_the_exports_rows_with_the_pages_filters_and_pages_at_its_limits() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    for i in 0..3 {
        app.create_pause(&format!("p{i}")).await;
    }
    let b = app.sign_in(&app.owner_email).await;
    let (_, exported) = exports(&b, "event=pause.created").await;
    let page = get(&app, &key, "/api/audit?event=pause.created").await;
    assert_eq!(page["items"], json!(exported), "the export's rows");
    assert_eq!(
        (&page["total"], &page["limit"], &page["offset"]),
        (&json!(3), &json!(50), &json!(0))
    );

    let page = get(
        &app,
        &key,
        "/api/audit?event=pause.created&limit=1&offset=1",
    )
    .await;
    assert_eq!(page["items"], json!([exported[1]]));
    assert_eq!(page["total"], 3);
    let all = get(&app, &key, "/api/audit?limit=200").await;
    assert_eq!(all["limit"], 200);
    assert!(all["total"].as_i64().unwrap() > 3, "sign-in, keys, pauses");
    for bad in ["limit=0", "limit=201", "offset=-1"] {
        let res = send(&app, &key, Method::GET, &format!("/api/audit?{bad}"), None).await;
        let field = bad.split('=').next().unwrap();
        assert_eq!(assert_problem(res, 422).await["field"], field, "{bad}");
    }
    let res = send(&app, &key, Method::GET, "/api/audit?from=15/11/2026", None).await;
    assert_eq!(assert_problem(res, 422).await["field"], "from");
    let day = &exported[0]["at"].as_str().unwrap()[..10];
    let page = get(
        &app,
        &key,
        &format!("/api/audit?event=pause.created&from={day}&to={day}"),
    )
    .await;
    assert_eq!(page["total"], 3, "a UTC day, `to` included");
}

#[tokio::test]
async fn settings_are_read_and_changed_with_the_pages_validation_and_audited() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let before = get(&app, &key, "/api/settings").await;
    assert_eq!(before["defaultTimeoutSecs"], Value::Null);
    assert!(before["serverDefaultTimeoutSecs"].is_u64());
    let change = json!({"name": "Ops", "defaultTimeoutSecs": 600, "rejectReasonRequired": true, "contextRetentionDays": 30});
    let res = send(&app, &key, Method::PATCH, "/api/settings", Some(change)).await;
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    assert_eq!(
        (
            &after["name"],
            &after["defaultTimeoutSecs"],
            &after["rejectReasonRequired"],
            &after["contextRetentionDays"]
        ),
        (&json!("Ops"), &json!(600), &json!(true), &json!(30))
    );
    assert_eq!(get(&app, &key, "/api/settings").await, after);
    let res = send(
        &app,
        &key,
        Method::PATCH,
        "/api/settings",
        Some(json!({"defaultTimeoutSecs": null})),
    )
    .await;
    let cleared: Value = res.json().await.unwrap();
    assert_eq!(
        (&cleared["defaultTimeoutSecs"], &cleared["name"]),
        (&Value::Null, &json!("Ops"))
    );
    for (body, field) in [
        (json!({"defaultTimeoutSecs": 9}), "defaultTimeoutSecs"),
        (json!({"name": " "}), "name"),
        (json!({"slackWebhookUrl": "https://x"}), "slackWebhookUrl"),
    ] {
        let res = send(&app, &key, Method::PATCH, "/api/settings", Some(body)).await;
        assert_eq!(assert_problem(res, 422).await["field"], field);
    }
    let res = send(
        &app,
        &key,
        Method::PATCH,
        "/api/settings",
        Some(json!({"defaultTimeoutSecs": 10})),
    )
    .await;
    assert_eq!(res.status(), 200, "the lowest timeout");
    let audited = "SELECT count(*) FROM audit_log WHERE event = 'workspace.settings_changed' AND actor_type = 'key'";
    assert_eq!(app.count(audited), 3);
}

#[tokio::test]
async fn users_are_listed_read_only_with_role_state_and_last_sign_in() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    app.sign_in(&app.owner_email).await;
    let users = get(&app, &key, "/api/users").await;
    let items = users["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let ann = &items[0];
    assert_eq!(
        (&ann["email"], &ann["role"], &ann["state"]),
        (
            &json!("ann@example.com"),
            &json!("approver"),
            &json!("active")
        )
    );
    assert_eq!(ann["lastSignIn"], Value::Null);
    assert!(items[1]["lastSignIn"].is_string(), "{}", items[1]);
    let mut names: Vec<String> = ann.as_object().unwrap().keys().cloned().collect();
    names.sort();
    assert_eq!(
        names,
        ["email", "id", "lastSignIn", "name", "role", "state"]
    );
    let res = send(&app, &key, Method::POST, "/api/users", Some(json!({}))).await;
    assert_problem(res, 405).await;
}
