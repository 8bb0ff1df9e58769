//! Sign-up links: created on the Users page, shown once, used once, expiring after 72 hours.

use reqwest::Response;

use crate::helpers::{extract, spawn_app, Browser, TestApp};
use crate::manage_users::{follow, user_id, NEW_PASSWORD};

/// Invites `email` and returns the sign-up link's path (`/signup/<token>`).
async fn invite(app: &TestApp, browser: &Browser, email: &str) -> String {
    let res = browser
        .post_form(
            "/users",
            &[
                ("email", email),
                ("name", "Invited Person"),
                ("role", "approver"),
                ("method", "invite"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let link = extract(
        &html,
        "id=\"invite-link\" class=\"copy-source\" type=\"text\" readonly value=\"",
    )
    .expect("the page shows the link");
    let path = link
        .strip_prefix(&app.address)
        .expect("an absolute link to this server");
    assert!(
        path.starts_with("/signup/") && path.len() > "/signup/".len() + 40,
        "{path}"
    );
    path.to_string()
}

pub async fn sign_up(browser: &Browser, path: &str, name: &str, password: &str) -> Response {
    let html = browser.get(path).await.text().await.unwrap();
    let token = extract(&html, "name=\"csrf_token\" value=\"").expect("the form has a token");
    browser
        .client
        .post(browser.url(path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", name),
            ("password", password),
            ("password_confirm", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invited_user_counts_but_cannot_sign_in_before_using_the_link() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
    let owner = app.sign_in(&app.owner_email).await;
    let path = invite(&app, &owner, "invitee@example.com").await;
    let page = owner.get("/users").await.text().await.unwrap();
    assert!(page.contains("invited, not signed up yet"), "{page}");
    assert!(page.contains("2 of 3 approvers in use"), "{page}");
    // The dummy password is what an unknown account is checked against: it must not work here.
    for guess in ["", "holdpoint-dummy-password"] {
        let login = Browser::new(&app.address)
            .login("invitee@example.com", guess)
            .await;
        assert_eq!(login.status(), 401, "{guess:?}");
    }
    let token = path.trim_start_matches("/signup/");
    let stored = app.count(&format!(
        "SELECT count(*) FROM invites WHERE token_hash = x'{}'",
        hex::encode(holdpoint::domain::secrets::sha256(token.as_bytes()))
    ));
    assert_eq!(stored, 1, "only the token's hash is stored");
}

#[tokio::test]
async fn an_invite_link_works_once_and_then_the_user_can_sign_in() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
    let owner = app.sign_in(&app.owner_email).await;
    let path = invite(&app, &owner, "invitee@example.com").await;
    let invitee = Browser::new(&app.address);
    let form = invitee.get(&path).await.text().await.unwrap();
    assert!(form.contains("invitee@example.com") && form.contains("name=\"password_confirm\""));
    let res = sign_up(&invitee, &path, "Ivy Invitee", NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        invitee.get("/account").await.status(),
        200,
        "signed in after sign-up"
    );
    let login = Browser::new(&app.address)
        .login("invitee@example.com", NEW_PASSWORD)
        .await;
    assert_eq!(login.status(), 303);
    let id = user_id(&app, "invitee@example.com").to_string();
    let events: Vec<String> = app.audit_events(&id).into_iter().map(|e| e.0).collect();
    assert_eq!(
        events,
        [
            "user.added",
            "user.invited",
            "user.invite_accepted",
            "auth.signed_in",
            "auth.signed_in"
        ]
    );
    let again = Browser::new(&app.address).get(&path).await;
    assert_eq!(again.status(), 410);
    assert!(again.text().await.unwrap().contains("already used"));
}

#[tokio::test]
async fn an_expired_invite_link_explains_itself_and_cannot_sign_up() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
    let owner = app.sign_in(&app.owner_email).await;
    let path = invite(&app, &owner, "late@example.com").await;
    let invitee = Browser::new(&app.address);
    let html = invitee.get(&path).await.text().await.unwrap();
    let token = extract(&html, "name=\"csrf_token\" value=\"").unwrap();
    app.clock.advance_secs(73 * 3600);
    let page = invitee.get(&path).await;
    assert_eq!(page.status(), 410);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("This sign-up link has expired"));
    let res = invitee
        .client
        .post(invitee.url(&path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Late"),
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM users WHERE email = 'late@example.com' AND state = 'invited'"
        ),
        1
    );
    assert_eq!(
        Browser::new(&app.address)
            .login("late@example.com", NEW_PASSWORD)
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn an_unknown_sign_up_link_is_a_readable_404() {
    let app = spawn_app().await;
    let res = Browser::new(&app.address)
        .get("/signup/not-a-real-token")
        .await;
    assert_eq!(res.status(), 404);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("This sign-up link is not valid"));
}

#[tokio::test]
async fn a_new_sign_up_link_replaces_the_old_one() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
    let owner = app.sign_in(&app.owner_email).await;
    let old = invite(&app, &owner, "slow@example.com").await;
    let id = user_id(&app, "slow@example.com");
    let res = owner.post_form(&format!("/users/{id}/invite"), &[]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let new = extract(&html, &format!("value=\"{}", app.address)).expect("a new link");
    assert_ne!(new, old);
    assert_eq!(Browser::new(&app.address).get(&old).await.status(), 410);
    let res = sign_up(&Browser::new(&app.address), &new, "Slow", NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    let again = owner.post_form(&format!("/users/{id}/invite"), &[]).await;
    let page = follow(&owner, again, "/users").await;
    assert!(
        page.contains("The user slow@example.com has already signed up."),
        "{page}"
    );
}

#[tokio::test]
async fn a_sign_up_post_without_the_form_token_is_refused() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
    let owner = app.sign_in(&app.owner_email).await;
    let path = invite(&app, &owner, "forged@example.com").await;
    let res = Browser::new(&app.address)
        .client
        .post(app.url(&path))
        .form(&[
            ("csrf_token", "forged"),
            ("name", "Mallory"),
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM users WHERE email = 'forged@example.com' AND state = 'invited'"
        ),
        1
    );
}
