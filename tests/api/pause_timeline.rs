//! The pause page's timeline tells each response once, with the right words and the right
//! responder: every kind of response, by a person and by an API key, plus cancel and expiry.

use holdpoint::domain::scopes::KeyScope;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::key_scopes::key_with;
use crate::plans::{create_plan, PLAN_V1};
use crate::question_answer::{question_pause, valid};

/// Who responds: the signed-in owner (session + CSRF) or a key with the `decide` scope.
enum By {
    Person,
    Key,
}

struct Responder {
    browser: Browser,
    /// Without the browser's session cookie (a session wins over a key).
    api: reqwest::Client,
    key: String,
    by: By,
}

impl Responder {
    async fn new(app: &TestApp, by: By) -> Responder {
        let (_, key) = key_with(app, "ci-bot", false, &[KeyScope::Decide]);
        let browser = app.sign_in(&app.owner_email).await;
        Responder {
            browser,
            api: app.api.clone(),
            key,
            by,
        }
    }

    /// The words the timeline uses for this responder.
    fn name(&self) -> &'static str {
        match self.by {
            By::Person => "owner@example.com",
            By::Key => "key “ci-bot”",
        }
    }

    /// Posts `body` to `/api/pause/:id/{verb}` as this responder; expects a 200.
    async fn send(&self, watch_id: &str, verb: &str, body: Value) {
        let url = self.browser.url(&format!("/api/pause/{watch_id}/{verb}"));
        let req = match self.by {
            By::Person => {
                let csrf = self.browser.csrf().await;
                self.browser.client.post(url).header("x-csrf-token", csrf)
            }
            By::Key => self.api.post(url).bearer_auth(&self.key),
        };
        let res = req.json(&body).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
}

/// The pause page's timeline, one step per line, without the times.
async fn timeline(app: &TestApp, watch_id: &str) -> Vec<String> {
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser
        .get(&format!("/pauses/{watch_id}"))
        .await
        .text()
        .await
        .unwrap();
    let list = html
        .split("<ol class=\"timeline\">")
        .nth(1)
        .and_then(|rest| rest.split("</ol>").next())
        .expect("the page has a timeline");
    list.split("<li>")
        .skip(1)
        .map(|li| {
            let text = li.split("</time> ").nth(1).unwrap_or(li);
            text.trim().trim_end_matches("</li>").trim().to_string()
        })
        .collect()
}

/// The timeline reads: requested by the agent's key, then `decided` exactly once, nothing else
/// that decides.
async fn assert_told_once(app: &TestApp, watch_id: &str, decided: &str) {
    let steps = timeline(app, watch_id).await;
    let deciding: Vec<&String> = steps
        .iter()
        .filter(|s| {
            [
                "Approved by",
                "Rejected by",
                "Answered by",
                "Changes requested by",
            ]
            .iter()
            .any(|l| s.starts_with(l))
        })
        .collect();
    assert_eq!(deciding, [decided], "{steps:?}");
    assert_eq!(steps[0], "Requested by key “test key”", "{steps:?}");
}

async fn each_responder(check: impl AsyncFn(&TestApp, &Responder)) {
    for by in [By::Person, By::Key] {
        let app = spawn_app().await;
        let responder = Responder::new(&app, by).await;
        check(&app, &responder).await;
    }
}

#[tokio::test]
async fn an_approval_reads_approved_by_the_person_or_the_named_key() {
    each_responder(async |app, r| {
        let id = app.create_watch_id(json!({ "action": "Refund" })).await;
        r.send(&id, "approve", json!({ "approved": true })).await;
        assert_told_once(app, &id, &format!("Approved by {}", r.name())).await;
    })
    .await;
}

#[tokio::test]
async fn a_rejection_reads_rejected_by_the_person_or_the_named_key() {
    each_responder(async |app, r| {
        let id = app.create_watch_id(json!({ "action": "Refund" })).await;
        r.send(&id, "approve", json!({ "approved": false, "reason": "no" }))
            .await;
        assert_told_once(app, &id, &format!("Rejected by {}", r.name())).await;
    })
    .await;
}

#[tokio::test]
async fn an_answer_to_questions_reads_answered_by_the_person_or_the_named_key() {
    each_responder(async |app, r| {
        let id = question_pause(app).await;
        r.send(&id, "answer", json!({ "answers": valid() })).await;
        assert_told_once(app, &id, &format!("Answered by {}", r.name())).await;
    })
    .await;
}

#[tokio::test]
async fn an_approval_with_edits_reads_approved_by_the_person_or_the_named_key() {
    each_responder(async |app, r| {
        let id = app
            .create_watch_id(json!({
                "action": "Send email", "context": { "to": "ann@example.com" },
                "editable": ["to"]
            }))
            .await;
        let edits = json!({ "approved": true, "edits": { "to": "bo@example.com" } });
        r.send(&id, "approve", edits).await;
        assert_told_once(app, &id, &format!("Approved by {}", r.name())).await;
    })
    .await;
}

#[tokio::test]
async fn a_rejection_with_an_option_reads_rejected_by_the_person_or_the_named_key() {
    each_responder(async |app, r| {
        let options = json!([{ "name": "tone", "title": "Tone is off" }]);
        let id = app
            .create_watch_id(json!({ "action": "Send email", "rejectOptions": options }))
            .await;
        r.send(
            &id,
            "approve",
            json!({ "approved": false, "rejectOption": "tone" }),
        )
        .await;
        assert_told_once(app, &id, &format!("Rejected by {}", r.name())).await;
    })
    .await;
}

#[tokio::test]
async fn a_plan_sent_back_reads_changes_requested_once_and_never_rejected() {
    each_responder(async |app, r| {
        let created = create_plan(app, PLAN_V1, None).await;
        let id = created["watchId"].as_str().unwrap().to_string();
        r.send(
            &id,
            "approve",
            json!({ "approved": false, "reason": "smaller steps" }),
        )
        .await;
        assert_told_once(app, &id, &format!("Changes requested by {}", r.name())).await;
    })
    .await;
}

#[tokio::test]
async fn a_cancelled_pause_reads_cancelled_by_the_agents_key_and_nothing_decides() {
    let app = spawn_app().await;
    let id = app.create_watch_id(json!({ "action": "Refund" })).await;
    assert_eq!(app.cancel_pause(&app.key, &id).await.status(), 200);
    let steps = timeline(&app, &id).await;
    assert_eq!(
        steps,
        ["Requested by key “test key”", "Cancelled by key “test key”"]
    );
}

#[tokio::test]
async fn an_expired_pause_reads_expired_without_a_decision_once() {
    let app = spawn_app().await;
    let id = app
        .create_watch_id(json!({ "action": "Refund", "timeoutSeconds": 10 }))
        .await;
    app.clock.advance_secs(10);
    assert_eq!(app.sweep().await, 1);
    let steps = timeline(&app, &id).await;
    assert_eq!(
        steps,
        ["Requested by key “test key”", "Expired without a decision"]
    );
}
