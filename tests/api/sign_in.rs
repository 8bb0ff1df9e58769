use crate::helpers::{extract, spawn_app, Browser, PASSWORD};

#[tokio::test]
async fn the_login_page_has_email_password_and_a_csrf_token() {
    let app = spawn_app().await;
    let html = Browser::new(&app.address)
        .get("/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"email\""));
    assert!(html.contains("name=\"password\""));
    assert!(extract(&html, "name=\"csrf_token\" value=\"").is_some_and(|t| t.len() >= 32));
}

#[tokio::test]
async fn signing_in_starts_a_session_and_redirects_home() {
    let app = spawn_app().await;
    let browser = Browser::new(&app.address);
    let res = browser.login(&app.owner_email, PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get("location").unwrap(), "/");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("hp_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    let home = browser.get("/").await;
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("<meta name=\"csrf-token\""));
    assert!(html.contains("owner@example.com"));
    // Only a hash of the token is stored.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("hp_session=")
        .to_string();
    let stored = app.count(&format!(
        "SELECT count(*) FROM sessions WHERE token_hash = x'{}'",
        hex::encode(holdpoint::domain::secrets::sha256(token.as_bytes()))
    ));
    assert_eq!(stored, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'auth.signed_in'"),
        1
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = Browser::new(&app.address)
        .login(&app.owner_email, "wrong password")
        .await;
    let unknown = Browser::new(&app.address)
        .login("nobody@example.com", "wrong password")
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (a, b) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(a.contains("Email or password is incorrect."));
    assert!(b.contains("Email or password is incorrect."));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'auth.sign_in_failed'"),
        2
    );
}

#[tokio::test]
async fn the_signed_out_home_page_redirects_to_sign_in() {
    let app = spawn_app().await;
    let res = Browser::new(&app.address).get("/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get("location").unwrap(), "/login");
}

#[tokio::test]
async fn a_login_post_without_the_form_token_is_refused() {
    let app = spawn_app().await;
    let browser = Browser::new(&app.address);
    let res = browser
        .client
        .post(browser.url("/login"))
        .form(&[
            ("email", app.owner_email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
    let res = browser.post_form("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
    assert_eq!(browser.get("/").await.status(), 303);
}

#[tokio::test]
async fn signing_in_again_rotates_the_session() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let first_csrf = browser.csrf().await;
    let res = browser.login(&app.owner_email, PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions"),
        1,
        "the old session is gone"
    );
    assert_ne!(browser.csrf().await, first_csrf);
}

#[tokio::test]
async fn an_idle_session_expires_after_30_minutes() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    app.clock.advance_secs(29 * 60);
    assert_eq!(browser.get("/").await.status(), 200);
    app.clock.advance_secs(31 * 60);
    assert_eq!(browser.get("/").await.status(), 303);
}

#[tokio::test]
async fn activity_keeps_a_session_alive_past_the_idle_timeout() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    app.clock.advance_secs(20 * 60);
    assert_eq!(browser.get("/").await.status(), 200);
    // The activity is recorded by the writer in the background.
    let seen = app.now();
    for _ in 0..100 {
        if app.count(&format!(
            "SELECT count(*) FROM sessions WHERE last_seen_at = {seen}"
        )) == 1
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    app.clock.advance_secs(20 * 60);
    assert_eq!(
        browser.get("/").await.status(),
        200,
        "40 minutes after sign-in, 20 after the last request"
    );
}

#[tokio::test]
async fn a_session_ends_12_hours_after_sign_in_even_when_active() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    app.clock.advance_secs(12 * 3600);
    let now = app.now();
    app.with_db(|c| Ok(c.execute("UPDATE sessions SET last_seen_at = ?1", [now])?))
        .unwrap();
    assert_eq!(browser.get("/").await.status(), 303);
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_with_growing_delays() {
    let app = spawn_app().await;
    for _ in 0..4 {
        assert_eq!(
            Browser::new(&app.address)
                .login(&app.owner_email, "bad")
                .await
                .status(),
            401
        );
    }
    // Throttled now, even with the right password.
    let res = Browser::new(&app.address)
        .login(&app.owner_email, PASSWORD)
        .await;
    assert_eq!(res.status(), 429);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-ins"));
    // An unknown email is throttled the same way (no account enumeration through the throttle).
    for _ in 0..4 {
        Browser::new(&app.address)
            .login("ghost@example.com", "bad")
            .await;
    }
    assert_eq!(
        Browser::new(&app.address)
            .login("ghost@example.com", "bad")
            .await
            .status(),
        429
    );
    // The delay is short: the real user gets back in after it.
    app.clock.advance_secs(2);
    assert_eq!(
        Browser::new(&app.address)
            .login(&app.owner_email, PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn logout_without_csrf_is_refused() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .client
        .post(browser.url("/logout"))
        .form(&[("csrf_token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure_and_host_prefixed() {
    let dir = std::sync::Arc::new(tempfile::TempDir::new().unwrap());
    let app =
        crate::helpers::spawn_app_configured(dir, holdpoint::domain::clock::system_now(), |s| {
            s.public_url = Some("https://holdpoint.example.com".parse().unwrap());
        })
        .await;
    let created = app.create_pause("x").await;
    assert!(created["statusUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://holdpoint.example.com/api/pause/"));
    let browser = Browser::new(&app.address);
    let form = browser.get("/login").await;
    let login_cookie = form
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(login_cookie.starts_with("__Host-hp_login_csrf=") && login_cookie.contains("Secure"));
    let token = extract(&form.text().await.unwrap(), "name=\"csrf_token\" value=\"").unwrap();
    let res = browser
        .client
        .post(browser.url("/login"))
        .header("cookie", format!("__Host-hp_login_csrf={token}"))
        .form(&[
            ("email", app.owner_email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("__Host-hp_session="))
        .expect("a __Host- session cookie");
    assert!(
        session.contains("Secure") && session.contains("HttpOnly") && session.contains("Path=/")
    );
    assert!(!session.contains("Domain="));
}
