//! Passkeys and sessions half-way through signing in: the second step's check (pending second
//! factor), enrolment when the workspace requires a second factor, and the last second factor
//! that cannot be removed while it does.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use serde_json::{json, Value};

use crate::helpers::{Browser, TestApp, PASSWORD};
use crate::passkeys::{detail, forged_assertion, give_passkeys, owner_id, post};
use crate::passkeys_browser::spawn_named_app;

/// The owner signed in with the password only: the client, the pending session's CSRF token
/// (derived from its cookie, as the second step's page would show it) and where sign-in sent it.
async fn half_signed_in(app: &TestApp) -> (Browser, String, String) {
    let jar = Arc::new(Jar::default());
    let b = Browser {
        client: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        address: app.address.clone(),
    };
    let res = b.login(&app.owner_email, PASSWORD).await;
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let cookies = jar.cookies(&app.address.parse().unwrap()).unwrap();
    let token = cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("hp_session="))
        .unwrap()
        .to_string();
    (b, holdpoint::domain::sessions::csrf_token(&token), location)
}

#[tokio::test]
async fn a_session_waiting_for_its_second_factor_starts_a_passkey_check_and_a_forgery_fails_it() {
    let app = spawn_named_app().await;
    give_passkeys(&app, owner_id(&app), 0..1);
    let (b, csrf, location) = half_signed_in(&app).await;
    assert_eq!(location, "/login/verify");
    let res = post(
        &b,
        "/auth/passkey/verify/start",
        Some(&csrf),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let started: Value = res.json().await.unwrap();
    let allowed = &started["options"]["publicKey"]["allowCredentials"][0]["id"];
    assert_eq!(allowed, "u-OWHmE2NnAF5KOhfH0wTIKHgDm_fo7ugxrFlX-_LQ4");
    let body = json!({ "handle": started["handle"], "credential": forged_assertion() });
    let res = post(
        &b,
        "/auth/passkey/verify/finish",
        Some(&csrf),
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE pending IS NOT NULL AND factor IS NULL"),
        1,
        "the session still waits"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'auth.sign_in_failed'"),
        1
    );
    let res = post(
        &b,
        "/auth/passkey/verify/finish",
        Some(&csrf),
        body.to_string().into_bytes(),
    )
    .await;
    assert!(detail(res, 403)
        .await
        .contains("expired or was already used"));
}

#[tokio::test]
async fn a_session_sent_to_enrol_may_start_a_passkey_enrolment_and_nothing_else() {
    let app = spawn_named_app().await;
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET require_two_factor = 1", [])?))
        .unwrap();
    let (b, csrf, location) = half_signed_in(&app).await;
    assert_eq!(location, "/login/enrol");
    let res = post(
        &b,
        "/account/passkeys/register/start",
        Some(&csrf),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let started: Value = res.json().await.unwrap();
    assert_eq!(started["options"]["publicKey"]["rp"]["id"], "localhost");
    // Still half-way: the account page and its other forms are closed to it.
    assert_eq!(b.get("/account").await.headers()["location"], "/login");
    let res = b
        .client
        .post(b.url("/account/passkeys/remove"))
        .header("x-csrf-token", &csrf)
        .form(&[("id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
}

#[tokio::test]
async fn a_session_waiting_for_a_code_may_not_enrol_a_passkey_instead() {
    let app = spawn_named_app().await;
    give_passkeys(&app, owner_id(&app), 0..1);
    let (b, csrf, _) = half_signed_in(&app).await;
    let res = post(
        &b,
        "/account/passkeys/register/start",
        Some(&csrf),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_last_second_factor_stays_while_the_workspace_requires_one() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    give_passkeys(&app, owner_id(&app), 0..2);
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET require_two_factor = 1", [])?))
        .unwrap();
    let first = app.count("SELECT min(id) FROM passkeys").to_string();
    let res = b
        .post_form("/account/passkeys/remove", &[("id", &first)])
        .await;
    assert_eq!(res.status(), 303);
    let last = app.count("SELECT max(id) FROM passkeys").to_string();
    let res = b
        .post_form("/account/passkeys/remove", &[("id", &last)])
        .await;
    assert_eq!(res.status(), 303);
    let page = b.get("/account").await.text().await.unwrap();
    assert!(page.contains("this passkey is your last"), "{page}");
    assert_eq!(app.count("SELECT count(*) FROM passkeys"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'user.passkey_removed'"),
        1
    );
}
