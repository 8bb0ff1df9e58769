//! The hourly digest of policy approvals at Full auto (issue 18): one email per owner and admin
//! at minute 0 of the next UTC hour, only when policy approved something live in that hour, at
//! most 100 rows and a count, with a link to History filtered by policy; once per hour.

use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::helpers::{spawn_app_in, TestApp};
use crate::mail_support::{list, wait_for_files, Mail};
use crate::policy::{add_rule, create, set_level};
use crate::settle::outbox_settled;
use holdpoint::domain::users::Role;

/// 2026-12-07T14:00:00Z.
const HOUR: i64 = 1_796_652_000_000;
const SUBJECT: &str = "Holdpoint: 3 actions approved by policy, 14:00–15:00 UTC";

/// A server at 14:10 UTC on the pro plan, with an admin and an approver besides the owner.
async fn app_at_level(level: i64) -> TestApp {
    let app = spawn_app_in(Arc::new(TempDir::new().unwrap()), HOUR + 600_000).await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "admin@example.com", Role::Admin);
    app.add_user(1, "approver@example.com", Role::Approver);
    set_level(&app, level, false).await;
    app
}

fn approval(action: &str, n: usize) -> Value {
    json!({"action": format!("{action} {n}"), "agent": "billing-bot", "tool": "send_email",
           "risk": "low"})
}

async fn approve_by_policy(app: &TestApp, action: &str, n: usize) {
    for i in 0..n {
        let p = create(app, approval(action, i)).await;
        assert_eq!(p["status"], "approved", "{p}");
    }
}

/// Moves the clock to `secs` past 15:00 and runs the digest; returns the emails queued.
async fn digest_at(app: &TestApp, secs: i64) -> usize {
    let now = app.now();
    app.clock
        .advance_secs((HOUR + 3_600_000 - now) / 1000 + secs);
    holdpoint::jobs::digest_once(&app.app_state.services())
        .await
        .unwrap()
}

async fn sent(app: &TestApp, n: usize) -> Vec<Mail> {
    let dir = app.dir.path().join("mail");
    if n > 0 {
        wait_for_files(&dir, n).await;
    }
    outbox_settled(app).await;
    let files = list(&dir);
    assert_eq!(files.len(), n, "emails sent");
    wait_for_files(&dir, n).await
}

fn digests(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM outbox WHERE event = 'policy.digest'")
}

/// The Subject header with its RFC 2047 encoded words decoded.
fn subject(m: &Mail) -> String {
    let raw = m.header("Subject");
    raw.split_whitespace()
        .map(|w| {
            match w
                .strip_prefix("=?utf-8?b?")
                .or(w.strip_prefix("=?UTF-8?B?"))
            {
                Some(b64) => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(b64.trim_end_matches("?="))
                        .unwrap();
                    String::from_utf8(bytes).unwrap()
                }
                None => format!(" {w} "),
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn at_full_auto_each_owner_and_admin_gets_one_digest_of_the_hour_with_a_history_link() {
    let app = app_at_level(80).await;
    app.add_user(1, "quiet@example.com", Role::Admin);
    app.with_db(|c| {
        let sql = "UPDATE users SET email_notifications = 0 WHERE email = 'quiet@example.com'";
        Ok(c.execute(sql, [])?)
    })
    .unwrap();
    approve_by_policy(&app, "Refund order", 3).await;
    let question = json!({"action": "Ask a person", "kind": "question",
                          "questions": [{"question": "Which one?", "options": [{"label": "a"}]}]});
    assert_eq!(app.post_pause_with(&app.key, &question).await.status(), 201);
    outbox_settled(&app).await;
    let asked = list(&app.dir.path().join("mail")).len();
    assert_eq!(digest_at(&app, 30).await, 2);
    let mails = sent(&app, asked + 2).await;
    let mails: Vec<Mail> = mails
        .into_iter()
        .filter(|m| subject(m).starts_with("Holdpoint:"))
        .collect();
    assert_eq!(mails.len(), 2);
    let mut to: Vec<String> = mails.iter().map(|m| m.header("To")).collect();
    to.sort();
    assert_eq!(to, ["admin@example.com", "owner@example.com"]);
    let link = app.url("/history?decided=policy&from=2026-12-07&to=2026-12-08");
    for m in &mails {
        assert_eq!(subject(m), SUBJECT);
        for i in 0..3 {
            assert!(m.text.contains(&format!("Refund order {i}")), "{}", m.text);
            assert!(m.html.contains(&format!("Refund order {i}")));
        }
        assert!(m.text.contains("14:10:00 | billing-bot"), "{}", m.text);
        assert!(m.text.contains("send_email | low | autonomy:full_auto"));
        assert!(m.text.contains(&link));
        assert!(m
            .html
            .contains(&format!("href=\"{}\"", link.replace('&', "&#38;"))));
        assert!(!m.text.contains("more"));
    }
    let owner = app.sign_in(&app.owner_email).await;
    let history = owner.get(link.trim_start_matches(&app.address)).await;
    let page = history.text().await.unwrap();
    assert!(
        (0..3).all(|i| page.contains(&format!("Refund order {i}"))),
        "{page}"
    );
}

#[tokio::test]
async fn a_second_tick_in_the_same_hour_and_an_empty_hour_send_nothing_more() {
    let app = app_at_level(80).await;
    approve_by_policy(&app, "Refund order", 3).await;
    assert_eq!(digest_at(&app, 0).await, 2);
    assert_eq!(digest_at(&app, 1800).await, 0, "a second tick at 15:30");
    sent(&app, 2).await;
    app.clock.advance_secs(3600);
    assert_eq!(
        holdpoint::jobs::digest_once(&app.app_state.services())
            .await
            .unwrap(),
        0,
        "nothing was approved between 15:00 and 16:00"
    );
    assert_eq!(digests(&app), 2);
}

#[tokio::test]
async fn an_hour_without_policy_approvals_sends_no_digest() {
    let app = app_at_level(80).await;
    let question = json!({"action": "Which customer?", "kind": "question",
                          "questions": [{"question": "Which one?", "options": [{"label": "a"}]}]});
    let res = app.post_pause_with(&app.key, &question).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    assert_eq!(digest_at(&app, 30).await, 0);
    assert_eq!(digests(&app), 0);
}

#[tokio::test]
async fn below_full_auto_policy_approvals_send_no_digest() {
    let app = app_at_level(79).await;
    approve_by_policy(&app, "Refund order", 2).await;
    assert_eq!(digest_at(&app, 30).await, 0);
    assert_eq!(digests(&app), 0);
}

#[tokio::test]
async fn a_digest_lists_one_hundred_rows_and_counts_the_rest() {
    let app = app_at_level(80).await;
    approve_by_policy(&app, "Row", 100).await;
    app.with_db(|c| Ok(c.execute("DELETE FROM users WHERE role = 'admin'", [])?))
        .unwrap();
    assert_eq!(digest_at(&app, 0).await, 1);
    let m = &sent(&app, 1).await[0];
    assert_eq!(m.text.matches("| billing-bot |").count(), 100);
    assert!(!m.text.contains("more"), "{}", m.text);
    assert_eq!(m.html.matches("<tr").count(), 101, "a header and 100 rows");

    let app = app_at_level(80).await;
    approve_by_policy(&app, "Row", 101).await;
    app.with_db(|c| Ok(c.execute("DELETE FROM users WHERE role = 'admin'", [])?))
        .unwrap();
    assert_eq!(digest_at(&app, 0).await, 1);
    let m = &sent(&app, 1).await[0];
    assert!(subject(m).starts_with("Holdpoint: 101 actions approved by policy"));
    assert_eq!(m.text.matches("| billing-bot |").count(), 100);
    assert!(m.text.contains("Row 99 |") && !m.text.contains("Row 100 |"));
    assert!(m.text.contains("and 1 more"));
    assert!(m.html.contains("and 1 more"));
}

#[tokio::test]
async fn test_mode_pauses_are_not_in_the_digest() {
    let app = app_at_level(80).await;
    let test_key = app.create_key(1, true);
    let res = app
        .post_pause_with(&test_key, &approval("Sandbox refund", 0))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        digest_at(&app, 0).await,
        0,
        "only a test pause was approved"
    );

    let app = app_at_level(80).await;
    approve_by_policy(&app, "Live refund", 1).await;
    let res = app
        .post_pause_with(&app.create_key(1, true), &approval("Sandbox refund", 0))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(digest_at(&app, 0).await, 2);
    for m in sent(&app, 2).await {
        assert_eq!(
            subject(&m),
            "Holdpoint: 1 action approved by policy, 14:00–15:00 UTC"
        );
        assert!(m.text.contains("Live refund 0"));
        assert!(!m.text.contains("Sandbox") && !m.html.contains("Sandbox"));
    }
}

#[tokio::test]
async fn agent_text_and_rule_names_are_escaped_and_bidi_controls_marked() {
    let app = app_at_level(80).await;
    add_rule(
        &app,
        json!({"name": "<i>mail</i>", "effect": "allow", "match": {"tool": "send_*"}}),
    )
    .await;
    let body = json!({"action": "<b>Pay</b> \u{202E}evil", "agent": "billing-bot",
                      "tool": "send_email", "risk": "low"});
    assert_eq!(create(&app, body).await["status"], "approved");
    assert_eq!(digest_at(&app, 0).await, 2);
    let m = &sent(&app, 2).await[0];
    assert!(
        m.html.contains("&#60;b&#62;Pay&#60;/b&#62; [U+202E]evil"),
        "{}",
        m.html
    );
    assert!(m.html.contains("&#60;i&#62;mail&#60;/i&#62;"));
    assert!(!m.html.contains("<b>Pay") && !m.html.contains("<i>mail"));
    assert!(m.text.contains("<b>Pay</b> [U+202E]evil"), "{}", m.text);
    assert!(!m.text.contains('\u{202E}') && !m.html.contains('\u{202E}'));
}

#[tokio::test]
async fn a_restart_in_the_same_hour_does_not_send_the_digest_again() {
    let app = app_at_level(80).await;
    approve_by_policy(&app, "Refund order", 1).await;
    assert_eq!(digest_at(&app, 0).await, 2);
    let (dir, now) = (app.dir.clone(), app.now());
    app.handle.stop(true).await;
    let again = spawn_app_in(dir, now + 60_000).await;
    let services = again.app_state.services();
    assert_eq!(holdpoint::jobs::digest_once(&services).await.unwrap(), 0);
    assert_eq!(digests(&again), 2);
}

#[tokio::test]
async fn after_a_downtime_of_hours_only_the_last_full_hour_is_sent() {
    let app = app_at_level(80).await;
    approve_by_policy(&app, "Early refund", 1).await;
    app.clock.advance_secs(3600);
    approve_by_policy(&app, "Late refund", 1).await;
    assert_eq!(digest_at(&app, 3600).await, 2, "at 16:00, for 15:00–16:00");
    for m in sent(&app, 2).await {
        assert_eq!(
            subject(&m),
            "Holdpoint: 1 action approved by policy, 15:00–16:00 UTC"
        );
        assert!(m.text.contains("Late refund 0") && !m.text.contains("Early"));
    }
}
