//! Passkeys' limits and guards: the CSRF token on every ceremony request, the most passkeys one
//! person may have, the largest request body, and the per-address sign-in budget.

use crate::helpers::Browser;
use crate::passkeys::{detail, give_passkeys, owner_id, post, start_register};
use crate::passkeys_browser::{spawn_named_app, spawn_named_app_with};

#[tokio::test]
async fn every_passkey_request_needs_its_csrf_token() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    give_passkeys(&app, owner_id(&app), 0..1);
    for path in [
        "/account/passkeys/register/start",
        "/account/passkeys/register/finish",
        "/auth/passkey/verify/start",
        "/auth/passkey/verify/finish",
    ] {
        let res = post(&b, path, None, b"{}".to_vec()).await;
        assert!(detail(res, 403).await.contains("CSRF"), "{path}");
        let res = post(&b, path, Some("wrong"), b"{}".to_vec()).await;
        assert_eq!(res.status(), 403, "{path}");
    }
    let res = b
        .client
        .post(b.url("/account/passkeys/remove"))
        .form(&[("id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Before sign-in, the sign-in form's token.
    let anon = Browser::new(&app.address);
    let res = post(&anon, "/auth/passkey/login/start", None, b"{}".to_vec()).await;
    assert_eq!(res.status(), 403);
    let token = anon.login_form_token().await;
    let res = post(
        &anon,
        "/auth/passkey/login/start",
        Some(&token),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.count("SELECT count(*) FROM passkeys"), 1);
}

#[tokio::test]
async fn enrolment_starts_with_nine_passkeys_and_is_refused_at_ten() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let csrf = b.csrf().await;
    give_passkeys(&app, owner_id(&app), 0..9);
    start_register(&b, &csrf).await;
    give_passkeys(&app, owner_id(&app), 9..10);
    let res = post(
        &b,
        "/account/passkeys/register/start",
        Some(&csrf),
        b"{}".to_vec(),
    )
    .await;
    assert!(detail(res, 422).await.contains("you have 10 passkeys"));
    let html = b.get("/account").await.text().await.unwrap();
    assert!(!html.contains("data-passkey=\"register\""));
}

#[tokio::test]
async fn a_passkey_request_body_may_be_64_kib_and_not_a_byte_more() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let csrf = b.csrf().await;
    let at = vec![b' '; 64 * 1024];
    let res = post(&b, "/account/passkeys/register/finish", Some(&csrf), at).await;
    assert_eq!(res.status(), 400);
    let past = vec![b' '; 64 * 1024 + 1];
    let res = post(&b, "/account/passkeys/register/finish", Some(&csrf), past).await;
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn passkey_ceremonies_share_the_sign_in_budget_of_the_client_address() {
    let app = spawn_named_app_with(|s| s.limits.ip_per_minute = 4).await;
    let b = app.sign_in(&app.owner_email).await; // the first of four
    let csrf = b.csrf().await;
    for _ in 0..3 {
        let res = post(
            &b,
            "/auth/passkey/verify/start",
            Some(&csrf),
            b"{}".to_vec(),
        )
        .await;
        assert_eq!(res.status(), 404, "within the budget: no passkey to check");
    }
    let res = post(
        &b,
        "/account/passkeys/register/start",
        Some(&csrf),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn an_abandoned_ceremony_is_purged_once_its_ten_minutes_are_over() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let csrf = b.csrf().await;
    start_register(&b, &csrf).await;
    let flows = "SELECT count(*) FROM auth_flows WHERE kind = 'passkey_register'";
    app.clock.advance_secs(10 * 60 - 1);
    app.housekeeping().await;
    assert_eq!(app.count(flows), 1);
    app.clock.advance_secs(1);
    app.housekeeping().await;
    assert_eq!(app.count(flows), 0);
}
