//! "Always allow" ticked on approve (issue 18), from the pause pane's form and from the email
//! link's confirmation page: the remembered rule lets the same action of the same agent through
//! and no other; refusals are readable and write nothing; an email link's GET writes nothing.

use serde_json::{json, Value};

use crate::helpers::{extract, spawn_app, Browser, TestApp};
use crate::policy::{admin_key, create};
use crate::policy_dashboard::pane;

const ASK: &str = r#"{"action": "Email the customer", "tool": "send_email", "agent": "mailer",
    "risk": "medium"}"#;

fn ask() -> Value {
    serde_json::from_str(ASK).unwrap()
}

async fn rules(app: &TestApp) -> Vec<Value> {
    let res = app
        .api
        .get(app.url("/api/rules"))
        .bearer_auth(admin_key(app, false))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

fn id(p: &Value) -> &str {
    p["watchId"].as_str().unwrap()
}

/// Approves from the pane's form; the page the browser lands on, with its message.
async fn approve_in_pane(browser: &Browser, p: &Value, fields: &[(&str, &str)]) -> String {
    let mut all = vec![("approved", "true"), ("next", "/")];
    all.extend_from_slice(fields);
    let path = format!("/api/pause/{}/approve", id(p));
    let res = browser.post_html_form(&path, &all).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    browser.get(&to).await.text().await.unwrap()
}

/// The remembered rule lets the same pause through; another agent's or a riskier one waits.
async fn assert_remembered(app: &TestApp) {
    let again = create(app, ask()).await;
    assert_eq!(again["status"], "approved");
    let name = again["decidedBy"]["name"].as_str().unwrap();
    assert!(
        name.starts_with("remember:send_email:mailer:hitl_live_"),
        "{name}"
    );
    let mut other = ask();
    other["agent"] = json!("spammer");
    assert_eq!(create(app, other).await["status"], "pending");
    let mut riskier = ask();
    riskier["risk"] = json!("high");
    assert_eq!(create(app, riskier).await["status"], "pending");
}

#[tokio::test]
async fn ticking_always_allow_in_the_pane_remembers_the_approval_as_a_rule() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let browser = app.sign_in(&app.owner_email).await;
    let p = create(&app, ask()).await;
    let page = pane(&browser, &p).await;
    assert!(page.contains("Always allow <code>send_email</code> for <code>mailer</code>"));
    assert!(page.contains("name=\"remember_days\" min=\"1\" max=\"3650\""));
    approve_in_pane(&browser, &p, &[("remember", "on"), ("remember_days", "")]).await;
    assert_eq!(app.stored_status(id(&p)), "approved");
    let made = rules(&app).await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["maxRisk"], "medium");
    assert_eq!(made[0]["expiresAt"], Value::Null, "blank days: no expiry");
    assert_eq!(made[0]["createdBy"]["type"], "user", "{}", made[0]);
    assert_remembered(&app).await;
}

#[tokio::test]
async fn the_days_are_accepted_up_to_the_limit_and_refused_one_past_it_or_not_a_number() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let browser = app.sign_in(&app.owner_email).await;
    let at = create(&app, ask()).await;
    approve_in_pane(
        &browser,
        &at,
        &[("remember", "on"), ("remember_days", "3650")],
    )
    .await;
    assert_eq!(app.stored_status(id(&at)), "approved");
    let made = rules(&app).await;
    let expires = made[0]["expiresAt"].as_str().unwrap();
    let expected = holdpoint::domain::rfc3339(app.now() + 3650 * 86_400_000);
    assert_eq!(expires, expected);
    for (days, says) in [
        ("3651", "1 to 3650"),
        ("0", "1 to 3650"),
        ("soon", "not a number"),
    ] {
        let mut other = ask();
        other["agent"] = json!(format!("agent-{days}"));
        let p = create(&app, other).await;
        let fields = [("remember", "on"), ("remember_days", days)];
        let page = approve_in_pane(&browser, &p, &fields).await;
        assert!(page.contains(says), "{days}: {page}");
        assert_eq!(app.stored_status(id(&p)), "pending", "{days}");
    }
    assert_eq!(rules(&app).await.len(), 1, "refusals write no rule");
}

#[tokio::test]
async fn a_pause_without_tool_offers_no_tick_and_forged_or_rejecting_remembers_are_refused() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let browser = app.sign_in(&app.owner_email).await;
    let bare = create(&app, json!({"action": "No tool", "agent": "mailer"})).await;
    assert!(!pane(&browser, &bare).await.contains("Always allow"));
    let page = approve_in_pane(&browser, &bare, &[("remember", "on")]).await;
    assert!(
        page.contains("only a pause that names its `tool` and its `agent`"),
        "{page}"
    );
    let p = create(&app, ask()).await;
    let path = format!("/api/pause/{}/approve", id(&p));
    let fields = [("approved", "false"), ("remember", "on"), ("next", "/")];
    let res = browser.post_html_form(&path, &fields).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let page = browser.get(&to).await.text().await.unwrap();
    assert!(
        page.contains("only an approval can be remembered"),
        "{page}"
    );
    for p in [&bare, &p] {
        assert_eq!(app.stored_status(id(p)), "pending");
    }
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 0);
    let audited = app.count("SELECT count(*) FROM audit_log WHERE event LIKE 'rule.%'");
    assert_eq!(audited, 0);
}

/// A one-click link for the owner, as an email would carry it.
fn link(app: &TestApp, p: &Value) -> String {
    use holdpoint::domain::ids::{UserId, WorkspaceId};
    use holdpoint::domain::{decision_links, pauses};
    let watch_id = uuid::Uuid::parse_str(id(p)).unwrap();
    let now = app.now();
    app.with_db(|c| {
        let pause = pauses::get(c, WorkspaceId(1), &watch_id)?.unwrap();
        Ok(decision_links::create(c, now, &pause, UserId(1))?.approve_path())
    })
    .map(|path| app.url(&path))
    .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// What the link's page shows (a scanner's GET) and its form's token.
async fn open(client: &reqwest::Client, link: &str) -> (String, String) {
    let page = client.get(link).send().await.unwrap().text().await.unwrap();
    let csrf = extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    (page, csrf)
}

fn writes(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT count(*) FROM policy_rules"),
        app.count("SELECT count(*) FROM audit_log"),
    )
}

#[tokio::test]
async fn the_email_links_page_remembers_on_its_post_and_its_get_writes_nothing() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let p = create(&app, ask()).await;
    let link = link(&app, &p);
    let before = writes(&app);
    let client = client();
    let (page, csrf) = open(&client, &link).await;
    assert!(page.contains("Always allow <code>send_email</code> for <code>mailer</code>"));
    open(&client, &link).await;
    assert_eq!(writes(&app), before, "a scanner's GETs write nothing");
    assert_eq!(app.stored_status(id(&p)), "pending");
    let form = [
        ("csrf_token", csrf.as_str()),
        ("approved", "true"),
        ("remember", "on"),
        ("remember_days", "30"),
    ];
    let res = client.post(&link).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.stored_status(id(&p)), "approved");
    let made = rules(&app).await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["createdBy"]["type"], "user", "{}", made[0]);
    assert!(made[0]["expiresAt"].is_string());
    assert_remembered(&app).await;
}

#[tokio::test]
async fn the_email_links_page_refuses_a_remember_it_cannot_keep_and_writes_nothing() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let bare = create(&app, json!({"action": "No agent", "tool": "send_email"})).await;
    let p = create(&app, ask()).await;
    let client = client();
    let bare_link = link(&app, &bare);
    let (page, _) = open(&client, &bare_link).await;
    assert!(!page.contains("Always allow"), "no agent: no tick");
    let before = writes(&app);
    let p_link = link(&app, &p);
    let cases = [
        (&bare_link, "true", "", "names its `tool` and its `agent`"),
        (&p_link, "false", "", "Only an approval can be remembered"),
        (&p_link, "true", "3651", "1 to 3650"),
    ];
    for (link, approved, days, says) in cases {
        let (_, csrf) = open(&client, link).await;
        let form = [
            ("csrf_token", csrf.as_str()),
            ("approved", approved),
            ("remember", "on"),
            ("remember_days", days),
        ];
        let res = client.post(link.as_str()).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 422, "{says}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains(&crate::policy_dashboard::html(says)),
            "{says}: {page}"
        );
    }
    assert_eq!(writes(&app), before);
    for p in [&bare, &p] {
        assert_eq!(app.stored_status(id(p)), "pending");
    }
}
