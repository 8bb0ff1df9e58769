//! Step-up on the paths that cannot ask for a second factor (issue 21): a one-click email link
//! and a push button never decide a pause that needs it, a batch leaves it pending, a key still
//! decides unless `keysMayDecideCritical` is off; and with `stepUp` off nothing asks.

use holdpoint::db::WriteCtx;
use holdpoint::domain::ids::{UserId, WorkspaceId};
use holdpoint::domain::respond::{self, RespondError, Responder, Response};
use holdpoint::domain::scopes::KeyScope;
use holdpoint::domain::{decision_links, pauses};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::key_scopes::key_with;
use crate::push_support::{buttons, set_channels, set_topic, Ntfy};
use crate::queue_batch::batch;
use crate::step_up_support::{assert_step_up, code, create, decide_on_page, enrol_totp, settings};

fn owner_id(app: &TestApp) -> UserId {
    let id: i64 = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT id FROM users WHERE email = ?1",
                [&app.owner_email],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    UserId(id)
}

/// A one-click link to `id` for the owner, made as the email would carry it: its token.
fn link_for(app: &TestApp, id: &str) -> String {
    let (now, user) = (app.now(), owner_id(app));
    let watch = uuid::Uuid::parse_str(id).unwrap();
    app.with_db(|c| {
        let p = pauses::get(c, WorkspaceId(1), &watch)?.unwrap();
        Ok(decision_links::create(c, now, &p, user)?.token)
    })
    .unwrap()
}

#[tokio::test]
async fn a_one_click_link_never_decides_a_pause_that_needs_step_up_and_leads_to_its_page() {
    let app = spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let id = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;
    let token = link_for(&app, &id);
    let page = app
        .api
        .get(app.url(&format!("/d/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("This decision needs a second factor: open the pause."),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/pauses/{id}?step-up=1\"")));
    assert!(!html.contains("<form method=\"post\""));
    let posted = app
        .api
        .post(app.url(&format!("/d/{token}")))
        .form(&[("approved", "true"), ("csrf_token", "x")])
        .send()
        .await
        .unwrap();
    assert!(posted.text().await.unwrap().contains("open the pause"));
    assert_eq!(app.stored_status(&id), "pending");

    // `respond` itself refuses the link, whatever a page would do.
    let (now, user) = (app.now(), owner_id(&app));
    let watch = uuid::Uuid::parse_str(&id).unwrap();
    let refused = app
        .with_db(|c| {
            let link_id: i64 = c.query_row("SELECT id FROM decision_links", [], |r| r.get(0))?;
            let responder = Responder::EmailLink {
                user_id: user,
                link_id,
            };
            let r = Response::new(true, None);
            respond::respond(&mut WriteCtx::new(c), now, responder, &watch, r)
        })
        .unwrap();
    assert!(
        matches!(refused, Err(RespondError::StepUpRequired)),
        "{refused:?}"
    );
    assert_eq!(app.stored_status(&id), "pending");
}

#[tokio::test]
async fn a_batch_leaves_a_pause_that_needs_step_up_pending_and_decides_the_rest() {
    let app = spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let owner = app.sign_in(&app.owner_email).await;
    let critical = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;
    let low = create(&app, json!({"action": "tidy logs", "risk": "low"})).await;
    let (status, html) = batch(&owner, &[&critical, &low], "approve", "").await;
    assert_eq!(status, StatusCode::OK);
    let row = &html[html.find(&format!("/pauses/{critical}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Needs step-up"), "{row}");
    assert_eq!(app.stored_status(&critical), "pending");
    assert_eq!(app.stored_status(&low), "approved");

    // Even just after a step-up, a batch cannot ask for the factor per pause: still pending.
    enrol_totp(&app, &app.owner_email);
    let stepped = create(&app, json!({"action": "wire $2M", "risk": "critical"})).await;
    decide_on_page(&owner, &stepped, Some(&code(&app))).await;
    assert_eq!(
        app.stored_status(&stepped),
        "approved",
        "the factor is fresh"
    );
    let (_, html) = batch(&owner, &[&critical], "approve", "").await;
    assert!(html.contains("Needs step-up"), "{html}");
    assert_eq!(app.stored_status(&critical), "pending");
    let via = app.count("SELECT count(*) FROM pause_responses WHERE via = 'batch'");
    assert_eq!(via, 1, "the low-risk pause, decided by the batch");
}

#[tokio::test]
async fn a_key_decides_a_critical_pause_unless_keys_may_not_decide_critical() {
    let app = spawn_app().await;
    let shown = settings(&app, json!({"stepUp": true})).await;
    assert_eq!(
        (
            shown["stepUp"].as_bool(),
            shown["keysMayDecideCritical"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let (_, key) = key_with(&app, "backend", false, &[KeyScope::Decide]);
    let decide = |id: String| {
        let (api, url, key) = (
            app.api.clone(),
            app.url(&format!("/api/pause/{id}/approve")),
            key.clone(),
        );
        async move {
            api.post(url)
                .bearer_auth(key)
                .json(&json!({"approved": true}))
                .send()
                .await
                .unwrap()
        }
    };
    let first = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;
    assert_eq!(decide(first.clone()).await.status(), StatusCode::OK);
    let auth: Option<String> = app
        .with_db(|c| Ok(c.query_row("SELECT auth FROM pause_responses", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(
        auth, None,
        "a key's response has no person's authentication"
    );

    settings(&app, json!({"keysMayDecideCritical": false})).await;
    let second = create(&app, json!({"action": "wire $2M", "risk": "critical"})).await;
    let body = assert_problem(decide(second.clone()).await, 403).await;
    assert_eq!(
        body["type"], "/problems/key-may-not-decide-critical",
        "{body}"
    );
    assert_eq!(app.stored_status(&second), "pending");
    let third = create(&app, json!({"action": "restart", "risk": "high"})).await;
    assert_eq!(
        decide(third).await.status(),
        StatusCode::OK,
        "only pauses that need step-up"
    );
}

#[tokio::test]
async fn step_up_follows_required_two_factor_until_set_and_off_asks_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let first = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;
    assert_eq!(
        owner.decide(&first, true, None).await.status(),
        StatusCode::OK
    );

    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET require_two_factor = 1", [])?))
        .unwrap();
    let shown = settings(&app, json!({})).await;
    assert_eq!(shown["stepUp"], true, "{shown}");
    let second = create(&app, json!({"action": "wire $2M", "risk": "critical"})).await;
    assert_step_up(owner.decide(&second, true, None).await, &second).await;

    let shown = settings(&app, json!({"stepUp": false})).await;
    assert_eq!(shown["stepUp"], false);
    assert_eq!(
        owner.decide(&second, true, None).await.status(),
        StatusCode::OK
    );
    let audited = app.count(
        "SELECT count(*) FROM audit_log WHERE event = 'policy.settings_changed'
         AND json_extract(details, '$.after.stepUp') = 0
         AND json_extract(details, '$.before.stepUp') = 1",
    );
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn the_settings_page_saves_step_up_through_the_same_use_case() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let html = owner.get("/settings").await.text().await.unwrap();
    assert!(html.contains("action=\"/settings/step-up\""), "{html}");
    let res = owner
        .post_form("/settings/step-up", &[("step_up", "on")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let shown = settings(&app, json!({})).await;
    assert_eq!(
        (
            shown["stepUp"].as_bool(),
            shown["keysMayDecideCritical"].as_bool()
        ),
        (Some(true), Some(false))
    );
}

#[tokio::test]
async fn a_push_for_a_pause_that_needs_step_up_has_no_buttons_only_its_page() {
    let app = spawn_app().await;
    let ntfy = Ntfy::start().await;
    let body =
        json!({"ntfy": {"url": ntfy.url, "topic": "shared"}, "ntfyButtonsMaxRisk": "critical"});
    set_channels(&app, "/api/channels", body).await;
    set_topic(&app, &app.owner_email, "owner-phone");
    settings(&app, json!({"stepUp": true})).await;
    app.set_billing_plan(1, "pro");
    app.add_user(
        1,
        "ann@example.com",
        holdpoint::domain::users::Role::Approver,
    );
    create(&app, json!({"action": "tidy logs", "risk": "low"})).await;
    let pushes = ntfy.to_topic("owner-phone", 1).await;
    assert_eq!(
        buttons(&pushes[0]).len(),
        2,
        "a pause without step-up keeps its buttons"
    );
    let id = create(
        &app,
        json!({"action": "rotate keys", "risk": "low", "requiredApprovals": 2}),
    )
    .await;
    let pushes = ntfy.to_topic("owner-phone", 2).await;
    assert!(buttons(&pushes[1]).is_empty(), "{}", pushes[1]);
    assert_eq!(pushes[1]["click"], app.url(&format!("/pauses/{id}")));
    assert_eq!(app.count("SELECT count(*) FROM push_links"), 1);
}

#[tokio::test]
async fn a_push_button_sent_before_step_up_was_turned_on_no_longer_decides() {
    let app = spawn_app().await;
    let ntfy = Ntfy::start().await;
    let body =
        json!({"ntfy": {"url": ntfy.url, "topic": "shared"}, "ntfyButtonsMaxRisk": "critical"});
    set_channels(&app, "/api/channels", body).await;
    set_topic(&app, &app.owner_email, "owner-phone");
    let id = create(&app, json!({"action": "rotate keys", "risk": "high"})).await;
    let pushes = ntfy.to_topic("owner-phone", 1).await;
    let approve = buttons(&pushes[0])[0]["url"].as_str().unwrap().to_string();
    settings(&app, json!({"stepUp": true})).await;
    app.with_db(|c| Ok(c.execute("UPDATE pauses SET risk = 'critical'", [])?))
        .unwrap();
    let res = app.api.post(&approve).send().await.unwrap();
    assert_step_up(res, &id).await;
    assert_eq!(app.stored_status(&id), "pending");
}
