//! End to end through a real SMTP server: the email arrives, a scanner's GET changes nothing,
//! the confirmation form's POST decides as the approver, and every link behaves afterwards.

use std::time::Duration;

use holdpoint::domain::users::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{extract, spawn_app_configured, TestApp};
use crate::mail_support::{free_port, Mail, SmtpSink};

async fn app_with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url().parse().unwrap();
    let dir = std::sync::Arc::new(tempfile::TempDir::new().unwrap());
    spawn_app_configured(dir, holdpoint::domain::clock::system_now(), |s| {
        s.smtp_url = Some(url)
    })
    .await
}

fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn for_user<'a>(mails: &'a [Mail], email: &str) -> &'a Mail {
    mails
        .iter()
        .find(|m| m.header("To") == email)
        .expect("an email for the user")
}

#[tokio::test]
async fn an_email_link_confirms_then_decides_once_as_that_approver() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let pause = app.create_pause("Wire $5,000 to ACME").await;
    let watch_id = pause["watchId"].as_str().unwrap().to_string();
    app.app_state.outbox_wake.notify_one();
    let mails = sink.wait_for(2).await;
    let (approve, _reject) = for_user(&mails, "owner@example.com").buttons();
    let (ann_approve, _) = for_user(&mails, "ann@example.com").buttons();

    // The agent is already waiting.
    let (api, key, url) = (
        app.api.clone(),
        app.key.clone(),
        app.url(&format!("/api/pause/{watch_id}?wait=30")),
    );
    let poll = tokio::spawn(async move {
        api.get(url)
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });

    // A mail scanner (or the person) opens the link: a page, no decision.
    let browser = cookie_client();
    let res = browser.get(&approve).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    for (h, v) in [
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-robots-tag", "noindex"),
    ] {
        assert_eq!(res.headers().get(h).unwrap(), v, "{h}");
    }
    let page = res.text().await.unwrap();
    assert!(page.contains("Wire $5,000 to ACME") && page.contains("<form method=\"post\""));
    assert!(
        !page.contains("<script"),
        "no script on the confirmation page"
    );
    assert_eq!(app.stored_status(&watch_id), "pending");

    let csrf = extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    let form = [
        ("csrf_token", csrf.as_str()),
        ("approved", "true"),
        ("reason", "looks right"),
    ];
    let res = browser.post(&approve).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Approved by Test User &#60;owner@example.com&#62;"));
    assert_eq!(app.stored_status(&watch_id), "approved");
    let got: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(got["decidedBy"]["email"], "owner@example.com");
    assert_eq!(got["reason"], "looks right");
    let via = app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE subject = '{watch_id}' AND event = 'pause.approved'
         AND actor_type = 'user' AND json_extract(details, '$.via') = 'email link'"
    ));
    assert_eq!(via, 1);

    // The long-poll woke with the decision.
    let woke = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(woke["status"], "approved");

    // The link works once.
    let again = [
        ("csrf_token", csrf.as_str()),
        ("approved", "false"),
        ("reason", "changed my mind"),
    ];
    let res = browser.post(&approve).form(&again).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("already used"));
    assert_eq!(app.stored_status(&watch_id), "approved");

    // Ann's link now says who decided, with no form.
    let res = cookie_client().get(&ann_approve).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Approved by Test User &#60;owner@example.com&#62;"),
        "{page}"
    );
    assert!(page.contains("looks right") && !page.contains("csrf_token"));

    // Unknown tokens explain themselves too.
    let res = cookie_client()
        .get(app.url("/d/not-a-real-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("not valid"));
}

#[tokio::test]
async fn a_post_without_the_form_token_decides_nothing() {
    let app = crate::helpers::spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET reject_reason_required = 1", [])?))
        .unwrap();
    let pause = app.create_pause("Delete the backups").await;
    let watch_id = pause["watchId"].as_str().unwrap().to_string();
    app.app_state.outbox_wake.notify_one();
    let mails = crate::mail_support::wait_for_files(&app.dir.path().join("mail"), 1).await;
    let (_, reject) = mails[0].buttons();
    let browser = cookie_client();
    let res = browser
        .post(&reject)
        .form(&[("approved", "false"), ("reason", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.stored_status(&watch_id), "pending");
    // With the token but no reason, where the workspace requires one: refused, form kept.
    let page = browser
        .get(&reject)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The Reject button's link highlights Reject; the same token's Approve link, Approve.
    assert!(page.contains("class=\"reject suggested\""), "{page}");
    assert!(!page.contains("class=\"approve suggested\""), "{page}");
    let csrf = extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    let res = browser
        .post(&reject)
        .form(&[("csrf_token", csrf.as_str()), ("approved", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("requires a reason"));
    assert_eq!(app.stored_status(&watch_id), "pending");
    let res = browser
        .post(&reject)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("approved", "false"),
            ("reason", "too risky"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.stored_status(&watch_id), "rejected");
}

fn send_test_email(dir: &std::path::Path, url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(["send-test-email", "ops@example.com", "--smtp-url", url])
        .env_remove("HOLDPOINT_SMTP_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn send_test_email_delivers_or_explains_in_operator_words() {
    let sink = SmtpSink::start().await;
    let dir = tempfile::TempDir::new().unwrap();
    let (ok, stderr) = send_test_email(dir.path(), &sink.url());
    assert!(ok, "{stderr}");
    let mails = std::fs::read_dir(sink.dir.path().join("mail/new"))
        .unwrap()
        .count();
    assert_eq!(mails, 1);

    let closed = format!("smtp://user:hunter2@127.0.0.1:{}?tls=none", free_port());
    let (ok, stderr) = send_test_email(dir.path(), &closed);
    assert!(!ok);
    assert!(
        stderr.contains("Nothing accepts connections at 127.0.0.1:"),
        "{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "the raw error too: {stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the password is never printed: {stderr}"
    );
}
