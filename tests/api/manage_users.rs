//! The Users page: who may see it, adding users (password or sign-up link), roles, disabling,
//! the plan's approver limit, the last owner, and workspace isolation.

use holdpoint::domain::users::Role;
use reqwest::Response;

use crate::helpers::{extract, spawn_app, Browser, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "a fresh passphrase";

fn user_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM users WHERE email = '{email}'"))
}

fn role_of(app: &TestApp, id: i64) -> String {
    app.with_db(|c| Ok(c.query_row("SELECT role FROM users WHERE id = ?1", [id], |r| r.get(0))?))
        .unwrap()
}

fn is_disabled(app: &TestApp, id: i64) -> bool {
    app.count(&format!(
        "SELECT disabled_at IS NOT NULL FROM users WHERE id = {id}"
    )) == 1
}

/// Asserts a 303 to `to` and returns the page found there (with its flash).
async fn follow(browser: &Browser, res: Response, to: &str) -> String {
    assert_eq!(
        res.status(),
        303,
        "expected a redirect: {:?}",
        res.text().await
    );
    assert_eq!(res.headers().get("location").unwrap(), to);
    browser.get(to).await.text().await.unwrap()
}

async fn add_with_password(browser: &Browser, email: &str, role: &str) -> Response {
    browser
        .post_form(
            "/users",
            &[
                ("email", email),
                ("name", "New Person"),
                ("role", role),
                ("method", "password"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await
}

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

async fn sign_up(browser: &Browser, path: &str, name: &str, password: &str) -> Response {
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
async fn an_approver_gets_403_on_every_users_route_and_changes_nothing() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
    let other = app.add_user(1, "other@example.com", Role::Approver);
    app.add_user(1, "approver@example.com", Role::Approver);
    let browser = app.sign_in("approver@example.com").await;
    assert_eq!(browser.get("/users").await.status(), 403);
    let add = add_with_password(&browser, "sneaky@example.com", "owner").await;
    assert_eq!(add.status(), 403);
    for action in ["role", "disable", "enable", "invite"] {
        let res = browser
            .post_form(&format!("/users/{other}/{action}"), &[("role", "owner")])
            .await;
        assert_eq!(res.status(), 403, "POST /users/{other}/{action}");
    }
    assert_eq!(app.count("SELECT count(*) FROM users"), 3);
    assert_eq!(role_of(&app, other), "approver");
    assert!(!is_disabled(&app, other));
}

#[tokio::test]
async fn an_owner_adds_a_user_with_a_password_who_can_then_sign_in() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
    let owner = app.sign_in(&app.owner_email).await;
    let res = add_with_password(&owner, "new@example.com", "approver").await;
    let page = follow(&owner, res, "/users").await;
    assert!(page.contains("User added."), "{page}");
    assert!(page.contains("new@example.com") && page.contains("New Person"));
    let id = user_id(&app, "new@example.com");
    assert_eq!(
        app.audit_events(&id.to_string()),
        vec![("user.added".into(), "user".into())]
    );
    let res = Browser::new(&app.address)
        .login("new@example.com", NEW_PASSWORD)
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn the_plan_limit_refuses_an_extra_user_with_a_readable_message() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let res = add_with_password(&owner, "extra@example.com", "approver").await;
    let page = follow(&owner, res, "/users").await;
    assert!(
        page.contains("The free plan allows 1 approver; this workspace has reached it."),
        "{page}"
    );
    assert!(page.contains("role=\"alert\""));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'extra@example.com'"),
        0
    );
}

#[tokio::test]
async fn re_enabling_a_user_is_refused_when_the_plan_is_full() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
    let first = app.add_user(1, "first@example.com", Role::Approver);
    let owner = app.sign_in(&app.owner_email).await;
    owner
        .post_form(&format!("/users/{first}/disable"), &[])
        .await;
    assert!(is_disabled(&app, first));
    // The disabled user no longer counts, so two more fit the three-approver plan.
    app.add_user(1, "second@example.com", Role::Approver);
    app.add_user(1, "third@example.com", Role::Approver);
    let res = owner
        .post_form(&format!("/users/{first}/enable"), &[])
        .await;
    let page = follow(&owner, res, "/users").await;
    assert!(
        page.contains("The starter plan allows 3 approvers"),
        "{page}"
    );
    assert!(is_disabled(&app, first));
    app.set_plan(1, "pro");
    owner
        .post_form(&format!("/users/{first}/enable"), &[])
        .await;
    assert!(!is_disabled(&app, first));
}

#[tokio::test]
async fn an_invite_link_works_once_and_then_the_user_can_sign_in() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
    let owner = app.sign_in(&app.owner_email).await;
    let path = invite(&app, &owner, "invitee@example.com").await;
    let id = user_id(&app, "invitee@example.com");
    // Listed as invited, and unable to sign in before accepting.
    assert!(owner
        .get("/users")
        .await
        .text()
        .await
        .unwrap()
        .contains("Invited, not signed up yet"));
    assert_eq!(
        Browser::new(&app.address)
            .login("invitee@example.com", "")
            .await
            .status(),
        401
    );
    let token = path.trim_start_matches("/signup/");
    let stored = app.count(&format!(
        "SELECT count(*) FROM invites WHERE token_hash = x'{}'",
        hex::encode(holdpoint::domain::secrets::sha256(token.as_bytes()))
    ));
    assert_eq!(stored, 1, "only the token's hash is stored");

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
    let res = Browser::new(&app.address)
        .login("invitee@example.com", NEW_PASSWORD)
        .await;
    assert_eq!(res.status(), 303);
    let events: Vec<String> = app
        .audit_events(&id.to_string())
        .into_iter()
        .map(|e| e.0)
        .collect();
    let user_events: Vec<&str> = events
        .iter()
        .map(String::as_str)
        .filter(|e| e.starts_with("user."))
        .collect();
    assert_eq!(
        user_events,
        ["user.added", "user.invited", "user.invite_accepted"]
    );

    let again = Browser::new(&app.address).get(&path).await;
    assert_eq!(again.status(), 410);
    assert!(again.text().await.unwrap().contains("already used"));
}

#[tokio::test]
async fn an_expired_invite_link_explains_itself_and_cannot_sign_up() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
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
            "SELECT count(*) FROM users WHERE email = 'late@example.com' AND password_hash = ''"
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
async fn disabling_a_user_ends_their_session_at_once_and_keeps_them_out() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
    let id = app.add_user(1, "leaver@example.com", Role::Admin);
    let leaver = app.sign_in("leaver@example.com").await;
    assert_eq!(leaver.get("/").await.status(), 200);
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner.post_form(&format!("/users/{id}/disable"), &[]).await;
    let page = follow(&owner, res, "/users").await;
    assert!(page.contains("leaver@example.com is disabled"), "{page}");
    let next = leaver.get("/").await;
    assert_eq!(next.status(), 303);
    assert_eq!(next.headers().get("location").unwrap(), "/login");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM sessions WHERE user_id = {id}"
        )),
        0
    );
    assert_eq!(
        Browser::new(&app.address)
            .login("leaver@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert!(page.contains("⊘ Disabled"));
}

#[tokio::test]
async fn the_last_owner_cannot_be_disabled_or_demoted() {
    let app = spawn_app().await;
    let owner_id = user_id(&app, &app.owner_email);
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner
        .post_form(&format!("/users/{owner_id}/role"), &[("role", "admin")])
        .await;
    let page = follow(&owner, res, "/users").await;
    assert!(
        page.contains(
            "The user owner@example.com is the last owner of this workspace and cannot be demoted"
        ),
        "{page}"
    );
    let res = owner
        .post_form(&format!("/users/{owner_id}/disable"), &[])
        .await;
    let page = follow(&owner, res, "/users").await;
    assert!(page.contains("cannot be disabled"), "{page}");
    assert_eq!(role_of(&app, owner_id), "owner");
    assert!(!is_disabled(&app, owner_id));
    assert_eq!(
        owner.get("/users").await.status(),
        200,
        "still signed in and still a manager"
    );
}

#[tokio::test]
async fn an_admin_can_neither_make_an_owner_nor_change_one() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
    let owner_id = user_id(&app, &app.owner_email);
    let approver = app.add_user(1, "approver@example.com", Role::Approver);
    app.add_user(1, "admin@example.com", Role::Admin);
    let admin = app.sign_in("admin@example.com").await;
    let res = admin
        .post_form(&format!("/users/{approver}/role"), &[("role", "owner")])
        .await;
    assert!(follow(&admin, res, "/users")
        .await
        .contains("Only an owner can add, change or disable an owner."));
    admin
        .post_form(&format!("/users/{owner_id}/disable"), &[])
        .await;
    assert_eq!(role_of(&app, approver), "approver");
    assert!(!is_disabled(&app, owner_id));
    let res = admin
        .post_form(&format!("/users/{approver}/role"), &[("role", "admin")])
        .await;
    assert!(follow(&admin, res, "/users")
        .await
        .contains("approver@example.com is now admin."));
    assert_eq!(role_of(&app, approver), "admin");
    let events = app.audit_events(&approver.to_string());
    assert_eq!(events.last().unwrap().0, "user.role_changed");
}

#[tokio::test]
async fn a_manager_cannot_see_or_change_another_workspaces_users() {
    let app = spawn_app().await;
    let a_owner = user_id(&app, &app.owner_email);
    let ws_b = app.create_workspace("B", "free");
    app.add_user(ws_b, "boss@b.example.com", Role::Owner);
    let b = app.sign_in("boss@b.example.com").await;
    let page = b.get("/users").await.text().await.unwrap();
    assert!(page.contains("boss@b.example.com") && !page.contains(&app.owner_email));
    for (action, fields) in [
        ("disable", vec![]),
        ("role", vec![("role", "approver")]),
        ("invite", vec![]),
    ] {
        let res = b
            .post_form(&format!("/users/{a_owner}/{action}"), &fields)
            .await;
        assert_eq!(res.status(), 404, "{action}");
        assert!(
            res.text().await.unwrap().contains("<h1>"),
            "a page, not problem+json"
        );
    }
    assert_eq!(role_of(&app, a_owner), "owner");
    assert!(!is_disabled(&app, a_owner));
}

#[tokio::test]
async fn a_users_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
    let id = app.add_user(1, "target@example.com", Role::Approver);
    let owner = app.sign_in(&app.owner_email).await;
    let add = owner
        .client
        .post(owner.url("/users"))
        .form(&[
            ("email", "x@example.com"),
            ("role", "approver"),
            ("method", "invite"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(add.status(), 403);
    let disable = owner
        .client
        .post(owner.url(&format!("/users/{id}/disable")))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(disable.status(), 403);
    assert_eq!(app.count("SELECT count(*) FROM users"), 2);
    assert!(!is_disabled(&app, id));
}

#[tokio::test]
async fn a_password_mismatch_is_shown_and_nothing_is_written() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner
        .post_form(
            "/users",
            &[
                ("email", "typo@example.com"),
                ("role", "approver"),
                ("method", "password"),
                ("password", NEW_PASSWORD),
                ("password_confirm", "something else"),
            ],
        )
        .await;
    let page = follow(&owner, res, "/users").await;
    assert!(page.contains("The two passwords do not match."), "{page}");
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

#[tokio::test]
async fn a_new_sign_up_link_replaces_the_old_one() {
    let app = spawn_app().await;
    app.set_plan(1, "starter");
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
    app.set_plan(1, "starter");
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
            "SELECT count(*) FROM users WHERE email = 'forged@example.com' AND password_hash = ''"
        ),
        1
    );
}
