//! Reset links (`/reset-password/{token}`) and "Forgot password?" on the sign-in page: single
//! use, 72 hours from the CLI and 30 minutes by email, at most 3 emails per address an hour,
//! and the same answer whether or not the email belongs to anyone.

use std::sync::Arc;

use holdpoint::domain::password_resets::{self, CLI_TTL_MS, EMAIL_TTL_MS, EMAIL_WINDOW_MS};
use holdpoint::domain::users;
use reqwest::Response;

use crate::helpers::{extract, spawn_app, spawn_app_configured, Browser, TestApp, PASSWORD};
use crate::mail_support::SmtpSink;
use crate::manage_users::NEW_PASSWORD;

/// Opens the reset page at `path` and submits `password` twice, as a person does.
pub async fn set_new_password(browser: &Browser, path: &str, password: &str) -> Response {
    let html = browser.get(path).await.text().await.unwrap();
    let token = extract(&html, "name=\"csrf_token\" value=\"").expect("the form has a token");
    browser
        .client
        .post(browser.url(path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("password", password),
            ("password_confirm", password),
        ])
        .send()
        .await
        .unwrap()
}

/// The path of a link the operator would print for user 1, issued at the app's `now`.
fn operator_link(app: &TestApp) -> String {
    let now = app.now();
    let token = app
        .with_db(|c| {
            let user = users::get(c, holdpoint::domain::ids::UserId(1))?.unwrap();
            password_resets::issue_by_cli(c, now, &user)
        })
        .unwrap();
    format!("/reset-password/{token}")
}

async fn app_with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url().parse().unwrap();
    let dir = Arc::new(tempfile::TempDir::new().unwrap());
    spawn_app_configured(dir, holdpoint::domain::clock::system_now(), |s| {
        s.smtp_url = Some(url)
    })
    .await
}

/// Posts the forgot-password form for `email` and returns the answer page.
async fn forgot(app: &TestApp, email: &str) -> (u16, String) {
    let browser = Browser::new(&app.address);
    let html = browser.get("/forgot-password").await.text().await.unwrap();
    let token = extract(&html, "name=\"csrf_token\" value=\"").expect("the form has a token");
    let res = browser
        .client
        .post(browser.url("/forgot-password"))
        .form(&[("csrf_token", token.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

fn queued_emails(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM outbox WHERE event = 'user.password_reset_requested'")
}

/// The reset link of the newest of `n` reset emails (the one whose link is not in `seen`), as
/// a path. Mail files are not named in the order they arrive.
async fn emailed_link(app: &TestApp, sink: &SmtpSink, n: usize, seen: &[&str]) -> String {
    app.app_state.outbox_wake.notify_one();
    let mails = sink.wait_for(n).await;
    let links: Vec<String> = mails
        .iter()
        .flat_map(|m| {
            let words: Vec<String> = m.text.split_whitespace().map(str::to_string).collect();
            words
        })
        .filter_map(|w| w.strip_prefix(&app.address).map(str::to_string))
        .filter(|p| p.starts_with("/reset-password/"))
        .collect();
    let mut new = links.into_iter().filter(|p| !seen.contains(&p.as_str()));
    let link = new.next().expect("a new link");
    assert!(new.next().is_none(), "one new link");
    link
}

#[tokio::test]
async fn an_operators_link_works_until_72_hours_and_not_one_millisecond_more() {
    let app = spawn_app().await;
    let start = app.now();
    let path = operator_link(&app);
    let browser = Browser::new(&app.address);
    app.clock.set(start + CLI_TTL_MS - 1);
    let page = browser.get(&path).await.text().await.unwrap();
    assert!(page.contains("owner@example.com"), "{page}");
    let token = extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    app.clock.set(start + CLI_TTL_MS);
    let gone = browser.get(&path).await;
    assert_eq!(gone.status(), 410);
    assert!(gone.text().await.unwrap().contains("expired"));
    let fields = [
        ("csrf_token", token.as_str()),
        ("password", NEW_PASSWORD),
        ("password_confirm", NEW_PASSWORD),
    ];
    let post = browser.client.post(browser.url(&path)).form(&fields);
    assert_eq!(post.send().await.unwrap().status(), 410);
    let fresh = Browser::new(&app.address);
    assert_eq!(fresh.login(&app.owner_email, PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn the_reset_form_needs_its_csrf_token_and_the_usual_password_rules() {
    let app = spawn_app().await;
    let path = operator_link(&app);
    let browser = Browser::new(&app.address);
    let html = browser.get(&path).await.text().await.unwrap();
    let token = extract(&html, "name=\"csrf_token\" value=\"").unwrap();
    let post = |fields: Vec<(&'static str, String)>| {
        let (client, url) = (browser.client.clone(), browser.url(&path));
        async move { client.post(url).form(&fields).send().await.unwrap() }
    };
    let forged = vec![
        ("csrf_token", "x".repeat(43)),
        ("password", NEW_PASSWORD.into()),
        ("password_confirm", NEW_PASSWORD.into()),
    ];
    assert_eq!(post(forged).await.status(), 403);
    let short = "7chars!".to_string();
    for (pw, confirm, says) in [
        (short.clone(), short, "8 to 1024 characters"),
        (NEW_PASSWORD.into(), "something else".into(), "do not match"),
    ] {
        let res = post(vec![
            ("csrf_token", token.clone()),
            ("password", pw),
            ("password_confirm", confirm),
        ])
        .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains(says));
    }
    let open = Browser::new(&app.address).get(&path).await.status();
    assert_eq!(open, 200, "a refused form does not use the link");
    let fresh = Browser::new(&app.address);
    assert_eq!(fresh.login(&app.owner_email, PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn forgot_password_is_offered_only_when_the_server_sends_email() {
    let app = spawn_app().await;
    let login = Browser::new(&app.address)
        .get("/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(!login.contains("Forgot password?"), "{login}");
    let res = Browser::new(&app.address).get("/forgot-password").await;
    assert_eq!(res.status(), 404);
    let page = res.text().await.unwrap();
    assert!(page.contains("holdpoint user reset-password"), "{page}");

    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let login = Browser::new(&app.address)
        .get("/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(login.contains("href=\"/forgot-password\""), "{login}");
}

#[tokio::test]
async fn forgot_password_answers_the_same_whether_or_not_the_email_exists() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let known = forgot(&app, &app.owner_email).await;
    let unknown = forgot(&app, "nobody@example.com").await;
    let malformed = forgot(&app, "not an address").await;
    assert_eq!(known.0, 200);
    assert!(known.1.contains("If an account with that email exists"));
    assert_eq!(known, unknown);
    assert_eq!(known, malformed);
    assert_eq!(queued_emails(&app), 1, "only the real user gets an email");
}

#[tokio::test]
async fn an_emailed_link_is_single_use_expires_after_30_minutes_and_ends_other_sessions() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let elsewhere = app.sign_in(&app.owner_email).await;
    let start = app.now();
    forgot(&app, &app.owner_email).await;
    assert_eq!(
        elsewhere.get("/").await.status(),
        200,
        "asking ends nothing"
    );
    let first = emailed_link(&app, &sink, 1, &[]).await;
    let token = first.trim_start_matches("/reset-password/");
    let stored = app.count(&format!(
        "SELECT count(*) FROM password_resets WHERE token_hash = x'{}'",
        hex::encode(holdpoint::domain::secrets::sha256(token.as_bytes()))
    ));
    assert_eq!(stored, 1, "only the token's hash is stored");
    let browser = Browser::new(&app.address);
    app.clock.set(start + EMAIL_TTL_MS - 1);
    assert_eq!(browser.get(&first).await.status(), 200);
    app.clock.set(start + EMAIL_TTL_MS);
    assert_eq!(browser.get(&first).await.status(), 410);

    let elsewhere = app.sign_in(&app.owner_email).await;
    forgot(&app, &app.owner_email).await;
    let second = emailed_link(&app, &sink, 2, &[&first]).await;
    assert_eq!(
        set_new_password(&browser, &second, NEW_PASSWORD)
            .await
            .status(),
        303
    );
    assert_eq!(browser.get("/").await.status(), 200, "signed in");
    assert_eq!(
        elsewhere.get("/").await.status(),
        303,
        "the other session ended"
    );
    assert_eq!(Browser::new(&app.address).get(&second).await.status(), 410);
    let fresh = Browser::new(&app.address);
    assert_eq!(
        fresh.login(&app.owner_email, NEW_PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn forgot_password_emails_an_address_at_most_3_times_an_hour() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let start = app.now();
    let answer = forgot(&app, &app.owner_email).await;
    for _ in 0..2 {
        assert_eq!(forgot(&app, &app.owner_email).await, answer);
    }
    assert_eq!(queued_emails(&app), 3);
    assert_eq!(
        forgot(&app, &app.owner_email).await,
        answer,
        "one past: same answer"
    );
    app.clock.set(start + EMAIL_WINDOW_MS - 1);
    assert_eq!(forgot(&app, &app.owner_email).await, answer);
    assert_eq!(queued_emails(&app), 3, "nothing more sent");
    app.clock.set(start + EMAIL_WINDOW_MS);
    forgot(&app, &app.owner_email).await;
    assert_eq!(queued_emails(&app), 4, "an hour later");
}

#[tokio::test]
async fn forgot_password_shares_the_sign_in_pages_per_ip_limit() {
    let sink = SmtpSink::start().await;
    let url = sink.url().parse().unwrap();
    let dir = Arc::new(tempfile::TempDir::new().unwrap());
    let app = spawn_app_configured(dir, holdpoint::domain::clock::system_now(), |s| {
        s.smtp_url = Some(url);
        s.limits.ip_per_minute = 3;
    })
    .await;
    for i in 0..3 {
        assert_eq!(forgot(&app, &format!("n{i}@example.com")).await.0, 200);
    }
    let (status, page) = forgot(&app, "n4@example.com").await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("Please wait 20 seconds"), "{page}");
}

#[tokio::test]
async fn a_link_used_in_a_browser_signed_in_as_someone_else_replaces_that_session() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let ann = app.add_user(1, "ann@example.com", users::Role::Approver);
    let browser = app.sign_in("ann@example.com").await;
    let path = operator_link(&app);
    assert_eq!(
        set_new_password(&browser, &path, NEW_PASSWORD)
            .await
            .status(),
        303
    );
    let anns = app.count(&format!(
        "SELECT count(*) FROM sessions WHERE user_id = {ann}"
    ));
    assert_eq!(anns, 0, "ann's session in this browser ended");
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("owner@example.com"), "{page}");
}
