//! What the step-up tests share: the settings, TOTP set straight in the database with codes
//! computed at the test clock's now, the pause page's form, and the problem's shape.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{assert_problem, Browser, TestApp};
use crate::policy::admin_key;

/// A TOTP secret set straight in the database (enrolment is another part's pages).
pub const SECRET: &[u8] = b"step-up-secret-20byt";

/// PATCHes the policy settings with a live admin key; the settings as answered.
pub async fn settings(app: &TestApp, body: Value) -> Value {
    let res = app
        .api
        .request(Method::PATCH, app.url("/api/policy/settings"))
        .bearer_auth(admin_key(app, false))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Confirmed TOTP for `email`, as if enrolled.
pub fn enrol_totp(app: &TestApp, email: &str) {
    let now = app.now();
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE users SET totp_secret = ?1, totp_confirmed_at = ?2 WHERE email = ?3",
            holdpoint::db::sql::params![SECRET, now, email],
        )?)
    })
    .unwrap();
}

/// The authenticator's code at the test clock's now.
pub fn code(app: &TestApp) -> String {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(SECRET.to_vec())
        .with_account_name("test".to_string())
        .build()
        .unwrap()
        .generate((app.now() / 1000) as u64)
        .to_string()
}

/// A wrong code: the right one with its last digit changed.
pub fn wrong(code: &str) -> String {
    let last = code.chars().last().unwrap().to_digit(10).unwrap();
    format!("{}{}", &code[..5], (last + 1) % 10)
}

pub async fn create(app: &TestApp, body: Value) -> String {
    app.create_watch_id(body).await
}

/// The pause page's decision form, as a browser posts it (a code when given).
pub async fn decide_on_page(b: &Browser, id: &str, code: Option<&str>) -> reqwest::Response {
    let next = format!("/pauses/{id}");
    let mut fields = vec![("approved", "true"), ("next", next.as_str())];
    if let Some(c) = code {
        fields.push(("step_up_code", c));
    }
    b.post_html_form(&format!("/api/pause/{id}/approve"), &fields)
        .await
}

/// Asserts a `step-up-required` problem pointing at the pause's page.
pub async fn assert_step_up(res: reqwest::Response, id: &str) {
    let body = assert_problem(res, 403).await;
    assert_eq!(body["type"], "/problems/step-up-required", "{body}");
    assert_eq!(body["title"], "Step-up required");
    assert_eq!(
        body["stepUpUrl"],
        format!("/pauses/{id}?step-up=1"),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("5 minutes"));
}

#[tokio::test]
async fn both_step_up_problem_types_are_documented_at_their_address() {
    let app = crate::helpers::spawn_app().await;
    for (slug, words) in [
        ("step-up-required", "used within the last 5 minutes"),
        ("key-may-not-decide-critical", "keysMayDecideCritical"),
    ] {
        let res = app
            .api
            .get(app.url(&format!("/problems/{slug}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{slug}");
        assert!(res.text().await.unwrap().contains(words), "{slug}");
    }
}
