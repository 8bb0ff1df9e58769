//! Key scopes over HTTP: each endpoint refused without its scope (403 naming the scope), scopes
//! chosen on the keys page and with the CLI, and keys made before scopes keep `pauses`.

use holdpoint::domain::api_keys;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::scopes::{KeyScope, Scopes};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::manage_keys::full_key_in;

/// A key of workspace 1 named `name` with these scopes: (id, the whole key).
pub fn key_with(app: &TestApp, name: &str, test: bool, scopes: &[KeyScope]) -> (i64, String) {
    let now = app.now();
    let scopes = Scopes::of(scopes);
    let ws = holdpoint::domain::ids::WorkspaceId(1);
    let (id, key) = app
        .with_db(|c| api_keys::create_with_scopes(c, now, Actor::Cli, ws, name, test, scopes))
        .unwrap();
    (id.0, key)
}

/// Asserts a 403 `insufficient-scope` naming `scope`.
pub async fn assert_insufficient(res: reqwest::Response, scope: &str) -> Value {
    let body = assert_problem(res, 403).await;
    assert_eq!(body["type"], "/problems/insufficient-scope", "{body}");
    assert_eq!(body["title"], "Insufficient scope");
    assert_eq!(body["scope"], scope, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("needs the `{scope}` scope")),
        "{detail}"
    );
    body
}

#[tokio::test]
async fn a_key_without_pauses_cannot_create_read_list_cancel_or_long_poll_pauses() {
    let app = spawn_app().await;
    let watch_id = app.create_watch_id(json!({ "action": "x" })).await;
    for scope in [KeyScope::Decide, KeyScope::Agents, KeyScope::Admin] {
        let (_, key) = key_with(&app, scope.as_str(), false, &[scope]);
        let create = app.post_pause_with(&key, &json!({ "action": "y" })).await;
        let body = assert_insufficient(create, "pauses").await;
        assert!(body["detail"]
            .as_str()
            .unwrap()
            .contains("may not create, read, list or cancel pauses"));
        let read = app.get_pause_with(&key, &watch_id, "").await;
        assert_insufficient(read, "pauses").await;
        // Refused at once, not after the wait.
        let poll = app.get_pause_with(&key, &watch_id, "?wait=50").await;
        assert_insufficient(poll, "pauses").await;
        let list = app
            .api
            .get(app.url("/api/pause"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_insufficient(list, "pauses").await;
        assert_insufficient(app.cancel_pause(&key, &watch_id).await, "pauses").await;
    }
    assert_eq!(app.stored_status(&watch_id), "pending");
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

#[tokio::test]
async fn a_key_without_decide_cannot_approve_and_learns_which_scope_it_lacks() {
    let app = spawn_app().await;
    let (_, other) = key_with(&app, "agent", false, &[KeyScope::Pauses]);
    let watch_id = app.create_watch_id(json!({ "action": "x" })).await;
    for key in [&other, &app.key] {
        let res = app
            .api
            .post(app.url(&format!("/api/pause/{watch_id}/approve")))
            .bearer_auth(key)
            .json(&json!({ "approved": true }))
            .send()
            .await
            .unwrap();
        assert_insufficient(res, "decide").await;
    }
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn the_problem_types_of_scopes_are_documented() {
    let app = spawn_app().await;
    for (slug, text) in [
        ("insufficient-scope", "lacks the scope"),
        ("self-decision", "never decides a pause it created itself"),
    ] {
        let res = app
            .api
            .get(app.url(&format!("/problems/{slug}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{slug}");
        assert!(res.text().await.unwrap().contains(text), "{slug}");
    }
}

#[tokio::test]
async fn the_keys_page_offers_scopes_with_pauses_ticked_and_creates_a_decide_only_key() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser.get("/keys").await.text().await.unwrap();
    assert!(
        page.contains(r#"name="scope_pauses" value="on" checked"#),
        "{page}"
    );
    for s in ["decide", "agents", "admin"] {
        assert!(
            page.contains(&format!(r#"name="scope_{s}" value="on">"#)),
            "{s}"
        );
    }
    let res = browser
        .post_form(
            "/keys",
            &[
                ("name", "billing-backend"),
                ("kind", "live"),
                ("scope_decide", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let key = full_key_in(&html).unwrap();
    assert!(
        html.contains(r#"<strong class="scopes">decide</strong>"#),
        "{html}"
    );
    assert!(
        html.contains("/api/pause/WATCH_ID/approve"),
        "a decide key's first command decides"
    );
    let refused = app.post_pause_with(&key, &json!({ "action": "x" })).await;
    assert_insufficient(refused, "pauses").await;

    let two = browser
        .post_form(
            "/keys",
            &[
                ("name", "both"),
                ("kind", "test"),
                ("scope_pauses", "on"),
                ("scope_decide", "on"),
            ],
        )
        .await;
    assert!(two.text().await.unwrap().contains("pauses, decide"));
    let list = browser.get("/keys").await.text().await.unwrap();
    assert!(
        list.contains(r#"<td data-label="Scopes" class="scopes">decide</td>"#),
        "{list}"
    );
    assert!(list.contains(r#"<td data-label="Scopes" class="scopes">pauses, decide</td>"#));
    assert!(
        list.contains(r#"<td data-label="Scopes" class="scopes">pauses</td>"#),
        "the default key"
    );
}

#[tokio::test]
async fn a_key_with_no_scope_is_refused_with_a_readable_message() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let before = app.count("SELECT count(*) FROM api_keys");
    let res = browser
        .post_form("/keys", &[("name", "nothing"), ("kind", "live")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/keys");
    let page = browser.get("/keys").await.text().await.unwrap();
    assert!(page.contains("Choose at least one scope"), "{page}");
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), before);
}

#[tokio::test]
async fn key_creation_is_audited_with_its_scopes() {
    let app = spawn_app().await;
    let (id, _) = key_with(&app, "k", false, &[KeyScope::Decide, KeyScope::Admin]);
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'key.created' AND subject = ?1",
                [id.to_string()],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["scopes"], "decide admin");
}
