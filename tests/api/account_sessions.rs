//! Session control (issue 21): the account page lists the person's active sessions with where
//! and how each signed in, signs one out or all but this one; owners end every session of a
//! user from the users page. A session is named by its id; only its own user may end it.

use holdpoint::domain::users::Role;

use crate::helpers::{spawn_app, Browser, TestApp, PASSWORD};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// A browser with this user agent, signed in as `email`.
async fn browser(app: &TestApp, email: &str, ua: &str) -> Browser {
    let b = Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .user_agent(ua)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        address: app.address.clone(),
    };
    assert_eq!(b.login(email, PASSWORD).await.status(), 303);
    b
}

fn session_ids(app: &TestApp, email: &str, ua: &str) -> Vec<String> {
    app.with_db(|c| {
        let mut stmt = c.prepare(
            "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE u.email = ?1 AND s.user_agent = ?2 ORDER BY s.created_at",
        )?;
        let ids = stmt
            .query_map([email, ua], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    })
    .unwrap()
}

/// Whether the browser is still signed in (a signed-out one is sent to `/login`).
async fn signed_in(b: &Browser) -> bool {
    let res = b.get("/account").await;
    match res.status().as_u16() {
        200 => true,
        303 => {
            assert_eq!(res.headers()["location"], "/login");
            false
        }
        other => panic!("unexpected {other}"),
    }
}

fn audited(app: &TestApp, event: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE event = '{event}'"
    ))
}

#[tokio::test]
async fn the_account_page_lists_both_sessions_and_signing_one_out_ends_it() {
    let app = spawn_app().await;
    let laptop = browser(&app, &app.owner_email, FIREFOX).await;
    let phone = browser(&app, &app.owner_email, IPHONE).await;
    let page = laptop.get("/account").await.text().await.unwrap();
    assert!(page.contains("Firefox 133 on Linux"), "{page}");
    assert!(page.contains("Safari 17 on iOS"), "{page}");
    assert_eq!(page.matches("<code>127.0.0.1</code>").count(), 2, "{page}");
    assert_eq!(page.matches("this browser").count(), 1);
    assert!(page.contains("Password"));
    assert!(page.contains("Sign out everywhere else"));

    let phone_id = &session_ids(&app, &app.owner_email, IPHONE)[0];
    assert!(page.contains(&format!("/account/sessions/{phone_id}/end")));
    let res = laptop
        .post_form(&format!("/account/sessions/{phone_id}/end"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let page = laptop.get("/account").await.text().await.unwrap();
    assert!(page.contains("That session was signed out."), "{page}");
    assert!(!page.contains("Safari 17 on iOS"));
    assert!(
        !signed_in(&phone).await,
        "the phone's cookie now gets /login"
    );
    assert!(signed_in(&laptop).await);
    assert_eq!(audited(&app, "auth.session_ended"), 1);
}

#[tokio::test]
async fn sign_out_everywhere_else_keeps_the_current_session_only() {
    let app = spawn_app().await;
    let laptop = browser(&app, &app.owner_email, FIREFOX).await;
    let phone = browser(&app, &app.owner_email, IPHONE).await;
    let tablet = browser(&app, &app.owner_email, "curl/8.5.0").await;
    let res = laptop.post_form("/account/sessions/end-others", &[]).await;
    assert_eq!(res.status(), 303);
    let page = laptop.get("/account").await.text().await.unwrap();
    assert!(page.contains("2 other sessions were signed out."), "{page}");
    assert!(
        !page.contains("Sign out everywhere else"),
        "nothing else to sign out"
    );
    assert!(signed_in(&laptop).await);
    assert!(!signed_in(&phone).await && !signed_in(&tablet).await);
    assert_eq!(audited(&app, "auth.sessions_ended"), 1);
}

#[tokio::test]
async fn another_users_session_id_or_a_made_up_one_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let ann = browser(&app, "ann@example.com", IPHONE).await;
    let owner = browser(&app, &app.owner_email, FIREFOX).await;
    let anns = &session_ids(&app, "ann@example.com", IPHONE)[0];
    for id in [
        anns.as_str(),
        "0123456789abcdef0123456789abcdef",
        "not-an-id",
    ] {
        let res = owner
            .post_form(&format!("/account/sessions/{id}/end"), &[])
            .await;
        assert_eq!(res.status(), 303, "{id}");
        let page = owner.get("/account").await.text().await.unwrap();
        assert!(
            page.contains("is not one of your active sessions"),
            "{id}: {page}"
        );
    }
    assert!(signed_in(&ann).await, "Ann's session is untouched");
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 2);
    assert_eq!(audited(&app, "auth.session_ended"), 0);
}

#[tokio::test]
async fn an_owner_ends_all_of_a_users_sessions_from_the_users_page_and_an_approver_cannot() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let ann_id = app.add_user(1, "ann@example.com", Role::Approver);
    let ann_laptop = browser(&app, "ann@example.com", FIREFOX).await;
    let ann_phone = browser(&app, "ann@example.com", IPHONE).await;
    let end = format!("/users/{ann_id}/sessions/end");

    // Ann is an approver: the users page and its buttons are not hers.
    let res = ann_laptop.post_form(&end, &[]).await;
    assert_eq!(res.status(), 403);
    assert!(signed_in(&ann_phone).await);

    let owner = browser(&app, &app.owner_email, FIREFOX).await;
    let users = owner.get("/users").await.text().await.unwrap();
    assert!(users.contains(&format!("action=\"{end}\"")), "{users}");
    assert_eq!(owner.post_form(&end, &[]).await.status(), 303);
    let users = owner.get("/users").await.text().await.unwrap();
    assert!(
        users.contains("2 sessions were ended: they must sign in again"),
        "{users}"
    );
    assert!(!signed_in(&ann_laptop).await && !signed_in(&ann_phone).await);
    assert!(signed_in(&owner).await);
    let subject = ann_id.to_string();
    let events = app.audit_events(&subject);
    assert!(
        events.contains(&("auth.sessions_ended".into(), "user".into())),
        "{events:?}"
    );
}

#[tokio::test]
async fn an_admin_manages_users_but_cannot_end_their_sessions() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "admin@example.com", Role::Admin);
    let ann_id = app.add_user(1, "ann@example.com", Role::Approver);
    let ann = browser(&app, "ann@example.com", IPHONE).await;
    let admin = browser(&app, "admin@example.com", FIREFOX).await;
    let users = admin.get("/users").await.text().await.unwrap();
    assert!(!users.contains("/sessions/end"), "no button for admins");
    let res = admin
        .post_form(&format!("/users/{ann_id}/sessions/end"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let users = admin.get("/users").await.text().await.unwrap();
    assert!(
        users.contains("Only an owner can end another user"),
        "{users}"
    );
    assert!(signed_in(&ann).await);
    assert_eq!(audited(&app, "auth.sessions_ended"), 0);
}

#[tokio::test]
async fn a_session_half_way_through_signing_in_is_not_listed_as_active() {
    let app = spawn_app().await;
    let laptop = browser(&app, &app.owner_email, FIREFOX).await;
    let _phone = browser(&app, &app.owner_email, IPHONE).await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE sessions SET pending = 'second_factor' WHERE user_agent = ?1",
            [IPHONE],
        )?)
    })
    .unwrap();
    let page = laptop.get("/account").await.text().await.unwrap();
    assert!(!page.contains("Safari 17 on iOS"), "{page}");
    assert!(!page.contains("Sign out everywhere else"));
}

#[tokio::test]
async fn housekeeping_purges_sign_in_flows_at_their_end_and_keeps_the_others() {
    use holdpoint::domain::identity::auth_flows::{self, FlowKind, FLOW_TTL_MS};
    let app = spawn_app().await;
    let now = app.now();
    app.with_db(|c| auth_flows::start(c, now, FlowKind::OidcSignIn, None, "{}"))
        .unwrap();
    app.with_db(|c| auth_flows::start(c, now + 1, FlowKind::OidcSignIn, None, "{}"))
        .unwrap();
    app.clock.set(now + FLOW_TTL_MS);
    app.housekeeping().await;
    assert_eq!(
        app.count("SELECT count(*) FROM auth_flows"),
        1,
        "the later one is left"
    );
    app.clock.set(now + 1 + FLOW_TTL_MS);
    app.housekeeping().await;
    assert_eq!(app.count("SELECT count(*) FROM auth_flows"), 0);
}
