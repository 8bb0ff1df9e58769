//! Channels and phone push (issue 20): `GET/PATCH /api/channels` and a group's channels, never
//! showing a secret, refusing what the SSRF guard refuses with its field, live admin keys only;
//! ntfy's documented JSON publish for a new pause and its decision, checked at a local server;
//! a routed pause on its group's topic (and Slack), an unrouted one on the workspace's.

use reqwest::Method;
use serde_json::{json, Value};

use crate::console_votes::create;
use crate::helpers::{assert_problem, spawn_app, spawn_app_configured};
use crate::push_support::{admin, set_channels, Ntfy};
use crate::webhooks::Receiver;
use holdpoint::domain::users::Role;

#[tokio::test]
async fn a_workspace_topic_gets_ntfys_json_publish_for_a_new_pause_and_its_decision() {
    let app = spawn_app().await;
    let ntfy = Ntfy::start().await;
    let body = json!({"ntfy": {"url": ntfy.url, "topic": "ops-alerts", "token": "tk_secret1"}});
    set_channels(&app, "/api/channels", body).await;
    let action = "Drop the \u{202E}users table";
    let id = create(&app, json!({"action": action, "risk": "high"})).await;
    let got = ntfy.wait_for(1).await;
    assert_eq!(got[0].path, "/", "JSON publishes go to the server's root");
    assert_eq!(got[0].authorization, "Bearer tk_secret1");
    let msg = &got[0].body;
    let page = app.url(&format!("/pauses/{id}"));
    assert_eq!(msg["topic"], "ops-alerts");
    assert_eq!(msg["title"], "Approval needed (high risk)");
    assert_eq!(msg["message"], "Drop the [U+202E]users table");
    assert_eq!(msg["priority"], 4);
    assert_eq!(msg["click"], page);
    let actions = msg["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "a shared topic gets no buttons: {msg}");
    assert_eq!(actions[0]["action"], "view");
    assert_eq!(actions[0]["url"], page);

    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&id, true, None).await.status(), 200);
    let follow = &ntfy.wait_for(2).await[1].body;
    assert_eq!(follow["topic"], "ops-alerts");
    assert!(
        follow["title"]
            .as_str()
            .unwrap()
            .starts_with("Request approved by"),
        "{follow}"
    );
    assert_eq!(follow["click"], page);
}

#[tokio::test]
async fn priority_follows_the_risk() {
    let app = spawn_app().await;
    let ntfy = Ntfy::start().await;
    set_channels(
        &app,
        "/api/channels",
        json!({"ntfy": {"url": ntfy.url, "topic": "t"}}),
    )
    .await;
    for risk in ["low", "medium", "high", "critical"] {
        create(&app, json!({"action": risk, "risk": risk})).await;
    }
    let mut got: Vec<(String, i64)> = ntfy
        .wait_for(4)
        .await
        .iter()
        .map(|p| {
            (
                p.body["message"].as_str().unwrap().to_string(),
                p.body["priority"].as_i64().unwrap(),
            )
        })
        .collect();
    got.sort_by_key(|(_, p)| *p);
    let want = [("low", 2), ("medium", 3), ("high", 4), ("critical", 5)];
    assert_eq!(got, want.map(|(r, p)| (r.to_string(), p)));
    assert!(
        ntfy.all().iter().all(|p| p.authorization.is_empty()),
        "no token, no header"
    );
}

#[tokio::test]
async fn a_routed_pause_goes_to_its_groups_topic_and_slack_and_an_unrouted_one_to_the_workspaces() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let (ntfy, group_slack, ws_slack) = (
        Ntfy::start().await,
        Receiver::start(vec![]).await,
        Receiver::start(vec![]).await,
    );
    let group = json!({"name": "finance", "members": ["ann@example.com"]});
    assert_eq!(
        admin(&app, Method::POST, "/api/groups", Some(group))
            .await
            .status(),
        201
    );
    let routes = json!({"routeTo": {"critical": "finance"}});
    assert_eq!(
        admin(&app, Method::PATCH, "/api/policy/settings", Some(routes))
            .await
            .status(),
        200
    );
    set_channels(
        &app,
        "/api/channels",
        json!({"ntfy": {"url": ntfy.url, "topic": "everyone"}}),
    )
    .await;
    let fin = json!({"ntfy": {"url": ntfy.url, "topic": "finance-team"}, "slack": {"url": "https://hooks.slack.com/services/T/B/x"}});
    let shown = set_channels(&app, "/api/groups/finance/channels", fin).await;
    assert_eq!(shown["ntfy"]["topic"], "finance-team");
    assert_eq!(
        shown["slack"]["url"],
        "https://hooks.slack.com/services/T/B/x"
    );
    // Slack URLs are https only: the local receivers are put in place behind the API's back.
    app.with_db(|c| {
        c.execute(
            "UPDATE workspaces SET slack_webhook_url = ?1",
            [&ws_slack.url],
        )?;
        c.execute(
            "UPDATE approver_groups SET channels = json_set(channels, '$.slack.url', ?1)",
            [&group_slack.url],
        )?;
        Ok(())
    })
    .unwrap();

    create(
        &app,
        json!({"action": "wire the money", "risk": "critical"}),
    )
    .await;
    create(&app, json!({"action": "tidy the docs", "risk": "low"})).await;
    let fin = ntfy.to_topic("finance-team", 1).await;
    let all = ntfy.to_topic("everyone", 1).await;
    assert_eq!(fin[0]["message"], "wire the money");
    assert_eq!(all[0]["message"], "tidy the docs");
    assert_eq!(
        ntfy.wait_for(2).await.len(),
        2,
        "each pause on one topic only"
    );
    let slack_text = |r: &Receiver| -> Vec<String> {
        r.got
            .lock()
            .unwrap()
            .iter()
            .map(|d| d.body.clone())
            .collect()
    };
    assert!(group_slack.wait_for(1).await[0]
        .body
        .contains("wire the money"));
    assert!(ws_slack.wait_for(1).await[0].body.contains("tidy the docs"));
    assert_eq!(slack_text(&group_slack).len(), 1);
    assert_eq!(slack_text(&ws_slack).len(), 1);
}

#[tokio::test]
async fn get_shows_no_secret_and_a_change_is_audited_once_without_it() {
    let app = spawn_app().await;
    let body = json!({
        "ntfy": {"url": "https://user:pw@ntfy.example.com/?auth=abc", "topic": "t1", "token": "tk_hidden"},
        "discord": {"url": "https://discord.com/api/webhooks/1/sekrit?wait=true"},
        "ntfyButtonsMaxRisk": "high",
    });
    set_channels(&app, "/api/channels", body).await;
    let res = admin(&app, Method::GET, "/api/channels", None).await;
    let shown: Value = res.json().await.unwrap();
    assert_eq!(shown["ntfy"]["token"], "set");
    assert_eq!(shown["ntfy"]["url"], "https://ntfy.example.com/?[redacted]");
    assert_eq!(shown["ntfyButtonsMaxRisk"], "high");
    assert_eq!(shown["slack"], Value::Null);
    assert_eq!(shown["teams"], Value::Null);
    let text = shown.to_string();
    for secret in ["tk_hidden", "pw@", "auth=abc", "wait=true"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // Absent token: kept; the same PATCH again changes nothing and is not audited again.
    let again =
        json!({"ntfy": {"url": "https://user:pw@ntfy.example.com/?auth=abc", "topic": "t1"}});
    set_channels(&app, "/api/channels", again).await;
    let details: Vec<String> = app
        .with_db(|c| {
            let mut s =
                c.prepare("SELECT details FROM audit_log WHERE event = 'channels.changed'")?;
            let rows = s.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .unwrap();
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(
        !details[0].contains("tk_hidden") && !details[0].contains("sekrit"),
        "{}",
        details[0]
    );
}

#[tokio::test]
async fn refused_urls_and_topics_name_their_field_and_write_nothing() {
    let app = spawn_app_configured(
        std::sync::Arc::new(tempfile::TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| s.webhook_allow_private = false,
    )
    .await;
    let cases = [
        (
            json!({"ntfy": {"url": "http://127.0.0.1:8080", "topic": "t"}}),
            "ntfy.url",
        ),
        (
            json!({"slack": {"url": "https://localhost/hook"}}),
            "slack.url",
        ),
        (
            json!({"teams": {"url": "https://10.0.0.5/flow"}}),
            "teams.url",
        ),
        (
            json!({"discord": {"url": "http://discord.com/api/webhooks/1/x"}}),
            "discord.url",
        ),
        (
            json!({"ntfy": {"url": "https://ntfy.sh", "topic": "a".repeat(65)}}),
            "ntfy.topic",
        ),
        (
            json!({"ntfy": {"url": "https://ntfy.sh", "topic": "has space"}}),
            "ntfy.topic",
        ),
        (
            json!({"ntfyButtonsMaxRisk": "extreme"}),
            "ntfyButtonsMaxRisk",
        ),
        (json!({"pigeon": {"url": "https://x.example"}}), "pigeon"),
    ];
    for (body, field) in cases {
        let res = admin(&app, Method::PATCH, "/api/channels", Some(body.clone())).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'channels.changed'"),
        0
    );
    let at_limit = json!({"ntfy": {"url": "https://ntfy.sh", "topic": "a".repeat(64)}});
    set_channels(&app, "/api/channels", at_limit).await;
}

#[tokio::test]
async fn test_keys_and_unknown_groups_are_refused() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    for (method, path) in [
        (Method::GET, "/api/channels"),
        (Method::PATCH, "/api/channels"),
        (Method::GET, "/api/groups/finance/channels"),
        (Method::PATCH, "/api/groups/finance/channels"),
    ] {
        let req = app
            .api
            .request(method.clone(), app.url(path))
            .bearer_auth(&test_key);
        let res = req.json(&json!({})).send().await.unwrap();
        let problem = assert_problem(res, 403).await;
        assert_eq!(
            problem["type"], "/problems/live-key-required",
            "{method} {path}"
        );
    }
    let res = admin(&app, Method::GET, "/api/groups/nope/channels", None).await;
    assert_problem(res, 404).await;
}
