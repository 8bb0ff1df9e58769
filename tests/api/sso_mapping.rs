//! Single sign-on with a real provider, continued: the groups claim mapped to roles and
//! approver groups at every sign-on (never demoting the last owner), the provider's `amr`
//! counting as a second factor, and step-up through a fresh provider sign-in.

use holdpoint::domain::users::Role;
use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp};
use crate::sso_provider::{
    app_with, at_provider, begin, claims, get, invite, latest_session, location, sign_on, Provider,
};

fn role(app: &TestApp, email: &str) -> String {
    app.with_db(|c| {
        Ok(
            c.query_row("SELECT role FROM users WHERE email = ?1", [email], |r| {
                r.get(0)
            })?,
        )
    })
    .unwrap()
}

fn groups_of(app: &TestApp, email: &str) -> Vec<String> {
    app.with_db(|c| {
        let mut stmt = c.prepare(
            "SELECT g.name FROM approver_group_members m JOIN approver_groups g ON g.id = m.group_id
             JOIN users u ON u.id = m.user_id WHERE u.email = ?1 ORDER BY g.name",
        )?;
        let names = stmt
            .query_map([email], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(names)
    })
    .unwrap()
}

fn add_group(app: &TestApp, name: &str) {
    let now = app.now();
    app.with_db(|c| {
        Ok(c.execute(
            "INSERT INTO approver_groups (workspace_id, name, created_at) VALUES (1, ?1, ?2)",
            holdpoint::db::sql::params![name, now],
        )?)
    })
    .unwrap();
}

#[tokio::test]
async fn the_groups_claim_sets_mapped_roles_and_groups_at_each_sign_on_and_leaves_the_rest() {
    let name = "the_groups_claim_sets_mapped_roles_and_groups_at_each_sign_on_and_leaves_the_rest";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let mut oidc = op.settings();
    oidc.scopes.push("groups".into());
    oidc.groups_claim = Some("groups".into());
    oidc.role_map = vec![
        ("hp-admins".into(), Role::Admin),
        ("hp-owners".into(), Role::Owner),
    ];
    oidc.group_map = vec![("payments".into(), "finance".into())];
    let app = app_with(oidc, |_| {}).await;
    add_group(&app, "finance");
    add_group(&app, "other");
    invite(&app, "kim@example.com");
    app.with_db(|c| {
        Ok(c.execute(
            "INSERT INTO approver_group_members (group_id, user_id) SELECT g.id, u.id
             FROM approver_groups g, users u WHERE g.name = 'other' AND u.email = 'kim@example.com'",
            [],
        )?)
    })
    .unwrap();

    let kim = claims(
        "kim-1",
        "kim@example.com",
        "groups=hp-admins,payments,unmapped",
    );
    assert_eq!(
        location(&sign_on(&Browser::new(&app.address), &kim).await).path(),
        "/"
    );
    assert_eq!(role(&app, "kim@example.com"), "admin");
    assert_eq!(groups_of(&app, "kim@example.com"), ["finance", "other"]);

    // Both mapped roles present: the highest wins.
    let both = claims("kim-1", "kim@example.com", "groups=hp-admins,hp-owners");
    sign_on(&Browser::new(&app.address), &both).await;
    assert_eq!(role(&app, "kim@example.com"), "owner");
    assert_eq!(groups_of(&app, "kim@example.com"), ["other"]);

    // No mapped role in the claim: the role stays; the mapped group follows the claim.
    let none = claims("kim-1", "kim@example.com", "groups=payments");
    sign_on(&Browser::new(&app.address), &none).await;
    assert_eq!(role(&app, "kim@example.com"), "owner");
    assert_eq!(groups_of(&app, "kim@example.com"), ["finance", "other"]);
}

#[tokio::test]
async fn a_mapping_that_would_demote_the_last_owner_is_not_applied_and_is_audited() {
    let name = "a_mapping_that_would_demote_the_last_owner_is_not_applied_and_is_audited";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let mut oidc = op.settings();
    oidc.scopes.push("groups".into());
    oidc.groups_claim = Some("groups".into());
    oidc.role_map = vec![("hp-admins".into(), Role::Admin)];
    let app = app_with(oidc, |_| {}).await;
    let owner = app.owner_email.clone();
    // The owner has a password account: the provider's verified email links it, audited.
    let res = sign_on(
        &Browser::new(&app.address),
        &claims("own-1", &owner, "groups=hp-admins"),
    )
    .await;
    assert_eq!(location(&res).path(), "/");
    assert_eq!(role(&app, &owner), "owner");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'auth.sso_mapping_skipped'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'auth.sso_linked'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'user.role_changed'"),
        0
    );
}

#[tokio::test]
async fn an_amr_naming_a_second_factor_counts_as_one_and_a_password_alone_does_not() {
    let name = "an_amr_naming_a_second_factor_counts_as_one_and_a_password_alone_does_not";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    invite(&app, "lee@example.com");
    // Lee has TOTP: a provider sign-in with only a password still asks for the code.
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE users SET totp_secret = x'00', totp_confirmed_at = 1 WHERE email = 'lee@example.com'",
            [],
        )?)
    })
    .unwrap();
    let browser = Browser::new(&app.address);
    let res = sign_on(&browser, &claims("lee-1", "lee@example.com", "amr=pwd")).await;
    assert_eq!(location(&res).path(), "/login/verify");
    let (method, factor, pending, _) = latest_session(&app, "lee@example.com");
    assert_eq!(
        (method.as_str(), factor, pending.as_deref()),
        ("sso", None, Some("second_factor"))
    );

    app.clock.advance_secs(1);
    let browser = Browser::new(&app.address);
    let res = sign_on(&browser, &claims("lee-1", "lee@example.com", "amr=pwd,mfa")).await;
    assert_eq!(location(&res).path(), "/");
    assert_eq!(browser.get("/").await.status(), StatusCode::OK);
    let (_, factor, pending, _) = latest_session(&app, "lee@example.com");
    assert_eq!((factor.as_deref(), pending), (Some("provider_mfa"), None));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE event = 'auth.signed_in'
             AND details ->> 'method' = 'sso+provider_mfa'"
        ),
        1
    );
}

#[tokio::test]
async fn step_up_asks_the_provider_again_and_records_a_fresh_factor_only_when_amr_has_one() {
    let name = "step_up_asks_the_provider_again_and_records_a_fresh_factor_only_when_amr_has_one";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    invite(&app, "max@example.com");
    let browser = Browser::new(&app.address);
    sign_on(&browser, &claims("max-1", "max@example.com", "amr=pwd")).await;
    app.clock.advance_secs(60);

    let up = "/auth/oidc/step-up?return=/pauses/abc";
    let authorize = begin(&browser, up).await;
    assert_eq!(
        authorize
            .query_pairs()
            .find(|(k, _)| k == "max_age")
            .unwrap()
            .1,
        "0"
    );
    assert_eq!(
        authorize
            .query_pairs()
            .find(|(k, _)| k == "prompt")
            .unwrap()
            .1,
        "login"
    );
    let callback = at_provider(
        &browser,
        authorize,
        &claims("max-1", "max@example.com", "amr=pwd"),
    )
    .await;
    let res = get(&browser, callback).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("did not report a second factor"));
    assert_eq!(latest_session(&app, "max@example.com").1, None);

    // Someone else at the provider cannot step up for Max.
    let authorize = begin(&browser, up).await;
    let other = claims("nia-1", "nia@example.com", "amr=pwd,mfa");
    let res = get(&browser, at_provider(&browser, authorize, &other).await).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(latest_session(&app, "max@example.com").1, None);

    let authorize = begin(&browser, up).await;
    let mfa = claims("max-1", "max@example.com", "amr=pwd,hwk");
    let res = get(&browser, at_provider(&browser, authorize, &mfa).await).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res).path(), "/pauses/abc");
    let factor_at: i64 = app
        .with_db(|c| Ok(c.query_row("SELECT factor_at FROM sessions", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(factor_at, app.now());
    assert_eq!(
        latest_session(&app, "max@example.com").1.as_deref(),
        Some("provider_mfa")
    );

    // Only a local path to come back to; and only for a signed-in person.
    for bad in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let res = browser
            .get(&format!("/auth/oidc/step-up?return={bad}"))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let res = Browser::new(&app.address).get(up).await;
    assert_eq!(location(&res).path(), "/login");
}
