//! `POST /queue/batch`: the queue's batch decisions. Each selected pause is decided through the
//! one respond command (its own audit row), and the answer is a page with one row per pause.

use holdpoint::domain::users::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, Browser, TestApp};

pub async fn approvals(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            app.create_watch_id(json!({ "action": format!("Deploy {i}") }))
                .await,
        );
    }
    ids
}

/// Posts the batch form as the queue page does; the status and the page.
pub async fn batch(
    b: &Browser,
    ids: &[&str],
    decision: &str,
    reason: &str,
) -> (StatusCode, String) {
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|id| ("watch_id", *id)).collect();
    fields.push(("decision", decision));
    fields.push(("reason", reason));
    let res = b.post_html_form("/queue/batch", &fields).await;
    (res.status(), res.text().await.unwrap())
}

pub fn refs(ids: &[String]) -> Vec<&str> {
    ids.iter().map(String::as_str).collect()
}

/// The outcome cell of the row that links `id` (its text, tags removed).
fn row_of(html: &str, id: &str) -> String {
    let link = format!("href=\"/pauses/{id}\"");
    let at = html
        .find(&link)
        .unwrap_or_else(|| panic!("no row for {id}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = start + html[start..].find("</tr>").unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decisions(app: &TestApp, id: &str) -> Vec<String> {
    app.audit_events(id)
        .into_iter()
        .map(|(event, _)| event)
        .filter(|e| e != "pause.created")
        .collect()
}

#[tokio::test]
async fn three_pauses_are_approved_at_once_each_once_with_its_audit_row() {
    let app = spawn_app().await;
    let ids = approvals(&app, 3).await;
    let b = app.sign_in(&app.owner_email).await;
    let (status, html) = batch(&b, &refs(&ids), "approve", "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("3 approved."), "{html}");
    assert!(html.contains("href=\"/\">Back to the queue"), "{html}");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(app.stored_status(id), "approved");
        assert_eq!(decisions(&app, id), ["pause.approved"]);
        assert_eq!(row_of(&html, id), format!("Deploy {i} ✓ Approved"));
    }
    let via = app.count("SELECT count(*) FROM pause_responses WHERE via = 'batch'");
    assert_eq!(via, 3);
}

#[tokio::test]
async fn a_batch_rejects_with_the_reason_given() {
    let app = spawn_app().await;
    let ids = approvals(&app, 2).await;
    let b = app.sign_in(&app.owner_email).await;
    let (status, html) = batch(&b, &refs(&ids), "reject", "  not this week ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2 rejected."), "{html}");
    for id in &ids {
        let pause: serde_json::Value = app.get_pause(id).await.json().await.unwrap();
        assert_eq!(pause["status"], "rejected");
        assert_eq!(pause["reason"], "not this week");
        assert_eq!(pause["decidedBy"]["email"], "owner@example.com");
        assert_eq!(decisions(&app, id), ["pause.rejected"]);
    }
}

#[tokio::test]
async fn a_required_reason_left_out_refuses_those_rows_and_the_others_still_get_theirs() {
    let app = spawn_app().await;
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET reject_reason_required = 1", [])?))
        .unwrap();
    let ids = approvals(&app, 3).await;
    let b = app.sign_in(&app.owner_email).await;
    assert_eq!(b.decide(&ids[2], true, None).await.status(), StatusCode::OK);
    let (status, html) = batch(&b, &refs(&ids), "reject", " ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("1 already decided, 2 not allowed."), "{html}");
    for (i, id) in ids[..2].iter().enumerate() {
        assert_eq!(
            row_of(&html, id),
            format!("Deploy {i} ⊘ Not allowed A reason is required to reject this pause.")
        );
        assert_eq!(app.stored_status(id), "pending");
    }
    assert_eq!(app.stored_status(&ids[2]), "approved");
    let (_, html) = batch(&b, &refs(&ids), "reject", "too risky").await;
    assert!(html.contains("2 rejected, 1 already decided."), "{html}");
}

#[tokio::test]
async fn a_pause_decided_first_by_someone_else_says_by_whom_and_is_left_as_it_was() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let ids = approvals(&app, 2).await;
    let ann = app.sign_in("ann@example.com").await;
    assert_eq!(
        ann.decide(&ids[0], false, Some("no")).await.status(),
        StatusCode::OK
    );
    let owner = app.sign_in(&app.owner_email).await;
    let (_, html) = batch(&owner, &refs(&ids), "approve", "").await;
    assert!(html.contains("1 approved, 1 already decided."), "{html}");
    let row = row_of(&html, &ids[0]);
    assert!(
        row.starts_with("Deploy 0 • Already rejected by Test User"),
        "{row}"
    );
    assert!(row.contains("ann@example.com"), "{row}");
    assert_eq!(app.stored_status(&ids[0]), "rejected");
    assert_eq!(decisions(&app, &ids[0]), ["pause.rejected"]);
}

#[tokio::test]
async fn questions_and_plans_are_refused_in_their_rows_and_stay_pending() {
    let app = spawn_app().await;
    let question = app
        .create_watch_id(json!({ "action": "Which day?", "kind": "question",
            "questions": [{ "question": "Which day?", "options": [{ "label": "Mon" }, { "label": "Tue" }] }] }))
        .await;
    let plan = app
        .create_watch_id(json!({ "action": "Migrate", "kind": "plan", "plan": "# Plan" }))
        .await;
    let b = app.sign_in(&app.owner_email).await;
    for decision in ["approve", "reject"] {
        let (status, html) = batch(&b, &[&question, &plan], decision, "why not").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("2 not allowed."), "{html}");
        assert_eq!(
            row_of(&html, &question),
            "Which day? ⊘ Not allowed Questions are answered on their page."
        );
        assert_eq!(
            row_of(&html, &plan),
            "Migrate ⊘ Not allowed Plans are approved on their page."
        );
    }
    assert_eq!(app.stored_status(&question), "pending");
    assert_eq!(app.stored_status(&plan), "pending");
    assert!(decisions(&app, &plan).is_empty());
}

#[tokio::test]
async fn a_test_pause_is_not_found_from_a_live_session_and_is_left_alone() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    let res = app
        .post_pause_with(&test_key, &json!({ "action": "Sandbox deploy" }))
        .await;
    let test_id = res.json::<serde_json::Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let live = approvals(&app, 1).await.remove(0);
    let unknown = uuid::Uuid::now_v7().to_string();
    let b = app.sign_in(&app.owner_email).await;
    let (_, html) = batch(&b, &[&test_id, &live, &unknown], "approve", "").await;
    assert!(html.contains("1 approved, 2 not found."), "{html}");
    assert_eq!(row_of(&html, &test_id), format!("{test_id} ? Not found"));
    assert!(!html.contains("Sandbox deploy"), "{html}");
    assert_eq!(app.stored_status(&test_id), "pending");
    // In test mode it is the live pause's turn to be out of reach.
    b.post_form("/mode", &[("test", "on"), ("back", "/")]).await;
    let (_, html) = batch(&b, &[&test_id, &live], "reject", "").await;
    assert!(html.contains("1 rejected, 1 not found."), "{html}");
    assert_eq!(app.stored_status(&test_id), "rejected");
    assert_eq!(app.stored_status(&live), "approved");
}

#[tokio::test]
async fn a_pause_selected_twice_is_decided_once_in_one_row() {
    let app = spawn_app().await;
    let ids = approvals(&app, 2).await;
    let b = app.sign_in(&app.owner_email).await;
    let (_, html) = batch(&b, &[&ids[1], &ids[0], &ids[1]], "approve", "").await;
    assert!(html.contains("2 approved."), "{html}");
    assert_eq!(
        html.matches(&format!("href=\"/pauses/{}\"", ids[1]))
            .count(),
        1
    );
    let second = html.find(&ids[1]).unwrap();
    assert!(
        second < html.find(&ids[0]).unwrap(),
        "rows keep the order given"
    );
    assert_eq!(decisions(&app, &ids[1]), ["pause.approved"]);
}

#[tokio::test]
async fn an_approver_decides_a_batch_as_they_would_one_pause() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "approver@example.com", Role::Approver);
    let ids = approvals(&app, 2).await;
    let b = app.sign_in("approver@example.com").await;
    let (status, html) = batch(&b, &refs(&ids), "approve", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2 approved."), "{html}");
    for id in &ids {
        let pause: serde_json::Value = app.get_pause(id).await.json().await.unwrap();
        assert_eq!(pause["decidedBy"]["email"], "approver@example.com");
    }
}

#[tokio::test]
async fn expired_and_cancelled_pauses_say_so_and_are_left_as_they_were() {
    let app = spawn_app().await;
    let short = json!({ "action": "Quick one", "timeoutSeconds": 10 });
    let expired = app.create_watch_id(short).await;
    let question = app
        .create_watch_id(json!({ "action": "Which day?", "kind": "question", "timeoutSeconds": 10,
            "questions": [{ "question": "Which day?", "options": [{ "label": "Mon" }, { "label": "Tue" }] }] }))
        .await;
    let cancelled = approvals(&app, 1).await.remove(0);
    assert_eq!(
        app.cancel_pause(&app.key, &cancelled).await.status(),
        StatusCode::OK
    );
    let b = app.sign_in(&app.owner_email).await;
    app.clock.advance_secs(11);
    let (status, html) = batch(&b, &[&expired, &question, &cancelled], "approve", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("1 already decided, 2 expired."), "{html}");
    assert_eq!(row_of(&html, &expired), "Quick one ⌛ Expired");
    assert_eq!(row_of(&html, &question), "Which day? ⌛ Expired");
    assert!(row_of(&html, &cancelled).starts_with("Deploy 0 • Already cancelled"));
    assert_eq!(
        app.stored_status(&expired),
        "pending",
        "the sweep writes it, not the batch"
    );
    assert_eq!(app.stored_status(&cancelled), "cancelled");
}
