//! The approval email of a pause that needs step-up (issue 21): one link to the pause's page,
//! which asks for the second factor, instead of Approve and Reject buttons that could only lead
//! there anyway.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::mail_support::wait_for_files;
use crate::step_up_support::{create, settings};

#[tokio::test]
async fn the_email_for_a_pause_that_needs_step_up_links_to_its_page_instead_of_approve_and_reject()
{
    let app = spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    let id = create(&app, json!({"action": "wire $1M", "risk": "critical"})).await;
    let mails = wait_for_files(&app.dir.path().join("mail"), 1).await;
    let mail = &mails[0];
    let page = format!("/pauses/{id}?step-up=1");
    assert!(mail.html.contains("Open to decide"), "{}", mail.html);
    assert!(mail.html.contains(&page), "{}", mail.html);
    assert!(
        !mail.html.contains("/d/"),
        "no one-click link: {}",
        mail.html
    );
    assert!(
        mail.text.contains("Decide on the request's page: ") && mail.text.contains(&page),
        "{}",
        mail.text
    );
    assert!(!mail.text.contains("Approve:"), "{}", mail.text);
}

#[tokio::test]
async fn with_step_up_on_a_pause_that_does_not_need_it_still_gets_approve_and_reject() {
    let app = spawn_app().await;
    settings(&app, json!({"stepUp": true})).await;
    create(&app, json!({"action": "rename a file", "risk": "low"})).await;
    let mails = wait_for_files(&app.dir.path().join("mail"), 1).await;
    let (approve, reject) = mails[0].buttons();
    assert!(approve.contains("/d/") && reject.contains("/d/"));
    assert!(!mails[0].html.contains("Open to decide"));
}
