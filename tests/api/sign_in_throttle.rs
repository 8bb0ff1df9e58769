//! The sign-in throttle under concurrency, and per client address: guesses are reserved before
//! argon2 runs, and one address hammering an account slows only itself.

use std::sync::Arc;

use futures_util::future::join_all;
use holdpoint::http::dashboard::throttle::FREE_FAILURES;
use reqwest::Response;
use tempfile::TempDir;

use crate::helpers::{spawn_app, spawn_app_configured, Browser, TestApp, PASSWORD};

/// At most this many guesses from one address reach argon2 before the first wait: the free
/// failures and the one that starts the delay.
const FIRST_BURST: u64 = FREE_FAILURES as u64 + 1;

fn verifications(app: &TestApp) -> u64 {
    app.app_state.passwords.verifications()
}

/// `n` sign-in posts sent together from one browser (one login CSRF cookie).
async fn parallel_logins(browser: &Browser, email: &str, password: &str, n: usize) -> Vec<u16> {
    let token = browser.login_form_token().await;
    let posts = (0..n).map(|_| {
        let fields = [
            ("email", email),
            ("password", password),
            ("csrf_token", &token),
        ];
        let req = browser.client.post(browser.url("/login")).form(&fields);
        async move { req.send().await.unwrap().status().as_u16() }
    });
    join_all(posts).await
}

#[tokio::test]
async fn fifty_parallel_wrong_guesses_reach_argon2_at_most_four_times() {
    let app = spawn_app().await;
    let browser = Browser::new(&app.address);
    let before = verifications(&app);
    let statuses = parallel_logins(&browser, &app.owner_email, "wrong guess", 50).await;
    let verified = verifications(&app) - before;
    assert!(
        (1..=FIRST_BURST).contains(&verified),
        "{verified} guesses were verified"
    );
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    let wrong = statuses.iter().filter(|&&s| s == 401).count();
    assert_eq!((wrong as u64, refused), (verified, 50 - verified as usize));
}

#[tokio::test]
async fn fifty_parallel_wrong_current_passwords_reach_argon2_at_most_four_times() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let csrf = browser.csrf().await;
    let before = verifications(&app);
    let posts = (0..50).map(|_| {
        let fields = [
            ("current_password", "wrong guess"),
            ("new_password", "another good passphrase"),
            ("new_password_confirm", "another good passphrase"),
            ("csrf_token", &csrf),
        ];
        let req = browser
            .client
            .post(browser.url("/account/password"))
            .form(&fields);
        async move { req.send().await.unwrap().status().as_u16() }
    });
    let statuses = join_all(posts).await;
    assert!(statuses.iter().all(|&s| s == 303), "{statuses:?}");
    let verified = verifications(&app) - before;
    assert!(
        (1..=FIRST_BURST).contains(&verified),
        "{verified} guesses were verified"
    );
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Too many wrong passwords") || page.contains("incorrect"));
}

async fn login_from(app: &TestApp, address: &str, password: &str) -> Response {
    let browser = Browser::new(&app.address);
    let token = browser.login_form_token().await;
    browser
        .client
        .post(browser.url("/login"))
        .header("x-forwarded-for", address)
        .form(&[
            ("email", app.owner_email.as_str()),
            ("password", password),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_owner_signs_in_from_another_address_while_one_address_hammers_the_account() {
    let app = spawn_app_configured(
        Arc::new(TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| {
            s.limits.trust_forwarded_for = true;
            s.limits.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        },
    )
    .await;
    let attacker = "203.0.113.66";
    for _ in 0..FIRST_BURST {
        assert_eq!(login_from(&app, attacker, "guess").await.status(), 401);
    }
    let refused = login_from(&app, attacker, PASSWORD).await;
    assert_eq!(refused.status(), 429, "the hammering address waits");
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-ins. Try again in 1 second."));

    let owner = login_from(&app, "198.51.100.7", PASSWORD).await;
    assert_eq!(owner.status(), 303, "the owner's address is not slowed");
    assert_eq!(owner.headers()["location"], "/");
    assert_eq!(login_from(&app, attacker, "guess").await.status(), 429);
}
