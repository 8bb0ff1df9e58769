//! Passkeys over HTTP without a browser: where they are offered, the ceremonies' refusals
//! (garbage, a handle used twice, another session's handle, the CSRF token, the limits) and
//! removal scoped to the person. The successful ceremonies need an authenticator: they are
//! proved in a real browser (passkeys_browser.rs).

use holdpoint::domain::users::Role;
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::passkeys_browser::spawn_named_app;

/// A passkey as webauthn-rs stores it, made by Chromium's virtual authenticator.
pub const STORED: &str = r#"{"cred":{"cred_id":"u-OWHmE2NnAF5KOhfH0wTIKHgDm_fo7ugxrFlX-_LQ4","cred":{"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":"0h7rs2KdriEFvrrexBpT55dEsKd4Cr0SiJrTvabjxYY","y":"R3oA8WksCa60HgwjORtAfmc-a2thqR9C2DnS2wA8z3s"}}},"counter":3,"transports":null,"user_verified":true,"backup_eligible":false,"backup_state":false,"registration_policy":"required","extensions":{"cred_protect":"Ignored","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":{"Unsigned":{"rk":true}}},"attestation":{"data":"None","metadata":"None"},"attestation_format":"none"}}"#;

/// Stores passkeys numbered `numbers` for `user` directly (distinct credential ids).
pub fn give_passkeys(app: &TestApp, user: i64, numbers: std::ops::Range<usize>) {
    app.with_db(|c| {
        for i in numbers {
            c.execute(
                "INSERT INTO passkeys (user_id, credential_id, name, passkey_json, created_at)
                 VALUES (?1, ?2, ?3, ?4, 0)",
                holdpoint::db::sql::params![
                    user,
                    format!("cred-{user}-{i}").into_bytes(),
                    format!("Key {i}"),
                    STORED
                ],
            )?;
        }
        Ok(())
    })
    .unwrap();
}

pub fn owner_id(app: &TestApp) -> i64 {
    app.count("SELECT id FROM users WHERE email = 'owner@example.com'")
}

/// A JSON POST with the session's CSRF token (or none).
pub async fn post(b: &Browser, path: &str, csrf: Option<&str>, body: Vec<u8>) -> Response {
    let mut req = b
        .client
        .post(b.url(path))
        .header("content-type", "application/json")
        .body(body);
    if let Some(t) = csrf {
        req = req.header("x-csrf-token", t);
    }
    req.send().await.unwrap()
}

pub async fn start_register(b: &Browser, csrf: &str) -> String {
    let res = post(
        b,
        "/account/passkeys/register/start",
        Some(csrf),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["options"]["publicKey"]["challenge"].is_string());
    body["handle"].as_str().unwrap().to_string()
}

fn finish_body(handle: &str, credential: Value) -> Vec<u8> {
    json!({ "handle": handle, "credential": credential, "name": "Laptop" })
        .to_string()
        .into_bytes()
}

/// Shaped like a browser's answer, but signed by nobody.
fn forged_attestation() -> Value {
    json!({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
           "response": {"attestationObject": "AAAA", "clientDataJSON": "AAAA"}, "extensions": {}})
}

pub fn forged_assertion() -> Value {
    json!({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
           "response": {"authenticatorData": "AAAA", "clientDataJSON": "AAAA", "signature": "AAAA",
                        "userHandle": null}, "extensions": {}})
}

pub async fn detail(res: Response, status: u16) -> String {
    assert_eq!(res.status().as_u16(), status);
    let body: Value = res.json().await.unwrap();
    body["detail"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn an_ip_address_host_hides_passkey_enrolment_and_says_why() {
    let app = spawn_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let html = b.get("/account").await.text().await.unwrap();
    assert!(html.contains(
        "passkeys need the server to be reached by a name, not an IP address; set --public-url"
    ));
    assert!(!html.contains("data-passkey=\"register\""));
    let csrf = b.csrf().await;
    let res = post(
        &b,
        "/account/passkeys/register/start",
        Some(&csrf),
        b"{}".to_vec(),
    )
    .await;
    assert!(detail(res, 404).await.contains("set --public-url"));
}

#[tokio::test]
async fn a_named_host_offers_enrolment_and_the_passkey_sign_in() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let html = b.get("/account").await.text().await.unwrap();
    assert!(html.contains("data-passkey=\"register\""));
    assert!(!html.contains("passkeys-unavailable"));
    assert!(html.contains("passkeys.js"));
    let login = Browser::new(&app.address)
        .get("/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(login.contains("data-passkey=\"login\""));
}

#[tokio::test]
async fn garbage_at_enrolment_is_a_readable_400_and_nothing_is_stored() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let csrf = b.csrf().await;
    let res = post(
        &b,
        "/account/passkeys/register/finish",
        Some(&csrf),
        b"not json".to_vec(),
    )
    .await;
    assert!(detail(res, 400)
        .await
        .contains("not the JSON this endpoint expects"));
    let handle = start_register(&b, &csrf).await;
    let body = finish_body(&handle, json!({"hello": "world"}));
    let res = post(&b, "/account/passkeys/register/finish", Some(&csrf), body).await;
    assert!(detail(res, 400).await.contains("not a WebAuthn credential"));
    let handle = start_register(&b, &csrf).await;
    let body = finish_body(&handle, forged_attestation());
    let res = post(&b, "/account/passkeys/register/finish", Some(&csrf), body).await;
    assert!(detail(res, 403).await.contains("did not succeed"));
    assert_eq!(app.count("SELECT count(*) FROM passkeys"), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'user.passkey_added'"),
        0
    );
}

#[tokio::test]
async fn a_ceremony_handle_works_once_and_only_for_the_session_that_started_it() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let csrf = b.csrf().await;
    let handle = start_register(&b, &csrf).await;
    let body = finish_body(&handle, forged_attestation());
    let res = post(
        &b,
        "/account/passkeys/register/finish",
        Some(&csrf),
        body.clone(),
    )
    .await;
    assert_eq!(res.status(), 403);
    let res = post(&b, "/account/passkeys/register/finish", Some(&csrf), body).await;
    assert!(detail(res, 403)
        .await
        .contains("expired or was already used"));

    // Another person's session cannot finish this one's enrolment.
    app.set_billing_plan(1, "pro");
    app.add_user(1, "other@example.com", Role::Approver);
    let other = app.sign_in("other@example.com").await;
    let other_csrf = other.csrf().await;
    let handle = start_register(&b, &csrf).await;
    let body = finish_body(&handle, forged_attestation());
    let res = post(
        &other,
        "/account/passkeys/register/finish",
        Some(&other_csrf),
        body,
    )
    .await;
    assert!(detail(res, 403)
        .await
        .contains("expired or was already used"));
}

#[tokio::test]
async fn a_person_cannot_remove_another_persons_passkey_but_removes_their_own() {
    let app = spawn_named_app().await;
    app.set_billing_plan(1, "pro");
    let other = app.add_user(1, "other@example.com", Role::Owner);
    // Signed in before the passkey exists, so no second step waits.
    let theirs = app.sign_in("other@example.com").await;
    give_passkeys(&app, other, 0..1);
    let id = app.count("SELECT id FROM passkeys");
    let b = app.sign_in(&app.owner_email).await;
    let res = b
        .post_form("/account/passkeys/remove", &[("id", &id.to_string())])
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(app.count("SELECT count(*) FROM passkeys"), 1);

    let res = theirs
        .post_form("/account/passkeys/remove", &[("id", &id.to_string())])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.count("SELECT count(*) FROM passkeys"), 0);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE event = 'user.passkey_removed' AND actor_id = {other}"
        )),
        1
    );
}

#[tokio::test]
async fn without_passkey_login_the_sign_in_page_offers_none_and_its_endpoints_are_404() {
    let app = spawn_app().await;
    let anon = Browser::new(&app.address);
    let token = anon.login_form_token().await;
    assert!(!anon
        .get("/login")
        .await
        .text()
        .await
        .unwrap()
        .contains("data-passkey"));
    let res = post(
        &anon,
        "/auth/passkey/login/start",
        Some(&token),
        b"{}".to_vec(),
    )
    .await;
    assert!(detail(res, 404).await.contains("--passkey-login"));
}

#[tokio::test]
async fn a_check_needs_a_passkey_to_check() {
    let app = spawn_named_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let csrf = b.csrf().await;
    let res = post(
        &b,
        "/auth/passkey/verify/start",
        Some(&csrf),
        b"{}".to_vec(),
    )
    .await;
    assert!(detail(res, 404).await.contains("no passkey"));
    let anon = Browser::new(&app.address);
    let res = post(
        &anon,
        "/auth/passkey/verify/start",
        Some(&csrf),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 401);
}
