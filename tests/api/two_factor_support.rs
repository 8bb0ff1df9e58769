//! What the two-factor tests share: codes computed here from the secret the enrolment page
//! shows (at the test app's manual clock), enrolment from the account page, and sign-in's
//! second step as a browser goes through it.

use reqwest::Response;

use crate::helpers::{extract, Browser, TestApp, PASSWORD};

/// The 6-digit code an authenticator app shows at `now_ms` for this base32 secret.
pub fn code_at(secret: &str, now_ms: i64) -> String {
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("a base32 secret"))
        .build()
        .expect("an RFC 6238 secret")
        .generate((now_ms / 1000) as u64)
        .to_string()
}

/// The current code.
pub fn code_now(app: &TestApp, secret: &str) -> String {
    code_at(secret, app.now())
}

/// The next 30-second step: a code is accepted once, so a new sign-in needs a new step.
pub fn next_step(app: &TestApp) {
    app.clock.advance_secs(30);
}

/// The text of the element `<… id="{id}">text</…>`.
pub fn text_of(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\">");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('<')? + start;
    Some(html[start..end].to_string())
}

/// The recovery codes of the page that shows them once.
pub fn recovery_codes(html: &str) -> Vec<String> {
    let list = &html[html.find("id=\"recovery-codes\"").expect("the codes list")..];
    list.split("<li><code>")
        .skip(1)
        .map(|s| s[..s.find("</code>").unwrap()].to_string())
        .collect()
}

/// Starts enrolment on the account page and returns the enrolment page's HTML.
pub async fn start_enrolment(browser: &Browser) -> String {
    let res = browser.post_form("/account/two-factor/start", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account/two-factor");
    let page = browser.get("/account/two-factor").await;
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// Enrols the signed-in browser's user: the secret and the ten recovery codes.
pub async fn enrol(app: &TestApp, browser: &Browser) -> (String, Vec<String>) {
    let html = start_enrolment(browser).await;
    let secret = text_of(&html, "totp-secret").expect("the secret as text");
    let res = browser
        .post_form(
            "/account/two-factor/confirm",
            &[("code", &code_now(app, &secret))],
        )
        .await;
    assert_eq!(res.status(), 200, "the recovery codes page");
    let codes = recovery_codes(&res.text().await.unwrap());
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// A new browser past the password: its session waits for the code.
pub async fn password_only(app: &TestApp, email: &str) -> Browser {
    let browser = Browser::new(&app.address);
    let res = browser.login(email, PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login/verify");
    browser
}

/// The pending session's CSRF token, from the form of `page`.
pub async fn step_token(browser: &Browser, page: &str) -> String {
    let html = browser.get(page).await.text().await.unwrap();
    extract(&html, "name=\"csrf_token\" value=\"").expect("the step's form")
}

/// Posts `code` to sign-in's second step.
pub async fn submit_code(browser: &Browser, code: &str) -> Response {
    let token = step_token(browser, "/login/verify").await;
    browser
        .client
        .post(browser.url("/login/verify"))
        .form(&[("code", code), ("csrf_token", &token)])
        .send()
        .await
        .unwrap()
}

/// The details of the newest audit row of `event`.
pub fn last_details(app: &TestApp, event: &str) -> serde_json::Value {
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = ?1 ORDER BY id DESC LIMIT 1",
                [event],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    serde_json::from_str(&details).unwrap()
}
