//! What owners decide about second factors: requiring one in the workspace (people without one
//! enrol at their next sign-in; open sessions stay), and resetting a person's (the Users page,
//! and `holdpoint user reset-2fa` for a locked-out owner). Admins and approvers can do neither.

use holdpoint::domain::users::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::cli::holdpoint;
use crate::helpers::{assert_problem, spawn_app, Browser, TestApp, PASSWORD};
use crate::policy::admin_key;
use crate::two_factor_support::*;

fn required(app: &TestApp) -> i64 {
    app.count("SELECT require_two_factor FROM workspaces WHERE id = 1")
}

#[tokio::test]
async fn requiring_two_factor_leads_a_user_without_one_to_enrol_at_their_next_sign_in() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let open = app.sign_in("ann@example.com").await;
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner
        .post_form("/settings/two-factor", &[("require", "on")])
        .await;
    assert_eq!(res.headers()["location"], "/settings");
    assert_eq!(required(&app), 1);
    let details = last_details(&app, "workspace.settings_changed");
    assert_eq!(details["after"], json!({ "require_two_factor": true }));
    assert_eq!(open.get("/").await.status(), 200, "open sessions stay");

    let ann = Browser::new(&app.address);
    let res = ann.login("ann@example.com", PASSWORD).await;
    assert_eq!(res.headers()["location"], "/login/enrol");
    assert_eq!(ann.get("/").await.headers()["location"], "/login");
    assert_eq!(
        ann.get("/login/verify").await.headers()["location"],
        "/login/enrol"
    );
    let page = ann.get("/login/enrol").await.text().await.unwrap();
    assert!(page.contains("<svg class=\"qr\""), "{page}");
    let secret = text_of(&page, "totp-secret").unwrap();
    let token = step_token(&ann, "/login/enrol").await;
    let post = |code: String| {
        let (ann, token) = (&ann, token.clone());
        async move {
            ann.client
                .post(ann.url("/login/enrol"))
                .form(&[("code", code.as_str()), ("csrf_token", token.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(post("000000".into()).await.status(), 401);
    let res = post(code_now(&app, &secret)).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(recovery_codes(&html).len(), 10);
    assert!(html.contains("href=\"/\""), "continues to the dashboard");
    assert_eq!(ann.get("/").await.status(), 200, "signed in");
    assert_eq!(
        last_details(&app, "auth.signed_in")["method"],
        "password+totp"
    );

    // Required, and TOTP is ann's only factor: it stays on.
    let account = ann.get("/account").await.text().await.unwrap();
    assert!(account.contains("it cannot be turned off"), "{account}");
    next_step(&app);
    let res = ann
        .post_form(
            "/account/two-factor/off",
            &[("code", &code_now(&app, &secret))],
        )
        .await;
    assert_eq!(res.headers()["location"], "/account");
    let flash = ann.get("/account").await.text().await.unwrap();
    assert!(flash.contains("requires two-factor sign-in"), "{flash}");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE totp_confirmed_at IS NOT NULL"),
        1
    );
}

#[tokio::test]
async fn an_owners_reset_lets_the_user_sign_in_with_the_password_alone_and_is_audited() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let ann_id = app.add_user(1, "ann@example.com", Role::Approver);
    let ann = app.sign_in("ann@example.com").await;
    enrol(&app, &ann).await;
    let owner = app.sign_in(&app.owner_email).await;
    let users = owner.get("/users").await.text().await.unwrap();
    let reset = format!("/users/{ann_id}/reset-two-factor");
    assert!(users.contains(&reset), "offered for ann");
    assert!(
        !users.contains("/users/1/reset-two-factor"),
        "not on yourself"
    );

    let res = owner.post_form(&reset, &[]).await;
    assert_eq!(res.headers()["location"], "/users");
    let page = owner.get("/users").await.text().await.unwrap();
    assert!(
        page.contains("The second factor of ann@example.com was reset"),
        "{page}"
    );
    assert_eq!(ann.get("/").await.status(), 303, "her sessions ended");
    let fresh = Browser::new(&app.address);
    let res = fresh.login("ann@example.com", PASSWORD).await;
    assert_eq!(res.headers()["location"], "/", "the password alone");
    let events = app.audit_events(&ann_id.to_string());
    assert!(
        events.contains(&("user.two_factor_reset".into(), "user".into())),
        "{events:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM recovery_codes"), 0);
    let reset_at = "SELECT count(*) FROM users WHERE factors_reset_at IS NOT NULL";
    assert_eq!(app.count(reset_at), 1);
    let res = owner.post_form("/users/1/reset-two-factor", &[]).await;
    let page = owner.get("/users").await.text().await.unwrap();
    assert_eq!(res.headers()["location"], "/users");
    assert!(
        page.contains("You cannot reset your own second factor here"),
        "{page}"
    );
}

#[tokio::test]
async fn an_approver_or_an_admin_can_neither_reset_a_second_factor_nor_require_two_factor() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    app.add_user(1, "adam@example.com", Role::Admin);
    let owner = app.sign_in(&app.owner_email).await;
    enrol(&app, &owner).await;
    for email in ["ann@example.com", "adam@example.com"] {
        let browser = app.sign_in(email).await;
        let res = browser
            .post_form("/settings/two-factor", &[("require", "on")])
            .await;
        assert_eq!(res.status(), 403, "{email}");
        let res = browser.post_form("/users/1/reset-two-factor", &[]).await;
        assert_eq!(res.status(), 403, "{email}");
    }
    let admin = app.sign_in("adam@example.com").await;
    let settings = admin.get("/settings").await.text().await.unwrap();
    let state = text_of(&settings, "require-two-factor-state").unwrap();
    assert!(
        state.starts_with("Two-factor sign-in is "),
        "read-only: {settings}"
    );
    assert!(!settings.contains("action=\"/settings/two-factor\""));
    assert_eq!(required(&app), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM recovery_codes"),
        10,
        "untouched"
    );
}

#[tokio::test]
async fn the_settings_api_reads_and_changes_require_two_factor_with_a_live_admin_key() {
    let app = spawn_app().await;
    let key = admin_key(&app, false);
    let send = |method: Method, body: Option<Value>, key: String| {
        let req = app
            .api
            .request(method, app.url("/api/settings"))
            .bearer_auth(key);
        async move {
            match body {
                Some(b) => req.json(&b).send().await.unwrap(),
                None => req.send().await.unwrap(),
            }
        }
    };
    let before: Value = send(Method::GET, None, key.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["requireTwoFactor"], false);
    let res = send(
        Method::PATCH,
        Some(json!({"requireTwoFactor": true})),
        key.clone(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    assert_eq!(
        (&after["requireTwoFactor"], &after["name"]),
        (&json!(true), &before["name"])
    );
    assert_eq!(required(&app), 1);
    let test_key = app.create_key(1, true);
    let res = send(
        Method::PATCH,
        Some(json!({"requireTwoFactor": false})),
        test_key,
    )
    .await;
    assert_eq!(
        assert_problem(res, 403).await["type"],
        "/problems/live-key-required"
    );
    assert_eq!(required(&app), 1);
    let audited = "SELECT count(*) FROM audit_log WHERE event = 'workspace.settings_changed' AND actor_type = 'key'";
    assert_eq!(app.count(audited), 1);
}

#[tokio::test]
async fn user_reset_2fa_lets_a_locked_out_owner_back_in_with_the_password() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    enrol(&app, &owner).await;
    let (ok, _, err) = holdpoint(app.dir.path(), &["user", "reset-2fa", "1"], None);
    assert!(ok && err.contains("owner@example.com"), "{err}");
    assert_eq!(owner.get("/").await.status(), 303, "sessions ended");
    let fresh = Browser::new(&app.address);
    assert_eq!(
        fresh.login(&app.owner_email, PASSWORD).await.headers()["location"],
        "/"
    );
    let events = app.audit_events("1");
    assert!(
        events.contains(&("user.two_factor_reset".into(), "cli".into())),
        "{events:?}"
    );
    let (ok, _, err) = holdpoint(app.dir.path(), &["user", "reset-2fa", "99"], None);
    assert!(!ok && err.contains("no user with id 99"), "{err}");
}
