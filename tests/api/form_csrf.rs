//! Every form of a signed-in page goes through one extractor that checks the session's CSRF
//! token: a table of all of them, so a new form that skipped the check would show up here.

use holdpoint::domain::users::Role;

use crate::helpers::spawn_app_without_email;
use crate::manage_keys::post_without_csrf;

/// Every POST route of the dashboard that acts for a signed-in user.
const SESSION_FORMS: &[&str] = &[
    "/account/name",
    "/account/password",
    "/account/notifications",
    "/users",
    "/users/2/role",
    "/users/2/disable",
    "/users/2/enable",
    "/users/2/invite",
    "/users/2/sessions/end",
    "/account/sessions/0123456789abcdef0123456789abcdef/end",
    "/account/sessions/end-others",
    "/keys",
    "/keys/1/revoke",
    "/settings",
    "/webhooks",
    "/webhooks/callback-secret",
    "/webhooks/1/enable",
    "/webhooks/1/disable",
    "/webhooks/1/rotate",
    "/webhooks/1/test-events",
    "/mode",
    "/webhooks/1/deliveries/1/resend",
];

#[tokio::test]
async fn every_signed_in_form_without_the_csrf_token_is_a_readable_403_and_writes_nothing() {
    let app = spawn_app_without_email().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "approver@example.com", Role::Approver);
    let b = app.sign_in(&app.owner_email).await;
    let added = b
        .post_form(
            "/webhooks",
            &[
                ("url", "https://example.com/hook"),
                ("events", "pause.approved"),
            ],
        )
        .await;
    assert_eq!(added.status(), 200);
    let audited = app.count("SELECT count(*) FROM audit_log");
    for path in SESSION_FORMS {
        for token in [None, Some("wrong")] {
            let mut fields = vec![("name", "forged"), ("role", "admin"), ("kind", "live")];
            fields.extend(token.map(|t| ("csrf_token", t)));
            let res = post_without_csrf(&b, path, &fields).await;
            assert_eq!(res.status(), 403, "POST {path} with token {token:?}");
            let html = res.text().await.unwrap();
            assert!(html.contains("CSRF token"), "POST {path}: {html}");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM audit_log"), audited);
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 1);
    assert_eq!(app.count("SELECT count(*) FROM users"), 2);
}

#[tokio::test]
async fn every_signed_in_form_sent_without_a_session_goes_to_sign_in() {
    let app = spawn_app_without_email().await;
    let b = crate::helpers::Browser::new(&app.address);
    for path in SESSION_FORMS {
        let res = post_without_csrf(&b, path, &[("csrf_token", "x")]).await;
        assert_eq!(res.status(), 303, "POST {path}");
        assert_eq!(res.headers()["location"], "/login", "POST {path}");
    }
}

#[tokio::test]
async fn the_csrf_token_may_come_in_the_header_instead_of_the_form() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    let csrf = b.csrf().await;
    let res = b
        .client
        .post(b.url("/account/name"))
        .header("x-csrf-token", csrf)
        .form(&[("name", "Header Person")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE name = 'Header Person'"),
        1
    );
}
