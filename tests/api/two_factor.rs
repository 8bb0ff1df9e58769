//! TOTP two-factor sign-in: enrolment from the account page (QR code, URI and secret; confirmed
//! with a code computed here), the second sign-in step with a code or a recovery code, a replay
//! refused, and a pending session that opens nothing else.

use crate::helpers::{spawn_app, Browser, PASSWORD};
use crate::two_factor_support::*;

#[tokio::test]
async fn enrolling_shows_an_inline_qr_code_the_uri_and_the_secret_and_a_wrong_code_confirms_nothing(
) {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let account = browser.get("/account").await.text().await.unwrap();
    assert!(account.contains("Two-factor sign-in") && account.contains("<strong>Off.</strong>"));
    let html = start_enrolment(&browser).await;
    let svg = &html[html.find("<svg").expect("an inline SVG")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    assert!(
        svg.contains("class=\"qr\"") && svg.contains("<path"),
        "{svg}"
    );
    assert!(!html.contains("<?xml") && !html.contains("style="), "CSP");
    let uri = text_of(&html, "totp-uri").unwrap();
    let secret = text_of(&html, "totp-secret").unwrap();
    assert!(uri.starts_with("otpauth://totp/Holdpoint:"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert_eq!(secret.len(), 32, "160 bits in base32");

    let wrong = code_at(&secret, app.now() - 120_000);
    let res = browser
        .post_form("/account/two-factor/confirm", &[("code", &wrong)])
        .await;
    assert_eq!(res.headers()["location"], "/account/two-factor");
    let again = browser
        .get("/account/two-factor")
        .await
        .text()
        .await
        .unwrap();
    assert!(again.contains("That code is not right"), "{again}");
    assert_eq!(
        text_of(&again, "totp-secret").unwrap(),
        secret,
        "same secret"
    );
    let fresh = Browser::new(&app.address);
    let res = fresh.login(&app.owner_email, PASSWORD).await;
    assert_eq!(res.headers()["location"], "/", "not on until confirmed");
}

#[tokio::test]
async fn after_enrolment_sign_in_asks_for_a_code_and_a_right_code_signs_in() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let (secret, _) = enrol(&app, &browser).await;
    assert_eq!(
        app.audit_events("1").last().unwrap().0,
        "user.two_factor_enabled"
    );
    let account = browser.get("/account").await.text().await.unwrap();
    assert_eq!(
        text_of(&account, "recovery-left").unwrap(),
        "10 recovery codes left."
    );

    next_step(&app);
    let pending = password_only(&app, &app.owner_email).await;
    let page = pending.get("/login/verify").await.text().await.unwrap();
    assert!(
        page.contains("owner@example.com") && page.contains("Cancel / sign in as someone else")
    );
    let res = submit_code(&pending, &code_now(&app, &secret)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(pending.get("/").await.status(), 200);
    let details = last_details(&app, "auth.signed_in");
    assert_eq!(details["method"], "password+totp");
    assert_eq!(details["ip"], "127.0.0.1");
    assert_eq!(
        pending.get("/login/verify").await.headers()["location"],
        "/login"
    );
}

#[tokio::test]
async fn a_pending_session_gets_the_sign_in_page_from_the_dashboard_and_401_from_the_api() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let (_secret, _) = enrol(&app, &browser).await;
    let pending = password_only(&app, &app.owner_email).await;
    for page in ["/", "/account", "/settings", "/users"] {
        let res = pending.get(page).await;
        assert_eq!(res.status(), 303, "{page}");
        assert_eq!(res.headers()["location"], "/login", "{page}");
    }
    let res = pending.get("/api/pause").await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        pending.get("/login/enrol").await.headers()["location"],
        "/login/verify"
    );

    let token = step_token(&pending, "/login/verify").await;
    let res = pending
        .client
        .post(pending.url("/login/cancel"))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login");
    assert_eq!(
        pending.get("/login/verify").await.headers()["location"],
        "/login"
    );
}

#[tokio::test]
async fn the_same_code_replayed_on_a_second_sign_in_is_refused() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let (secret, _) = enrol(&app, &browser).await;
    next_step(&app);
    let code = code_now(&app, &secret);
    let first = password_only(&app, &app.owner_email).await;
    assert_eq!(submit_code(&first, &code).await.status(), 303);
    let second = password_only(&app, &app.owner_email).await;
    let res = submit_code(&second, &code).await;
    assert_eq!(res.status(), 401, "a replay");
    let html = res.text().await.unwrap();
    assert!(html.contains("That code is not right"), "{html}");
    assert_eq!(second.get("/").await.status(), 303, "still pending");
    assert!(last_details(&app, "auth.second_factor_failed")["step"] == "sign_in");
    next_step(&app);
    let res = submit_code(&second, &code_now(&app, &secret)).await;
    assert_eq!(res.status(), 303, "the next step's code");
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let (_, codes) = enrol(&app, &browser).await;
    let pending = password_only(&app, &app.owner_email).await;
    let typed = codes[3].to_uppercase();
    let res = submit_code(&pending, &typed).await;
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(
        last_details(&app, "auth.signed_in")["method"],
        "password+recovery_code"
    );
    let again = password_only(&app, &app.owner_email).await;
    assert_eq!(
        submit_code(&again, &codes[3]).await.status(),
        401,
        "used up"
    );
    let account = pending.get("/account").await.text().await.unwrap();
    assert_eq!(
        text_of(&account, "recovery-left").unwrap(),
        "9 recovery codes left."
    );
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_and_turning_totp_off_needs_a_right_code() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let (secret, old) = enrol(&app, &browser).await;
    next_step(&app);
    let res = browser
        .post_form(
            "/account/two-factor/recovery-codes",
            &[("code", &code_now(&app, &secret))],
        )
        .await;
    assert_eq!(res.status(), 200);
    let new = recovery_codes(&res.text().await.unwrap());
    assert_eq!(new.len(), 10);
    let pending = password_only(&app, &app.owner_email).await;
    assert_eq!(
        submit_code(&pending, &old[0]).await.status(),
        401,
        "old set"
    );

    let res = browser
        .post_form("/account/two-factor/off", &[("code", "000000")])
        .await;
    assert_eq!(res.headers()["location"], "/account");
    let account = browser.get("/account").await.text().await.unwrap();
    assert!(account.contains("That code is not right; nothing was changed."));
    let res = browser
        .post_form("/account/two-factor/off", &[("code", &new[0])])
        .await;
    assert_eq!(res.headers()["location"], "/account");
    let events: Vec<String> = app.audit_events("1").into_iter().map(|e| e.0).collect();
    assert!(
        events.ends_with(&[
            "user.recovery_codes_regenerated".to_string(),
            "auth.second_factor_failed".to_string(),
            "auth.second_factor_failed".to_string(),
            "user.two_factor_disabled".to_string()
        ]),
        "{events:?}"
    );
    let fresh = Browser::new(&app.address);
    let res = fresh.login(&app.owner_email, PASSWORD).await;
    assert_eq!(res.headers()["location"], "/", "no second step any more");
}

#[tokio::test]
async fn a_pending_session_lasts_ten_minutes_and_the_signed_in_one_it_becomes_its_full_time() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let (secret, _) = enrol(&app, &browser).await;
    let stale = password_only(&app, &app.owner_email).await;
    let pending = password_only(&app, &app.owner_email).await;
    app.clock.advance_secs(10 * 60 - 1);
    assert_eq!(pending.get("/login/verify").await.status(), 200, "at 9:59");
    let res = submit_code(&pending, &code_now(&app, &secret)).await;
    assert_eq!(res.headers()["location"], "/");
    app.clock.advance_secs(1);
    let res = stale.get("/login/verify").await;
    assert_eq!(res.headers()["location"], "/login", "gone at 10:00");
    app.clock.advance_secs(20 * 60);
    assert_eq!(
        pending.get("/").await.status(),
        200,
        "a full 12-hour session"
    );
}

#[tokio::test]
async fn signing_in_again_replaces_a_session_left_at_the_code_step() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    enrol(&app, &browser).await;
    let pending = password_only(&app, &app.owner_email).await;
    let unfinished = "SELECT count(*) FROM sessions WHERE pending IS NOT NULL";
    assert_eq!(app.count(unfinished), 1);
    // The same browser signs in again: its half-finished session is gone, not left to lapse.
    let res = pending.login(&app.owner_email, PASSWORD).await;
    assert_eq!(res.headers()["location"], "/login/verify");
    assert_eq!(app.count(unfinished), 1);
}
