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
    let confirm = owner
        .get("/groups?delete=finance")
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("Delete group “finance”?"), "{confirm}");
    let res = owner.post_form("/groups/finance/delete", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&owner).await.contains("Deleted group “finance”."));
    assert_eq!(app.count("SELECT count(*) FROM approver_groups"), 0);
}

#[tokio::test]
async fn a_group_is_deleted_after_a_confirmation_that_names_what_still_routes_to_it() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let owner = app.sign_in(&app.owner_email).await;
    let rules = owner.get("/rules").await.text().await.unwrap();
    assert!(
        rules.contains("href=\"/groups\""),
        "the groups are reached from the rules"
    );
    owner
        .post_form(
            "/groups/new",
            &[("name", "sre"), ("members", &app.owner_email)],
        )
        .await;
    let html = page(&owner).await;
    assert!(
        html.contains("href=\"/groups?delete=sre#confirm\""),
        "{html}"
    );
    assert!(
        !html.contains("action=\"/groups/sre/delete\""),
        "no delete without the confirmation"
    );
    let route = |to: &'static str| {
        let fields = [
            ("route_low", ""),
            ("route_medium", ""),
            ("route_high", ""),
            ("route_critical", to),
            ("min_low", "1"),
            ("min_medium", "1"),
            ("min_high", "1"),
            ("min_critical", "1"),
            ("remind_at", "50"),
            ("escalate_at", "80"),
            ("escalate_to", ""),
            ("on_timeout", "expire"),
        ];
        let owner = &owner;
        async move {
            owner
                .post_form("/settings/approvals", &fields)
                .await
                .status()
        }
    };
    assert_eq!(route("sre").await, StatusCode::SEE_OTHER);
    let confirm = owner.get("/groups?delete=sre").await.text().await.unwrap();
    assert!(confirm.contains("Delete group “sre”?"), "{confirm}");
    assert!(
        confirm.contains("still named by the decision policy&#39;s route for critical risk"),
        "{confirm}"
    );
    let res = owner.post_form("/groups/sre/delete", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&owner).await;
    assert!(html.contains("cannot be deleted"), "{html}");
    assert_eq!(app.count("SELECT count(*) FROM approver_groups"), 1);
    assert_eq!(route("").await, StatusCode::SEE_OTHER);
    let confirm = owner.get("/groups?delete=sre").await.text().await.unwrap();
    assert!(
        confirm.contains("Its members and keys no longer"),
        "{confirm}"
    );
    owner.post_form("/groups/sre/delete", &[]).await;
    assert_eq!(app.count("SELECT count(*) FROM approver_groups"), 0);
    let res = owner.get("/groups?delete=sre").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
