//! What single sign-on refuses, with a real provider: a tampered or replayed `state`, a
//! tampered `nonce`, ID tokens from another issuer, a provider's `error=`, a provider that
//! cannot be reached. Each is a readable page, no session, an `auth.sso_failed` row, and
//! nothing of the code in the audit log.

use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp};
use crate::sso_provider::{
    app_with, at_provider, begin, claims, get, invite, location, param, sign_on, with_param,
    Provider,
};

fn failures(app: &TestApp, reason: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE event = 'auth.sso_failed'
         AND details ->> 'reason' = '{reason}'"
    ))
}

#[tokio::test]
async fn a_tampered_or_replayed_state_is_refused() {
    let Some(op) = Provider::start("a_tampered_or_replayed_state_is_refused") else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    invite(&app, "hal@example.com");
    let who = claims("hal-1", "hal@example.com", "");

    let browser = Browser::new(&app.address);
    let callback = at_provider(&browser, begin(&browser, "/auth/oidc/start").await, &who).await;
    let state = param(&callback, "state");
    let mut tampered = state.clone();
    tampered.replace_range(5..6, if &state[5..6] == "A" { "B" } else { "A" });
    let res = get(&browser, with_param(&callback, "state", &tampered)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Start again from the sign-in page"));
    assert_eq!(browser.get("/").await.status(), StatusCode::SEE_OTHER);

    // A genuine callback works once; the same state and code again (even with the flow's
    // cookie put back) finds nothing.
    let browser = Browser::new(&app.address);
    let callback = at_provider(&browser, begin(&browser, "/auth/oidc/start").await, &who).await;
    assert_eq!(location(&get(&browser, callback.clone()).await).path(), "/");
    let replay = app
        .api
        .get(callback.clone())
        .header("cookie", format!("hp_oidc={}", param(&callback, "state")))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert_eq!(failures(&app, "unknown_state"), 2);
    let code = param(&callback, "code");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE details LIKE '%{code}%'"
        )),
        0
    );
}

#[tokio::test]
async fn a_tampered_nonce_is_refused() {
    let Some(op) = Provider::start("a_tampered_nonce_is_refused") else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    invite(&app, "ida@example.com");
    let browser = Browser::new(&app.address);
    let authorize = begin(&browser, "/auth/oidc/start").await;
    // The provider puts this nonce in the ID token; the flow in the database holds another.
    let authorize = with_param(&authorize, "nonce", "a-nonce-the-flow-never-made");
    let callback = at_provider(&browser, authorize, &claims("ida-1", "ida@example.com", "")).await;
    let res = get(&browser, callback).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert!(res.text().await.unwrap().contains("could not be verified"));
    assert_eq!(browser.get("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(failures(&app, "provider"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE details LIKE '%nonce%'"),
        1,
        "the audit row says the nonce did not match"
    );
    assert_eq!(app.count("SELECT count(*) FROM user_identities"), 0);
}

#[tokio::test]
async fn id_tokens_from_another_issuer_are_refused() {
    let Some(op) = Provider::start("id_tokens_from_another_issuer_are_refused") else {
        return;
    };
    // Discovery at /alias says the issuer is …/alias, but the tokens come from the real one.
    let mut oidc = op.settings();
    oidc.issuer = format!("{}/alias", op.issuer);
    let app = app_with(oidc, |_| {}).await;
    invite(&app, "jo@example.com");
    let browser = Browser::new(&app.address);
    let res = sign_on(&browser, &claims("jo-1", "jo@example.com", "")).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(browser.get("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM user_identities"), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE details LIKE '%issuer%'"),
        1
    );
}

#[tokio::test]
async fn a_provider_error_or_an_unreachable_provider_is_a_readable_page() {
    let test = "a_provider_error_or_an_unreachable_provider_is_a_readable_page";
    let Some(op) = Provider::start(test) else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    let browser = Browser::new(&app.address);
    let authorize = begin(&browser, "/auth/oidc/start").await;
    let back = format!(
        "{}/auth/oidc/callback?error=access_denied&error_description=nope&state={}",
        app.address,
        param(&authorize, "state")
    );
    let res = get(&browser, back.parse().unwrap()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Sign-in cancelled"));
    assert_eq!(failures(&app, "denied"), 1);

    // A provider that does not answer discovery: a 502 page at the start.
    let mut gone = op.settings();
    gone.issuer = "http://127.0.0.1:9".into();
    let app = app_with(gone, |_| {}).await;
    let res = Browser::new(&app.address).get("/auth/oidc/start").await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert!(res.text().await.unwrap().contains("cannot be reached"));

    // Without --oidc-issuer the routes are not there at all.
    let plain = crate::helpers::spawn_app().await;
    let res = Browser::new(&plain.address).get("/auth/oidc/start").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let login = Browser::new(&plain.address)
        .get("/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(!login.contains("/auth/oidc/start"));
}

#[tokio::test]
async fn the_single_sign_on_pages_share_the_sign_in_budget_per_client_address() {
    let test = "the_single_sign_on_pages_share_the_sign_in_budget_per_client_address";
    let Some(op) = Provider::start(test) else {
        return;
    };
    let app = app_with(op.settings(), |s| s.limits.ip_per_minute = 3).await;
    let browser = Browser::new(&app.address);
    for _ in 0..3 {
        assert_eq!(
            browser.get("/auth/oidc/start").await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let res = browser.get("/auth/oidc/callback?state=x&code=y").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
}
