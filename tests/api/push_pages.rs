//! Channels on the pages (issue 20): the settings page's and a group's channels form go through
//! the same use case as the API (a refusal names the field, writes nothing); the account page
//! sets and clears a person's own push topic, audited, with the limit at 64 and one past it.

use serde_json::Value;

use crate::helpers::spawn_app;
use crate::push_support::admin;
use holdpoint::domain::users::Role;
use reqwest::Method;

fn fields<'a>(ntfy_url: &'a str, topic: &'a str, token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("ntfy_url", ntfy_url),
        ("ntfy_topic", topic),
        ("ntfy_token", token),
        ("teams_url", ""),
        ("discord_url", "https://discord.com/api/webhooks/1/abc"),
        ("max_risk", "high"),
    ]
}

#[tokio::test]
async fn the_settings_page_saves_the_workspaces_channels_without_showing_the_token() {
    let app = spawn_app().await;
    let b = app.sign_in(&app.owner_email).await;
    let res = b
        .post_form(
            "/settings/channels",
            &fields("https://ntfy.sh", "ops-1", "tk_page"),
        )
        .await;
    assert_eq!(res.status(), 303);
    let got: Value = admin(&app, Method::GET, "/api/channels", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["ntfy"]["topic"], "ops-1");
    assert_eq!(got["ntfy"]["token"], "set");
    assert_eq!(got["ntfyButtonsMaxRisk"], "high");
    assert_eq!(
        got["discord"]["url"],
        "https://discord.com/api/webhooks/1/abc"
    );
    let html = b.get("/settings").await.text().await.unwrap();
    assert!(html.contains("id=\"ws-ntfy-topic\"") && html.contains("value=\"ops-1\""));
    assert!(!html.contains("tk_page"), "the token is never shown");
    assert!(html.contains("A token is set"));
    // An empty token field keeps it; a bad topic is refused, naming the field, writing nothing.
    b.post_form(
        "/settings/channels",
        &fields("https://ntfy.sh", "ops-2", ""),
    )
    .await;
    let bad = b
        .post_form(
            "/settings/channels",
            &fields("https://ntfy.sh", "no spaces", ""),
        )
        .await;
    assert_eq!(bad.status(), 303);
    let html = b.get("/settings").await.text().await.unwrap();
    assert!(
        html.contains("Ntfy topic: an ntfy topic has 1 to 64"),
        "the refusal is shown"
    );
    let got: Value = admin(&app, Method::GET, "/api/channels", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (got["ntfy"]["topic"].as_str(), got["ntfy"]["token"].as_str()),
        (Some("ops-2"), Some("set"))
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'channels.changed'"),
        2
    );
}

#[tokio::test]
async fn the_groups_page_saves_a_groups_own_channels() {
    let app = spawn_app().await;
    let group = serde_json::json!({"name": "sre"});
    assert_eq!(
        admin(&app, Method::POST, "/api/groups", Some(group))
            .await
            .status(),
        201
    );
    let b = app.sign_in(&app.owner_email).await;
    let mut f = fields("https://ntfy.example.com", "sre-pager", "");
    f.push(("slack_url", "https://hooks.slack.com/services/T/B/sre"));
    assert_eq!(b.post_form("/groups/sre/channels", &f).await.status(), 303);
    let got: Value = admin(&app, Method::GET, "/api/groups/sre/channels", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["ntfy"]["topic"], "sre-pager");
    assert_eq!(
        got["slack"]["url"],
        "https://hooks.slack.com/services/T/B/sre"
    );
    let ws: Value = admin(&app, Method::GET, "/api/channels", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ws["ntfy"], Value::Null, "the workspace's are untouched");
    let html = b.get("/groups").await.text().await.unwrap();
    assert!(html.contains("id=\"g-sre-ntfy-topic\""), "{html}");
    assert!(html.contains("value=\"sre-pager\""));
}

#[tokio::test]
async fn a_person_sets_and_clears_their_own_push_topic_on_the_account_page() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let b = app.sign_in("ann@example.com").await;
    let html = b.get("/account").await.text().await.unwrap();
    assert!(html.contains("has no ntfy server yet"));
    let stored = || {
        app.with_db(|c| {
            Ok(c.query_row(
                "SELECT ntfy_topic FROM users WHERE email = 'ann@example.com'",
                [],
                |r| r.get::<_, Option<String>>(0),
            )?)
        })
        .unwrap()
    };
    let long = "a".repeat(65);
    assert_eq!(
        b.post_form("/account/push", &[("topic", &long)])
            .await
            .status(),
        303
    );
    assert_eq!(stored(), None, "65 characters is one too many");
    assert!(b
        .get("/account")
        .await
        .text()
        .await
        .unwrap()
        .contains("1 to 64"));
    let at_limit = "b".repeat(64);
    b.post_form("/account/push", &[("topic", &at_limit)]).await;
    assert_eq!(stored().as_deref(), Some(at_limit.as_str()));
    assert!(b
        .get("/account")
        .await
        .text()
        .await
        .unwrap()
        .contains(&format!("value=\"{at_limit}\"")));
    b.post_form("/account/push", &[("topic", "")]).await;
    assert_eq!(stored(), None);
    let audited = app.count(
        "SELECT count(*) FROM audit_log WHERE event = 'user.notifications_changed'
         AND details LIKE '%ntfyTopic%'",
    );
    assert_eq!(audited, 2, "set and cleared");
}
