use holdpoint::domain::users::Role;
use serde_json::json;

use crate::helpers::{spawn_app, Browser, TestApp};

/// The full API key shown on a page (the first `hitl_live_…`/`hitl_test_…` run).
pub fn full_key_in(html: &str) -> Option<String> {
    let start = html
        .find("hitl_live_")
        .or_else(|| html.find("hitl_test_"))?;
    let key: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (key.len() == 46).then_some(key)
}

/// A signed-in approver of workspace 1 (the pro plan allows more than one user).
pub async fn approver(app: &TestApp) -> Browser {
    app.set_billing_plan(1, "pro");
    app.add_user(1, "approver@example.com", Role::Approver);
    app.sign_in("approver@example.com").await
}

/// Posts a form with the given fields and no CSRF token at all.
pub async fn post_without_csrf(
    b: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    b.client
        .post(b.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

fn key_id(app: &TestApp, name: &str) -> i64 {
    app.count(&format!("SELECT id FROM api_keys WHERE name = '{name}'"))
}

#[tokio::test]
async fn an_approver_is_refused_every_management_page_and_action() {
    let app = spawn_app().await;
    let browser = approver(&app).await;
    for path in [
        "/keys",
        "/keys?revoke=1",
        "/settings",
        "/usage",
        "/audit",
        "/audit/export.csv",
        "/audit/export.jsonl",
    ] {
        let res = browser.get(path).await;
        assert_eq!(res.status(), 403, "GET {path}");
        assert!(
            res.text().await.unwrap().contains("only owners and admins"),
            "GET {path}"
        );
    }
    let posts: [(&str, &[(&str, &str)]); 3] = [
        (
            "/keys",
            &[("name", "sneaky"), ("kind", "live"), ("scope_pauses", "on")],
        ),
        ("/keys/1/revoke", &[]),
        (
            "/settings",
            &[
                ("name", "Hijacked"),
                ("default_timeout_secs", "60"),
                ("reject_reason_required", "yes"),
            ],
        ),
    ];
    for (path, fields) in posts {
        assert_eq!(
            browser.post_form(path, fields).await.status(),
            403,
            "POST {path}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM workspaces WHERE name = 'Hijacked'"),
        0
    );
}

#[tokio::test]
async fn a_key_created_on_the_page_is_shown_once_with_a_curl_snippet_and_works() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;

    let res = browser
        .post_form(
            "/keys",
            &[
                ("name", "deploy bot"),
                ("kind", "live"),
                ("scope_pauses", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let key = full_key_in(&html).expect("the created page shows the whole key");
    assert!(key.starts_with("hitl_live_"));
    assert!(
        html.contains(&format!("readonly value=\"{key}\"")),
        "the key is in a selectable field"
    );
    assert!(html.contains(&format!("curl -X POST {}/api/pause", app.address)));
    assert!(html.contains(&format!("Authorization: Bearer {key}")));
    assert!(html.contains("data-copy=\"new-key\""));

    // The key works at once, and was recorded as created by the owner.
    let created = app
        .post_pause_with(&key, &json!({ "action": "Deploy" }))
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys k JOIN users u ON u.id = k.created_by WHERE k.name = 'deploy bot' AND u.email = 'owner@example.com'"),
        1
    );

    // The list shows the prefix and creator, never the whole key again.
    let list = browser.get("/keys").await.text().await.unwrap();
    assert!(list.contains(&format!("{}…", &key[..16])));
    assert!(!list.contains(&key));
    assert!(full_key_in(&list).is_none());
    assert!(list.contains("owner@example.com") && list.contains("CLI"));
}

#[tokio::test]
async fn revoking_a_key_on_the_page_makes_it_401_at_once() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser
        .post_form(
            "/keys",
            &[
                ("name", "deploy bot"),
                ("kind", "live"),
                ("scope_pauses", "on"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let key = full_key_in(&html).unwrap();
    assert_eq!(
        app.post_pause_with(&key, &json!({ "action": "Deploy" }))
            .await
            .status(),
        201
    );

    // Revoking goes through a confirmation form, then the key is refused at once.
    let id = key_id(&app, "deploy bot");
    let confirm = browser
        .get(&format!("/keys?revoke={id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("Revoke key “deploy bot”?"));
    assert!(confirm.contains(&format!("action=\"/keys/{id}/revoke\"")));
    let res = browser.post_form(&format!("/keys/{id}/revoke"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/keys");
    let after = app
        .post_pause_with(&key, &json!({ "action": "Deploy again" }))
        .await;
    assert_eq!(after.status(), 401);
    let list = browser.get("/keys").await.text().await.unwrap();
    assert!(
        list.contains("Revoked key “deploy bot”"),
        "a one-time notice"
    );
    assert!(list.contains(r#"<span class="status status-revoked">revoked</span> <time"#));
    assert_eq!(
        app.audit_events(&id.to_string()),
        vec![
            ("key.created".to_string(), "user".to_string()),
            ("key.revoked".to_string(), "user".to_string()),
        ]
    );
}

#[tokio::test]
async fn a_test_key_can_be_created_and_is_labelled_test() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser
        .post_form(
            "/keys",
            &[
                ("name", "sandbox"),
                ("kind", "test"),
                ("scope_pauses", "on"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let key = full_key_in(&html).unwrap();
    assert!(key.starts_with("hitl_test_"));
    assert_eq!(
        app.count("SELECT is_test FROM api_keys WHERE name = 'sandbox'"),
        1
    );
    assert!(browser
        .get("/keys")
        .await
        .text()
        .await
        .unwrap()
        .contains("badge test"));
}

#[tokio::test]
async fn another_workspaces_key_is_not_found_and_stays_live() {
    let app = spawn_app().await;
    let other_ws = app.create_workspace("Other", "free");
    let other_key = app.create_key(other_ws, false);
    let other_id = app.count(&format!(
        "SELECT id FROM api_keys WHERE workspace_id = {other_ws}"
    ));
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .post_form(&format!("/keys/{other_id}/revoke"), &[])
        .await;
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        browser
            .get(&format!("/keys?revoke={other_id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        browser.post_form("/keys/999999/revoke", &[]).await.status(),
        404
    );
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL"),
        0
    );
    assert_eq!(
        app.post_pause_with(&other_key, &json!({ "action": "x" }))
            .await
            .status(),
        201
    );
    assert!(!browser
        .get("/keys")
        .await
        .text()
        .await
        .unwrap()
        .contains(&other_key[..16]));
}

#[tokio::test]
async fn bad_key_forms_show_a_message_and_create_nothing() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let long = "x".repeat(101);
    for (fields, message) in [
        (
            vec![("name", "bot"), ("kind", "root")],
            "Choose whether the key is live or test.",
        ),
        (
            vec![("name", "  "), ("kind", "live")],
            "Give the key a name",
        ),
        (
            vec![
                ("name", long.as_str()),
                ("kind", "live"),
                ("scope_pauses", "on"),
            ],
            "A key name has at most 100 characters",
        ),
    ] {
        let res = browser.post_form("/keys", &fields).await;
        assert_eq!(res.status(), 303);
        let page = browser.get("/keys").await.text().await.unwrap();
        assert!(page.contains(message), "expected {message:?}");
        assert!(page.contains("role=\"alert\""));
    }
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 1);
}

#[tokio::test]
async fn key_forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = post_without_csrf(&browser, "/keys", &[("name", "forged"), ("kind", "live")]).await;
    assert_eq!(res.status(), 403);
    let res = post_without_csrf(&browser, "/keys/1/revoke", &[("csrf_token", "wrong")]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL"),
        0
    );
    assert_eq!(
        app.post_pause_with(&app.key, &json!({ "action": "x" }))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn revoking_a_revoked_key_says_so() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.post_form("/keys/1/revoke", &[]).await.status(), 303);
    browser.get("/keys").await;
    assert_eq!(browser.post_form("/keys/1/revoke", &[]).await.status(), 303);
    let page = browser.get("/keys").await.text().await.unwrap();
    assert!(page.contains("That key was already revoked."));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'key.revoked'"),
        1
    );
}
