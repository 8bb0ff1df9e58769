//! Structured rejections: a pause offers named reasons, a person picks one, the agent branches
//! on `rejectOption`.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Browser, TestApp};

fn options() -> Value {
    json!([
        { "name": "wrong_recipient", "title": "Wrong recipient" },
        { "name": "tone", "title": "Tone is off", "description": "Too casual for a customer" }
    ])
}

async fn offered(app: &TestApp) -> (String, Browser) {
    let id = app
        .create_watch_id(json!({ "action": "Send email", "rejectOptions": options() }))
        .await;
    (id, app.sign_in(&app.owner_email).await)
}

async fn decide(browser: &Browser, id: &str, body: Value) -> reqwest::Response {
    let csrf = browser.csrf().await;
    browser.decide_with_token(id, &body, Some(&csrf)).await
}

async fn create_detail(app: &TestApp, reject_options: Value) -> String {
    let body = json!({ "action": "a", "rejectOptions": reject_options });
    let problem = assert_problem(app.post_pause_with(&app.key, &body).await, 422).await;
    assert_eq!(problem["field"], "rejectOptions");
    problem["detail"].as_str().unwrap().to_string()
}

fn option(name: &str, title: &str) -> Value {
    json!({ "name": name, "title": title })
}

#[tokio::test]
async fn a_picked_reject_option_reaches_the_agent_and_satisfies_the_reason_rule() {
    let app = spawn_app().await;
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET reject_reason_required = 1", [])?))
        .unwrap();
    let (id, browser) = offered(&app).await;
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["rejectOptions"], options());
    assert!(read.get("rejectOption").is_none());
    let res = decide(
        &browser,
        &id,
        json!({ "approved": false, "rejectOption": "tone" }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["status"], "rejected");
    assert_eq!(read["rejectOption"], "tone");
    assert_eq!(read["reason"], Value::Null);
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE subject = ?1 AND event = 'pause.rejected'",
                [&id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&details).unwrap()["rejectOption"],
        "tone"
    );
}

#[tokio::test]
async fn a_reject_option_may_come_with_a_reason() {
    let app = spawn_app().await;
    let (id, browser) = offered(&app).await;
    let body =
        json!({ "approved": false, "rejectOption": "wrong_recipient", "reason": "Bo, not Ann" });
    assert_eq!(decide(&browser, &id, body).await.status(), 200);
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(
        (read["rejectOption"].as_str(), read["reason"].as_str()),
        (Some("wrong_recipient"), Some("Bo, not Ann"))
    );
}

#[tokio::test]
async fn an_unknown_option_or_one_with_an_approval_is_refused() {
    let app = spawn_app().await;
    let (id, browser) = offered(&app).await;
    let cases = [
        (
            json!({ "approved": false, "rejectOption": "rude" }),
            "`rude` is not one of this pause's reject options (wrong_recipient, tone)",
        ),
        (
            json!({ "approved": true, "rejectOption": "tone" }),
            "`rejectOption` comes only with a rejection (`approved: false`)",
        ),
    ];
    for (body, detail) in cases {
        let problem = assert_problem(decide(&browser, &id, body).await, 422).await;
        assert_eq!(problem["field"], "rejectOption");
        assert_eq!(problem["detail"], detail);
    }
    let plain = app.create_pause("plain").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({ "approved": false, "rejectOption": "tone" });
    let problem = assert_problem(decide(&browser, &plain, body).await, 422).await;
    assert_eq!(problem["detail"], "this pause offers no reject options");
    assert_eq!(app.stored_status(&id), "pending");
}

#[tokio::test]
async fn reject_options_that_break_the_rules_are_refused_with_a_detail() {
    let app = spawn_app().await;
    let name_rule =
        |n: &str| format!("a reject option's `name` is 1 to 64 of a-z, 0-9 and _ (got `{n}`)");
    let cases = [
        (
            json!([]),
            "`rejectOptions` has 1 to 10 options (got 0)".to_string(),
        ),
        (json!([option("Wrong", "t")]), name_rule("Wrong")),
        (json!([option("", "t")]), name_rule("")),
        (json!([option("a-b", "t")]), name_rule("a-b")),
        (
            json!([option("a", "t"), option("a", "u")]),
            "two reject options are named `a`".into(),
        ),
        (
            json!([option("a", "  ")]),
            "reject option `a` needs a `title` of 1 to 200 characters".into(),
        ),
    ];
    for (opts, detail) in cases {
        assert_eq!(create_detail(&app, opts.clone()).await, detail, "{opts}");
    }
}

#[tokio::test]
async fn every_reject_option_limit_holds_at_the_limit_and_refuses_one_past() {
    let app = spawn_app().await;
    let many = |n: usize| Value::Array((0..n).map(|i| option(&format!("o{i}"), "t")).collect());
    let long = |name: usize, title: usize, description: usize| json!([{ "name": "n".repeat(name), "title": "t".repeat(title), "description": "d".repeat(description) }]);
    for ok in [many(10), long(64, 200, 1000)] {
        let res = app
            .post_pause_with(&app.key, &json!({ "action": "a", "rejectOptions": ok }))
            .await;
        assert_eq!(res.status(), 201);
    }
    let n65 = "n".repeat(65);
    let cases = [
        (
            many(11),
            "`rejectOptions` has 1 to 10 options (got 11)".to_string(),
        ),
        (
            long(65, 1, 0),
            format!("a reject option's `name` is 1 to 64 of a-z, 0-9 and _ (got `{n65}`)"),
        ),
        (
            long(1, 201, 0),
            "reject option `n` needs a `title` of 1 to 200 characters".into(),
        ),
        (
            long(1, 1, 1001),
            "reject option `n`: `description` has at most 1000 characters".into(),
        ),
    ];
    for (opts, detail) in cases {
        assert_eq!(create_detail(&app, opts).await, detail);
    }
}

#[tokio::test]
async fn the_pause_page_offers_the_options_as_radio_buttons_and_records_the_pick() {
    let app = spawn_app().await;
    let (id, browser) = offered(&app).await;
    let next = format!("/pauses/{id}");
    let page = browser.get(&next).await.text().await.unwrap();
    assert!(
        page.contains("type=\"radio\" name=\"reject_option\" value=\"wrong_recipient\""),
        "{page}"
    );
    assert!(page.contains("Too casual for a customer"));
    let fields = [
        ("approved", "false"),
        ("reject_option", "wrong_recipient"),
        ("next", &next),
    ];
    let res = browser
        .post_html_form(&format!("/api/pause/{id}/approve"), &fields)
        .await;
    assert_eq!(res.status(), 303);
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["rejectOption"], "wrong_recipient");
    let page = browser.get(&next).await.text().await.unwrap();
    assert!(page.contains("Reason picked: <strong>Wrong recipient</strong>"));
}

#[tokio::test]
async fn approving_from_the_page_ignores_a_checked_reject_option() {
    let app = spawn_app().await;
    let (id, browser) = offered(&app).await;
    let fields = [
        ("approved", "true"),
        ("reject_option", "tone"),
        ("next", "/"),
    ];
    let res = browser
        .post_html_form(&format!("/api/pause/{id}/approve"), &fields)
        .await;
    assert_eq!(res.status(), 303);
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(read["status"], "approved");
    assert!(read.get("rejectOption").is_none());
}

/// A one-click link for the owner, as an email would carry it (made directly: the email's own
/// path is tested in `one_click`).
fn reject_link(app: &TestApp, id: &str) -> String {
    use holdpoint::domain::ids::{UserId, WorkspaceId};
    use holdpoint::domain::{decision_links, pauses};
    let watch_id = uuid::Uuid::parse_str(id).unwrap();
    let now = app.now();
    app.with_db(|c| {
        let pause = pauses::get(c, WorkspaceId(1), &watch_id)?.unwrap();
        Ok(decision_links::create(c, now, &pause, UserId(1))?.reject_path())
    })
    .map(|path| app.url(&path))
    .unwrap()
}

#[tokio::test]
async fn the_email_links_confirmation_page_offers_the_options_and_a_pick_rejects() {
    let app = spawn_app().await;
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET reject_reason_required = 1", [])?))
        .unwrap();
    let (id, _) = offered(&app).await;
    let link = reject_link(&app, &id);
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = browser
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"tone\"") && page.contains("Tone is off"),
        "{page}"
    );
    assert!(page.contains("required to reject unless you pick an option"));
    let csrf = crate::helpers::extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    let unknown = [
        ("csrf_token", csrf.as_str()),
        ("approved", "false"),
        ("reject_option", "rude"),
    ];
    let res = browser.post(&link).form(&unknown).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("`rude` is not one of this pause&#39;s reject options"));
    let form = [
        ("csrf_token", csrf.as_str()),
        ("approved", "false"),
        ("reject_option", "tone"),
    ];
    let res = browser.post(&link).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(
        (read["status"].as_str(), read["rejectOption"].as_str()),
        (Some("rejected"), Some("tone"))
    );
}
