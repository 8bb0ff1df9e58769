//! API keys over the API (issue 20): the one key object, a new key shown once, no scope granted
//! past the creating key's own, name / cap / groups changed and the key revoked, all audited.

use reqwest::Method;
use serde_json::{json, Value};

use crate::agent_support::beat_ok;
use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::policy::admin_key;
use crate::webhooks_api::send;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::scopes::{KeyScope, Scopes};
use holdpoint::domain::{api_keys, users::Role};

const FIELDS: [&str; 12] = [
    "autonomyLevel",
    "createdAt",
    "createdBy",
    "expiresAt",
    "groups",
    "id",
    "lastUsedAt",
    "name",
    "pinnedAgents",
    "prefix",
    "scopes",
    "test",
];

fn fields(v: &Value) -> Vec<String> {
    let mut names: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    names.sort();
    names
}

async fn make_group(app: &TestApp, key: &str) {
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let body = json!({"name": "finance", "members": ["ann@example.com"]});
    let res = send(app, key, Method::POST, "/api/groups", Some(body)).await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn an_admin_key_makes_a_key_it_sees_once_and_reads_the_one_key_object() {
    let app = spawn_app().await;
    let admin = admin_key(&app, false);
    let all = Scopes::of(&[KeyScope::Admin, KeyScope::Pauses, KeyScope::Decide]);
    let now = app.now();
    let boss = app
        .with_db(|c| {
            api_keys::create_with_scopes(c, now, Actor::Cli, WorkspaceId(1), "boss", false, all)
        })
        .unwrap()
        .1;
    make_group(&app, &admin).await;
    let body = json!({"name": "billing", "scopes": ["pauses", "decide"], "autonomyLevel": 40, "groups": ["finance"]});
    let res = send(&app, &boss, Method::POST, "/api/keys", Some(body)).await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let whole = made["key"].as_str().unwrap().to_string();
    assert!(whole.starts_with("hitl_live_"));
    assert_eq!(made["prefix"], &whole[..16]);
    assert_eq!(made["scopes"], json!(["pauses", "decide"]));
    assert_eq!(made["autonomyLevel"], 40);
    assert_eq!(made["groups"], json!(["finance"]));
    assert_eq!(
        (&made["expiresAt"], &made["createdBy"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(made["test"], false);

    beat_ok_with(&app, &whole, "bot").await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE agents SET pinned_key_id = ?1 WHERE name = 'bot'",
            [made["id"].as_i64().unwrap()],
        )?)
    })
    .unwrap();
    let path = format!("/api/keys/{}", made["id"]);
    let read: Value = send(&app, &admin, Method::GET, &path, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        fields(&read),
        FIELDS,
        "exactly the key object, never the key: {read}"
    );
    assert_eq!(read["pinnedAgents"], json!(["bot"]));
    assert!(read["lastUsedAt"].is_string(), "it reported: {read}");
    let listed: Value = send(&app, &admin, Method::GET, "/api/keys", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(!listed.to_string().contains(&whole));
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        4,
        "app, admin, boss, billing"
    );
    assert_eq!(listed["items"][0], read, "newest first");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE event = 'key.created' AND actor_type = 'key'"
        ),
        1
    );
}

async fn beat_ok_with(app: &TestApp, key: &str, agent: &str) {
    let res = app
        .api
        .post(app.url(&format!("/api/agents/{agent}/heartbeat")))
        .bearer_auth(key)
        .json(&json!({"state": "idle"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_key_never_grants_a_scope_it_does_not_hold_and_nothing_is_made() {
    let app = spawn_app().await;
    let admin = admin_key(&app, false); // admin, pauses, agents: not decide
    let before = app.count("SELECT count(*) FROM api_keys");
    let body = json!({"name": "sneaky", "scopes": ["pauses", "decide"]});
    let problem = assert_problem(
        send(&app, &admin, Method::POST, "/api/keys", Some(body)).await,
        403,
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("`decide`"),
        "{problem}"
    );
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), before);
    let body = json!({"name": "fine", "scopes": ["pauses", "agents"], "test": true});
    let res = send(&app, &admin, Method::POST, "/api/keys", Some(body)).await;
    assert_eq!(res.status(), 201, "what it holds it may give");
    let made: Value = res.json().await.unwrap();
    assert!(made["key"].as_str().unwrap().starts_with("hitl_test_"));
    let body = json!({"name": "test admin", "scopes": ["admin"], "test": true});
    let problem = assert_problem(
        send(&app, &admin, Method::POST, "/api/keys", Some(body)).await,
        422,
    )
    .await;
    assert_eq!(problem["field"], "scopes");
}

#[tokio::test]
async fn a_patch_renames_caps_and_regroups_a_key_at_the_cap_limits_with_each_change_audited() {
    let app = spawn_app().await;
    let admin = admin_key(&app, false);
    make_group(&app, &admin).await;
    let now = app.now();
    let decide = Scopes::of(&[KeyScope::Decide]);
    let (id, _) = app
        .with_db(|c| {
            api_keys::create_with_scopes(c, now, Actor::Cli, WorkspaceId(1), "old", false, decide)
        })
        .unwrap();
    let path = format!("/api/keys/{id}");
    let patch = json!({"name": "new", "autonomyLevel": 100, "groups": ["finance"]});
    let res = send(&app, &admin, Method::PATCH, &path, Some(patch)).await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(
        (
            &changed["name"],
            &changed["autonomyLevel"],
            &changed["groups"]
        ),
        (&json!("new"), &json!(100), &json!(["finance"]))
    );
    let res = send(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"autonomyLevel": 101})),
    )
    .await;
    assert_eq!(assert_problem(res, 422).await["field"], "autonomyLevel");
    let res = send(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"autonomyLevel": null})),
    )
    .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["autonomyLevel"],
        Value::Null
    );
    let res = send(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"scopes": ["admin"]})),
    )
    .await;
    assert_problem(res, 422).await;
    let events = app.audit_events(&id.to_string());
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        names.iter().filter(|e| **e == "key.changed").count(),
        3,
        "name, cap set, cap cleared: {names:?}"
    );
    let regrouped = "SELECT count(*) FROM audit_log WHERE event = 'key.groups_changed'";
    assert_eq!(app.count(regrouped), 1);
}

#[tokio::test]
async fn delete_revokes_a_key_at_once() {
    let app = spawn_app().await;
    let admin = admin_key(&app, false);
    beat_ok(&app, "warm", json!({})).await; // the agent's key is now in the cache
    let id = app.count("SELECT id FROM api_keys ORDER BY id LIMIT 1");
    let path = format!("/api/keys/{id}");
    let res = send(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(res.status(), 204);
    let res = app.post_pause_with(&app.key, &json!({"action": "a"})).await;
    assert_eq!(res.status(), 401, "revoked means now");
    assert_problem(send(&app, &admin, Method::GET, &path, None).await, 404).await;
    assert_problem(send(&app, &admin, Method::DELETE, &path, None).await, 409).await;
    assert_problem(
        send(&app, &admin, Method::DELETE, "/api/keys/x", None).await,
        404,
    )
    .await;
    let revoked = app
        .count("SELECT count(*) FROM audit_log WHERE event = 'key.revoked' AND actor_type = 'key'");
    assert_eq!(revoked, 1);
}
