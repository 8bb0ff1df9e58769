//! Delivery slots are shared fairly: one workspace's hanging endpoints do not delay another
//! workspace's notifications; endpoints per workspace are capped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use holdpoint::domain::users::Role;
use holdpoint::domain::webhook_admin::MAX_ENDPOINTS;
use holdpoint::domain::webhooks;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_without_email, TestApp};
use crate::mail_support::wait_for_files;
use crate::webhooks::Receiver;

/// A receiver on 127.0.0.1 that accepts every connection and never answers. Counts them.
struct Hanging {
    port: u16,
    accepted: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Hanging {
    async fn start() -> Hanging {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        let task = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                open.push(socket);
            }
        });
        Hanging {
            port,
            accepted,
            task,
        }
    }

    async fn wait_for(&self, n: usize) {
        for _ in 0..500 {
            if self.accepted.load(Ordering::SeqCst) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{n} connections expected, got {}", self.count());
    }

    fn count(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Hanging {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn add_endpoints(app: &TestApp, ws: i64, urls: &[String]) {
    let now = app.now();
    let events = vec!["pause.created".to_string()];
    app.with_db(|c| {
        for url in urls {
            webhooks::create(
                c,
                now,
                holdpoint::domain::ids::WorkspaceId(ws),
                url,
                &events,
            )?;
        }
        Ok(())
    })
    .unwrap();
}

async fn wait_until(app: &TestApp, sql: &str, n: i64) {
    for _ in 0..500 {
        if app.count(sql) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{sql} never reached {n}");
}

#[tokio::test]
async fn another_workspaces_email_and_slack_post_go_out_while_sixteen_endpoints_hang() {
    let app = spawn_app().await;
    app.with_db(|c| Ok(c.execute("UPDATE users SET email_notifications = 0", [])?))
        .unwrap();
    let hang = Hanging::start().await;
    let urls: Vec<String> = (0..16)
        .map(|i| format!("http://127.0.0.1:{}/hook/{i}", hang.port))
        .collect();
    add_endpoints(&app, 1, &urls);
    let b = app.create_workspace("Bee", "pro");
    let key_b = app.create_key(b, false);
    app.add_user(b, "bee@example.com", Role::Owner);
    let slack = Receiver::start(vec![]).await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE workspaces SET slack_webhook_url = ?1 WHERE id = ?2",
            holdpoint::db::sql::params![slack.url, b],
        )?)
    })
    .unwrap();

    // 32 messages for A, more than its share of 16 deliveries in flight.
    app.create_pause("Hang sixteen endpoints").await;
    app.create_pause("And again").await;
    hang.wait_for(16).await;
    let res = app
        .post_pause_with(&key_b, &json!({ "action": "Bee's approval" }))
        .await;
    assert_eq!(res.status(), 201);

    let post = slack.wait_for(1).await;
    assert!(post[0].body.contains("approval"), "{}", post[0].body);
    let mails = wait_for_files(&app.dir.path().join("mail"), 1).await;
    assert_eq!(mails.len(), 1);
    let b_delivered =
        format!("SELECT count(*) FROM outbox WHERE workspace_id = {b} AND state = 'delivered'");
    wait_until(&app, &b_delivered, 2).await;
    let a_done = "SELECT count(*) FROM outbox_attempts a JOIN outbox o ON o.id = a.outbox_id
                  WHERE o.workspace_id = 1";
    assert_eq!(app.count(a_done), 0, "none of A's deliveries has completed");
    assert_eq!(hang.count(), 16, "A holds no more than its share of slots");
}

#[tokio::test]
async fn one_endpoint_has_at_most_four_deliveries_in_flight() {
    let app = spawn_app_without_email().await;
    let hang = Hanging::start().await;
    add_endpoints(&app, 1, &[format!("http://127.0.0.1:{}/hook", hang.port)]);
    let fast = Receiver::start(vec![]).await;
    add_endpoints(&app, 1, std::slice::from_ref(&fast.url));
    for i in 0..6 {
        app.create_pause(&format!("Pause {i}")).await;
    }
    // The other endpoint of the same workspace gets all six while the hanging one holds four.
    fast.wait_for(6).await;
    hang.wait_for(4).await;
    assert_eq!(hang.count(), 4);
}

async fn add_via_page(b: &crate::helpers::Browser, url: &str) -> reqwest::Response {
    b.post_form("/webhooks", &[("url", url), ("events", "pause.created")])
        .await
}

#[tokio::test]
async fn a_workspace_has_at_most_twenty_enabled_endpoints_and_the_next_is_refused_with_a_message() {
    let app = spawn_app_without_email().await;
    let urls: Vec<String> = (1..MAX_ENDPOINTS)
        .map(|i| format!("https://example.com/h{i}"))
        .collect();
    add_endpoints(&app, 1, &urls);
    let b = app.sign_in(&app.owner_email).await;
    let res = add_via_page(&b, "https://example.com/twentieth").await;
    assert_eq!(res.status(), 200, "the 20th is accepted");
    let res = add_via_page(&b, "https://example.com/twenty-first").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let message = "This workspace already has 20 enabled webhook endpoints, the most it can \
                   have; disable one before you add another.";
    assert!(html.contains(message), "{html}");
    assert_eq!(app.count("SELECT count(*) FROM webhook_endpoints"), 20);

    assert_eq!(b.post_form("/webhooks/1/disable", &[]).await.status(), 303);
    let res = add_via_page(&b, "https://example.com/replacement").await;
    assert_eq!(res.status(), 200, "a disabled endpoint frees its place");
    assert_eq!(b.post_form("/webhooks/1/enable", &[]).await.status(), 303);
    let page = b.get("/webhooks").await.text().await.unwrap();
    assert!(
        page.contains("disable one before you enable this one."),
        "{page}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM webhook_endpoints WHERE enabled = 1"),
        20
    );
}
