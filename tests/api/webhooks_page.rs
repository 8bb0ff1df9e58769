//! The `/webhooks` dashboard pages: endpoints, secrets shown once, enable/disable, rotation,
//! deliveries and resend; owners and admins only, CSRF on every POST, audited.

use holdpoint::domain::users::Role;

use crate::helpers::{spawn_app_without_email, Browser, TestApp};
use crate::manage_keys::{approver, post_without_csrf};
use crate::webhooks::{attempts_recorded, Receiver};

/// The first `whsec_…` secret on a page.
pub fn secret_in(html: &str) -> Option<String> {
    let start = html.find("whsec_")?;
    let s: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "_+/=".contains(*c))
        .collect();
    Some(s)
}

async fn add_endpoint(b: &Browser, url: &str, events: &[&str]) -> reqwest::Response {
    let mut fields = vec![("url", url)];
    fields.extend(events.iter().map(|e| ("events", *e)));
    b.post_form("/webhooks", &fields).await
}

fn endpoints(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM webhook_endpoints")
}

#[tokio::test]
async fn an_endpoint_is_added_and_its_secret_shown_only_once() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    assert!(b
        .get("/")
        .await
        .text()
        .await
        .unwrap()
        .contains("href=\"/webhooks\""));
    let res = add_endpoint(
        &b,
        "https://example.com/hook",
        &["pause.approved", "pause.rejected"],
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let secret = secret_in(&html).expect("the secret is shown");
    assert!(html.contains("data-copy=\"new-secret\" hidden"));
    let stored: String = app
        .with_db(|c| Ok(c.query_row("SELECT secret FROM webhook_endpoints", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(stored, secret);
    let list = b.get("/webhooks").await.text().await.unwrap();
    assert!(list.contains("https://example.com/hook"));
    assert!(list.contains("pause.approved, pause.rejected"));
    assert!(
        !list.contains(&secret),
        "the list never shows an endpoint secret again"
    );
    assert_eq!(
        app.audit_events("webhook:1"),
        vec![("webhook.created".into(), "user".into())]
    );
}

#[tokio::test]
async fn bad_input_is_explained_and_nothing_is_written() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    let long = format!("https://example.com/{}", "a".repeat(2048));
    for (url, events, says) in [
        (
            "ftp://example.com/x",
            vec!["pause.created"],
            "http:// or https://",
        ),
        ("not a url", vec!["pause.created"], "http:// or https://"),
        (long.as_str(), vec!["pause.created"], "2048"),
        ("https://example.com/x", vec![], "at least one event"),
        (
            "https://example.com/x",
            vec!["pause.exploded"],
            "nknown event",
        ),
    ] {
        let res = add_endpoint(&b, url, &events).await;
        assert_eq!(res.status(), 422, "{url} {events:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains(says), "{url}: {says}");
        assert!(html.contains("aria-invalid"));
    }
    let res = post_without_csrf(
        &b,
        "/webhooks",
        &[("url", "https://e.com"), ("events", "pause.created")],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(endpoints(&app), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event LIKE 'webhook.%'"),
        0
    );
}

#[tokio::test]
async fn approvers_get_403_everywhere_and_other_workspaces_endpoints_are_404() {
    let app = spawn_app_without_email().await;
    let owner = app.sign_in(&app.owner_email).await;
    add_endpoint(&owner, "https://example.com/a", &["pause.created"]).await;
    let approver = approver(&app).await;
    for path in ["/webhooks", "/webhooks/1"] {
        assert_eq!(approver.get(path).await.status(), 403, "GET {path}");
    }
    for path in [
        "/webhooks",
        "/webhooks/callback-secret",
        "/webhooks/1/enable",
        "/webhooks/1/disable",
        "/webhooks/1/rotate",
        "/webhooks/1/deliveries/1/resend",
    ] {
        let res = approver
            .post_form(
                path,
                &[("url", "https://x.com"), ("events", "pause.created")],
            )
            .await;
        assert_eq!(res.status(), 403, "POST {path}");
    }
    // Workspace 2's admin cannot see or touch workspace 1's endpoint.
    let ws2 = app.create_workspace("Other", "pro");
    app.add_user(ws2, "admin2@example.com", Role::Admin);
    let other = app.sign_in("admin2@example.com").await;
    assert_eq!(other.get("/webhooks/1").await.status(), 404);
    assert_eq!(other.get("/webhooks/nope").await.status(), 404);
    for path in [
        "/webhooks/1/disable",
        "/webhooks/1/rotate",
        "/webhooks/1/deliveries/1/resend",
    ] {
        assert_eq!(
            other.post_form(path, &[]).await.status(),
            404,
            "POST {path}"
        );
    }
    assert!(!other
        .get("/webhooks")
        .await
        .text()
        .await
        .unwrap()
        .contains("example.com/a"));
    assert_eq!(
        app.count("SELECT count(*) FROM webhook_endpoints WHERE enabled = 1"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event LIKE 'webhook.%'"),
        1
    );
}

#[tokio::test]
async fn disable_enable_and_rotate_are_audited_and_rotation_shows_a_new_secret() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    let first = secret_in(
        &add_endpoint(&b, "https://example.com/h", &["pause.created"])
            .await
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let res = b.post_form("/webhooks/1/disable", &[]).await;
    assert_eq!(res.status(), 303);
    let list = b.get("/webhooks").await.text().await.unwrap();
    assert!(list.contains("disabled</span>: disabled on the dashboard"));
    assert_eq!(b.post_form("/webhooks/1/enable", &[]).await.status(), 303);
    assert_eq!(
        app.count("SELECT enabled FROM webhook_endpoints WHERE id = 1"),
        1
    );
    assert_eq!(
        post_without_csrf(&b, "/webhooks/1/rotate", &[])
            .await
            .status(),
        403
    );
    let html = b
        .post_form("/webhooks/1/rotate", &[])
        .await
        .text()
        .await
        .unwrap();
    let second = secret_in(&html).unwrap();
    assert_ne!(first, second);
    assert!(html.contains("previous secret keeps signing"));
    let events: Vec<String> = app
        .audit_events("webhook:1")
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        events,
        [
            "webhook.created",
            "webhook.disabled",
            "webhook.enabled",
            "webhook.rotated"
        ]
    );
    let details: String = app
        .with_db(|c| {
            Ok(
                c.query_row("SELECT group_concat(details) FROM audit_log", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert!(
        !details.contains(&first) && !details.contains(&second),
        "no secret in the audit log"
    );
}

#[tokio::test]
async fn deliveries_are_listed_and_resent_under_the_same_webhook_id() {
    let app = spawn_app_without_email().await;
    let receiver = Receiver::start(vec![(500, None)]).await;
    let b = app.sign_in(&app.owner_email).await;
    add_endpoint(&b, &receiver.url, &["pause.created"]).await;
    app.create_pause("Deploy").await;
    receiver.wait_for(1).await;
    attempts_recorded(&app, 1).await;
    let html = b.get("/webhooks/1").await.text().await.unwrap();
    assert!(html.contains("pause.created"));
    assert!(
        html.contains(r#"<td data-label="Last response">500</td>"#),
        "the last response code is shown"
    );
    let outbox_id = app.count("SELECT id FROM outbox");
    let res = b
        .post_form(&format!("/webhooks/1/deliveries/{outbox_id}/resend"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[0].id, got[1].id);
    assert_eq!(
        app.audit_events("webhook:1").last().unwrap().0,
        "webhook.resent"
    );
    assert_eq!(
        b.post_form("/webhooks/1/deliveries/999/resend", &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_callback_secret_is_created_through_the_form_and_revealed() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    let html = b.get("/webhooks").await.text().await.unwrap();
    assert!(secret_in(&html).is_none());
    assert_eq!(
        post_without_csrf(&b, "/webhooks/callback-secret", &[])
            .await
            .status(),
        403
    );
    let res = b.post_form("/webhooks/callback-secret", &[]).await;
    assert_eq!(res.status(), 303);
    let html = b.get("/webhooks").await.text().await.unwrap();
    assert_eq!(
        secret_in(&html),
        Some(crate::webhooks::callback_secret(&app))
    );
}
