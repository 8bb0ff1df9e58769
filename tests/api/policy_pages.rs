//! Decision policies on the pages (issue 18): the settings page's autonomy dial and its shadow
//! mode, a key's autonomy cap set when it is created, and an agent's cap on its page. Each is
//! checked by what the engine then does to the next pause, not only by what is stored.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::policy::{create, set_level};
use holdpoint::domain::users::Role;

fn stored(app: &TestApp) -> (i64, bool) {
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT autonomy_level, autonomy_shadow FROM workspaces WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })
    .unwrap()
}

fn audits(app: &TestApp, event: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE event = '{event}' AND actor_type = 'user'"
    ))
}

async fn save_dial(browser: &Browser, level: &str, shadow: bool) -> reqwest::Response {
    let mut fields = vec![("autonomy_level", level)];
    if shadow {
        fields.push(("autonomy_shadow", "on"));
    }
    browser.post_form("/settings/policy", &fields).await
}

/// A low-risk approval with the default key.
async fn low(app: &TestApp) -> Value {
    create(app, json!({"action": "a", "risk": "low", "tool": "t"})).await
}

#[tokio::test]
async fn the_dial_saved_on_the_settings_page_decides_the_next_pause_and_is_audited() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let page = owner.get("/settings").await.text().await.unwrap();
    assert!(page.contains("Decision policy") && page.contains("action=\"/settings/policy\""));
    assert!(page.contains("<strong id=\"autonomy-band\">Copilot</strong>"));
    assert_eq!(low(&app).await["status"], "pending");

    let res = save_dial(&owner, "20", false).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/settings");
    assert_eq!(stored(&app), (20, false));
    assert_eq!(audits(&app, "policy.settings_changed"), 1);
    let page = owner.get("/settings").await.text().await.unwrap();
    assert!(page.contains("Decision policy saved: autonomy 20 (Supervised)."));
    assert!(page.contains("<strong id=\"autonomy-band\">Supervised</strong>"));
    assert!(page.contains("value=\"20\""));

    let p = low(&app).await;
    assert_eq!(p["status"], "approved");
    assert_eq!(p["policy"]["band"], "supervised");
    assert_eq!(p["policy"]["autonomyLevel"], 20);
    let high = create(&app, json!({"action": "a", "risk": "high"})).await;
    assert_eq!(
        high["status"], "pending",
        "supervised lets only low and medium through"
    );
}

#[tokio::test]
async fn levels_outside_0_to_100_or_not_numbers_are_refused_readably_and_save_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(save_dial(&owner, "40", false).await.status(), 303);
    for bad in ["101", "-1", "abc", "", "2.5", "99999999999999999999"] {
        let res = save_dial(&owner, bad, true).await;
        assert_eq!(res.status(), 422, "{bad:?}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("The autonomy level is a whole number from 0 to 100")
                && page.contains("Nothing was saved."),
            "{bad:?}"
        );
        assert!(page.contains("id=\"policy-error\"") && page.contains("aria-invalid=\"true\""));
        assert_eq!(stored(&app), (40, false), "{bad:?} saved something");
    }
    assert_eq!(audits(&app, "policy.settings_changed"), 1);
    for (edge, band) in [("0", "copilot"), ("100", "full_auto")] {
        assert_eq!(save_dial(&owner, edge, false).await.status(), 303, "{edge}");
        assert_eq!(stored(&app).0, edge.parse::<i64>().unwrap());
        let p = create(&app, json!({"action": "a", "risk": "critical"})).await;
        assert_eq!(p["policy"]["band"], band);
    }
}

#[tokio::test]
async fn shadow_mode_ticked_on_the_page_records_what_the_dial_would_do_without_acting() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(save_dial(&owner, "80", true).await.status(), 303);
    assert_eq!(stored(&app), (80, true));
    let page = owner.get("/settings").await.text().await.unwrap();
    assert!(page.contains("in shadow mode"));
    assert!(page.contains("name=\"autonomy_shadow\" value=\"on\" checked"));
    let p = low(&app).await;
    assert_eq!(p["status"], "pending");
    assert_eq!(p["policy"]["shadow"]["result"], "approved");
    assert_eq!(p["policy"]["shadow"]["band"], "full_auto");

    // Unticked, the dial acts.
    assert_eq!(save_dial(&owner, "80", false).await.status(), 303);
    assert_eq!(stored(&app), (80, false));
    assert_eq!(low(&app).await["status"], "approved");
}

#[tokio::test]
async fn an_approver_can_neither_see_nor_change_the_decision_policy() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "approver@example.com", Role::Approver);
    let approver = app.sign_in("approver@example.com").await;
    assert_eq!(approver.get("/settings").await.status(), 403);
    assert_eq!(save_dial(&approver, "90", false).await.status(), 403);
    assert_eq!(stored(&app), (0, false));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'policy.settings_changed'"),
        0
    );
}

/// The keys table's cap cell of the key named `name`.
fn cap_cell(list: &str, name: &str) -> String {
    let row = &list[list.find(&format!(">{name}</th>")).expect(name)..];
    let cell = row.split("class=\"num cap\">").nth(1).unwrap();
    cell.split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn a_key_created_with_an_autonomy_cap_lists_it_and_its_pauses_are_capped() {
    let app = spawn_app().await;
    set_level(&app, 80, false).await;
    let owner = app.sign_in(&app.owner_email).await;
    let fields = [("name", "capped"), ("kind", "live"), ("scope_pauses", "on")];
    let res = owner
        .post_form("/keys", &[&fields[..], &[("autonomy", "30")]].concat())
        .await;
    assert_eq!(res.status(), 200);
    let key = crate::manage_keys::full_key_in(&res.text().await.unwrap()).unwrap();
    let uncapped = [
        ("name", "free"),
        ("kind", "live"),
        ("scope_pauses", "on"),
        ("autonomy", ""),
    ];
    assert_eq!(owner.post_form("/keys", &uncapped).await.status(), 200);

    let list = owner.get("/keys").await.text().await.unwrap();
    assert_eq!(cap_cell(&list, "capped"), "30");
    assert_eq!(cap_cell(&list, "free"), "—");

    let high = create_with(&app, &key, "high").await;
    assert_eq!(high["policy"]["autonomyLevel"], 30);
    assert_eq!(high["policy"]["band"], "supervised");
    assert_eq!(high["status"], "pending");
    assert_eq!(create_with(&app, &key, "low").await["status"], "approved");

    for bad in ["101", "-1", "x"] {
        let res = owner
            .post_form("/keys", &[&fields[..], &[("autonomy", bad)]].concat())
            .await;
        assert_eq!(res.status(), 303, "{bad}");
        let page = owner.get("/keys").await.text().await.unwrap();
        assert!(
            page.contains("The autonomy cap is a whole number from 0 to 100")
                && page.contains("no key was created."),
            "{bad}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys WHERE name = 'capped'"),
        1
    );
}

async fn create_with(app: &TestApp, key: &str, risk: &str) -> Value {
    let res = app
        .post_pause_with(key, &json!({"action": "a", "risk": risk}))
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn agent_cap(app: &TestApp) -> Option<i64> {
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT autonomy_level FROM agents WHERE name = 'a' AND is_test = 0",
            [],
            |r| r.get(0),
        )?)
    })
    .unwrap()
}

#[tokio::test]
async fn an_admin_sets_and_clears_an_agents_cap_audited_and_an_approver_only_sees_it() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    crate::agent_support::beat_ok(&app, "a", json!({})).await;
    set_level(&app, 80, false).await;
    app.add_user(1, "admin@example.com", Role::Admin);
    app.add_user(1, "approver@example.com", Role::Approver);
    let admin = app.sign_in("admin@example.com").await;

    let res = admin
        .post_form("/agents/a/autonomy", &[("level", "30")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/agents/a");
    assert_eq!(agent_cap(&app), Some(30));
    let page = admin.get("/agents/a").await.text().await.unwrap();
    assert!(
        page.contains("a&#39;s autonomy is now capped at 30."),
        "{page}"
    );
    assert!(page.contains("Capped at <strong>30</strong>"));
    let p = create(&app, json!({"action": "a", "agent": "a", "risk": "high"})).await;
    assert_eq!(p["policy"]["autonomyLevel"], 30);
    assert_eq!(p["status"], "pending");
    assert_eq!(audits(&app, "agent.autonomy_changed"), 1);

    for bad in ["101", "-1", "x"] {
        admin
            .post_form("/agents/a/autonomy", &[("level", bad)])
            .await;
        let page = admin.get("/agents/a").await.text().await.unwrap();
        assert!(
            page.contains("The autonomy cap is a whole number from 0 to 100"),
            "{bad}"
        );
        assert_eq!(agent_cap(&app), Some(30), "{bad}");
    }

    let approver = app.sign_in("approver@example.com").await;
    let page = approver.get("/agents/a").await.text().await.unwrap();
    assert!(page.contains("Capped at <strong>30</strong>"));
    assert!(!page.contains("action=\"/agents/a/autonomy\""));
    let res = approver
        .post_form("/agents/a/autonomy", &[("level", "")])
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(agent_cap(&app), Some(30));

    let res = admin
        .post_form("/agents/a/autonomy", &[("level", "")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(agent_cap(&app), None);
    let page = admin.get("/agents/a").await.text().await.unwrap();
    assert!(page.contains("No cap: the workspace's autonomy level (80) applies"));
    assert_eq!(audits(&app, "agent.autonomy_changed"), 2);
    let p = create(&app, json!({"action": "a", "agent": "a", "risk": "high"})).await;
    assert_eq!(p["status"], "approved");
}

#[tokio::test]
async fn an_agents_cap_set_in_test_mode_caps_only_the_test_agent() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    crate::agent_support::beat_ok(&app, "a", json!({})).await;
    let res = app
        .api
        .post(app.url("/api/agents/a/heartbeat"))
        .bearer_auth(&test_key)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    set_level(&app, 80, false).await;
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner
        .post_form("/mode", &[("test", "on"), ("back", "/agents/a")])
        .await;
    assert_eq!(res.status(), 303);
    let res = owner
        .post_form("/agents/a/autonomy", &[("level", "10")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(agent_cap(&app), None, "the live agent keeps no cap");
    let capped = app.count("SELECT count(*) FROM agents WHERE is_test = 1 AND autonomy_level = 10");
    assert_eq!(capped, 1);
    let body = json!({"action": "a", "agent": "a", "risk": "low"});
    let test_pause: Value = app
        .post_pause_with(&test_key, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(test_pause["policy"]["autonomyLevel"], 10);
    assert_eq!(create(&app, body).await["policy"]["autonomyLevel"], 80);
}
