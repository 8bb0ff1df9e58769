//! The inbox: the dense list and one pause in a pane (`/?pause=`), the pane alone for the
//! script (`/queue/pause/:watchId`), the kind and agent filters, and where a decision made in
//! the pane lands (the next pending pause).

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};

pub async fn pause(app: &TestApp, body: Value) -> String {
    app.create_watch_id(body).await
}

/// The `<li>` of `watch_id` in a list's HTML.
pub fn row<'a>(html: &'a str, watch_id: &str) -> &'a str {
    let id = html
        .find(&format!("id=\"p-{watch_id}\""))
        .expect("the pause has a row");
    let start = html[..id].rfind("<li").unwrap();
    let end = html[start..].find("</li>").unwrap();
    &html[start..start + end]
}

#[tokio::test]
async fn the_inbox_shows_the_list_and_the_chosen_pause_side_by_side() {
    let app = spawn_app().await;
    let first = pause(&app, json!({ "action": "Rotate the API token" })).await;
    let second = pause(
        &app,
        json!({ "action": "Refund order 8812", "context": { "amount": 1240 } }),
    )
    .await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser
        .get(&format!("/?pause={second}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("class=\"inbox has-pause\""), "{html}");
    assert!(html.contains("Rotate the API token") && html.contains(&format!("id=\"p-{first}\"")));
    assert!(row(&html, &second).contains("selected"));
    assert!(!row(&html, &first).contains("selected"));
    // The pane is the pause page's partial, its decision landing on the next pending pause.
    let pane = &html[html.find("id=\"pane\"").unwrap()..];
    assert!(pane.contains(&format!("data-watch-id=\"{second}\"")));
    assert!(pane.contains(&format!("action=\"/api/pause/{second}/approve\"")));
    assert!(pane.contains(&format!("name=\"next\" value=\"/?after={second}\"")));
    assert!(
        pane.contains("<span class=\"j-num\">1240</span>"),
        "the context tree"
    );
    // Each row links to the inbox with that pause, and can be ticked for a batch decision.
    assert!(row(&html, &first).contains(&format!("href=\"/?pause={first}\"")));
    assert!(row(&html, &first).contains(&format!(
        "name=\"watch_id\" value=\"{first}\" form=\"batch\""
    )));
    assert!(html
        .contains("<form id=\"batch\" class=\"batch\" method=\"post\" action=\"/queue/batch\">"));
    // The pause page keeps the same partial, deciding back to itself.
    let page = browser
        .get(&format!("/pauses/{second}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("name=\"next\" value=\"/pauses/{second}\"")));
    assert!(page.contains("<h1 class=\"action\" id=\"pause-h\">Refund order 8812</h1>"));
}

#[tokio::test]
async fn without_a_choice_the_pane_shows_the_first_pending_pause_or_an_empty_state() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let empty = browser.get("/").await.text().await.unwrap();
    assert!(empty.contains("All clear") && empty.contains("Nothing is waiting"));
    assert!(!empty.contains("has-pause"));
    let first = pause(&app, json!({ "action": "First" })).await;
    pause(&app, json!({ "action": "Second" })).await;
    let html = browser.get("/").await.text().await.unwrap();
    let pane = &html[html.find("id=\"pane\"").unwrap()..];
    assert!(
        pane.contains(&format!("data-watch-id=\"{first}\"")),
        "{pane}"
    );
    assert!(row(&html, &first).contains("selected"));
    // Shown unasked, it is not recorded as viewed.
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'pause.viewed'"),
        0
    );
}

#[tokio::test]
async fn a_pause_the_inbox_cannot_show_is_a_readable_message_not_an_error() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let not_an_id = browser.get("/?pause=%3Cscript%3E").await;
    assert_eq!(not_an_id.status(), 200);
    let html = not_an_id.text().await.unwrap();
    assert!(html.contains("That address does not name a pause") && !html.contains("<script>"));
    let unknown = browser
        .get("/?pause=0b5c7a36-1f7e-4f63-9c1d-2c8f3e4a5b6d")
        .await;
    assert!(unknown
        .text()
        .await
        .unwrap()
        .contains("There is no such pause in your workspace"));
    // A pause of the other mode (a test key's) is named, not shown.
    let test_pause = test_key_pause(&app).await;
    let other = browser
        .get(&format!("/?pause={test_pause}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(other.contains("This pause is test data"), "{other}");
    assert!(other.contains(&format!("href=\"/pauses/{test_pause}\"")));
    // A decided pause shows as decided.
    let done = pause(&app, json!({ "action": "Already done" })).await;
    assert_eq!(
        browser.decide(&done, true, Some("fine")).await.status(),
        200
    );
    let decided = browser
        .get(&format!("/?pause={done}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        decided.contains("<strong>Approved</strong> by"),
        "{decided}"
    );
    assert!(!decided.contains(&format!("action=\"/api/pause/{done}/approve\"")));
}

#[tokio::test]
async fn the_pane_fragment_is_the_pause_alone_in_its_own_mode_for_a_signed_in_reader() {
    let app = spawn_app().await;
    let id = pause(
        &app,
        json!({ "action": "Fragment me", "agent": "billing-bot" }),
    )
    .await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .get(&format!("/queue/pause/{id}?kind=approval"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<html") && !html.contains("<nav"), "{html}");
    assert!(html.contains(&format!("data-watch-id=\"{id}\"")));
    assert!(html.contains("<a href=\"/agents/billing-bot\">billing-bot</a>"));
    assert!(
        html.contains(&format!("value=\"/?after={id}&#38;kind=approval\"")),
        "{html}"
    );
    assert!(html.contains("href=\"/?kind=approval\">← Queue</a>"));
    let unknown = browser
        .get("/queue/pause/0b5c7a36-1f7e-4f63-9c1d-2c8f3e4a5b6d")
        .await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown
        .text()
        .await
        .unwrap()
        .contains("There is no such pause"));
    let garbage = browser.get("/queue/pause/nope").await;
    assert_eq!(garbage.status(), 404);
    assert!(garbage
        .text()
        .await
        .unwrap()
        .contains("does not name a pause"));
    let test_pause = test_key_pause(&app).await;
    let other = browser.get(&format!("/queue/pause/{test_pause}")).await;
    assert_eq!(other.status(), 404);
    let other = other.text().await.unwrap();
    assert!(other.contains("This pause is test data") && !other.contains("Sandboxed"));
    let anonymous = Browser::new(&app.address)
        .get(&format!("/queue/pause/{id}"))
        .await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers().get("location").unwrap(), "/login");
}

#[tokio::test]
async fn the_list_and_its_live_refresh_filter_by_kind_and_agent() {
    let app = spawn_app().await;
    let approval = pause(&app, json!({ "action": "Ship it", "agent": "deploy-bot" })).await;
    let plan = pause(
        &app,
        json!({ "action": "Migrate", "kind": "plan", "plan": "Do it" }),
    )
    .await;
    let other = pause(&app, json!({ "action": "Email Ann", "agent": "mail-bot" })).await;
    let browser = app.sign_in(&app.owner_email).await;
    let plans = browser.get("/queue/items?kind=plan").await;
    assert_eq!(plans.headers().get("x-pending-count").unwrap(), "1");
    let plans = plans.text().await.unwrap();
    assert!(
        plans.contains(&format!("id=\"p-{plan}\""))
            && !plans.contains(&format!("id=\"p-{approval}\""))
    );
    assert!(
        plans.contains(&format!("href=\"/?pause={plan}&#38;kind=plan\"")),
        "{plans}"
    );
    let page = browser
        .get("/?agent=deploy-bot")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("id=\"p-{approval}\"")));
    assert!(
        !page.contains(&format!("id=\"p-{other}\"")) && !page.contains(&format!("id=\"p-{plan}\""))
    );
    assert!(
        page.contains("data-live=\"/queue/items?agent=deploy-bot&#38;pause="),
        "{page}"
    );
    assert!(page.contains("<option value=\"deploy-bot\" selected>deploy-bot</option>"));
    assert!(page.contains("<span class=\"count\" id=\"pending-count\">1</span>"));
    let none = browser
        .get("/queue/items?kind=question")
        .await
        .text()
        .await
        .unwrap();
    assert!(none.contains("No pending pause matches these filters"));
    // A kind that does not exist is ignored, and the page says so.
    let bad = browser.get("/?kind=%3Cb%3Ebogus&agent=").await;
    assert_eq!(bad.status(), 200);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("There is no kind “&#60;b&#62;bogus”"), "{bad}");
    assert!(
        bad.contains(&format!("id=\"p-{other}\"")) && bad.contains(&format!("id=\"p-{plan}\""))
    );
}

#[tokio::test]
async fn a_decision_in_the_pane_lands_on_the_next_pending_pause_with_the_same_filters() {
    let app = spawn_app().await;
    let a = pause(&app, json!({ "action": "A" })).await;
    let b = pause(&app, json!({ "action": "B" })).await;
    let plan = pause(
        &app,
        json!({ "action": "P", "kind": "plan", "plan": "Do it" }),
    )
    .await;
    let c = pause(&app, json!({ "action": "C" })).await;
    let browser = app.sign_in(&app.owner_email).await;
    let next = format!("/?after={b}&kind=approval");
    let path = format!("/api/pause/{b}/approve");
    let res = browser
        .post_html_form(&path, &[("approved", "true"), ("next", &next)])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers().get("location").unwrap().to_str().unwrap(),
        next
    );
    let landing = browser.get(&next).await;
    assert_eq!(landing.status(), 303);
    let to = landing.headers().get("location").unwrap().to_str().unwrap();
    assert_eq!(
        to,
        format!("/?pause={c}&kind=approval"),
        "C, not the plan in between"
    );
    let page = browser.get(to).await.text().await.unwrap();
    assert!(
        page.contains("Approved “B”."),
        "the flash survives the landing"
    );
    // A refused decision (a plan sent back without feedback) stays on the same pause.
    let res = browser
        .post_html_form(
            &format!("/api/pause/{plan}/approve"),
            &[("approved", "false"), ("next", &format!("/?after={plan}"))],
        )
        .await;
    assert_eq!(res.status(), 303);
    let landing = browser.get(&format!("/?after={plan}")).await;
    assert_eq!(
        landing.headers().get("location").unwrap().to_str().unwrap(),
        format!("/?pause={plan}")
    );
    // After the last one, the next is the first left; with none left, the inbox itself.
    browser.decide(&c, true, None).await;
    let landing = browser.get(&format!("/?after={c}&kind=approval")).await;
    assert_eq!(
        landing.headers().get("location").unwrap().to_str().unwrap(),
        format!("/?pause={a}&kind=approval")
    );
    browser.decide(&a, true, None).await;
    let landing = browser.get(&format!("/?after={a}&kind=approval")).await;
    assert_eq!(
        landing.headers().get("location").unwrap().to_str().unwrap(),
        "/?kind=approval"
    );
}

/// A pending pause made with a test key: the other mode from a live session.
async fn test_key_pause(app: &TestApp) -> String {
    let test_key = app.create_key(1, true);
    let res = app
        .post_pause_with(&test_key, &json!({ "action": "Sandboxed" }))
        .await;
    res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string()
}
