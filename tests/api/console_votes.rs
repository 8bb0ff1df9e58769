//! The console and quorums (issue 19): the queue's `?mine=1` (and `GET /api/pause?mine=1` for a
//! signed-in person), the inbox row's "1 of 2", "→ group" and "overdue", the pause pane's votes,
//! and what a person is told after an approval that did not decide (page and batch).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Browser, TestApp};
use crate::policy::admin_key;
use holdpoint::domain::users::Role;

async fn admin(app: &TestApp, method: Method, path: &str, body: Value) {
    let res = app
        .api
        .request(method, app.url(path))
        .bearer_auth(admin_key(app, false))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {:?}", res.text().await);
}

/// Ann and the owner are in `finance` (critical pauses go there), Bob in `sre` (high ones); low
/// ones go to no group.
async fn two_groups(app: &TestApp) {
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    app.add_user(1, "bob@example.com", Role::Approver);
    let finance = ["ann@example.com", app.owner_email.as_str()];
    for (name, members) in [("finance", &finance[..]), ("sre", &["bob@example.com"])] {
        let body = json!({"name": name, "members": members});
        admin(app, Method::POST, "/api/groups", body).await;
    }
    let routes = json!({"routeTo": {"critical": "finance", "high": "sre", "low": null}});
    admin(app, Method::PATCH, "/api/policy/settings", routes).await;
}

pub async fn create(app: &TestApp, body: Value) -> String {
    let res = app.post_pause_with(&app.key, &body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["status"], "pending", "{p}");
    p["watchId"].as_str().unwrap().to_string()
}

async fn text(browser: &Browser, path: &str) -> String {
    let res = browser.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

/// The actions `GET /api/pause?<query>` lists for this signed-in person, and its total.
async fn listed(browser: &Browser, query: &str) -> (i64, Vec<String>) {
    let res = browser.get(&format!("/api/pause?{query}")).await;
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    let page: Value = res.json().await.unwrap();
    let actions = page["items"].as_array().unwrap().iter();
    let mut actions: Vec<String> = actions
        .map(|p| p["action"].as_str().unwrap().to_string())
        .collect();
    actions.sort();
    (page["total"].as_i64().unwrap(), actions)
}

#[tokio::test]
async fn mine_lists_pauses_routed_to_my_groups_or_to_none_that_i_have_not_voted_on() {
    let app = spawn_app().await;
    two_groups(&app).await;
    create(
        &app,
        json!({"action": "pay the invoice", "risk": "critical"}),
    )
    .await;
    create(&app, json!({"action": "restart the db", "risk": "high"})).await;
    create(&app, json!({"action": "tidy the docs", "risk": "low"})).await;
    let voted = create(
        &app,
        json!({"action": "already voted", "risk": "low", "requiredApprovals": 2}),
    )
    .await;
    let ann = app.sign_in("ann@example.com").await;
    let res = ann.decide(&voted, true, None).await;
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
    let mine = text(&ann, "/?mine=1").await;
    assert!(mine.contains("pay the invoice") && mine.contains("tidy the docs"));
    assert!(!mine.contains("restart the db") && !mine.contains("already voted"));
    assert!(mine.contains("id=\"f-mine\" name=\"mine\" value=\"1\" checked"));
    let everything = text(&ann, "/").await;
    assert!(everything.contains("restart the db") && everything.contains(&voted));
    assert!(!everything.contains("value=\"1\" checked"));
    let items = text(&ann, "/queue/items?mine=1").await;
    assert!(items.contains("pay the invoice") && !items.contains("restart the db"));

    let ann_mine = (2, vec!["pay the invoice".into(), "tidy the docs".into()]);
    assert_eq!(listed(&ann, "mine=1&status=pending").await, ann_mine);
    let bob = app.sign_in("bob@example.com").await;
    let bob_mine = vec![
        "already voted".into(),
        "restart the db".into(),
        "tidy the docs".into(),
    ];
    assert_eq!(listed(&bob, "mine=1").await, (3, bob_mine));
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(listed(&owner, "").await.0, 4, "without mine, everything");
    assert_eq!(listed(&owner, "mine=0").await.0, 4);
    let owner_mine = vec![
        "already voted".into(),
        "pay the invoice".into(),
        "tidy the docs".into(),
    ];
    assert_eq!(listed(&owner, "mine=1").await, (3, owner_mine));
}

#[tokio::test]
async fn mine_is_refused_to_an_api_key_and_must_be_1_or_0() {
    let app = spawn_app().await;
    let res = app.list_pauses("?mine=1").await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["field"], "mine");
    assert!(problem["detail"].as_str().unwrap().contains("no person"));
    assert_eq!(app.list_pauses("?mine=0").await.status(), StatusCode::OK);
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner.get("/api/pause?mine=true").await;
    assert_eq!(assert_problem(res, 422).await["field"], "mine");
    let anonymous = Browser::new(&app.address);
    let res = anonymous.get("/api/pause?mine=1").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_inbox_row_shows_the_tally_the_group_and_overdue() {
    let app = spawn_app().await;
    two_groups(&app).await;
    let quorum = json!({"action": "wire the money", "risk": "critical", "requiredApprovals": 2,
                        "onTimeout": "wait", "timeoutSeconds": 60});
    let watch_id = create(&app, quorum).await;
    create(&app, json!({"action": "one approval", "risk": "low"})).await;
    let owner = app.sign_in(&app.owner_email).await;
    let items = text(&owner, "/queue/items").await;
    let row = |html: &str, action: &str| {
        let start = html.find(action).unwrap();
        let end = html[start..].find("</li>").unwrap();
        html[start..start + end].to_string()
    };
    let quorum_row = row(&items, "wire the money");
    assert!(
        quorum_row.contains("<span class=\"badge votes\">0 of 2</span>"),
        "{quorum_row}"
    );
    assert!(quorum_row.contains("<span class=\"badge group\">→ finance</span>"));
    assert!(!quorum_row.contains("overdue"));
    let plain = row(&items, "one approval");
    assert!(!plain.contains("of 1") && !plain.contains("→"), "{plain}");
    let pane = text(&owner, &format!("/pauses/{watch_id}")).await;
    assert!(pane.contains("Approver group") && pane.contains("→ finance"));
    assert!(pane.contains("id=\"votes-tally\">0 of 2</span>"));
    assert!(pane.contains("No votes yet.") && pane.contains("needs 2 more approvals"));

    app.clock.advance_secs(61);
    let items = text(&owner, "/queue/items").await;
    let quorum_row = row(&items, "wire the money");
    assert!(quorum_row.contains("<span class=\"badge overdue tone-warn\">overdue</span>"));
    let pane = text(&owner, &format!("/pauses/{watch_id}")).await;
    assert!(pane.contains("id=\"overdue\">overdue</span>"));
}

/// Follows the redirects of a form's answer, as a browser does, to the page it lands on.
pub async fn land(browser: &Browser, mut res: reqwest::Response) -> String {
    while res.status() == StatusCode::SEE_OTHER {
        let to = res.headers()["location"].to_str().unwrap().to_string();
        res = browser.get(&to).await;
    }
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

/// The pane's decision form, posted as the browser does from the inbox.
pub async fn approve_in_pane(browser: &Browser, watch_id: &str) -> String {
    let path = format!("/api/pause/{watch_id}/approve");
    let next = format!("/?after={watch_id}");
    let fields = [
        ("approved", "true"),
        ("reason", "looks right"),
        ("next", next.as_str()),
    ];
    land(browser, browser.post_html_form(&path, &fields).await).await
}

#[tokio::test]
async fn a_first_approval_of_two_is_recorded_as_1_of_2_and_the_second_decides() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let body = json!({"action": "drop the table", "requiredApprovals": 2});
    let watch_id = create(&app, body).await;
    let owner = app.sign_in(&app.owner_email).await;
    let page = approve_in_pane(&owner, &watch_id).await;
    assert!(
        page.contains("Your approval is recorded: 1 of 2. “drop the table” needs 1 more approval."),
        "{page}"
    );
    assert!(page.contains("You approved this: 1 of 2 so far. It needs 1 more approval."));
    assert!(
        page.contains("<span class=\"badge votes\">1 of 2</span>"),
        "the row"
    );
    assert!(
        page.contains("looks right") && page.contains("Test User &#60;owner@example.com&#62;"),
        "{page}"
    );
    assert!(
        !page.contains("✓ Approve</button>"),
        "no second vote offered"
    );
    assert_eq!(app.stored_status(&watch_id), "pending");
    let again = approve_in_pane(&owner, &watch_id).await;
    assert!(again.contains("you already voted on this pause"), "{again}");
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 1);

    let ann = app.sign_in("ann@example.com").await;
    let before = text(&ann, &format!("/pauses/{watch_id}")).await;
    assert!(before.contains("✓ Approve</button>") && before.contains("needs 1 more approval"));
    let page = approve_in_pane(&ann, &watch_id).await;
    assert!(page.contains("Approved “drop the table”."), "{page}");
    assert_eq!(app.stored_status(&watch_id), "approved");
    let decided = text(&ann, &format!("/pauses/{watch_id}")).await;
    assert!(decided.contains("id=\"votes-tally\">2 of 2</span>"));
    assert_eq!(decided.matches("<li class=\"vote\">").count(), 2);
    assert!(!decided.contains("id=\"votes-needed\"") && !decided.contains("id=\"my-vote\""));
}

#[tokio::test]
async fn a_batch_row_whose_approval_did_not_decide_says_vote_recorded() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let quorum = create(&app, json!({"action": "two keys", "requiredApprovals": 2})).await;
    let single = create(&app, json!({"action": "one key"})).await;
    let owner = app.sign_in(&app.owner_email).await;
    let fields = [
        ("watch_id", quorum.as_str()),
        ("watch_id", single.as_str()),
        ("decision", "approve"),
    ];
    let res = owner.post_html_form("/queue/batch", &fields).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("1 approved, 1 vote recorded."), "{page}");
    assert!(page.contains("data-outcome=\"vote recorded\""));
    assert!(page.contains("Vote recorded: 1 of 2"));
    assert_eq!(
        (app.stored_status(&quorum), app.stored_status(&single)),
        ("pending".into(), "approved".into())
    );
    let res = owner
        .post_html_form(
            "/queue/batch",
            &fields[..1]
                .iter()
                .chain(&fields[2..])
                .copied()
                .collect::<Vec<_>>(),
        )
        .await;
    let page = res.text().await.unwrap();
    assert!(
        page.contains("1 not allowed.") && page.contains("You already voted on it."),
        "{page}"
    );
}

#[tokio::test]
async fn the_pane_says_why_a_vote_outside_the_routed_group_is_refused() {
    let app = spawn_app().await;
    two_groups(&app).await;
    let body = json!({"action": "pay the invoice", "risk": "critical", "requiredApprovals": 2});
    let watch_id = create(&app, body).await;
    let bob = app.sign_in("bob@example.com").await;
    let page = approve_in_pane(&bob, &watch_id).await;
    assert!(
        page.contains("routed to approver group `finance`, and you are not in it"),
        "{page}"
    );
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 0);
    assert_eq!(app.stored_status(&watch_id), "pending");
}
