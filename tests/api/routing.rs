//! Approver groups route pauses (issue 19): the workspace's route per risk or a rule's
//! `routeTo` (which wins) picks one group; only its members are emailed and may vote, until an
//! escalation lets the escalation group in; `noSelfApproval` keeps a key's creator out.

use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::UserId;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::assert_problem;
use crate::quorum_support::{admin, decide_key, group, id, key_decides, pause, settings, team};

fn emailed(app: &crate::helpers::TestApp, watch: &str) -> Vec<String> {
    app.with_db(|c| {
        let mut s = c.prepare(
            "SELECT u.email FROM outbox o JOIN users u ON u.id = o.user_id
             JOIN pauses p ON p.id = o.pause_id
             WHERE o.channel = 'email' AND lower(hex(p.watch_id)) = replace(?1, '-', '')
             ORDER BY u.email",
        )?;
        let rows = s
            .query_map([watch], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    })
    .unwrap()
}

#[tokio::test]
async fn a_routed_pause_emails_only_its_group_and_only_members_may_vote() {
    let (app, key) = team(&["ann@example.com", "bob@example.com"]).await;
    group(&app, &key, "finance", &["ann@example.com"]).await;
    settings(&app, &key, json!({"routeTo": {"high": "finance"}})).await;
    let p = pause(&app, json!({"action": "Wire $9,000"})).await;
    assert_eq!(p["group"], "finance");
    assert!(p["policy"]["explanation"]
        .as_str()
        .unwrap()
        .contains("group `finance`"));
    assert_eq!(emailed(&app, &id(&p)), ["ann@example.com"]);
    let bob = app.sign_in("bob@example.com").await;
    let refused = assert_problem(bob.decide(&id(&p), true, None).await, 403).await;
    assert!(refused["type"]
        .as_str()
        .unwrap()
        .ends_with("/problems/not-in-group"));
    let outsider = decide_key(&app, "backend", Actor::Cli);
    assert_problem(key_decides(&app, &outsider, &id(&p), true).await, 403).await;
    let ann = app.sign_in("ann@example.com").await;
    let done: Value = ann.decide(&id(&p), true, None).await.json().await.unwrap();
    assert_eq!(done["status"], "approved");
    let low = pause(&app, json!({"action": "Tidy", "risk": "low"})).await;
    assert_eq!(low["group"], Value::Null);
    assert_eq!(
        emailed(&app, &id(&low)).len(),
        3,
        "unrouted: every approver"
    );
}

#[tokio::test]
async fn a_rules_route_wins_over_the_workspaces_and_a_key_given_the_group_votes() {
    let (app, key) = team(&["ann@example.com"]).await;
    group(&app, &key, "finance", &["ann@example.com"]).await;
    group(&app, &key, "sre", &[&app.owner_email]).await;
    settings(&app, &key, json!({"routeTo": {"high": "finance"}})).await;
    let rule = json!({"name": "deploys to sre", "effect": "route", "routeTo": "sre",
        "match": {"tool": "deploy*"}});
    let res = admin(&app, &key, Method::POST, "/api/rules", rule).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let p = pause(&app, json!({"action": "Deploy", "tool": "deploy.prod"})).await;
    assert_eq!(
        (p["group"].clone(), p["policy"]["routedBy"].clone()),
        (json!("sre"), json!("deploys to sre"))
    );
    let backend = decide_key(&app, "backend", Actor::Cli);
    app.with_db(|c| {
        c.execute(
            "INSERT INTO approver_group_keys SELECT g.id, k.id FROM approver_groups g, api_keys k
             WHERE g.name = 'sre' AND k.name = 'backend'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    let done: Value = key_decides(&app, &backend, &id(&p), true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], "approved");
    let bad = json!({"name": "x", "effect": "deny", "routeTo": "sre", "match": {"tool": "x"}});
    let res = admin(&app, &key, Method::POST, "/api/rules", bad).await;
    assert_eq!(assert_problem(res, 422).await["field"], "routeTo");
    let bad = json!({"name": "y", "effect": "route", "routeTo": "nobody", "match": {"tool": "x"}});
    let res = admin(&app, &key, Method::POST, "/api/rules", bad).await;
    assert_eq!(assert_problem(res, 422).await["field"], "routeTo");
}

#[tokio::test]
async fn after_the_escalation_the_owners_and_admins_may_vote_on_a_routed_pause() {
    let (app, key) = team(&["ann@example.com"]).await;
    group(&app, &key, "finance", &["ann@example.com"]).await;
    let p = pause(&app, json!({"action": "Wire", "requiredApprovals": 1})).await;
    let routed = pause(&app, json!({"action": "Wire"})).await;
    assert_eq!(p["group"], Value::Null);
    settings(&app, &key, json!({"routeTo": {"high": "finance"}})).await;
    let routed2 = pause(&app, json!({"action": "Wire again"})).await;
    let owner = app.sign_in(&app.owner_email).await;
    assert_problem(owner.decide(&id(&routed2), true, None).await, 403).await;
    let now = app.now();
    app.with_db(|c| {
        c.execute(
            "UPDATE pauses SET escalated_at = ?1 WHERE group_id IS NOT NULL",
            [now],
        )?;
        Ok(())
    })
    .unwrap();
    assert_eq!(owner.decide(&id(&routed2), true, None).await.status(), 200);
    assert_eq!(
        owner.decide(&id(&routed), true, None).await.status(),
        200,
        "unrouted"
    );
}

#[tokio::test]
async fn with_no_self_approval_the_creator_of_the_asking_key_cannot_vote() {
    let (app, key) = team(&["ann@example.com"]).await;
    let owner_id = app.count("SELECT id FROM users WHERE role = 'owner'");
    let agent_key = decide_key(&app, "agent", Actor::User(UserId(owner_id)));
    let body = json!({"action": "Ship it"});
    let res = app.post_pause_with(&agent_key, &body).await;
    let before: Value = res.json().await.unwrap();
    settings(&app, &key, json!({"noSelfApproval": true})).await;
    let p: Value = app
        .post_pause_with(&agent_key, &body)
        .await
        .json()
        .await
        .unwrap();
    let owner = app.sign_in(&app.owner_email).await;
    let refused = assert_problem(owner.decide(&id(&p), true, None).await, 403).await;
    assert!(refused["type"]
        .as_str()
        .unwrap()
        .ends_with("/problems/self-decision"));
    assert_eq!(refused["detail"], "you created the key that asked");
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 0);
    let ann = app.sign_in("ann@example.com").await;
    assert_eq!(ann.decide(&id(&p), true, None).await.status(), 200);
    settings(&app, &key, json!({"noSelfApproval": false})).await;
    assert_eq!(owner.decide(&id(&before), true, None).await.status(), 200);
}

#[tokio::test]
async fn a_routed_test_pause_counts_its_own_test_key_as_a_decider_and_takes_its_vote() {
    let (app, key) = team(&["ann@example.com"]).await;
    group(&app, &key, "finance", &["ann@example.com"]).await;
    settings(&app, &key, json!({"routeTo": {"high": "finance"}})).await;
    let agent = app.create_key(1, true);
    // Ann and the pause's own key: two who may decide it, so two approvals may be asked.
    let body = json!({"action": "Wire $9,000", "requiredApprovals": 2});
    let res = app.post_pause_with(&agent, &body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["group"], "finance");
    let three = json!({"action": "Wire $9,000", "requiredApprovals": 3});
    let refused = assert_problem(app.post_pause_with(&agent, &three).await, 422).await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("group `finance` has 2 who may decide"),
        "{refused}"
    );
    let voted = key_decides(&app, &agent, &id(&p), true).await;
    assert_eq!(voted.status(), 200, "{:?}", voted.text().await);
    let voted: Value = voted.json().await.unwrap();
    assert_eq!(
        (voted["status"].clone(), voted["approvalsNeeded"].clone()),
        (json!("pending"), json!(1))
    );
}
