//! The rules and policy settings API (issue 18): a live key with `admin` only, duplicates and
//! bad globs refused by name, every change audited, globs, match kinds and expiry over HTTP.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::policy::{add_rule, admin_key};

/// An admin call: `method path` with `key`, and a JSON body when given.
pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.api.request(method, app.url(path)).bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn rules_and_settings_are_refused_without_admin_and_to_test_keys() {
    let app = spawn_app().await;
    let rule = json!({"name": "r", "effect": "allow", "match": {"tool": "t"}});
    let test_key = app.create_key(1, true);
    for (path, method) in [
        ("/api/rules", reqwest::Method::GET),
        ("/api/rules", reqwest::Method::POST),
        ("/api/policy/settings", reqwest::Method::GET),
        ("/api/policy/settings", reqwest::Method::PATCH),
    ] {
        let res = send(&app, method.clone(), path, &app.key, Some(rule.clone())).await;
        let p = assert_problem(res, 403).await;
        assert_eq!(p["scope"], "admin", "{method} {path}");
        let res = send(&app, method.clone(), path, &test_key, Some(rule.clone())).await;
        let p = assert_problem(res, 403).await;
        assert!(
            p["type"].as_str().unwrap().ends_with("/live-key-required"),
            "{p}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 0);
}

#[tokio::test]
async fn a_rule_is_created_listed_edited_disabled_and_deleted_with_every_change_audited() {
    let app = spawn_app().await;
    let admin = admin_key(&app, false);
    let made = add_rule(&app, json!({"name": "refunds", "effect": "allow", "maxRisk": "medium",
        "note": "small refunds", "match": {"tool": "refund_*", "metadata": {"customer": "cust_123"}}}))
    .await;
    assert_eq!(made["enabled"], true);
    assert_eq!(made["shadow"], false);
    assert_eq!(made["hits"], 0);
    assert_eq!(made["createdBy"]["type"], "key");
    let id = made["id"].as_i64().unwrap();
    let dup = send(
        &app,
        reqwest::Method::POST,
        "/api/rules",
        &admin,
        Some(json!({"name": "refunds", "effect": "deny", "match": {"tool": "x"}})),
    )
    .await;
    assert_problem(dup, 409).await;
    let bad = send(
        &app,
        reqwest::Method::POST,
        "/api/rules",
        &admin,
        Some(json!({"name": "bad", "effect": "deny", "match": {"tool": "[a-"}})),
    )
    .await;
    assert_eq!(assert_problem(bad, 422).await["field"], "match.tool");
    let path = format!("/api/rules/{id}");
    let res = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &admin,
        Some(json!({"enabled": false, "note": null})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(
        (&changed["enabled"], &changed["note"]),
        (&json!(false), &Value::Null)
    );
    assert_eq!(changed["match"]["metadata"]["customer"], "cust_123");
    let res = send(&app, reqwest::Method::GET, "/api/rules", &admin, None).await;
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let res = send(&app, reqwest::Method::DELETE, &path, &admin, None).await;
    assert_eq!(res.status(), 204);
    let res = send(&app, reqwest::Method::GET, &path, &admin, None).await;
    assert_problem(res, 404).await;
    let events: Vec<String> = app
        .audit_events(&format!("rule {id}"))
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert_eq!(events, ["rule.created", "rule.changed", "rule.deleted"]);
}

/// A fresh workspace's settings, with the dial's shadow as given.
fn defaults(shadow: bool) -> Value {
    json!({"autonomyLevel": 0, "autonomyShadow": shadow, "routeTo": {}, "minApprovals": {},
           "noSelfApproval": false, "remindAt": 0.5, "escalateAt": 0.8, "escalateTo": null,
           "onTimeout": "expire", "receiptTtlSeconds": 900, "stepUp": false,
           "keysMayDecideCritical": true})
}

#[tokio::test]
async fn settings_merge_refuse_unknown_members_and_are_audited() {
    let app = spawn_app().await;
    let admin = admin_key(&app, false);
    let res = send(
        &app,
        reqwest::Method::GET,
        "/api/policy/settings",
        &admin,
        None,
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap(), defaults(false));
    let res = send(
        &app,
        reqwest::Method::PATCH,
        "/api/policy/settings",
        &admin,
        Some(json!({"autonomyShadow": true})),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap(), defaults(true));
    let res = send(
        &app,
        reqwest::Method::PATCH,
        "/api/policy/settings",
        &admin,
        Some(json!({"autonomyLevel": 101})),
    )
    .await;
    assert_eq!(assert_problem(res, 422).await["field"], "autonomyLevel");
    let res = send(
        &app,
        reqwest::Method::PATCH,
        "/api/policy/settings",
        &admin,
        Some(json!({"quorum": 2})),
    )
    .await;
    assert_problem(res, 422).await;
    let audited =
        app.count("SELECT count(*) FROM audit_log WHERE event = 'policy.settings_changed'");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn every_match_kind_glob_and_expiry_decides_over_http() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let key_id = app.count("SELECT min(id) FROM api_keys");
    let expires = holdpoint::domain::rfc3339(app.now() + 60_000);
    add_rule(
        &app,
        json!({"name": "shell", "effect": "allow", "expiresAt": expires,
        "match": {"tool": "shell", "agent": "coder-*", "keyId": key_id,
                  "metadata": {"customer": "cust_123"}, "context": {"command": "git status*"}}}),
    )
    .await;
    let base = json!({"action": "run", "tool": "shell", "agent": "coder-1",
        "metadata": {"customer": "cust_123"}, "context": {"command": "git status --short"}});
    let status = |v: Value| v["status"].as_str().unwrap().to_string();
    let res = app.post_pause_with(&app.key, &base).await;
    assert_eq!(status(res.json().await.unwrap()), "approved");
    let variants = [
        ("agent", json!("writer-1")),
        ("metadata", json!({"customer": "cust_999"})),
        ("context", json!({"command": "git push"})),
        ("tool", json!("Shell")),
    ];
    for (member, value) in variants {
        let mut body = base.clone();
        body[member] = value;
        let res = app.post_pause_with(&app.key, &body).await;
        assert_eq!(status(res.json().await.unwrap()), "pending", "{member}");
    }
    let other_key = app.create_key(1, false);
    let res = app.post_pause_with(&other_key, &base).await;
    assert_eq!(status(res.json().await.unwrap()), "pending", "another key");
    app.clock.advance_secs(61);
    let res = app.post_pause_with(&app.key, &base).await;
    assert_eq!(status(res.json().await.unwrap()), "pending", "expired");
    let res = send(
        &app,
        reqwest::Method::GET,
        "/api/rules",
        &admin_key(&app, false),
        None,
    )
    .await;
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["items"][0]["hits"], 1, "an expired rule still lists");
}

#[tokio::test]
async fn a_test_key_pause_is_never_decided_by_a_live_rule() {
    let app = spawn_app().await;
    add_rule(
        &app,
        json!({"name": "all", "effect": "allow", "match": {"tool": "*"}}),
    )
    .await;
    let test_key = app.create_key(1, true);
    let res = app
        .post_pause_with(&test_key, &json!({"action": "a", "tool": "t"}))
        .await;
    let p: Value = res.json().await.unwrap();
    assert_eq!(
        (&p["status"], &p["test"]),
        (&json!("pending"), &json!(true))
    );
}
