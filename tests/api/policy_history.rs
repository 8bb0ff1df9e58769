//! Who decided, on the pages (issue 18): History's "Decided by" filter (`?decided=`, which the
//! policy digest email links to) and the usage page's policy series.

use serde_json::json;

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::key_scopes::key_with;
use crate::policy::{create, set_level};
use holdpoint::domain::scopes::KeyScope;

/// Three pauses: one approved by the dial, one by the owner, one by a key; their watch ids.
async fn one_of_each(app: &TestApp, owner: &Browser) -> [String; 3] {
    app.set_billing_plan(1, "pro");
    set_level(app, 80, false).await;
    let by_policy = create(app, json!({"action": "by policy", "risk": "low"})).await;
    assert_eq!(by_policy["status"], "approved");
    set_level(app, 0, false).await;
    let by_user = app.create_watch_id(json!({"action": "by user"})).await;
    assert_eq!(owner.decide(&by_user, true, None).await.status(), 200);
    let by_key = app.create_watch_id(json!({"action": "by key"})).await;
    let (_, decider) = key_with(app, "decider", false, &[KeyScope::Decide]);
    let res = app
        .api
        .post(app.url(&format!("/api/pause/{by_key}/approve")))
        .bearer_auth(decider)
        .json(&json!({"approved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let by_policy = by_policy["watchId"].as_str().unwrap().to_string();
    [by_policy, by_user, by_key]
}

#[tokio::test]
async fn history_decided_by_shows_only_that_kind_of_decider_and_names_the_policy() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let ids = one_of_each(&app, &owner).await;
    let waiting = app.create_watch_id(json!({"action": "undecided"})).await;
    for (filter, want) in [("policy", 0), ("user", 1), ("key", 2)] {
        let page = owner
            .get(&format!("/history?decided={filter}"))
            .await
            .text()
            .await
            .unwrap();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(page.contains(id.as_str()), i == want, "{filter}: pause {i}");
        }
        assert!(!page.contains(&waiting), "{filter}: an undecided pause");
        assert!(page.contains(&format!("<option value=\"{filter}\" selected>")));
    }
    let page = owner
        .get("/history?decided=policy")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<span class=\"badge policy\">policy</span> <code>autonomy:full_auto</code>"),
        "the policy's name shows as the decider"
    );

    let page = owner
        .get("/history?decided=robot")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Unknown “decided by” filter “robot”; showing pauses decided by anyone."));
    assert!(ids.iter().all(|id| page.contains(id.as_str())) && page.contains(&waiting));
}

#[tokio::test]
async fn history_page_links_keep_the_decided_by_filter() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    set_level(&app, 80, false).await;
    for _ in 0..51 {
        create(&app, json!({"action": "a", "risk": "low"})).await;
    }
    let owner = app.sign_in(&app.owner_email).await;
    let page = owner
        .get("/history?decided=policy")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Page 1 of 2"));
    assert!(
        page.contains("href=\"/history?decided=policy&#38;page=2\""),
        "{page}"
    );
}

#[tokio::test]
async fn usage_counts_what_a_policy_decided_apart_from_people_and_keys() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    one_of_each(&app, &owner).await;
    set_level(&app, 80, false).await;
    create(
        &app,
        json!({"action": "also by policy", "risk": "critical"}),
    )
    .await;
    let page = owner.get("/usage").await.text().await.unwrap();
    assert!(page.contains("<dt>Decided by policy</dt><dd id=\"policy-total\">2</dd>"));
    assert!(
        page.contains("<dt>Approved</dt><dd>2</dd>"),
        "the owner's and the key's"
    );
    assert!(
        page.contains("Decided by policy (checked)"),
        "a legend entry"
    );
    assert!(
        page.contains(": 2 decided by policy</title>"),
        "a bar with its title"
    );
    assert!(page.contains("<th scope=\"col\">Decided by policy</th>"));
    let total = "<td>0</td><td>0</td><td>0</td><td>2</td></tr></tfoot>";
    assert!(
        page.contains(total),
        "the table's total row ends with the policy column"
    );
}
