//! The rules page (issue 18): owners and admins list, create, edit, switch and delete the rules
//! of the mode they view; refusals keep what was typed; a suggestion becomes a rule in one
//! click; what the page changes is what the engine does with the next pause.

use holdpoint::domain::api_keys;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::scopes::{KeyScope, Scopes};
use holdpoint::domain::users::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::policy::{add_rule, create};

/// A key that may decide pauses, for seeding approvals.
pub fn decide_key(app: &TestApp) -> String {
    let now = app.now();
    let scopes = Scopes::of(&[KeyScope::Decide]);
    app.with_db(|c| {
        api_keys::create_with_scopes(c, now, Actor::Cli, WorkspaceId(1), "decider", false, scopes)
    })
    .unwrap()
    .1
}

/// `n` pauses of `tool` by `agent` at low risk, each approved by a person's key.
pub async fn seed_approvals(app: &TestApp, decider: &str, tool: &str, agent: &str, n: usize) {
    for _ in 0..n {
        let p = create(app, ask(tool, agent)).await;
        let path = format!("/api/pause/{}/approve", p["watchId"].as_str().unwrap());
        let res = app
            .api
            .post(app.url(&path))
            .bearer_auth(decider)
            .json(&json!({"approved": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }
}

fn ask(tool: &str, agent: &str) -> Value {
    json!({"action": "Send the weekly report", "tool": tool, "agent": agent, "risk": "low",
           "metadata": {"team": "ops"}})
}

pub async fn page(b: &Browser, path: &str) -> String {
    let res = b.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

pub const RULE: [(&str, &str); 6] = [
    ("name", "weekly reports"),
    ("effect", "allow"),
    ("tool", "send_*"),
    ("agent", "reporter"),
    ("metadata", "team=ops"),
    ("enabled", "on"),
];

pub fn with<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = RULE
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .copied()
        .collect();
    out.extend_from_slice(changes);
    out
}

#[tokio::test]
async fn owners_and_admins_see_the_rules_with_their_hits_and_an_approver_is_refused() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    add_rule(
        &app,
        json!({"name": "mail", "effect": "allow", "match": {"tool": "send_email"}}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "watch", "effect": "allow", "shadow": true,
        "match": {"tool": "send_*"}}),
    )
    .await;
    let p = create(&app, ask("send_email", "mailer")).await;
    assert_eq!(p["status"], "approved");
    let owner = app.sign_in(&app.owner_email).await;
    let html = page(&owner, "/rules").await;
    assert!(
        html.contains("<td data-label=\"Hits\" class=\"num hits\">1</td>"),
        "{html}"
    );
    assert!(html.contains("<td data-label=\"Shadow hits\" class=\"num shadow-hits\">1</td>"));
    assert!(html.contains("status-shadow"));
    assert!(html.contains("href=\"/rules\""), "the menu links the page");
    app.add_user(1, "admin@example.com", Role::Admin);
    let admin = app.sign_in("admin@example.com").await;
    assert!(page(&admin, "/rules").await.contains(">watch</th>"));
    app.add_user(1, "ann@example.com", Role::Approver);
    let approver = app.sign_in("ann@example.com").await;
    let res = approver.get("/rules").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("only owners and admins"));
    let res = approver.post_form("/rules/new", &RULE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 2);
}

#[tokio::test]
async fn a_rule_created_with_the_form_is_listed_audited_and_decides_the_next_pause() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner.post_form("/rules/new", &RULE).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&owner, "/rules").await;
    assert!(html.contains(">weekly reports</th>"), "{html}");
    assert!(html.contains("<code>team=ops</code>"));
    assert!(html.contains("Created rule “weekly reports”"));
    assert_eq!(
        app.audit_events("rule 1"),
        vec![("rule.created".to_string(), "user".to_string())]
    );
    assert!(page(&owner, "/audit")
        .await
        .contains("<code>rule.created</code>"));
    let p = create(
        &app,
        json!({"action": "a", "tool": "send_report", "agent": "reporter",
        "metadata": {"team": "ops"}}),
    )
    .await;
    assert_eq!(p["status"], "approved");
    assert_eq!(p["policy"]["rule"], "weekly reports");
}

async fn status_of(app: &TestApp) -> (String, Value) {
    let p = create(app, ask("send_report", "reporter")).await;
    (
        p["status"].as_str().unwrap().to_string(),
        p["policy"].clone(),
    )
}

#[tokio::test]
async fn disable_shadow_and_on_change_what_the_engine_does_with_the_next_pause() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let owner = app.sign_in(&app.owner_email).await;
    owner.post_form("/rules/new", &RULE).await;
    assert_eq!(status_of(&app).await.0, "approved");
    let res = owner.post_form("/rules/1/state", &[("state", "off")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, policy) = status_of(&app).await;
    assert_eq!(
        (status.as_str(), &policy["shadow"]),
        ("pending", &Value::Null)
    );
    owner
        .post_form("/rules/1/state", &[("state", "shadow")])
        .await;
    let (status, policy) = status_of(&app).await;
    assert_eq!(status, "pending");
    assert_eq!(policy["shadow"]["rule"], "weekly reports");
    assert!(page(&owner, "/rules")
        .await
        .contains("data-state=\"shadow\""));
    owner.post_form("/rules/1/state", &[("state", "on")]).await;
    assert_eq!(status_of(&app).await.1["rule"], "weekly reports");
    let changes = app.audit_events("rule 1");
    assert_eq!(changes.len(), 4, "{changes:?}");
    assert!(changes[1..]
        .iter()
        .all(|(e, a)| e == "rule.changed" && a == "user"));
}

#[tokio::test]
async fn test_mode_shows_and_makes_only_test_rules_and_live_mode_only_live_ones() {
    let app = spawn_app().await;
    add_rule(
        &app,
        json!({"name": "live one", "effect": "deny", "match": {"tool": "x"}}),
    )
    .await;
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner
        .post_form("/mode", &[("test", "on"), ("back", "/rules")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&owner, "/rules").await;
    assert!(!html.contains("live one") && html.contains("No rules yet"));
    owner
        .post_form("/rules/new", &with(&[("name", "test one")]))
        .await;
    assert!(page(&owner, "/rules").await.contains(">test one</th>"));
    assert_eq!(
        app.count("SELECT count(*) FROM policy_rules WHERE is_test = 1"),
        1
    );
    // A live rule cannot be reached from test mode.
    assert_eq!(
        owner.get("/rules/1/edit").await.status(),
        StatusCode::NOT_FOUND
    );
    owner
        .post_form("/mode", &[("test", "off"), ("back", "/rules")])
        .await;
    let html = page(&owner, "/rules").await;
    assert!(html.contains(">live one</th>") && !html.contains("test one"));
}

#[tokio::test]
async fn a_suggestion_becomes_a_shadow_rule_in_one_click_and_is_no_longer_suggested() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let decider = decide_key(&app);
    seed_approvals(&app, &decider, "send_report", "reporter", 20).await;
    let owner = app.sign_in(&app.owner_email).await;
    let html = page(&owner, "/rules").await;
    assert!(html.contains("approved 20 times"), "{html}");
    assert!(html.contains("name=\"shadow\" value=\"on\" checked"));
    let fields = [
        ("tool", "send_report"),
        ("agent", "reporter"),
        ("shadow", "on"),
    ];
    let res = owner.post_form("/rules/suggestions", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&owner, "/rules").await;
    assert!(html.contains("No suggestions now."), "{html}");
    assert!(html.contains(">suggested:send_report:reporter</th>"));
    let (status, policy) = status_of(&app).await;
    assert_eq!(status, "pending");
    assert_eq!(policy["shadow"]["rule"], "suggested:send_report:reporter");
    // The same click again is refused readably: the suggestion is gone.
    let res = owner.post_form("/rules/suggestions", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&owner, "/rules").await.contains("no longer offered"));
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 1);
}

#[tokio::test]
async fn a_rule_name_with_bidi_controls_is_escaped_and_marked() {
    let app = spawn_app().await;
    let name = "<b>evil</b>\u{202E}txt";
    add_rule(
        &app,
        json!({"name": name, "effect": "allow", "note": "\u{2066}n",
        "match": {"tool": "t"}}),
    )
    .await;
    let owner = app.sign_in(&app.owner_email).await;
    let html = page(&owner, "/rules").await;
    assert!(
        html.contains("&#60;b&#62;evil&#60;/b&#62;[U+202E]txt"),
        "{html}"
    );
    assert!(html.contains("[U+2066]n"));
    assert!(!html.contains('\u{202E}') && !html.contains('\u{2066}'));
}

#[tokio::test]
async fn an_expired_rule_still_lists_as_expired_and_turning_it_on_says_so() {
    let app = spawn_app().await;
    add_rule(
        &app,
        json!({"name": "old", "effect": "allow", "expiresAt": "2001-01-01T00:00:00Z",
        "match": {"tool": "t"}}),
    )
    .await;
    let owner = app.sign_in(&app.owner_email).await;
    let html = page(&owner, "/rules").await;
    assert!(html.contains("data-state=\"expired\"") && html.contains("status-expired"));
    owner
        .post_form("/rules/1/state", &[("state", "shadow")])
        .await;
    let html = page(&owner, "/rules").await;
    assert!(html.contains("it has expired"), "{html}");
    assert!(html.contains("data-state=\"expired\""));
}
