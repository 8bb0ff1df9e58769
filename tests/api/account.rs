//! The Account page: every signed-in user changes their own name and password.

use holdpoint::domain::users::Role;

use crate::helpers::{spawn_app, Browser, PASSWORD};

const NEW_PASSWORD: &str = "another good passphrase";

async fn change_password(
    browser: &Browser,
    current: &str,
    new: &str,
    confirm: &str,
) -> reqwest::Response {
    browser
        .post_form(
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", new),
                ("new_password_confirm", confirm),
            ],
        )
        .await
}

#[tokio::test]
async fn an_approver_has_an_account_page_too() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
    app.add_user(1, "approver@example.com", Role::Approver);
    let browser = app.sign_in("approver@example.com").await;
    let res = browser.get("/account").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("approver@example.com") && html.contains("name=\"current_password\""));
}

#[tokio::test]
async fn a_user_changes_their_name() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .post_form("/account/name", &[("name", "  Olive <Owner>  ")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get("location").unwrap(), "/account");
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Your name was changed."));
    assert!(
        page.contains("value=\"Olive &#60;Owner&#62;\"")
            || page.contains("value=\"Olive &lt;Owner&gt;\""),
        "{page}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE name = 'Olive <Owner>'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'user.name_changed'"),
        1
    );
}

#[tokio::test]
async fn an_empty_name_is_refused_with_a_message() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    browser.post_form("/account/name", &[("name", "   ")]).await;
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Please enter a name."), "{page}");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE name = 'Test User'"),
        1
    );
}

#[tokio::test]
async fn a_password_change_needs_the_correct_current_password() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = change_password(&browser, "not my password", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("Your current password is incorrect"),
        "{page}"
    );
    assert_eq!(
        Browser::new(&app.address)
            .login(&app.owner_email, PASSWORD)
            .await
            .status(),
        303
    );
    assert_eq!(
        Browser::new(&app.address)
            .login(&app.owner_email, NEW_PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'user.password_changed'"),
        0
    );
}

#[tokio::test]
async fn a_new_password_must_be_confirmed_and_long_enough() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    change_password(&browser, PASSWORD, NEW_PASSWORD, "different").await;
    assert!(browser
        .get("/account")
        .await
        .text()
        .await
        .unwrap()
        .contains("The two passwords do not match."));
    change_password(&browser, PASSWORD, "short", "short").await;
    assert!(browser
        .get("/account")
        .await
        .text()
        .await
        .unwrap()
        .contains("A password has 8 to 1024 characters."));
    assert_eq!(
        Browser::new(&app.address)
            .login(&app.owner_email, PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_password_change_ends_other_sessions_but_keeps_this_one() {
    let app = spawn_app().await;
    let other = app.sign_in(&app.owner_email).await;
    let this = app.sign_in(&app.owner_email).await;
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 2);
    let res = change_password(&this, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    let page = this.get("/account").await;
    assert_eq!(page.status(), 200, "this session stays signed in");
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("1 other session was signed out"));
    assert_eq!(
        other.get("/").await.status(),
        303,
        "the other session ended"
    );
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
    assert_eq!(
        Browser::new(&app.address)
            .login(&app.owner_email, PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        Browser::new(&app.address)
            .login(&app.owner_email, NEW_PASSWORD)
            .await
            .status(),
        303
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'user.password_changed'"),
        1
    );
}

#[tokio::test]
async fn an_account_post_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .client
        .post(browser.url("/account/name"))
        .form(&[("name", "Mallory")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE name = 'Mallory'"),
        0
    );
}

/// The `hp_session` value a response sets, if any.
fn session_set_by(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.strip_prefix("hp_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .find(|v| !v.is_empty())
}

async fn home_with_session(app: &crate::helpers::TestApp, token: &str) -> u16 {
    app.api
        .get(app.url("/"))
        .header("cookie", format!("hp_session={token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_password_change_replaces_the_session_token_with_a_new_one_that_works() {
    let app = spawn_app().await;
    let browser = Browser::new(&app.address);
    let signed_in = browser.login(&app.owner_email, PASSWORD).await;
    let old = session_set_by(&signed_in).expect("sign-in sets the session cookie");
    assert_eq!(home_with_session(&app, &old).await, 200);

    let res = change_password(&browser, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    let new = session_set_by(&res).expect("the change sets a new session cookie");
    assert_ne!(new, old);
    assert_eq!(
        home_with_session(&app, &old).await,
        303,
        "the old token is dead"
    );
    assert_eq!(
        home_with_session(&app, &new).await,
        200,
        "the new one works"
    );
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Your password was changed."), "{page}");
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
}
