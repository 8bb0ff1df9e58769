//! The Agents page a person works through: what needs attention first, 50 a page, a search by
//! name, run or tool, one mode at a time, and agent text with its bidi controls marked.

use serde_json::json;

use holdpoint::domain::scopes::KeyScope;

use crate::agent_support::*;
use crate::helpers::spawn_app;
use crate::key_scopes::key_with;

/// The agent names in page order.
fn names(html: &str) -> Vec<String> {
    html.split("id=\"agent-")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_fleet_shows_what_needs_a_person_first_then_the_most_recently_seen() {
    let app = spawn_app().await;
    for name in ["a-quiet", "b-paused", "c-pending", "d-recent"] {
        beat_ok(&app, name, json!({ "state": "idle" })).await;
        app.clock.advance_secs(60);
    }
    watch_id_of(&app, "c-pending", "r1").await;
    let owner = app.sign_in(&app.owner_email).await;
    act_ok(&owner, "/api/agents/b-paused/pause", json!({})).await;
    let page = owner.get("/agents").await.text().await.unwrap();
    assert_eq!(
        names(&page),
        ["c-pending", "b-paused", "d-recent", "a-quiet"]
    );
    // The API keeps its name order.
    let res = app
        .api
        .get(app.url("/api/agents"))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let list: serde_json::Value = res.json().await.unwrap();
    let api: Vec<&str> = (list["items"].as_array().unwrap().iter())
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(api, ["a-quiet", "b-paused", "c-pending", "d-recent"]);
}

#[tokio::test]
async fn the_fleet_pages_50_at_a_time_and_a_search_finds_by_name_run_or_tool() {
    let app = spawn_app().await;
    app.with_db(|c| {
        c.execute(
            "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 51)
             INSERT INTO agents (workspace_id, is_test, name, first_seen_at, last_seen_at)
             SELECT 1, 0, CASE WHEN n < 10 THEN 'bot-0' || n ELSE 'bot-' || n END, n, n FROM i",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    beat_ok(
        &app,
        "scout",
        json!({ "tool": "Web_Search", "run": "Nightly-7" }),
    )
    .await;
    let owner = app.sign_in(&app.owner_email).await;
    let first = owner.get("/agents").await.text().await.unwrap();
    assert_eq!(names(&first).len(), 50, "50 a page");
    assert!(first.contains("1–50 of 52"), "the range");
    assert!(first.contains(r#"href="/agents?page=2" rel="next""#));
    let second = owner.get("/agents?page=2").await.text().await.unwrap();
    assert_eq!(names(&second), ["bot-02", "bot-01"], "the oldest seen last");
    for q in ["SCOUT", "web_s", "nightly"] {
        let found = owner
            .get(&format!("/agents?q={q}"))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(names(&found), ["scout"], "q={q}");
        let items = owner
            .get(&format!("/agents/items?q={q}"))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(names(&items), ["scout"], "the refresh keeps the search");
    }
    let none = owner.get("/agents?q=nobody").await.text().await.unwrap();
    assert!(none.contains("No agent matches this search."));
    let res = app
        .api
        .get(app.url("/api/agents?q=bot-5"))
        .bearer_auth(&app.key)
        .send()
        .await;
    let list: serde_json::Value = res.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 2, "bot-50 and bot-51: {list}");
}

#[tokio::test]
async fn the_agents_pages_show_one_mode_at_a_time() {
    let app = spawn_app().await;
    let (_, test) = key_with(&app, "ci", true, &[KeyScope::Pauses]);
    beat_ok(&app, "live-bot", json!({})).await;
    let res = app
        .api
        .post(app.url("/api/agents/test-bot/heartbeat"))
        .bearer_auth(&test);
    assert_eq!(res.send().await.unwrap().status(), 200);
    let owner = app.sign_in(&app.owner_email).await;
    let live = owner.get("/agents").await.text().await.unwrap();
    assert_eq!(names(&live), ["live-bot"]);
    assert_eq!(owner.get("/agents/test-bot").await.status(), 404);
    owner
        .post_form("/mode", &[("test", "on"), ("back", "/agents")])
        .await;
    let page = owner.get("/agents").await.text().await.unwrap();
    assert_eq!(names(&page), ["test-bot"]);
    assert!(page.contains("id=\"mode-banner\""), "the queue's banner");
    assert!(page.contains("Test agents"));
    let items = owner.get("/agents/items").await;
    assert_eq!(items.headers()["x-mode"], "test");
    assert_eq!(owner.get("/agents/live-bot").await.status(), 404);
    act_ok(&owner, "/api/agents/test-bot/pause", json!({})).await;
    let res = act(&owner, "/api/agents/live-bot/pause", json!({})).await;
    assert_eq!(
        res.status(),
        404,
        "a session in test mode controls only test agents"
    );
}

#[tokio::test]
async fn bidi_controls_in_agent_text_are_marked_on_the_agents_pages() {
    let app = spawn_app().await;
    beat_ok(&app, "a", json!({ "tool": "search" })).await;
    // Stored before the heartbeat refused them, or sent as guidance by a person.
    app.with_db(|c| {
        c.execute("UPDATE agents SET tool = 'read\u{202E}txt.exe'", [])?;
        c.execute(
            "INSERT INTO agent_history (agent_id, is_test, at, state, tool)
             SELECT id, 0, last_seen_at, 'acting', 'x\u{2067}y\u{200F}' FROM agents",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    watch_id_of(&app, "a", "r1").await;
    let owner = app.sign_in(&app.owner_email).await;
    guide(&owner, "a", "go \u{061C}left\u{200E}").await;
    for path in ["/agents", "/agents/items", "/agents/a"] {
        let html = owner.get(path).await.text().await.unwrap();
        assert!(html.contains("read[U+202E]txt.exe"), "{path}: {html}");
        for c in ['\u{202E}', '\u{2067}', '\u{200F}', '\u{061C}', '\u{200E}'] {
            assert!(!html.contains(c), "{path}: raw {c:?}");
        }
    }
    let detail = owner.get("/agents/a").await.text().await.unwrap();
    assert!(detail.contains("x[U+2067]y[U+200F]"), "the timeline's tool");
    assert!(detail.contains("go [U+061C]left[U+200E]"), "the guidance");
}
