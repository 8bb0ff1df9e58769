//! Slack: the workspace setting, the Block Kit message for a new pause and the follow-up line
//! for its decision, checked at a local receiver.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::webhooks::Receiver;

fn settings(url: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", "Acme"),
        ("default_timeout_secs", ""),
        ("reject_reason_required", "no"),
        ("slack_webhook_url", url),
    ]
}

fn stored_slack_url(app: &TestApp) -> Option<String> {
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT slack_webhook_url FROM workspaces WHERE id = 1",
            [],
            |r| r.get(0),
        )?)
    })
    .unwrap()
}

#[tokio::test]
async fn the_slack_url_is_a_validated_audited_setting() {
    let app = spawn_app().await;
    let b = app.sign_in(&app.owner_email).await;
    for bad in [
        "http://hooks.slack.com/services/x",
        "hooks.slack.com/x",
        "not a url",
    ] {
        let res = b.post_form("/settings", &settings(bad)).await;
        assert_eq!(res.status(), 422, "{bad}");
        let html = res.text().await.unwrap();
        assert!(html.contains("https:// URL"), "{bad}");
        assert!(html.contains("id=\"ws-slack\""));
    }
    assert_eq!(stored_slack_url(&app), None);
    let url = "https://hooks.slack.com/services/T1/B2/secret";
    assert_eq!(b.post_form("/settings", &settings(url)).await.status(), 303);
    assert_eq!(stored_slack_url(&app).as_deref(), Some(url));
    assert!(b.get("/settings").await.text().await.unwrap().contains(url));
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'workspace.settings_changed'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["after"]["slack"], true);
    assert!(
        !details.to_string().contains("secret"),
        "the URL is a credential"
    );
    assert_eq!(b.post_form("/settings", &settings("")).await.status(), 303);
    assert_eq!(stored_slack_url(&app), None);
}

#[tokio::test]
async fn a_new_pause_is_posted_as_block_kit_and_its_decision_follows() {
    let app = spawn_app().await;
    let receiver = Receiver::start(vec![]).await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE workspaces SET slack_webhook_url = ?1",
            [&receiver.url],
        )?)
    })
    .unwrap();
    let body = json!({ "action": "Drop <users> & co", "context": { "rows": 1200 } });
    let created: Value = app
        .post_pause_with(&app.key, &body)
        .await
        .json()
        .await
        .unwrap();
    let id = created["watchId"].as_str().unwrap();
    let base = created["statusUrl"]
        .as_str()
        .unwrap()
        .split("/api/")
        .next()
        .unwrap();
    let msg: Value = serde_json::from_str(&receiver.wait_for(1).await[0].body).unwrap();
    assert!(msg["text"]
        .as_str()
        .unwrap()
        .contains("Drop &lt;users&gt; &amp; co"));
    let blocks = msg["blocks"].as_array().expect("blocks");
    let all = serde_json::to_string(blocks).unwrap();
    assert!(all.contains("*Drop &lt;users&gt; &amp; co*"), "{all}");
    assert!(
        all.contains("rows") && all.contains("1200"),
        "the context summary"
    );
    assert!(all.contains("Expires "));
    let actions = blocks.iter().find(|b| b["type"] == "actions").unwrap();
    let buttons = actions["elements"].as_array().unwrap();
    assert_eq!(buttons.len(), 2);
    assert_eq!(buttons[0]["text"]["text"], "Approve…");
    assert_eq!(buttons[1]["text"]["text"], "Reject…");
    for button in buttons {
        assert_eq!(button["url"], format!("{base}/pauses/{id}"));
    }

    let browser = app.sign_in(&app.owner_email).await;
    let res = browser.decide(id, true, Some("looks <fine>")).await;
    assert_eq!(res.status(), 200);
    let got = receiver.wait_for(2).await;
    let line: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(
        line,
        json!({ "text": "*Drop &lt;users&gt; &amp; co* was approved by owner@example.com: looks &lt;fine&gt;" })
    );
    assert!(got[1].signature.is_empty(), "Slack messages are not signed");
    let delivered = "SELECT count(*) FROM outbox WHERE channel = 'slack' AND state = 'delivered'";
    for _ in 0..200 {
        if app.count(delivered) == 2 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("both Slack messages were recorded as delivered");
}
