//! Where the inbox lands after a vote that did not decide (issue 19): on the next pause that
//! still needs the reader, not back on the one they just voted on.

use serde_json::json;

use crate::console_votes::{approve_in_pane, create};
use crate::helpers::spawn_app;
use holdpoint::domain::users::Role;

#[tokio::test]
async fn after_a_vote_that_did_not_decide_the_pane_moves_to_the_next_pause_that_needs_me() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let quorum = create(&app, json!({"action": "two keys", "requiredApprovals": 2})).await;
    let next = create(&app, json!({"action": "one key"})).await;
    let owner = app.sign_in(&app.owner_email).await;
    let page = approve_in_pane(&owner, &quorum).await;
    assert!(
        page.contains("Your approval is recorded: 1 of 2."),
        "{page}"
    );
    let pane = &page[page.find("id=\"pane\"").unwrap()..];
    assert!(
        pane.contains(&format!("data-watch-id=\"{next}\"")),
        "{pane}"
    );
    // With nothing else waiting, it lands on the pause voted on, which says so.
    let page = approve_in_pane(&owner, &next).await;
    let pane = &page[page.find("id=\"pane\"").unwrap()..];
    assert!(
        pane.contains(&format!("data-watch-id=\"{quorum}\"")) && pane.contains("id=\"my-vote\"")
    );
}
