//! Disabling a user asks first, lists the live API keys they created, and revokes them in the
//! same action when asked (each revocation audited).

use holdpoint::domain::users::Role;
use serde_json::json;

use crate::helpers::{extract, spawn_app, Browser, TestApp};
use crate::manage_keys::full_key_in;
use crate::manage_users::{follow, user_id};

/// An admin who created two keys on the keys page (one revoked since): returns the live one.
async fn admin_with_keys(app: &TestApp) -> (Browser, String) {
    app.set_billing_plan(1, "pro");
    app.add_user(1, "admin@example.com", Role::Admin);
    let admin = app.sign_in("admin@example.com").await;
    let mut keys = Vec::new();
    for name in ["deploy bot", "old bot"] {
        let res = admin
            .post_form(
                "/keys",
                &[("name", name), ("kind", "live"), ("scope_pauses", "on")],
            )
            .await;
        keys.push(full_key_in(&res.text().await.unwrap()).unwrap());
    }
    let old = app.count("SELECT id FROM api_keys WHERE name = 'old bot'");
    let res = admin.post_form(&format!("/keys/{old}/revoke"), &[]).await;
    assert_eq!(res.status(), 303);
    (admin, keys.remove(0))
}

async fn create_status(app: &TestApp, key: &str) -> u16 {
    app.post_pause_with(key, &json!({ "action": "deploy" }))
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn disabling_a_user_lists_their_live_keys_and_revokes_them_when_asked() {
    let app = spawn_app().await;
    let (_admin, key) = admin_with_keys(&app).await;
    assert_eq!(create_status(&app, &key).await, 201);
    let owner = app.sign_in(&app.owner_email).await;
    let id = user_id(&app, "admin@example.com");
    let users = owner.get("/users").await.text().await.unwrap();
    assert!(
        users.contains(&format!("href=\"/users/{id}/disable\"")),
        "{users}"
    );

    let confirm = owner.get(&format!("/users/{id}/disable")).await;
    assert_eq!(confirm.status(), 200);
    let html = confirm.text().await.unwrap();
    assert!(html.contains("Disable admin@example.com?"), "{html}");
    assert!(
        html.contains("“deploy bot”") && html.contains(&key[..14]),
        "{html}"
    );
    assert!(!html.contains("old bot"), "a revoked key is not listed");
    assert!(html.contains("name=\"revoke_keys\" value=\"on\" checked"));
    let csrf = extract(&html, "name=\"csrf_token\" value=\"").unwrap();

    let res = owner
        .client
        .post(owner.url(&format!("/users/{id}/disable")))
        .form(&[("csrf_token", csrf.as_str()), ("revoke_keys", "on")])
        .send()
        .await
        .unwrap();
    let page = follow(&owner, res, "/users").await;
    assert!(
        page.contains("admin@example.com is disabled and signed out everywhere; the 1 API key they created was revoked."),
        "{page}"
    );
    assert_eq!(
        create_status(&app, &key).await,
        401,
        "the key stopped at once"
    );
    let live = app.count("SELECT id FROM api_keys WHERE name = 'deploy bot'");
    let revoked = format!(
        "SELECT count(*) FROM audit_log WHERE event = 'key.revoked' AND subject = '{live}' \
         AND actor_type = 'user'"
    );
    assert_eq!(app.count(&revoked), 1, "the revocation is audited");
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'user.disabled'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(
        details.contains(&format!("\"keys_revoked\":[{live}]")),
        "{details}"
    );
}

#[tokio::test]
async fn disabling_without_the_revoke_box_leaves_the_keys_working() {
    let app = spawn_app().await;
    let (_admin, key) = admin_with_keys(&app).await;
    let owner = app.sign_in(&app.owner_email).await;
    let id = user_id(&app, "admin@example.com");
    let res = owner.post_form(&format!("/users/{id}/disable"), &[]).await;
    let page = follow(&owner, res, "/users").await;
    assert!(page.contains("admin@example.com is disabled and signed out everywhere."));
    assert_eq!(create_status(&app, &key).await, 201);
    let html = owner
        .get(&format!("/users/{id}/disable"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("deploy bot"), "still listed while live");
}

#[tokio::test]
async fn an_admin_cannot_open_the_disable_page_of_an_owner_or_another_workspaces_user() {
    let app = spawn_app().await;
    let (admin, _) = admin_with_keys(&app).await;
    let owner_id = user_id(&app, &app.owner_email);
    assert_eq!(
        admin
            .get(&format!("/users/{owner_id}/disable"))
            .await
            .status(),
        403
    );
    let ws2 = app.create_workspace("Other", "pro");
    let stranger = app.add_user(ws2, "stranger@example.com", Role::Approver);
    assert_eq!(
        admin
            .get(&format!("/users/{stranger}/disable"))
            .await
            .status(),
        404
    );
    assert_eq!(admin.get("/users/abc/disable").await.status(), 404);
}
