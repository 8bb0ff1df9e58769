//! What reminders and escalations say, and where (issue 19): webhooks `pause.reminded` and
//! `pause.escalated`, the emails (the group, the tally, who voted, escaped agent text; past the
//! deadline a link to the page instead of lapsed one-click links) and the Slack channel.

use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::mail_support::wait_for_files;
use crate::reminders::{at, finance_group, remind, vote, HOUR_MS};
use crate::settle::outbox_settled;
use crate::webhooks::Receiver;

#[tokio::test]
async fn the_reminder_and_the_escalation_reach_webhooks_as_pause_reminded_and_pause_escalated() {
    let app = spawn_app().await;
    let receiver = Receiver::start(vec![]).await;
    let start = app.now();
    let body = json!({ "action": "pay", "timeoutSeconds": 100, "callbackUrl": receiver.url });
    let watch_id = app.create_watch_id(body).await;
    at(&app, start, 80_000);
    assert_eq!(remind(&app).await, 2);
    outbox_settled(&app).await;
    let got = receiver.wait_for(2).await;
    let types: Vec<Value> = got
        .iter()
        .map(|d| serde_json::from_str::<Value>(&d.body).unwrap())
        .map(|b| {
            assert_eq!(b["data"]["watchId"], watch_id.as_str());
            assert_eq!(b["data"]["status"], "pending");
            b["type"].clone()
        })
        .collect();
    let mut types: Vec<String> = types.iter().map(|t| t.as_str().unwrap().into()).collect();
    types.sort();
    assert_eq!(
        types,
        ["pause.escalated", "pause.reminded"],
        "delivered in either order"
    );
}

#[tokio::test]
async fn the_reminder_email_shows_the_group_the_tally_and_who_voted_with_agent_text_escaped() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let (ann, _bob) = finance_group(&app);
    let start = app.now();
    let action = "Pay <b>now</b> \u{202E}gpj.exe";
    let body = json!({ "action": action, "risk": "high", "timeoutSeconds": 100,
                       "requiredApprovals": 2 });
    let watch_id = app.create_watch_id(body).await;
    vote(&app, &watch_id, ann);
    at(&app, start, 80_000);
    assert_eq!(remind(&app).await, 2);
    outbox_settled(&app).await;
    // The approval emails to ann and bob, bob's reminder, and the escalation to the owner.
    let mails = wait_for_files(&app.dir.path().join("mail"), 4).await;
    let subject = |m: &crate::mail_support::Mail| m.header("Subject");
    let reminder = mails
        .iter()
        .find(|m| subject(m).starts_with("Reminder:"))
        .expect("a reminder");
    assert_eq!(reminder.header("To"), "bob@example.com");
    assert_eq!(
        subject(reminder),
        "Reminder: Pay <b>now</b> [U+202E]gpj.exe"
    );
    for part in [&reminder.html, &reminder.text] {
        assert!(part.contains("finance"), "{part}");
        assert!(part.contains("1 of 2 approvals so far"), "{part}");
        assert!(part.contains("ann@example.com"), "{part}");
        assert!(part.contains(&format!("/pauses/{watch_id}")), "{part}");
        assert!(
            part.contains("[U+202E]") && !part.contains('\u{202E}'),
            "{part}"
        );
    }
    assert!(!reminder.html.contains("<b>now"), "{}", reminder.html);
    assert!(
        reminder.html.contains("&#60;b&#62;now"),
        "{}",
        reminder.html
    );
    let escalation = mails
        .iter()
        .find(|m| subject(m).starts_with("Escalated:"))
        .expect("an escalation");
    assert_eq!(escalation.header("To"), "owner@example.com");
    assert!(
        escalation.text.contains("escalated to you"),
        "{}",
        escalation.text
    );
}

#[tokio::test]
async fn the_workspaces_slack_channel_hears_of_the_reminder_and_the_escalation() {
    let app = spawn_app().await;
    let url = "http://127.0.0.1:9/slack";
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET slack_webhook_url = ?1", [url])?))
        .unwrap();
    let start = app.now();
    app.create_watch_id(json!({ "action": "pay", "timeoutSeconds": 100 }))
        .await;
    at(&app, start, 80_000);
    assert_eq!(remind(&app).await, 2);
    let slack = "SELECT group_concat(event, ' ') FROM
                 (SELECT event FROM outbox WHERE channel = 'slack' ORDER BY id)";
    let events: String = app
        .with_db(|c| Ok(c.query_row(slack, [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(events, "pause.created pause.reminded pause.escalated");
    let nudges = "SELECT payload FROM outbox WHERE channel = 'slack' AND event <> 'pause.created'
                  ORDER BY id";
    let payloads: Vec<String> = app
        .with_db(|c| {
            let mut stmt = c.prepare(nudges)?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert!(
        payloads[0].contains("Reminder: still waiting"),
        "{}",
        payloads[0]
    );
    assert!(
        payloads[1].contains("Escalated: still no decision"),
        "{}",
        payloads[1]
    );
    for payload in &payloads {
        assert!(
            payload.contains("\"Open…\"") && payload.contains("/pauses/"),
            "{payload}"
        );
    }
}

#[tokio::test]
async fn an_overdue_reminder_links_to_the_pause_page_instead_of_lapsed_one_click_links() {
    let app = spawn_app().await;
    let start = app.now();
    let body = json!({ "action": "pay", "timeoutSeconds": 100, "onTimeout": "wait" });
    let watch_id = app.create_watch_id(body).await;
    at(&app, start, 80_000);
    assert_eq!(remind(&app).await, 2);
    outbox_settled(&app).await; // emails are rendered when they are sent
                                // The first reminder went out late (at 80 s): the next is an hour after it.
    at(&app, start, 80_000 + HOUR_MS);
    assert_eq!(remind(&app).await, 1);
    outbox_settled(&app).await;
    let mails = wait_for_files(&app.dir.path().join("mail"), 4).await;
    let overdue: Vec<_> = mails
        .iter()
        .filter(|m| m.text.contains("past its deadline"))
        .collect();
    assert_eq!(overdue.len(), 1);
    let m = overdue[0];
    assert_eq!(m.header("Subject"), "Reminder: pay");
    assert!(m.text.contains("Was due"), "{}", m.text);
    assert!(
        m.html.contains(&format!("/pauses/{watch_id}")),
        "{}",
        m.html
    );
    assert!(
        !m.html.contains("/d/") && !m.text.contains("/d/"),
        "{}",
        m.html
    );
    let on_time = mails
        .iter()
        .find(|m| m.header("Subject") == "Reminder: pay" && !m.text.contains("past"))
        .expect("the first reminder");
    assert!(on_time.text.contains("/d/"), "{}", on_time.text);
}

#[tokio::test]
async fn a_reminder_queued_for_someone_who_then_votes_is_not_sent() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let bob = app.add_user(
        1,
        "bob@example.com",
        holdpoint::domain::users::Role::Approver,
    );
    let start = app.now();
    let body = json!({ "action": "pay", "timeoutSeconds": 100, "requiredApprovals": 2 });
    let watch_id = app.create_watch_id(body).await;
    outbox_settled(&app).await;
    at(&app, start, 50_000);
    assert_eq!(remind(&app).await, 1);
    outbox_settled(&app).await;
    vote(&app, &watch_id, bob);
    // The dispatcher may already have sent bob's reminder (it is woken by the sweep's commit):
    // put it back in the queue, as if its turn came only after the vote.
    app.with_db(|c| {
        c.execute(
            "DELETE FROM outbox_attempts WHERE outbox_id IN (SELECT id FROM outbox
             WHERE event = 'pause.reminded' AND target = 'bob@example.com')",
            [],
        )?;
        c.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = 0
             WHERE event = 'pause.reminded' AND target = 'bob@example.com'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    outbox_settled(&app).await;
    let outcome = "SELECT o.target || ' ' || a.outcome FROM outbox o
                   JOIN outbox_attempts a ON a.outbox_id = o.id
                   WHERE o.event = 'pause.reminded' AND o.channel = 'email' ORDER BY o.target";
    let outcomes: Vec<String> = app
        .with_db(|c| {
            let mut stmt = c.prepare(outcome)?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(
        outcomes,
        ["bob@example.com skipped", "owner@example.com delivered"]
    );
}
