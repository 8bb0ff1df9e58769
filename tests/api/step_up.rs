//! Step-up for critical decisions (issue 21): with `stepUp` on, a pause whose risk is critical
//! or that takes two approvals or more is decided only by a person whose session used a second
//! factor within the last 5 minutes. The pause page asks for the code in place and decides in
//! the same request; the JSON API answers `403` `/problems/step-up-required`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{extract, Browser};
use crate::step_up_support::*;

/// The flash message the redirect after a form carries, as the next page shows it.
async fn flash_after(b: &Browser, res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    b.get(&to).await.text().await.unwrap()
}

#[tokio::test]
async fn a_critical_pause_is_refused_with_a_stale_factor_and_decided_with_a_code_on_its_page() {
    let app = crate::helpers::spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let owner = app.sign_in(&app.owner_email).await;
    enrol_totp(&app, &app.owner_email);
    let id = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;

    assert_step_up(owner.decide(&id, true, None).await, &id).await;
    let page = owner.get(&format!("/pauses/{id}?step-up=1")).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"step_up_code\""), "{html}");
    assert!(html.contains("needs a second factor used within the last 5 minutes"));

    let res = decide_on_page(&owner, &id, Some(&wrong(&code(&app)))).await;
    let shown = flash_after(&owner, res).await;
    assert!(shown.contains("that code is not right"), "{shown}");
    assert_eq!(app.stored_status(&id), "pending");
    assert_eq!(app.count("SELECT count(*) FROM factor_failures"), 1);

    let res = decide_on_page(&owner, &id, Some(&code(&app))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.stored_status(&id), "approved");
    assert_eq!(app.count("SELECT count(*) FROM factor_failures"), 0);
    let auth: String = app
        .with_db(|c| Ok(c.query_row("SELECT auth FROM pause_responses", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(auth, "password+totp");
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'pause.approved' AND subject = ?1",
                [&id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["auth"], "password+totp", "{details}");
}

#[tokio::test]
async fn a_step_up_counts_for_five_minutes_less_a_millisecond_and_is_asked_again_after() {
    let app = crate::helpers::spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let owner = app.sign_in(&app.owner_email).await;
    enrol_totp(&app, &app.owner_email);
    let critical = json!({"action": "drop prod", "risk": "critical"});
    let (first, second, third) = (
        create(&app, critical.clone()).await,
        create(&app, critical.clone()).await,
        create(&app, critical).await,
    );
    let stepped_at = app.now();
    decide_on_page(&owner, &first, Some(&code(&app))).await;
    assert_eq!(app.stored_status(&first), "approved");

    app.clock.set(stepped_at + 5 * 60 * 1000 - 1);
    let res = owner.decide(&second, true, None).await;
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
    assert_eq!(app.stored_status(&second), "approved");

    app.clock.set(stepped_at + 5 * 60 * 1000);
    assert_step_up(owner.decide(&third, true, None).await, &third).await;
    assert_eq!(app.stored_status(&third), "pending");
    let html = owner
        .get(&format!("/pauses/{third}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"step_up_code\""));
}

#[tokio::test]
async fn a_quorum_vote_asks_for_step_up_and_a_pause_without_either_does_not() {
    let app = crate::helpers::spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let owner = app.sign_in(&app.owner_email).await;
    app.set_billing_plan(1, "pro");
    app.add_user(
        1,
        "ann@example.com",
        holdpoint::domain::users::Role::Approver,
    );
    let quorum = create(
        &app,
        json!({"action": "rotate keys", "risk": "low", "requiredApprovals": 2}),
    )
    .await;
    assert_step_up(owner.decide(&quorum, true, None).await, &quorum).await;
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 0);
    let high = create(&app, json!({"action": "restart", "risk": "high"})).await;
    let res = owner.decide(&high, true, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let auth: String = app
        .with_db(|c| Ok(c.query_row("SELECT auth FROM pause_responses", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(auth, "password");
}

#[tokio::test]
async fn a_person_without_a_second_factor_is_told_to_set_one_up() {
    let app = crate::helpers::spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let owner = app.sign_in(&app.owner_email).await;
    let id = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;
    let html = owner
        .get(&format!("/pauses/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("name=\"step_up_code\""));
    assert!(html.contains("This decision needs a second factor; set one up on your"));
    assert_eq!(
        extract(&html, "set one up on your <a href=\"").as_deref(),
        Some("/account")
    );
    let res = decide_on_page(&owner, &id, None).await;
    let shown = flash_after(&owner, res).await;
    assert!(shown.contains("needs step-up"), "{shown}");
    assert_eq!(app.stored_status(&id), "pending");
}

#[tokio::test]
async fn an_sso_only_person_is_offered_a_fresh_provider_sign_in() {
    let app = crate::helpers::spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let owner = app.sign_in(&app.owner_email).await;
    let now = app.now();
    app.with_db(|c| {
        Ok(c.execute(
            "INSERT INTO user_identities (issuer, subject, user_id, created_at)
             SELECT 'https://idp.example', 'sub-1', id, ?1 FROM users WHERE email = ?2",
            holdpoint::db::sql::params![now, app.owner_email],
        )?)
    })
    .unwrap();
    let id = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;
    let html = owner
        .get(&format!("/pauses/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let href = format!("href=\"/auth/oidc/step-up?return=/pauses/{id}\"");
    assert!(html.contains(&href), "{html}");
    assert!(html.contains("Sign in with your identity provider again"));
    assert!(!html.contains("name=\"step_up_code\""));
}

#[tokio::test]
async fn five_wrong_codes_lock_the_step_up_with_a_readable_429() {
    let app = crate::helpers::spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let owner = app.sign_in(&app.owner_email).await;
    enrol_totp(&app, &app.owner_email);
    let id = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;
    for _ in 0..5 {
        let res = decide_on_page(&owner, &id, Some(&wrong(&code(&app)))).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = decide_on_page(&owner, &id, Some(&code(&app))).await;
    let shown = flash_after(&owner, res).await;
    assert!(
        shown.contains("too many wrong codes: try again in 15 minutes")
            || shown.contains("Too many wrong codes: try again in 15 minutes"),
        "{shown}"
    );
    assert_eq!(app.stored_status(&id), "pending");
}

#[tokio::test]
async fn a_recovery_code_steps_up_once() {
    let app = crate::helpers::spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let owner = app.sign_in(&app.owner_email).await;
    enrol_totp(&app, &app.owner_email);
    let now = app.now();
    let codes = app
        .with_db(|c| {
            let user = c.query_row(
                "SELECT id FROM users WHERE email = ?1",
                [&app.owner_email],
                |r| r.get(0),
            )?;
            holdpoint::domain::identity::recovery_codes::generate(
                c,
                now,
                holdpoint::domain::ids::UserId(user),
            )
        })
        .unwrap();
    let critical = json!({"action": "wire $1M", "risk": "critical"});
    let (first, second) = (
        create(&app, critical.clone()).await,
        create(&app, critical).await,
    );
    decide_on_page(&owner, &first, Some(&codes[0])).await;
    assert_eq!(app.stored_status(&first), "approved");
    let auth: String = app
        .with_db(|c| Ok(c.query_row("SELECT auth FROM pause_responses", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(auth, "password+recovery_code");
    app.clock.set(now + 5 * 60 * 1000);
    let res = decide_on_page(&owner, &second, Some(&codes[0])).await;
    assert!(flash_after(&owner, res).await.contains("already used"));
    assert_eq!(app.stored_status(&second), "pending");
}
