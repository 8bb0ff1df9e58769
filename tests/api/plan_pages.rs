//! Plans as people see them: the pause page's rendered Markdown, versions and diff; a hostile
//! plan rendered without its HTML or script links; the approval email and its confirmation page.

use holdpoint::domain::users::Role;
use serde_json::Value;

use crate::helpers::{extract, spawn_app};
use crate::mail_support::wait_for_files;
use crate::plans::{create_plan, PLAN_V1};
use crate::settle::outbox_settled;

const HOSTILE: &str = "# Plan <script>alert(1)</script>\n\n\
<img src=x onerror=alert(2)>\n\n\
Click [here](javascript:alert(3)) or [there](JAVA\tSCRIPT:alert(4)) or \
[data](data:text/html;base64,PHNjcmlwdD4=) or [docs](https://example.com/runbook).\n\n\
<a href=\"javascript:alert(5)\">raw link</a> ![pixel](https://tracker.example/p.gif)\n";

fn id(v: &Value) -> String {
    v["watchId"].as_str().unwrap().to_string()
}

fn assert_defused(html: &str) {
    // Raw HTML appears as escaped text; no tag the page really has may carry any of it.
    for tag in html.split('<').skip(1).filter_map(|t| t.split('>').next()) {
        let tag = tag.to_ascii_lowercase();
        assert!(
            !tag.starts_with("script") && !tag.starts_with("img"),
            "<{tag}>"
        );
        for bad in ["javascript", "data:", "onerror"] {
            assert!(!tag.contains(bad), "{bad} in <{tag}>");
        }
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains(
        r#"<a href="https://example.com/runbook" rel="noopener noreferrer nofollow">docs</a>"#
    ));
    assert!(html.contains(r##"<a href="#" rel="noopener noreferrer nofollow">here</a>"##));
    assert!(
        html.contains("[image: pixel]"),
        "images are links, not loaded"
    );
}

#[tokio::test]
async fn a_hostile_plan_is_shown_as_text_with_its_script_links_neutralised() {
    let app = spawn_app().await;
    let watch_id = id(&create_plan(&app, HOSTILE, None).await);
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser
        .get(&format!("/pauses/{watch_id}"))
        .await
        .text()
        .await
        .unwrap();
    let start = page.find("id=\"plan-body\"").expect("the plan on the page");
    let body = &page[start..start + page[start..].find("</div>").unwrap()];
    assert_defused(body);
    assert!(page.contains("✓ Approve plan") && page.contains("↩ Request changes"));
    assert!(page.contains("(required to request changes)"));
}

#[tokio::test]
async fn the_page_shows_the_chain_of_versions_and_the_diff_against_the_previous_one() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let v1 = id(&create_plan(&app, PLAN_V1, None).await);
    browser
        .decide(&v1, false, Some("Snapshot to S3 first"))
        .await;
    let v2_text = "# Migrate the billing DB\n\n1. Snapshot the database to S3 <now>\n2. Run the migration\n3. Switch traffic\n";
    let v2 = id(&create_plan(&app, v2_text, Some(&v1)).await);
    browser.decide(&v2, true, None).await;

    let page = browser
        .get(&format!("/pauses/{v2}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Plan, version 2 of 2"), "{page}");
    assert!(page.contains(&format!("<a href=\"/pauses/{v1}\">Version 1</a>")));
    assert!(page.contains("<strong aria-current=\"page\">Version 2</strong>"));
    assert!(page.contains("Changes since version 1"));
    assert!(page.contains("<span class=\"diff-del\">-1. Snapshot the database</span>"));
    assert!(
        page.contains(
            "<span class=\"diff-add\">+1. Snapshot the database to S3 &#60;now&#62;</span>"
        ) || page.contains(
            "<span class=\"diff-add\">+1. Snapshot the database to S3 &lt;now&gt;</span>"
        ),
        "diff lines are escaped: {page}"
    );
    assert!(page.contains("<span class=\"diff-same\"> 2. Run the migration</span>"));

    let first = browser
        .get(&format!("/pauses/{v1}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(first.contains("Plan, version 1 of 2"));
    assert!(first.contains(&format!("<a href=\"/pauses/{v2}\">Version 2</a>")));
    assert!(
        !first.contains("Changes since"),
        "the first version has no diff"
    );
    assert!(first.contains("Changes requested</strong> by"));
    assert!(first.contains("Snapshot to S3 first"));

    let history = browser
        .get("/history?status=changes_requested")
        .await
        .text()
        .await
        .unwrap();
    assert!(history.contains(&format!("/pauses/{v1}")), "{history}");
    assert!(!history.contains(&format!("/pauses/{v2}")));
}

#[tokio::test]
async fn the_queue_offers_plan_buttons_and_an_escaped_preview_of_the_plan() {
    let app = spawn_app().await;
    create_plan(&app, HOSTILE, None).await;
    let deploy = id(&app.create_pause("Deploy").await);
    let browser = app.sign_in(&app.owner_email).await;
    // The pane shows the first pending pause, the plan, with the plan's buttons.
    let queue = browser.get("/").await.text().await.unwrap();
    assert_eq!(queue.matches("✓ Approve plan").count(), 1, "{queue}");
    assert_eq!(queue.matches("↩ Request changes").count(), 1);
    assert!(queue.contains("alert(1)") && !queue.contains("<script>alert"));
    let approval = browser.get(&format!("/?pause={deploy}")).await;
    let approval = approval.text().await.unwrap();
    assert_eq!(
        approval.matches("✗ Reject").count(),
        1,
        "the approval keeps its buttons"
    );
    assert!(!approval.contains("✓ Approve plan"));
}

#[tokio::test]
async fn the_email_renders_the_plan_and_its_request_changes_page_requires_feedback() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let watch_id = id(&create_plan(&app, HOSTILE, None).await);
    app.app_state.outbox_wake.notify_one();
    let mails = wait_for_files(&app.dir.path().join("mail"), 2).await;
    outbox_settled(&app).await;
    let mail = &mails[0];
    assert!(mail.header("Subject").starts_with("Plan review needed: "));
    assert_defused(&mail.html);
    assert!(mail.html.contains(">Approve plan</a>") && mail.html.contains(">Request changes</a>"));
    assert!(
        mail.text.contains(HOSTILE.trim_end()),
        "the text part shows the source"
    );
    assert!(mail.text.contains("Request changes: "));

    let (_, request_changes) = mail.buttons();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = client
        .get(&request_changes)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Plan review requested") && page.contains("id=\"plan-body\""));
    assert!(page.contains("↩ Request changes") && page.contains("(required to request changes)"));
    let csrf = extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    let res = client
        .post(&request_changes)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("approved", "false"),
            ("reason", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("feedback is required to request changes"),
        "{page}"
    );
    assert_eq!(app.stored_status(&watch_id), "pending");
    let csrf = extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    let res = client
        .post(&request_changes)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("approved", "false"),
            ("reason", "No pixels"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Changes requested"));
    let got: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(got["status"], "changes_requested");
    assert_eq!(got["reason"], "No pixels");
}
