use holdpoint::domain::users::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_empty_app, Browser};

#[tokio::test]
async fn first_run_setup_creates_the_owner_signs_them_in_and_then_is_gone() {
    let app = spawn_empty_app().await;
    let browser = Browser::new(&app.address);
    assert_eq!(
        browser.get("/").await.headers().get("location").unwrap(),
        "/login"
    );
    assert_eq!(
        browser
            .get("/login")
            .await
            .headers()
            .get("location")
            .unwrap(),
        "/setup"
    );
    let html = browser.get("/setup").await.text().await.unwrap();
    let token = crate::helpers::extract(&html, "name=\"csrf_token\" value=\"").unwrap();
    let post = |fields: Vec<(&'static str, String)>| {
        let client = browser.client.clone();
        let url = browser.url("/setup");
        async move { client.post(url).form(&fields).send().await.unwrap() }
    };
    let fields = |confirm: &str, csrf: &str| {
        vec![
            ("email", "first@example.com".to_string()),
            ("name", "First Owner".to_string()),
            ("password", "a-good-password".to_string()),
            ("password_confirm", confirm.to_string()),
            ("csrf_token", csrf.to_string()),
        ]
    };
    let mismatch = post(fields("another-password", &token)).await;
    assert_eq!(mismatch.status(), 422);
    assert!(mismatch.text().await.unwrap().contains("do not match"));
    assert_eq!(
        post(fields("a-good-password", "forged")).await.status(),
        403
    );
    assert_eq!(app.count("SELECT count(*) FROM users"), 0);

    let done = post(fields("a-good-password", &token)).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers().get("location").unwrap(), "/");
    let home = browser.get("/").await;
    assert_eq!(home.status(), 200, "the new owner is signed in");
    assert!(home.text().await.unwrap().contains("Pending"));
    let role: String = app
        .with_db(|c| Ok(c.query_row("SELECT role FROM users", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(role, "owner");

    assert_eq!(Browser::new(&app.address).get("/setup").await.status(), 404);
    assert_eq!(post(fields("a-good-password", &token)).await.status(), 404);
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

#[tokio::test]
async fn the_queue_lists_pending_pauses_oldest_first_with_who_asked_and_escaped_previews() {
    let app = spawn_app().await;
    app.create_watch_id(json!({ "action": "First <b>bold</b>", "context": { "html": "<script>alert(1)</script>" } })).await;
    let second_id = app
        .create_watch_id(json!({ "action": "Second", "metadata": { "agent": "deploy-bot" } }))
        .await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser.get("/").await.text().await.unwrap();
    let first = html
        .find("First &#60;b&#62;bold&#60;/b&#62;")
        .expect("the action is escaped");
    let second = html.find("Second").unwrap();
    assert!(first < second, "oldest first");
    assert!(!html.contains("<script>alert(1)</script>") && !html.contains("<b>bold"));
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(html.contains("<title>(2) Pending · Holdpoint</title>"));
    // Who asked is in the pane of the pause.
    let pane = browser.get(&format!("/?pause={second_id}")).await;
    assert!(pane
        .text()
        .await
        .unwrap()
        .contains("deploy-bot (via key “test key”)"));
    assert!(
        html.contains("data-expires="),
        "countdowns carry their deadline"
    );
}

#[tokio::test]
async fn the_live_queue_fragment_shows_new_pauses_and_the_pending_count() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let before = browser.get("/queue/items").await;
    assert_eq!(before.headers().get("x-pending-count").unwrap(), "0");
    app.create_watch_id(json!({ "action": "Arrived later" }))
        .await;
    let after = browser.get("/queue/items").await;
    assert_eq!(after.headers().get("x-pending-count").unwrap(), "1");
    let body = after.text().await.unwrap();
    assert!(body.contains("Arrived later") && !body.contains("<html"));
    assert_eq!(
        Browser::new(&app.address)
            .get("/queue/items")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn the_pause_page_shows_context_metadata_and_a_timeline_of_views_and_decisions() {
    let app = spawn_app().await;
    let id = app.create_watch_id(json!({
        "action": "Refund order",
        "context": { "order": { "id": 42, "items": ["<img src=x onerror=alert(1)>"] }, "ok": true },
        "metadata": { "ticket": "T-1" }
    }))
    .await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser
        .get(&format!("/pauses/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<details open><summary>{"),
        "collapsible JSON"
    );
    assert!(html.contains("<span class=\"j-key\">\"order\"</span>"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;") && !html.contains("<img src=x"));
    assert!(html.contains("<th scope=\"row\">ticket</th><td>T-1</td>"));
    assert!(html.contains("Requested by key “test key”"));
    assert!(html.contains("name=\"approved\" value=\"true\""));
    // Views are recorded once per user.
    browser.get(&format!("/pauses/{id}")).await;
    for _ in 0..100 {
        if app.count("SELECT count(*) FROM audit_log WHERE event = 'pause.viewed'") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    browser.get(&format!("/pauses/{id}")).await;
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'pause.viewed'"),
        1
    );
    assert_eq!(
        browser
            .decide(&id, false, Some("not this one"))
            .await
            .status(),
        200
    );
    let decided = browser
        .get(&format!("/pauses/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(decided.contains("Viewed by owner@example.com"));
    assert!(decided.contains("Rejected by owner@example.com"));
    assert!(decided.contains("not this one"));
    assert!(
        !decided.contains("name=\"approved\""),
        "no decision form once decided"
    );
}

#[tokio::test]
async fn a_stale_pause_page_that_decides_learns_who_won() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "late@example.com", Role::Approver);
    let id = app.create_watch_id(json!({ "action": "Contested" })).await;
    let winner = app.sign_in(&app.owner_email).await;
    let late = app.sign_in("late@example.com").await;
    assert_eq!(winner.decide(&id, true, Some("mine")).await.status(), 200);
    let res = late
        .post_html_form(
            &format!("/api/pause/{id}/approve"),
            &[("approved", "false"), ("next", &format!("/pauses/{id}"))],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = late
        .get(&format!("/pauses/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("was already approved by owner@example.com"),
        "{page}"
    );
    assert!(page.contains("your decision was not recorded"));
    assert_eq!(
        app.get_pause(&id).await.json::<Value>().await.unwrap()["reason"],
        "mine"
    );
}

#[tokio::test]
async fn a_form_reject_without_a_required_reason_explains_itself_and_changes_nothing() {
    let app = spawn_app().await;
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET reject_reason_required = 1", [])?))
        .unwrap();
    let id = app
        .create_watch_id(json!({ "action": "Needs a why" }))
        .await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .post_html_form(
            &format!("/api/pause/{id}/approve"),
            &[("approved", "false"), ("next", "/")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = browser.get("/").await.text().await.unwrap();
    assert!(page.contains("requires a reason to reject"));
    assert_eq!(app.stored_status(&id), "pending");
}

#[tokio::test]
async fn a_form_decision_with_a_bad_csrf_token_gets_a_readable_403_page() {
    let app = spawn_app().await;
    let id = app.create_watch_id(json!({ "action": "x" })).await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .client
        .post(browser.url(&format!("/api/pause/{id}/approve")))
        .header("accept", "text/html")
        .form(&[
            ("approved", "true"),
            ("csrf_token", "forged"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("CSRF"));
    assert_eq!(app.stored_status(&id), "pending");
}

#[tokio::test]
async fn another_workspaces_pause_page_is_404() {
    let app = spawn_app().await;
    let other = app.create_workspace("B", "free");
    let other_key = app.create_key(other, false);
    let res = app
        .post_pause_with(&other_key, &json!({ "action": "B's secret" }))
        .await;
    let id = res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser.get(&format!("/pauses/{id}")).await;
    assert_eq!(page.status(), 404);
    assert!(!page.text().await.unwrap().contains("B's secret"));
    assert!(!browser
        .get("/history")
        .await
        .text()
        .await
        .unwrap()
        .contains("B's secret"));
}

#[tokio::test]
async fn history_filters_by_status_key_text_and_date_and_paginates() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let second_key = app.create_key(1, false);
    for i in 0..55 {
        app.create_watch_id(json!({ "action": format!("bulk job {i}") }))
            .await;
    }
    app.clock.advance_secs(3 * 86_400);
    let special = app
        .post_pause_with(&second_key, &json!({ "action": "100% refund_all" }))
        .await;
    let special = special.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    app.cancel_pause(&second_key, &special).await;
    let browser = app.sign_in(&app.owner_email).await;

    let all = browser.get("/history").await.text().await.unwrap();
    assert!(all.contains("Page 1 of 2") && all.contains("rel=\"next\""));
    assert!(
        all.find("100% refund_all").unwrap() < all.find("bulk job 54").unwrap(),
        "newest first"
    );
    let page2 = browser.get("/history?page=2").await.text().await.unwrap();
    assert!(page2.contains("bulk job 0") && !page2.contains("bulk job 54"));

    let by_text = browser
        .get("/history?q=%25+refund")
        .await
        .text()
        .await
        .unwrap();
    assert!(by_text.contains("100% refund_all") && !by_text.contains("bulk job"));
    let literal = browser.get("/history?q=%25").await.text().await.unwrap();
    assert!(!literal.contains("bulk job"), "% is not a wildcard");
    let cancelled = browser
        .get("/history?status=cancelled")
        .await
        .text()
        .await
        .unwrap();
    assert!(cancelled.contains("100% refund_all") && !cancelled.contains("bulk job"));
    let key_id = app.count("SELECT max(id) FROM api_keys");
    let by_key = browser
        .get(&format!("/history?key={key_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(by_key.contains("100% refund_all") && !by_key.contains("bulk job"));
    let today = holdpoint::domain::rfc3339(app.now())[..10].to_string();
    let by_date = browser
        .get(&format!("/history?from={today}&to={today}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(by_date.contains("100% refund_all") && !by_date.contains("bulk job"));
    let bad = browser.get("/history?from=yesterday&status=nope").await;
    assert_eq!(bad.status(), 200);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("is not a date") && bad.contains("Unknown status"));
}

#[tokio::test]
async fn static_assets_are_versioned_and_cached() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser.get("/").await.text().await.unwrap();
    let css = crate::helpers::extract(&html, "<link rel=\"stylesheet\" href=\"").unwrap();
    assert!(css.starts_with("/static/app.css?v="));
    let res = browser.get(&css).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .headers()
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("immutable"));
    let etag = res.headers().get("etag").unwrap().clone();
    let again = browser
        .client
        .get(browser.url(&css))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(html.contains("<script src=\"/static/app.js?v="));
    assert_eq!(browser.get("/static/nope.js").await.status(), 404);
}
