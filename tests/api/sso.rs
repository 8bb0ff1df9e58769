//! Single sign-on against a real OpenID provider (oidc-provider on 127.0.0.1): linking an
//! invitation, `iss` + `sub` winning over a changed email, domain auto-provisioning on and off,
//! disabled users, and the password form turned off.

use reqwest::StatusCode;

use crate::helpers::Browser;
use crate::sso_provider::{app_with, claims, invite, latest_session, location, sign_on, Provider};

fn user_state(app: &crate::helpers::TestApp, email: &str) -> (String, String, bool) {
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT role, state, password_hash IS NULL FROM users WHERE email = ?1",
            [email],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    })
    .unwrap()
}

#[tokio::test]
async fn an_invited_email_signs_on_once_linked_and_its_provider_identity_wins_over_a_new_email() {
    let name =
        "an_invited_email_signs_on_once_linked_and_its_provider_identity_wins_over_a_new_email";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    invite(&app, "ada@example.com");
    let browser = Browser::new(&app.address);
    let login = browser.get("/login").await.text().await.unwrap();
    assert!(
        login.contains("href=\"/auth/oidc/start\">Sign in with SSO</a>"),
        "{login}"
    );

    let res = sign_on(&browser, &claims("ada-1", "ada@example.com", "")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res).path(), "/");
    assert_eq!(browser.get("/").await.status(), StatusCode::OK);
    assert_eq!(
        user_state(&app, "ada@example.com"),
        ("approver".into(), "active".into(), true)
    );
    let (method, factor, pending, _) = latest_session(&app, "ada@example.com");
    assert_eq!((method.as_str(), factor, pending), ("sso", None, None));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'auth.sso_linked'"),
        1
    );

    // The provider now says another email for the same subject: still Ada's account.
    let again = Browser::new(&app.address);
    let res = sign_on(&again, &claims("ada-1", "ada.lovelace@example.com", "")).await;
    assert_eq!(location(&res).path(), "/");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'ada.lovelace@example.com'"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'auth.signed_in'"),
        2
    );
}

#[tokio::test]
async fn without_an_account_or_an_allowed_domain_the_person_is_told_to_ask_an_owner() {
    let name = "without_an_account_or_an_allowed_domain_the_person_is_told_to_ask_an_owner";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    let browser = Browser::new(&app.address);
    let res = sign_on(&browser, &claims("bob-1", "bob@corp.example", "")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Ask an owner to invite you"));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'bob@corp.example'"),
        0
    );
    assert_eq!(browser.get("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE event = 'auth.sso_failed'
             AND details ->> 'reason' = 'no_account'"
        ),
        1
    );
}

#[tokio::test]
async fn an_allowed_domain_gets_an_approver_within_the_plan_and_no_other_domain_does() {
    let name = "an_allowed_domain_gets_an_approver_within_the_plan_and_no_other_domain_does";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let mut oidc = op.settings();
    oidc.allowed_domains = vec!["corp.example".into()];
    let app = app_with(oidc, |_| {}).await;

    // The free plan's one approver is the owner: no room, and a page that says so.
    app.set_billing_plan(1, "free");
    let browser = Browser::new(&app.address);
    let res = sign_on(&browser, &claims("cy-1", "cy@corp.example", "name=Cy")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("plan allows 1 approver"));

    app.set_billing_plan(1, "pro");
    let res = sign_on(&browser, &claims("cy-1", "cy@corp.example", "name=Cy")).await;
    assert_eq!(location(&res).path(), "/");
    assert_eq!(
        user_state(&app, "cy@corp.example"),
        ("approver".into(), "active".into(), true)
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'auth.sso_provisioned'"),
        1
    );

    let other = Browser::new(&app.address);
    let res = sign_on(&other, &claims("dee-1", "dee@corp.example.org", "")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // An unverified email is never matched or provisioned, even in an allowed domain.
    let res = sign_on(
        &other,
        &claims("eve-1", "eve@corp.example", "email_verified=false"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email LIKE '%corp.example%'"),
        1
    );
}

#[tokio::test]
async fn a_disabled_user_cannot_get_in_through_single_sign_on() {
    let name = "a_disabled_user_cannot_get_in_through_single_sign_on";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    invite(&app, "fay@example.com");
    let res = sign_on(
        &Browser::new(&app.address),
        &claims("fay-1", "fay@example.com", ""),
    )
    .await;
    assert_eq!(location(&res).path(), "/");
    let now = app.now();
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE users SET state = 'disabled', disabled_at = ?1 WHERE email = 'fay@example.com'",
            [now],
        )?)
    })
    .unwrap();
    let browser = Browser::new(&app.address);
    let res = sign_on(&browser, &claims("fay-1", "fay@example.com", "")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Account disabled"));
    assert_eq!(browser.get("/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn with_password_login_off_the_form_is_gone_and_a_posted_password_is_refused() {
    let name = "with_password_login_off_the_form_is_gone_and_a_posted_password_is_refused";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let app = app_with(op.settings(), |s| s.password_login = false).await;
    let browser = Browser::new(&app.address);
    let html = browser.get("/login").await.text().await.unwrap();
    assert!(!html.contains("name=\"password\""), "{html}");
    assert!(html.contains("/auth/oidc/start"));
    let res = browser
        .client
        .post(browser.url("/login"))
        .form(&[
            ("email", app.owner_email.as_str()),
            ("password", crate::helpers::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("password is turned off"));
    assert_eq!(browser.get("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
    // No page hands out a password nobody could sign in with: they point at the provider.
    for page in [
        "/forgot-password",
        "/reset-password/some-token",
        "/signup/some-token",
    ] {
        let res = browser.get(page).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{page}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Password sign-in is turned off"),
            "{page}: {html}"
        );
        assert!(html.contains("at your first sign-in"), "{page}");
    }
}

#[tokio::test]
async fn a_session_made_through_single_sign_on_ends_after_eight_hours() {
    let name = "a_session_made_through_single_sign_on_ends_after_eight_hours";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    invite(&app, "gus@example.com");
    let browser = Browser::new(&app.address);
    sign_on(&browser, &claims("gus-1", "gus@example.com", "")).await;
    let (.., lifetime) = latest_session(&app, "gus@example.com");
    assert_eq!(lifetime, 8 * 3600 * 1000);
    let keep_alive = |app: &crate::helpers::TestApp| {
        let now = app.now();
        app.with_db(|c| Ok(c.execute("UPDATE sessions SET last_seen_at = ?1", [now])?))
            .unwrap();
    };
    let start = app.now();
    app.clock.set(start + 8 * 3600 * 1000 - 1);
    keep_alive(&app);
    assert_eq!(browser.get("/").await.status(), StatusCode::OK);
    app.clock.set(start + 8 * 3600 * 1000);
    keep_alive(&app);
    assert_eq!(browser.get("/").await.status(), StatusCode::SEE_OTHER);
}
