use holdpoint::domain::users::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Browser};

#[tokio::test]
async fn a_signed_in_approver_approves_with_a_reason_and_the_agent_sees_it() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("Deploy").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser.decide(&watch_id, true, Some("ship it")).await;
    assert_eq!(res.status(), 200);
    let read: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(read["status"], "approved");
    assert_eq!(read["reason"], "ship it");
    assert_eq!(
        read["decidedBy"],
        json!({ "type": "user", "email": "owner@example.com", "name": "Test User" })
    );
    assert!(read["decidedAt"].as_str().unwrap().ends_with('Z'));
    let events = app.audit_events(&watch_id);
    assert_eq!(
        events[1],
        ("pause.approved".to_string(), "user".to_string())
    );
}

#[tokio::test]
async fn a_rejection_is_recorded_as_rejected() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("Drop table").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let body: Value = browser
        .decide(&watch_id, false, Some("too risky"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "rejected");
    assert_eq!(body["reason"], "too risky");
}

#[tokio::test]
async fn a_second_decision_gets_409_with_the_first_decision() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    app.set_billing_plan(1, "pro");
    app.add_user(1, "second@example.com", Role::Approver);
    let first = app.sign_in(&app.owner_email).await;
    let second = app.sign_in("second@example.com").await;
    assert_eq!(
        first.decide(&watch_id, true, Some("first")).await.status(),
        200
    );
    let problem = assert_problem(second.decide(&watch_id, false, Some("second")).await, 409).await;
    assert_eq!(problem["current"]["status"], "approved");
    assert_eq!(problem["current"]["reason"], "first");
    assert_eq!(
        app.get_pause(&watch_id)
            .await
            .json::<Value>()
            .await
            .unwrap()["status"],
        "approved"
    );
    let decisions = app
        .audit_events(&watch_id)
        .iter()
        .filter(|e| e.0 != "pause.created")
        .count();
    assert_eq!(decisions, 1);
}

#[tokio::test]
async fn concurrent_decisions_produce_exactly_one_winner() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let csrf = browser.csrf().await;
    let bodies: Vec<Value> = (0..10).map(|i| json!({ "approved": i % 2 == 0 })).collect();
    let attempts = bodies
        .iter()
        .map(|b| browser.decide_with_token(&watch_id, b, Some(&csrf)));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn the_approve_endpoint_refuses_keys_without_decide_and_anonymous_callers() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let url = app.url(&format!("/api/pause/{watch_id}/approve"));
    let with_key = app
        .api
        .post(&url)
        .bearer_auth(&app.key)
        .json(&json!({ "approved": true }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(with_key, 403).await;
    assert_eq!(problem["type"], "/problems/insufficient-scope");
    assert_eq!(
        problem["scope"], "decide",
        "the key is valid, its scope is the problem"
    );
    let anonymous = app
        .api
        .post(&url)
        .json(&json!({ "approved": true }))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401).await;
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn a_decision_without_the_right_csrf_token_is_403_and_changes_nothing() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    assert_problem(
        browser
            .decide_with_token(&watch_id, &json!({ "approved": true }), None)
            .await,
        403,
    )
    .await;
    assert_problem(
        browser
            .decide_with_token(&watch_id, &json!({ "approved": true }), Some("wrong"))
            .await,
        403,
    )
    .await;
    // Another session's token is wrong too.
    let other = app.sign_in(&app.owner_email).await;
    let other_token = other.csrf().await;
    assert_problem(
        browser
            .decide_with_token(&watch_id, &json!({ "approved": true }), Some(&other_token))
            .await,
        403,
    )
    .await;
    let form = browser
        .client
        .post(browser.url(&format!("/api/pause/{watch_id}/approve")))
        .form(&[("approved", "true")])
        .send()
        .await
        .unwrap();
    assert_problem(form, 403).await;
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn an_html_form_decision_redirects_back_to_the_queue() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("Form decision").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser.get("/").await.text().await.unwrap();
    assert!(page.contains("Form decision"));
    assert!(page.contains(&format!("/api/pause/{watch_id}/approve")));
    let res = browser
        .post_html_form(
            &format!("/api/pause/{watch_id}/approve"),
            &[("approved", "false"), ("reason", "no"), ("next", "/")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get("location").unwrap(), "/");
    let read: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(
        (read["status"].as_str(), read["reason"].as_str()),
        (Some("rejected"), Some("no"))
    );
    let after = browser.get("/").await.text().await.unwrap();
    assert!(after.contains("Rejected “Form decision”."), "{after}");
    assert!(
        !after.contains("/api/pause/"),
        "the decided pause left the queue"
    );
    // The message is shown once.
    let again = browser.get("/").await.text().await.unwrap();
    assert!(!again.contains("Rejected “Form decision”."));
}

#[tokio::test]
async fn an_open_redirect_through_next_is_not_possible() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .post_html_form(
            &format!("/api/pause/{watch_id}/approve"),
            &[("approved", "true"), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(res.headers().get("location").unwrap(), "/");
}

#[tokio::test]
async fn invalid_decisions_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let csrf = browser.csrf().await;
    let cases = [
        (json!({ "approved": "yes" }), 422, "approved"),
        (json!({}), 422, "approved"),
        (
            json!({ "approved": true, "reason": "r".repeat(2001) }),
            422,
            "reason",
        ),
        (json!({ "approved": true, "extra": 1 }), 422, "extra"),
    ];
    for (body, status, field) in cases {
        let problem = assert_problem(
            browser
                .decide_with_token(&watch_id, &body, Some(&csrf))
                .await,
            status,
        )
        .await;
        assert_eq!(problem["field"], field);
    }
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn a_workspace_can_require_a_reason_to_reject() {
    let app = spawn_app().await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE workspaces SET reject_reason_required = 1 WHERE id = 1",
            [],
        )?)
    })
    .unwrap();
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let problem = assert_problem(browser.decide(&watch_id, false, None).await, 422).await;
    assert_eq!(problem["field"], "reason");
    assert_eq!(
        browser
            .decide(&watch_id, false, Some("because"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_expired_pause_cannot_be_decided() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    app.clock.advance_secs(900);
    let problem = assert_problem(browser.decide(&watch_id, true, None).await, 409).await;
    assert_eq!(problem["current"]["status"], "expired");
}

#[tokio::test]
async fn a_disabled_users_session_is_refused() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let csrf = browser.csrf().await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE users SET disabled_at = 1, state = 'disabled' WHERE email = 'owner@example.com'",
            [],
        )?)
    })
    .unwrap();
    assert_problem(
        browser
            .decide_with_token(&watch_id, &json!({ "approved": true }), Some(&csrf))
            .await,
        401,
    )
    .await;
    assert_eq!(
        browser.get("/").await.headers().get("location").unwrap(),
        "/login"
    );
    // And they cannot sign in again.
    let again = Browser::new(&app.address);
    assert_eq!(
        again
            .login(&app.owner_email, crate::helpers::PASSWORD)
            .await
            .status(),
        401
    );
}
