//! The approver groups page (issue 19): owners and admins create a group, change its members
//! and delete it, with readable refusals; an approver is refused.

use reqwest::StatusCode;

use crate::helpers::{spawn_app, Browser};
use holdpoint::domain::users::Role;

async fn page(browser: &Browser) -> String {
    let res = browser.get("/groups").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

#[tokio::test]
async fn an_owner_creates_changes_and_deletes_a_group_and_an_approver_is_refused() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let owner = app.sign_in(&app.owner_email).await;
    assert!(page(&owner).await.contains("No groups yet"));
    let members = format!("ann@example.com\n{}\n", app.owner_email);
    let res = owner
        .post_form("/groups/new", &[("name", "finance"), ("members", &members)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&owner).await;
    assert!(
        html.contains("Created group “finance” with 2 members."),
        "{html}"
    );
    assert!(html.contains("&lt;ann@example.com&gt;"));
    let res = owner
        .post_form("/groups/finance/members", &[("members", "ann@example.com")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&owner).await.contains("now has 1 members"));
    let res = owner
        .post_form("/groups/new", &[("name", "Finance Team"), ("members", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&owner).await.contains("lowercase letters, digits"));
    let res = owner
        .post_form(
            "/groups/new",
            &[("name", "sre"), ("members", "nobody@example.com")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&owner)
        .await
        .contains("is not an active user of this workspace"));
    assert_eq!(app.count("SELECT count(*) FROM approver_groups"), 1);
    let approver = app.sign_in("ann@example.com").await;
    assert_eq!(
        approver.get("/groups").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = approver.post_form("/groups/finance/delete", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = owner.post_form("/groups/finance/delete", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&owner).await.contains("Deleted group “finance”."));
    assert_eq!(app.count("SELECT count(*) FROM approver_groups"), 0);
}
