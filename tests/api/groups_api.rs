//! Approver groups over the API (issue 19): a live `admin` key creates, reads, changes and
//! deletes them, every change audited; other keys are refused, bad input is a 422 naming its
//! member, and a refusal writes nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::policy::admin_key;
use holdpoint::domain::users::Role;

/// `policy_rules::send` with the key first, as these tests read.
async fn send(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    crate::policy_rules::send(app, method, path, key, body).await
}

#[tokio::test]
async fn an_admin_key_creates_reads_renames_and_deletes_a_group_with_every_change_audited() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let key = admin_key(&app, false);
    let made = send(
        &app,
        &key,
        Method::POST,
        "/api/groups",
        Some(json!({"name": "finance", "members": ["ann@example.com", app.owner_email]})),
    )
    .await;
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    assert_eq!(made["name"], "finance");
    assert_eq!(made["members"].as_array().unwrap().len(), 2);
    let listed: Value = send(&app, &key, Method::GET, "/api/groups", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0], made);
    let renamed = send(
        &app,
        &key,
        Method::PATCH,
        "/api/groups/finance",
        Some(json!({"name": "money"})),
    )
    .await;
    assert_eq!(renamed.status(), 200);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(
        (renamed["name"].clone(), renamed["members"].clone()),
        (json!("money"), made["members"].clone())
    );
    assert_problem(
        send(&app, &key, Method::GET, "/api/groups/finance", None).await,
        404,
    )
    .await;
    let res = send(
        &app,
        &key,
        Method::PATCH,
        "/api/groups/money",
        Some(json!({"members": []})),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["members"], json!([]));
    assert_eq!(
        send(&app, &key, Method::DELETE, "/api/groups/money", None)
            .await
            .status(),
        204
    );
    let events: Vec<String> = app
        .audit_events("group money")
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert_eq!(events, ["group.changed", "group.changed", "group.deleted"]);
    assert_eq!(app.audit_events("group finance").len(), 1);
}

#[tokio::test]
async fn groups_are_refused_to_test_keys_and_keys_without_admin() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    let res = send(&app, &test_key, Method::GET, "/api/groups", None).await;
    assert!(assert_problem(res, 403).await["type"]
        .as_str()
        .unwrap()
        .ends_with("live-key-required"));
    let res = send(
        &app,
        &app.key,
        Method::POST,
        "/api/groups",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(assert_problem(res, 403).await["scope"], "admin");
    assert_eq!(app.count("SELECT count(*) FROM approver_groups"), 0);
}

#[tokio::test]
async fn bad_names_strangers_and_duplicates_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let post = |body: Value| send(&app, &key, Method::POST, "/api/groups", Some(body));
    let res = post(json!({"name": "Finance Team"})).await;
    assert_eq!(assert_problem(res, 422).await["field"], "name");
    let res = post(json!({"name": "sre", "members": ["nobody@example.com"]})).await;
    assert_eq!(assert_problem(res, 422).await["field"], "members");
    let res = post(json!({"name": "sre", "owners": []})).await;
    assert_eq!(assert_problem(res, 422).await["field"], "body");
    assert_eq!(post(json!({"name": "sre"})).await.status(), 201);
    assert_problem(post(json!({"name": "sre"})).await, 409).await;
    assert_eq!(app.count("SELECT count(*) FROM approver_groups"), 1);
}

#[tokio::test]
async fn the_policy_settings_route_and_escalate_to_groups_that_exist_and_refusals_write_nothing() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let patch = |body: Value| {
        send(
            &app,
            &key,
            Method::PATCH,
            "/api/policy/settings",
            Some(body),
        )
    };
    let res = patch(json!({"routeTo": {"critical": "sre"}})).await;
    assert_eq!(assert_problem(res, 422).await["field"], "routeTo.critical");
    send(
        &app,
        &key,
        Method::POST,
        "/api/groups",
        Some(json!({"name": "sre"})),
    )
    .await;
    let body = json!({"routeTo": {"critical": "sre", "low": null}, "minApprovals": {"high": 2},
                      "escalateTo": "sre", "onTimeout": "reject", "remindAt": 0.3});
    let res = patch(body).await;
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["routeTo"], json!({"low": null, "critical": "sre"}));
    assert_eq!(
        (s["minApprovals"]["high"].clone(), s["escalateTo"].clone()),
        (json!(2), json!("sre"))
    );
    assert_eq!(
        (
            s["onTimeout"].clone(),
            s["remindAt"].clone(),
            s["escalateAt"].clone()
        ),
        (json!("reject"), json!(0.3), json!(0.8))
    );
    let audited =
        || app.count("SELECT count(*) FROM audit_log WHERE event = 'policy.settings_changed'");
    assert_eq!(audited(), 1);
    for (bad, field) in [
        (json!({"minApprovals": {"high": 6}}), "minApprovals"),
        (json!({"remindAt": 0.9}), "remindAt"),
        (json!({"escalateAt": 0.96}), "escalateAt"),
        (json!({"escalateTo": 7}), "escalateTo"),
        (json!({"onTimeout": "never"}), "onTimeout"),
    ] {
        let res = patch(bad.clone()).await;
        assert_eq!(assert_problem(res, 422).await["field"], field, "{bad}");
    }
    assert_eq!(audited(), 1, "a refusal writes nothing");
    let res = patch(json!({"escalateTo": null})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["escalateTo"],
        Value::Null
    );
}
