//! Microsoft Teams and Discord (issue 20): a new pause is an Adaptive Card in a Workflows
//! message / an embed, its decision a follow-up, both linking to the pause page, checked at a
//! local receiver; Discord's `429` with `retry_after` in the body sets the retry.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::console_votes::create;
use crate::helpers::{spawn_app, TestApp};

type Script = Arc<Mutex<VecDeque<(u16, &'static str)>>>;

/// A receiver on 127.0.0.1 answering from `script` (then 204), recording each JSON body.
async fn receiver(script: Vec<(u16, &'static str)>) -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let script: Script = Arc::new(Mutex::new(script.into()));
    let (g, s) = (got.clone(), script.clone());
    let server = HttpServer::new(move || {
        let (g, s) = (g.clone(), s.clone());
        App::new().default_service(web::to(move |body: web::Bytes| {
            let (g, s) = (g.clone(), s.clone());
            async move {
                g.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                let (status, body) = s.lock().unwrap().pop_front().unwrap_or((204, ""));
                HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://127.0.0.1:{}/hook", server.addrs()[0].port());
    tokio::spawn(server.run());
    (url, got)
}

async fn wait_for(got: &Arc<Mutex<Vec<Value>>>, n: usize) -> Vec<Value> {
    for _ in 0..500 {
        if got.lock().unwrap().len() >= n {
            return got.lock().unwrap().clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("expected {n} messages, got {:?}", got.lock().unwrap());
}

/// Puts a receiver in place behind the API's back (its URLs are https only).
fn set_url(app: &TestApp, channel: &str, url: &str) {
    let path = format!("$.{channel}.url");
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE workspaces SET channels = json_set(channels, ?1, ?2)",
            [&path, url],
        )?)
    })
    .unwrap();
}

#[tokio::test]
async fn teams_gets_an_adaptive_card_for_a_new_pause_and_a_line_for_its_decision() {
    let app = spawn_app().await;
    let (url, got) = receiver(vec![]).await;
    set_url(&app, "teams", &url);
    let id = create(
        &app,
        json!({"action": "Deploy **prod** [now](http://x)", "risk": "high"}),
    )
    .await;
    let msg = &wait_for(&got, 1).await[0];
    let page = app.url(&format!("/pauses/{id}"));
    assert_eq!(msg["type"], "message");
    let att = &msg["attachments"][0];
    assert_eq!(
        att["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &att["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["body"][0]["text"], "Approval needed (high risk)");
    assert_eq!(
        card["body"][1]["text"],
        r"Deploy \*\*prod\*\* \[now\]\(http://x\)"
    );
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(card["actions"][0]["url"], page);
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(
        browser.decide(&id, false, Some("not today")).await.status(),
        200
    );
    let follow = &wait_for(&got, 2).await[1];
    let line = follow["attachments"][0]["content"]["body"][0]["text"]
        .as_str()
        .unwrap();
    assert!(line.contains("was rejected by"), "{line}");
}

#[tokio::test]
async fn discord_gets_an_embed_that_pings_nobody_and_its_rate_limit_is_honoured() {
    let app = spawn_app().await;
    let (url, got) = receiver(vec![(
        429,
        r#"{"message": "You are being rate limited.", "retry_after": 2.5, "global": false}"#,
    )])
    .await;
    set_url(&app, "discord", &url);
    let id = create(
        &app,
        json!({"action": "@everyone restart the db", "risk": "critical"}),
    )
    .await;
    let msg = &wait_for(&got, 1).await[0];
    let embed = &msg["embeds"][0];
    assert_eq!(embed["title"], "Approval needed (critical risk)");
    assert_eq!(embed["description"], "@everyone restart the db");
    assert_eq!(embed["url"], app.url(&format!("/pauses/{id}")));
    assert_eq!(embed["color"], 0xc62828);
    assert_eq!(
        msg["allowed_mentions"]["parse"],
        json!([]),
        "no @everyone ping"
    );
    // The first answer was 429 with retry_after 2.5: the next attempt is 3 s after it.
    let (attempted, next): (i64, i64) = loop {
        let row = app
            .with_db(|c| {
                Ok(c.query_row(
                    "SELECT (SELECT max(at) FROM outbox_attempts WHERE outbox_id = o.id), o.next_attempt_at
                     FROM outbox o WHERE channel = 'discord'",
                    [],
                    |r| Ok((r.get::<_, Option<i64>>(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        if let (Some(at), next) = row {
            break (at, next);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(next - attempted, 3000);
    app.clock.advance_secs(3);
    wait_for(&got, 2).await;
    // The receiver answered before the dispatcher records it: wait for the record.
    let delivered = "SELECT count(*) FROM outbox WHERE channel = 'discord' AND state = 'delivered'";
    crate::process::wait_until("the retried message is recorded delivered", 10, || {
        app.count(delivered) == 1
    })
    .await;
}

/// `channel event` of each Teams and Discord message queued, oldest first.
fn queued(app: &TestApp) -> Vec<String> {
    app.with_db(|c| {
        let mut s = c.prepare(
            "SELECT channel || ' ' || event FROM outbox WHERE channel IN ('teams', 'discord')
             ORDER BY id",
        )?;
        let rows = s.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(rows)
    })
    .unwrap()
}

#[tokio::test]
async fn teams_and_discord_hear_of_a_new_pause_and_its_decision_but_not_of_each_vote() {
    let (app, _) = crate::quorum_support::team(&["ann@example.com"]).await;
    set_url(&app, "teams", "http://127.0.0.1:9/teams");
    set_url(&app, "discord", "http://127.0.0.1:9/discord");
    let body = json!({"action": "Wire $9,000", "requiredApprovals": 2});
    let id = crate::quorum_support::id(&crate::quorum_support::pause(&app, body).await);
    let created = ["teams pause.created", "discord pause.created"];
    assert_eq!(queued(&app), created);
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(owner.decide(&id, true, None).await.status(), 200);
    assert_eq!(
        queued(&app),
        created,
        "a vote that did not decide is no message"
    );
    let ann = app.sign_in("ann@example.com").await;
    assert_eq!(ann.decide(&id, true, None).await.status(), 200);
    let mut all = created.to_vec();
    all.extend(["teams pause.approved", "discord pause.approved"]);
    assert_eq!(queued(&app), all);
}
