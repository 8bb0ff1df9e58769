//! A group that routes something cannot vanish (issue 19): deleting a group the policy
//! settings (`routeTo`, `escalateTo`), a rule of either mode (`routeTo`) or a pending pause name
//! is a 409 naming each place, and so is renaming one the settings or a rule name; once freed,
//! it goes. Keys given groups show in `GET /api/groups`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::policy::admin_key;

async fn send(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    let mut req = app.api.request(method, app.url(path)).bearer_auth(key);
    if !body.is_null() {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

/// The 409's detail for deleting `sre` now.
async fn delete_refused(app: &TestApp, key: &str) -> String {
    let res = send(app, key, Method::DELETE, "/api/groups/sre", Value::Null).await;
    let problem = assert_problem(res, 409).await;
    problem["detail"].as_str().unwrap().to_string()
}

async fn settings(app: &TestApp, key: &str, body: Value) {
    let res = send(app, key, Method::PATCH, "/api/policy/settings", body).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_group_the_settings_name_is_neither_deleted_nor_renamed_until_they_change() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let made = send(
        &app,
        &key,
        Method::POST,
        "/api/groups",
        json!({"name": "sre"}),
    )
    .await;
    assert_eq!(made.status(), 201);
    settings(&app, &key, json!({"routeTo": {"critical": "sre"}})).await;
    let detail = delete_refused(&app, &key).await;
    assert!(
        detail.contains("the decision policy's route for critical risk"),
        "{detail}"
    );
    let rename = json!({"name": "ops"});
    let res = send(&app, &key, Method::PATCH, "/api/groups/sre", rename.clone()).await;
    let problem = assert_problem(res, 409).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("cannot be renamed"));
    let same_name = json!({"name": "sre", "members": [app.owner_email]});
    let res = send(&app, &key, Method::PATCH, "/api/groups/sre", same_name).await;
    assert_eq!(res.status(), 200, "members change; the name stays");

    settings(&app, &key, json!({"routeTo": {}, "escalateTo": "sre"})).await;
    let detail = delete_refused(&app, &key).await;
    assert!(
        detail.contains("the decision policy's escalation"),
        "{detail}"
    );
    assert!(!detail.contains("route for"), "{detail}");
    settings(&app, &key, json!({"escalateTo": null})).await;
    let res = send(&app, &key, Method::PATCH, "/api/groups/sre", rename).await;
    assert_eq!(res.status(), 200);
    let res = send(&app, &key, Method::DELETE, "/api/groups/ops", Value::Null).await;
    assert_eq!(res.status(), 204);
    let events = "SELECT count(*) FROM audit_log WHERE event LIKE 'group.%'";
    assert_eq!(app.count(events), 4, "created, members, renamed, deleted");
}

#[tokio::test]
async fn a_group_live_and_test_rules_route_to_is_kept_until_the_rules_go() {
    let app = spawn_app().await;
    let live = admin_key(&app, false);
    send(
        &app,
        &live,
        Method::POST,
        "/api/groups",
        json!({"name": "sre"}),
    )
    .await;
    let rule = |name: &str| {
        json!({"name": name, "effect": "route", "routeTo": "sre",
                                   "match": {"tool": "deploy"}})
    };
    let res = send(&app, &live, Method::POST, "/api/rules", rule("deploys")).await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    // The rules API takes live keys only; test rules are made on the dashboard in test mode.
    app.with_db(|c| {
        c.execute(
            "INSERT INTO policy_rules (workspace_id, is_test, name, effect, match_json, route_to,
             created_at, updated_at) VALUES (1, 1, 'test deploys', 'route', '{\"tool\":\"x\"}',
             'sre', 0, 0)",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    let detail = delete_refused(&app, &live).await;
    assert!(detail.contains("the live rule “deploys”"), "{detail}");
    assert!(detail.contains("the test rule “test deploys”"), "{detail}");
    let res = send(
        &app,
        &live,
        Method::PATCH,
        "/api/groups/sre",
        json!({"name": "ops"}),
    )
    .await;
    assert_problem(res, 409).await;
    app.with_db(|c| Ok(c.execute("DELETE FROM policy_rules WHERE is_test = 1", [])?))
        .unwrap();
    let detail = delete_refused(&app, &live).await;
    assert!(!detail.contains("test rule"), "{detail}");
    let path = format!("/api/rules/{}", made["id"]);
    let res = send(&app, &live, Method::DELETE, &path, Value::Null).await;
    assert_eq!(res.status(), 204);
    let res = send(&app, &live, Method::DELETE, "/api/groups/sre", Value::Null).await;
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn a_group_with_a_pending_pause_is_deleted_only_once_the_pause_is_decided() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let group = json!({"name": "sre", "members": [app.owner_email]});
    send(&app, &key, Method::POST, "/api/groups", group).await;
    settings(&app, &key, json!({"routeTo": {"high": "sre"}})).await;
    let res = app
        .post_pause_with(
            &app.key,
            &json!({"action": "Restart the database", "risk": "high"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let pause: Value = res.json().await.unwrap();
    let routed = "SELECT count(*) FROM pauses WHERE group_name = 'sre' AND group_id IS NOT NULL";
    assert_eq!(app.count(routed), 1, "settings routed the high-risk pause");
    settings(&app, &key, json!({"routeTo": {}})).await;
    let detail = delete_refused(&app, &key).await;
    assert!(detail.contains("1 pending pause routed to it"), "{detail}");
    let watch = pause["watchId"].as_str().unwrap();
    assert_eq!(app.cancel_pause(&app.key, watch).await.status(), 200);
    let res = send(&app, &key, Method::DELETE, "/api/groups/sre", Value::Null).await;
    assert_eq!(res.status(), 204);
    let kept = "SELECT count(*) FROM pauses WHERE group_name = 'sre' AND group_id IS NULL";
    assert_eq!(
        app.count(kept),
        1,
        "a decided pause keeps the name it was routed to"
    );
}
