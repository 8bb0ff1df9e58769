//! Reminders and escalation (issue 19): at `remindAt` of a pause's timeout the approvers who may
//! vote and have not are reminded, at `escalateAt` the escalation group is told and the pause is
//! marked escalated; a pause that waits past its deadline is reminded again, at most hourly.
//! Driven by the manual clock and the reminder sweep: no test sleeps. What the messages say is
//! `reminder_messages.rs`'s.

use holdpoint::domain::users::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

pub const HOUR_MS: i64 = 3_600_000;

/// Runs the reminder sweep now; how many reminders and escalations it sent.
pub async fn remind(app: &TestApp) -> usize {
    holdpoint::jobs::remind_once(&app.app_state.services())
        .await
        .unwrap()
}

/// Sets the clock `ms` milliseconds after `start`.
pub fn at(app: &TestApp, start: i64, ms: i64) {
    app.clock.set(start + ms);
}

/// The recipients of the emails queued for `event`, sorted.
fn emailed(app: &TestApp, event: &str) -> Vec<String> {
    app.with_db(|c| {
        let mut stmt = c.prepare(
            "SELECT target FROM outbox WHERE channel = 'email' AND event = ?1 ORDER BY target",
        )?;
        let rows = stmt.query_map([event], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<String>, _>>()?)
    })
    .unwrap()
}

fn events_of(app: &TestApp, watch_id: &str) -> Vec<String> {
    app.audit_events(watch_id)
        .into_iter()
        .map(|e| e.0)
        .collect()
}

/// Records an approval by `user` on the pause, as a vote that does not decide it would be.
pub fn vote(app: &TestApp, watch_id: &str, user: i64) {
    let id = uuid::Uuid::parse_str(watch_id).unwrap();
    let now = app.now();
    app.with_db(|c| {
        c.execute(
            "INSERT INTO pause_responses (pause_id, responder_type, user_id, kind, reason, via,
                                          created_at)
             SELECT id, 'user', ?2, 'approve', 'looks fine', 'dashboard', ?3 FROM pauses
             WHERE watch_id = ?1",
            holdpoint::db::sql::params![&id.as_bytes()[..], user, now],
        )?;
        Ok(())
    })
    .unwrap();
}

fn escalated_at(app: &TestApp, watch_id: &str) -> Option<i64> {
    let id = uuid::Uuid::parse_str(watch_id).unwrap();
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT escalated_at FROM pauses WHERE watch_id = ?1",
            [&id.as_bytes()[..]],
            |r| r.get(0),
        )?)
    })
    .unwrap()
}

/// A group `finance` of ann and bob, with high-risk pauses routed to it; returns their ids.
pub fn finance_group(app: &TestApp) -> (i64, i64) {
    let ann = app.add_user(1, "ann@example.com", Role::Approver);
    let bob = app.add_user(1, "bob@example.com", Role::Approver);
    app.with_db(|c| {
        c.execute(
            "INSERT INTO approver_groups (workspace_id, name, created_at) VALUES (1, 'finance', 0)",
            [],
        )?;
        c.execute(
            "INSERT INTO approver_group_members (group_id, user_id)
             SELECT g.id, u.id FROM approver_groups g, users u
             WHERE g.name = 'finance' AND u.email IN ('ann@example.com', 'bob@example.com')",
            [],
        )?;
        c.execute(
            "UPDATE workspaces SET approval_settings = '{\"routeTo\": {\"high\": \"finance\"}}'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    (ann, bob)
}

#[tokio::test]
async fn the_reminder_and_the_escalation_fire_at_their_moments_and_not_a_millisecond_before() {
    let app = spawn_app().await;
    let start = app.now();
    let watch_id = app
        .create_watch_id(json!({ "action": "pay", "timeoutSeconds": 100 }))
        .await;
    at(&app, start, 49_999);
    assert_eq!(remind(&app).await, 0);
    at(&app, start, 50_000);
    assert_eq!(remind(&app).await, 1, "remindAt 0.5 of 100 s");
    assert_eq!(remind(&app).await, 0, "once");
    at(&app, start, 79_999);
    assert_eq!(remind(&app).await, 0);
    assert_eq!(escalated_at(&app, &watch_id), None);
    at(&app, start, 80_000);
    assert_eq!(remind(&app).await, 1, "escalateAt 0.8 of 100 s");
    assert_eq!(escalated_at(&app, &watch_id), Some(start + 80_000));
    at(&app, start, 10 * HOUR_MS);
    assert_eq!(remind(&app).await, 0, "an expiring pause is reminded once");
    assert_eq!(
        events_of(&app, &watch_id),
        ["pause.created", "pause.reminded", "pause.escalated"]
    );
    let pause: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(pause["status"], "expired");
    let page = app.sign_in(&app.owner_email).await;
    let page = page
        .get(&format!("/pauses/{watch_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Reminder sent to approvers who had not voted"),
        "{page}"
    );
    assert!(
        page.contains("Escalated to the owners and admins"),
        "{page}"
    );
}

#[tokio::test]
async fn the_settings_move_the_reminder_and_the_escalation() {
    let app = spawn_app().await;
    app.with_db(|c| {
        let s = r#"{"remindAt": 0.05, "escalateAt": 0.95}"#;
        c.execute("UPDATE workspaces SET approval_settings = ?1", [s])?;
        Ok(())
    })
    .unwrap();
    let start = app.now();
    let watch_id = app
        .create_watch_id(json!({ "action": "pay", "timeoutSeconds": 1000 }))
        .await;
    at(&app, start, 49_999);
    assert_eq!(remind(&app).await, 0);
    at(&app, start, 50_000);
    assert_eq!(remind(&app).await, 1);
    at(&app, start, 949_999);
    assert_eq!(remind(&app).await, 0);
    at(&app, start, 950_000);
    assert_eq!(remind(&app).await, 1);
    assert_eq!(escalated_at(&app, &watch_id), Some(start + 950_000));
}

#[tokio::test]
async fn only_the_approvers_who_have_not_voted_are_reminded() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let ann = app.add_user(1, "ann@example.com", Role::Approver);
    app.add_user(1, "bob@example.com", Role::Approver);
    let quiet = app.add_user(1, "quiet@example.com", Role::Approver);
    app.with_db(|c| {
        c.execute(
            "UPDATE users SET email_notifications = 0 WHERE id = ?1",
            [quiet],
        )?;
        Ok(())
    })
    .unwrap();
    let start = app.now();
    let body = json!({ "action": "pay", "timeoutSeconds": 100, "requiredApprovals": 2 });
    let watch_id = app.create_watch_id(body).await;
    vote(&app, &watch_id, ann);
    at(&app, start, 50_000);
    assert_eq!(remind(&app).await, 1);
    assert_eq!(
        emailed(&app, "pause.reminded"),
        ["bob@example.com", "owner@example.com"]
    );
}

#[tokio::test]
async fn a_routed_pause_reminds_only_its_groups_members_who_have_not_voted() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let (ann, _bob) = finance_group(&app);
    app.add_user(1, "carol@example.com", Role::Approver);
    let start = app.now();
    let body = json!({ "action": "pay", "risk": "high", "timeoutSeconds": 100,
                       "requiredApprovals": 2 });
    let watch_id = app.create_watch_id(body).await;
    let routed = "SELECT count(*) FROM pauses WHERE group_name = 'finance'";
    assert_eq!(app.count(routed), 1);
    vote(&app, &watch_id, ann);
    at(&app, start, 50_000);
    assert_eq!(remind(&app).await, 1);
    assert_eq!(emailed(&app, "pause.reminded"), ["bob@example.com"]);
}

#[tokio::test]
async fn the_escalation_tells_the_owners_and_admins_by_default_and_the_escalation_group_if_set() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "admin@example.com", Role::Admin);
    app.add_user(1, "carol@example.com", Role::Approver);
    let start = app.now();
    app.create_watch_id(json!({ "action": "a", "timeoutSeconds": 100 }))
        .await;
    at(&app, start, 80_000);
    assert_eq!(remind(&app).await, 2, "the reminder, then the escalation");
    assert_eq!(
        emailed(&app, "pause.escalated"),
        ["admin@example.com", "owner@example.com"]
    );
    finance_group(&app);
    app.with_db(|c| {
        let s = r#"{"escalateTo": "finance"}"#;
        c.execute("UPDATE workspaces SET approval_settings = ?1", [s])?;
        Ok(())
    })
    .unwrap();
    app.create_watch_id(json!({ "action": "b", "timeoutSeconds": 100 }))
        .await;
    at(&app, start, 160_000);
    assert_eq!(remind(&app).await, 2);
    let escalated = emailed(&app, "pause.escalated");
    assert_eq!(
        escalated,
        [
            "admin@example.com",
            "ann@example.com",
            "bob@example.com",
            "owner@example.com"
        ]
    );
}

#[tokio::test]
async fn a_decided_or_cancelled_pause_is_neither_reminded_nor_escalated() {
    let app = spawn_app().await;
    let start = app.now();
    let decided = app
        .create_watch_id(json!({ "action": "a", "timeoutSeconds": 100 }))
        .await;
    let cancelled = app
        .create_watch_id(json!({ "action": "c", "timeoutSeconds": 100 }))
        .await;
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&decided, true, None).await.status(), 200);
    assert_eq!(app.cancel_pause(&app.key, &cancelled).await.status(), 200);
    at(&app, start, 99_000);
    assert_eq!(remind(&app).await, 0);
    assert_eq!(
        events_of(&app, &decided),
        ["pause.created", "pause.approved"]
    );
    assert_eq!(
        events_of(&app, &cancelled),
        ["pause.created", "pause.cancelled"]
    );
    assert_eq!(escalated_at(&app, &decided), None);
    assert!(emailed(&app, "pause.reminded").is_empty());
}

#[tokio::test]
async fn a_pause_the_policy_decided_at_creation_arms_no_reminder() {
    let app = spawn_app().await;
    crate::policy::set_level(&app, 50, false).await;
    let pause = crate::policy::create(&app, json!({ "action": "read logs", "risk": "low" })).await;
    assert_eq!(pause["status"], "approved", "{pause}");
    let armed = "SELECT count(*) FROM pause_timers WHERE kind IN ('reminder', 'escalation')";
    assert_eq!(app.count(armed), 0);
}

#[tokio::test]
async fn a_waiting_pause_past_its_deadline_is_reminded_again_at_most_hourly() {
    let app = spawn_app().await;
    let start = app.now();
    let body = json!({ "action": "pay", "timeoutSeconds": 100, "onTimeout": "wait" });
    let watch_id = app.create_watch_id(body).await;
    at(&app, start, 50_000);
    assert_eq!(remind(&app).await, 1);
    at(&app, start, 80_000);
    assert_eq!(remind(&app).await, 1, "the escalation");
    // 0.5 × 100 s is less than an hour: the next reminder is an hour after the first.
    at(&app, start, 50_000 + HOUR_MS - 1);
    assert_eq!(remind(&app).await, 0);
    let pause: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(pause["status"], "pending", "a waiting pause stays pending");
    at(&app, start, 50_000 + HOUR_MS);
    assert_eq!(remind(&app).await, 1);
    assert_eq!(remind(&app).await, 0);
    at(&app, start, 50_000 + 2 * HOUR_MS - 1);
    assert_eq!(remind(&app).await, 0);
    at(&app, start, 50_000 + 2 * HOUR_MS);
    assert_eq!(remind(&app).await, 1);
    let reminded = "SELECT count(*) FROM audit_log WHERE event = 'pause.reminded'";
    assert_eq!(app.count(reminded), 3);
    let overdue = "SELECT count(*) FROM audit_log WHERE event = 'pause.reminded'
                   AND json_extract(details, '$.overdue') = 1";
    assert_eq!(app.count(overdue), 2, "the repeats are the overdue ones");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'pause.escalated'"),
        1
    );
    // Once it is no longer pending, the repeats stop. (Written directly: respond and cancel
    // learn overdue waiting pauses separately; a row left with its timer also tests that an
    // obsolete timer is dropped.)
    app.with_db(|c| Ok(c.execute("UPDATE pauses SET status = 'approved'", [])?))
        .unwrap();
    at(&app, start, 50_000 + 10 * HOUR_MS);
    assert_eq!(remind(&app).await, 0);
    let armed = "SELECT count(*) FROM pause_timers WHERE kind = 'reminder' AND fired_at IS NULL";
    assert_eq!(app.count(armed), 0, "the obsolete reminder was dropped");
}

#[tokio::test]
async fn a_test_pause_is_reminded_to_its_webhooks_only_and_emails_no_one() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    let start = app.now();
    let res = app
        .post_pause_with(
            &test_key,
            &json!({ "action": "pay", "timeoutSeconds": 100 }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let watch_id = res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    at(&app, start, 80_000);
    assert_eq!(remind(&app).await, 2);
    assert_eq!(
        events_of(&app, &watch_id),
        ["pause.created", "pause.reminded", "pause.escalated"]
    );
    assert!(emailed(&app, "pause.reminded").is_empty());
    assert!(emailed(&app, "pause.escalated").is_empty());
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE channel = 'email'"),
        0
    );
}
