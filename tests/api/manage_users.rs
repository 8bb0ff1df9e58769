//! The Users page: who may see it, adding users with a password, roles, disabling, the plan's
//! approver limit, the last owner, and workspace isolation. Sign-up links: `invites.rs`.

use holdpoint::domain::users::Role;
use reqwest::Response;

use crate::helpers::{spawn_app, Browser, TestApp, PASSWORD};

pub const NEW_PASSWORD: &str = "a fresh passphrase";

pub fn user_id(app: &TestApp, email: &str) -> i64 {
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
pub async fn follow(browser: &Browser, res: Response, to: &str) -> String {
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

#[tokio::test]
async fn an_approver_gets_403_on_every_users_route_and_changes_nothing() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
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
    app.set_billing_plan(1, "starter");
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
    assert!(
        page.contains("holdpoint workspace set-plan 1 pro"),
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
    app.set_billing_plan(1, "starter");
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
    app.set_billing_plan(1, "pro");
    owner
        .post_form(&format!("/users/{first}/enable"), &[])
        .await;
    assert!(!is_disabled(&app, first));
}

#[tokio::test]
async fn disabling_a_user_ends_their_session_at_once_and_keeps_them_out() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
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
    assert!(page.contains(r#"<span class="status status-disabled">disabled</span>"#));
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
    app.set_billing_plan(1, "starter");
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
    app.set_billing_plan(1, "starter");
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
    app.set_billing_plan(1, "starter");
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
