//! A person's own ntfy topic (issue 20): its pushes carry Approve and Reject buttons (`http`
//! actions to `POST /n/:token`) that decide once, as that person, through the one `respond`;
//! they lapse at the earlier of the pause's deadline and an hour; a quorum counts a press as one
//! vote; questions, plans and risks at or above `ntfyButtonsMaxRisk` get no buttons.

use serde_json::{json, Value};

use crate::console_votes::create;
use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::plans::PLAN_V1;
use crate::push_support::{buttons, set_channels, set_topic, Ntfy};
use holdpoint::domain::users::Role;

/// A workspace ntfy server (topic `shared`) and the owner's own topic `owner-phone`.
async fn with_push(app: &TestApp, max_risk: &str) -> Ntfy {
    let ntfy = Ntfy::start().await;
    let body = json!({"ntfy": {"url": ntfy.url, "topic": "shared", "token": "tk_ws"}, "ntfyButtonsMaxRisk": max_risk});
    set_channels(app, "/api/channels", body).await;
    set_topic(app, &app.owner_email, "owner-phone");
    ntfy
}

async fn press(app: &TestApp, url: &str) -> reqwest::Response {
    app.api.post(url).body("ignored").send().await.unwrap()
}

/// The owner's push for the `n`th pause (1-based) and its buttons' URLs (approve, reject).
async fn owner_push(ntfy: &Ntfy, n: usize) -> (Value, Vec<String>) {
    let push = ntfy.to_topic("owner-phone", n).await[n - 1].clone();
    let urls = buttons(&push)
        .iter()
        .map(|b| b["url"].as_str().unwrap().to_string())
        .collect();
    (push, urls)
}

#[tokio::test]
async fn a_persons_push_approves_once_as_that_person_and_a_second_press_is_refused() {
    let app = spawn_app().await;
    let ntfy = with_push(&app, "critical").await;
    let id = create(&app, json!({"action": "restart the db", "risk": "medium"})).await;
    let (push, urls) = owner_push(&ntfy, 1).await;
    let published = ntfy.all();
    let own = published
        .iter()
        .find(|p| p.body["topic"] == "owner-phone")
        .unwrap();
    assert_eq!(
        own.authorization, "Bearer tk_ws",
        "people's topics are on the workspace's server"
    );
    let b = buttons(&push);
    assert_eq!(
        (b[0]["label"].as_str(), b[1]["label"].as_str()),
        (Some("Approve"), Some("Reject"))
    );
    assert!(b.iter().all(|x| x["method"] == "POST"), "{push}");
    assert!(urls[0].starts_with(&app.url("/n/")) && urls[0].ends_with("?decision=approve"));
    assert!(urls[1].ends_with("?decision=reject"));
    assert_eq!(push["click"], app.url(&format!("/pauses/{id}")));
    let token = urls[0]
        .split("/n/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let stored = app.count(&format!(
        "SELECT count(*) FROM outbox WHERE payload LIKE '%{token}%'"
    ));
    assert_eq!(stored, 0, "the token is made at send time, never queued");

    let res = press(&app, &urls[0]).await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["status"], "approved");
    assert_eq!(app.stored_status(&id), "approved");
    let (actor, via): (String, String) = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT a.actor_type || ':' || u.email, json_extract(a.details, '$.via')
                 FROM audit_log a JOIN users u ON u.id = a.actor_id
                 WHERE a.event = 'pause.approved'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!(
        (actor.as_str(), via.as_str()),
        ("user:owner@example.com", "push")
    );
    let again = assert_problem(press(&app, &urls[1]).await, 409).await;
    assert!(
        again["detail"].as_str().unwrap().contains("already used"),
        "{again}"
    );
    let unknown = app.url(&format!("/n/{}?decision=approve", "A".repeat(43)));
    assert_problem(press(&app, &unknown).await, 404).await;
}

#[tokio::test]
async fn buttons_lapse_an_hour_after_the_push_or_at_an_earlier_deadline() {
    let app = spawn_app().await;
    let ntfy = with_push(&app, "critical").await;
    create(&app, json!({"action": "long", "timeoutSeconds": 7200})).await;
    create(&app, json!({"action": "long too", "timeoutSeconds": 7200})).await;
    let (_, first) = owner_push(&ntfy, 1).await;
    let (_, second) = owner_push(&ntfy, 2).await;
    let created = app.now();
    let hour = 3_600_000;
    let stored: Vec<i64> = app
        .with_db(|c| {
            let mut s = c.prepare("SELECT expires_at FROM push_links ORDER BY id")?;
            let rows = s.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .unwrap();
    assert_eq!(stored, vec![created + hour; 2], "the clock did not move");
    app.clock.set(created + hour - 1);
    assert_eq!(
        press(&app, &first[0]).await.status(),
        200,
        "one millisecond before"
    );
    app.clock.set(created + hour);
    let lapsed = assert_problem(press(&app, &second[0]).await, 409).await;
    assert!(
        lapsed["detail"].as_str().unwrap().contains("expired"),
        "{lapsed}"
    );

    create(&app, json!({"action": "short", "timeoutSeconds": 600})).await;
    owner_push(&ntfy, 3).await;
    let deadline: i64 = app.count("SELECT expires_at FROM pauses WHERE action = 'short'");
    let link: i64 = app.count("SELECT max(expires_at) FROM push_links");
    assert_eq!(link, deadline, "the deadline comes before the hour");
}

#[tokio::test]
async fn in_a_quorum_a_press_is_one_vote() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let ntfy = with_push(&app, "critical").await;
    set_topic(&app, "ann@example.com", "ann-phone");
    let id = create(
        &app,
        json!({"action": "pay", "risk": "low", "requiredApprovals": 2}),
    )
    .await;
    let (_, owner) = owner_push(&ntfy, 1).await;
    let ann = ntfy.to_topic("ann-phone", 1).await[0].clone();
    let ann = buttons(&ann)[0]["url"].as_str().unwrap().to_string();
    let first: Value = press(&app, &owner[0]).await.json().await.unwrap();
    assert_eq!(first["status"], "pending", "one vote of two");
    assert_problem(press(&app, &owner[0]).await, 409).await;
    let second: Value = press(&app, &ann).await.json().await.unwrap();
    assert_eq!(second["status"], "approved");
    assert_eq!(app.stored_status(&id), "approved");
    assert_eq!(
        app.count("SELECT count(*) FROM pause_responses WHERE via = 'push'"),
        2
    );
}

#[tokio::test]
async fn no_buttons_for_questions_plans_or_risks_at_the_limit() {
    let app = spawn_app().await;
    let ntfy = with_push(&app, "high").await;
    create(
        &app,
        json!({"action": "one below the limit", "risk": "medium"}),
    )
    .await;
    let (_, below) = owner_push(&ntfy, 1).await;
    assert_eq!(below.len(), 2, "medium is below high");
    create(&app, json!({"action": "at the limit", "risk": "high"})).await;
    let (push, at) = owner_push(&ntfy, 2).await;
    assert!(at.is_empty(), "{push}");
    assert_eq!(
        push["actions"][0]["action"], "view",
        "the page is still a tap away"
    );
    let question = json!({"action": "Which region?", "kind": "question",
        "questions": [{"question": "Region?", "options": [{"label": "eu"}, {"label": "us"}]}]});
    create(&app, question).await;
    let (push, q) = owner_push(&ntfy, 3).await;
    assert!(q.is_empty(), "{push}");
    assert!(
        push["title"].as_str().unwrap().starts_with("Answer needed"),
        "{push}"
    );
    create(
        &app,
        json!({"action": "Migrate", "kind": "plan", "plan": PLAN_V1}),
    )
    .await;
    let (push, p) = owner_push(&ntfy, 4).await;
    assert!(p.is_empty(), "{push}");
    assert_eq!(
        app.count("SELECT count(*) FROM push_links"),
        1,
        "a link only where buttons are"
    );
}

#[tokio::test]
async fn a_workspace_that_requires_a_reason_to_reject_gets_only_the_approve_button() {
    let app = spawn_app().await;
    let ntfy = with_push(&app, "critical").await;
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET reject_reason_required = 1", [])?))
        .unwrap();
    create(&app, json!({"action": "restart", "risk": "low"})).await;
    let (push, urls) = owner_push(&ntfy, 1).await;
    assert_eq!(urls.len(), 1, "{push}");
    assert!(urls[0].ends_with("?decision=approve"));
    // A hand-made Reject with the same token is refused by the one rule, and the link survives.
    let reject = urls[0].replace("decision=approve", "decision=reject");
    let refused = assert_problem(press(&app, &reject).await, 422).await;
    assert_eq!(refused["field"], "reason");
    assert_eq!(press(&app, &urls[0]).await.status(), 200);
}

#[tokio::test]
async fn the_pause_page_says_who_was_told_on_which_channel() {
    let app = spawn_app().await;
    let ntfy = with_push(&app, "critical").await;
    let id = create(&app, json!({"action": "rotate the keys", "risk": "low"})).await;
    ntfy.wait_for(2).await;
    let b = app.sign_in(&app.owner_email).await;
    let mut html = String::new();
    for _ in 0..500 {
        html = b.get(&format!("/pauses/{id}")).await.text().await.unwrap();
        if !html.contains("queued") && html.contains("Email to") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(html.contains("Who was told"), "{html}");
    assert!(
        html.contains("Phone push (ntfy) to topic shared: delivered"),
        "{html}"
    );
    assert!(html.contains("own topic: delivered"), "{html}");
    assert!(html.contains("Email to "), "{html}");
}

#[tokio::test]
async fn presses_share_the_one_click_links_per_ip_budget() {
    let dir = std::sync::Arc::new(tempfile::TempDir::new().unwrap());
    let now = holdpoint::domain::clock::system_now();
    let app = crate::helpers::spawn_app_configured(dir, now, |s| s.limits.ip_per_minute = 2).await;
    let unknown = app.url(&format!("/n/{}?decision=approve", "A".repeat(43)));
    for _ in 0..2 {
        assert_problem(press(&app, &unknown).await, 404).await;
    }
    let res = press(&app, &unknown).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
}
