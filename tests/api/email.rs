//! Approval emails through the file transport (no SMTP configured): who gets one, what it says.

use holdpoint::domain::users::Role;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::mail_support::{list, wait_for_files};
use crate::settle::outbox_settled;

#[tokio::test]
async fn a_new_pause_emails_each_active_approver_once_with_escaped_agent_text() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let disabled = app.add_user(1, "dis@example.com", Role::Approver);
    let opted_out = app.add_user(1, "quiet@example.com", Role::Approver);
    app.with_db(|c| {
        c.execute(
            "UPDATE users SET disabled_at = 1, state = 'disabled' WHERE id = ?1",
            [disabled],
        )?;
        c.execute(
            "UPDATE users SET email_notifications = 0 WHERE id = ?1",
            [opted_out],
        )?;
        // Invited, never signed up: no password yet.
        c.execute(
            "INSERT INTO users (workspace_id, email, name, role, password_hash, state, created_at)
             VALUES (1, 'invited@example.com', '', 'approver', NULL, 'invited', 0)",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    let res = app
        .post_pause_with(
            &app.key,
            &json!({ "action": "Run <script>alert(1)</script>\nnow",
                     "context": { "note": "<img src=x onerror=alert(2)>" } }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let watch_id = res.json::<serde_json::Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    app.app_state.outbox_wake.notify_one();
    let dir = app.dir.path().join("mail");
    let mails = wait_for_files(&dir, 2).await;
    outbox_settled(&app).await;
    assert_eq!(list(&dir).len(), 2, "one email per active approver");
    let mut to: Vec<String> = mails.iter().map(|m| m.header("To")).collect();
    to.sort();
    assert_eq!(to, ["ann@example.com", "owner@example.com"]);
    for m in &mails {
        let subject = m.header("Subject");
        assert!(
            subject.contains("Run <script>alert(1)</script> now"),
            "{subject}"
        );
        assert!(
            !m.html.contains("<script>") && !m.html.contains("<img"),
            "{}",
            m.html
        );
        assert!(
            m.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{}",
            m.html
        );
        assert!(
            m.html.contains("&#60;img src=x onerror=alert(2)&#62;"),
            "{}",
            m.html
        );
        let (approve, reject) = m.buttons();
        // One token per email; the buttons differ in the intent they highlight.
        assert!(approve.ends_with("?intent=approve"), "{approve}");
        assert_eq!(reject, approve.replace("?intent=approve", "?intent=reject"));
        assert!(
            approve.starts_with(&format!("{}/d/", app.address)),
            "{approve}"
        );
        assert!(
            m.text.contains(&approve) && m.text.contains(&reject),
            "{}",
            m.text
        );
        assert!(m.text.contains(&format!("/pauses/{watch_id}")));
    }
    // One link per email, stored as a hash only: no raw token in the database.
    assert_eq!(app.count("SELECT count(*) FROM decision_links"), 2);
    let (approve, _) = mails[0].buttons();
    let token = crate::mail_support::token_of(&approve);
    let leaked = app.count(&format!(
        "SELECT count(*) FROM outbox WHERE payload LIKE '%{token}%' OR target LIKE '%{token}%'"
    ));
    assert_eq!(leaked, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE channel = 'email' AND state = 'delivered'"),
        2
    );
}

#[tokio::test]
async fn an_email_whose_request_was_decided_first_is_not_sent() {
    let app = spawn_app().await;
    let pause = app.create_pause("Stale by the time it is sent").await;
    let watch_id = pause["watchId"].as_str().unwrap();
    let dir = app.dir.path().join("mail");
    wait_for_files(&dir, 1).await;
    for _ in 0..200 {
        if app.count("SELECT count(*) FROM outbox WHERE state = 'delivered'") == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Decide and then put the email back in the queue as if its turn came only now.
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(owner.decide(watch_id, true, None).await.status(), 200);
    let before = list(&dir).len();
    app.with_db(|c| {
        c.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = 0 WHERE channel = 'email'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    app.app_state.outbox_wake.notify_one();
    for _ in 0..200 {
        if app.count("SELECT count(*) FROM outbox_attempts WHERE outcome = 'skipped'") == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let note: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT error FROM outbox_attempts WHERE outcome = 'skipped'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(note, "not sent: the request was already approved");
    assert_eq!(list(&dir).len(), before, "no email about a decided request");
}

#[tokio::test]
async fn users_turn_their_own_email_notifications_off_and_on() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let page = owner.get("/account").await.text().await.unwrap();
    assert!(page.contains("Turn email notifications off"));
    let res = owner
        .post_form("/account/notifications", &[("email", "off")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.count("SELECT email_notifications FROM users WHERE email = 'owner@example.com'"),
        0
    );
    let page = owner.get("/account").await.text().await.unwrap();
    assert!(page.contains("Turn email notifications on"));
    let audited =
        app.count("SELECT count(*) FROM audit_log WHERE event = 'user.notifications_changed'");
    assert_eq!(audited, 1);
    // Without the CSRF token nothing changes.
    let res = owner
        .client
        .post(owner.url("/account/notifications"))
        .form(&[("email", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.count("SELECT email_notifications FROM users WHERE email = 'owner@example.com'"),
        0
    );
    app.create_pause("Nobody wants email").await;
    app.app_state.outbox_wake.notify_one();
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE channel = 'email'"),
        0
    );
}
