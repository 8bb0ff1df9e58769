//! Quorum with veto (issue 19): a pause needing N approvals resolves only when N different
//! deciders approved, through any path; one rejection decides; a second vote by the same decider
//! is a 409; edits come only with the deciding approval; more approvals than deciders is a 422.

use holdpoint::domain::audit::Actor;
use serde_json::{json, Value};

use crate::helpers::assert_problem;
use crate::quorum_support::{decide_key, id, key_decides, pause, read, settings, team};

#[tokio::test]
async fn two_approvals_from_two_people_decide_and_the_first_is_a_recorded_vote() {
    let (app, _) = team(&["ann@example.com"]).await;
    let p = pause(
        &app,
        json!({"action": "Wire $50,000", "requiredApprovals": 2,
        "callbackUrl": "https://agent.example.com/hook"}),
    )
    .await;
    assert_eq!(
        (p["requiredApprovals"].clone(), p["approvalsNeeded"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(p["votes"], json!([]));
    let etag = app.get_pause(&id(&p)).await.headers()["etag"].clone();
    let owner = app.sign_in(&app.owner_email).await;
    let first = owner.decide(&id(&p), true, Some("looks right")).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "pending");
    assert_eq!(first["approvalsNeeded"], 1);
    assert_eq!(first["votes"][0]["by"]["email"], app.owner_email.as_str());
    assert_eq!(first["votes"][0]["reason"], "looks right");
    assert_ne!(
        app.get_pause(&id(&p)).await.headers()["etag"],
        etag,
        "a vote bumps the version"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE event = 'pause.voted'"),
        1
    );

    let again = owner.decide(&id(&p), true, None).await;
    assert_eq!(
        assert_problem(again, 409).await["detail"],
        "you already voted on this pause: each decider votes once"
    );
    let ann = app.sign_in("ann@example.com").await;
    let second: Value = ann.decide(&id(&p), true, None).await.json().await.unwrap();
    assert_eq!(second["status"], "approved");
    assert_eq!(second["decidedBy"]["email"], "ann@example.com");
    assert_eq!(second["approvalsNeeded"], 0);
    let voters: Vec<&str> = second["votes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["by"]["email"].as_str().unwrap())
        .collect();
    assert_eq!(voters, [app.owner_email.as_str(), "ann@example.com"]);
    let events: Vec<String> = app
        .audit_events(&id(&p))
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert_eq!(events, ["pause.created", "pause.voted", "pause.approved"]);
}

#[tokio::test]
async fn one_rejection_vetoes_a_quorum_and_names_its_decider() {
    let (app, _) = team(&["ann@example.com", "bob@example.com"]).await;
    let p = pause(
        &app,
        json!({"action": "Drop table", "requiredApprovals": 3}),
    )
    .await;
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(owner.decide(&id(&p), true, None).await.status(), 200);
    let bob = app.sign_in("bob@example.com").await;
    let vetoed: Value = bob
        .decide(&id(&p), false, Some("no"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(vetoed["status"], "rejected");
    assert_eq!(vetoed["decidedBy"]["email"], "bob@example.com");
    assert_eq!(vetoed["votes"].as_array().unwrap().len(), 2);
    assert_eq!(vetoed["votes"][1]["approved"], false);
    let ann = app.sign_in("ann@example.com").await;
    assert_eq!(ann.decide(&id(&p), true, None).await.status(), 409);
}

#[tokio::test]
async fn a_key_and_a_person_are_two_deciders_and_a_key_votes_once() {
    let (app, _) = team(&[]).await;
    let key = decide_key(&app, "backend", Actor::Cli);
    let p = pause(&app, json!({"action": "Deploy", "requiredApprovals": 2})).await;
    let voted = key_decides(&app, &key, &id(&p), true).await;
    assert_eq!(voted.status(), 200);
    assert_eq!(voted.json::<Value>().await.unwrap()["status"], "pending");
    assert_problem(key_decides(&app, &key, &id(&p), true).await, 409).await;
    let owner = app.sign_in(&app.owner_email).await;
    let done: Value = owner
        .decide(&id(&p), true, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], "approved");
    assert_eq!(done["votes"][0]["by"]["type"], "key");
}

#[tokio::test]
async fn edits_are_taken_only_with_the_deciding_approval() {
    let (app, _) = team(&["ann@example.com"]).await;
    let p = pause(
        &app,
        json!({"action": "Refund", "context": {"amount": 10},
        "editable": ["amount"], "requiredApprovals": 2}),
    )
    .await;
    let owner = app.sign_in(&app.owner_email).await;
    let csrf = owner.csrf().await;
    let body = json!({"approved": true, "edits": {"amount": 5}});
    let early = owner.decide_with_token(&id(&p), &body, Some(&csrf)).await;
    assert_eq!(assert_problem(early, 422).await["field"], "edits");
    assert_eq!(
        app.count("SELECT count(*) FROM pause_responses"),
        0,
        "a refusal writes nothing"
    );
    assert_eq!(owner.decide(&id(&p), true, None).await.status(), 200);
    let ann = app.sign_in("ann@example.com").await;
    let csrf = ann.csrf().await;
    let done: Value = ann
        .decide_with_token(&id(&p), &body, Some(&csrf))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (done["status"].clone(), done["edits"].clone()),
        (json!("approved"), json!({"amount": 5}))
    );
}

#[tokio::test]
async fn more_approvals_than_deciders_or_past_five_or_on_a_question_is_a_422() {
    let (app, _) = team(&["a@example.com", "b@example.com", "c@example.com"]).await;
    // Four people (owner + three), no key holding decide: four at most.
    let res = app
        .post_pause_with(&app.key, &json!({"action": "x", "requiredApprovals": 5}))
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["field"], "requiredApprovals");
    assert!(
        problem["detail"].as_str().unwrap().contains(
            "needs 5 approvals from different deciders, and the workspace has 4 who may decide"
        ),
        "{problem}"
    );
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 0);
    assert_eq!(
        app.post_pause_with(&app.key, &json!({"action": "x", "requiredApprovals": 4}))
            .await
            .status(),
        201
    );
    app.add_user(1, "d@example.com", holdpoint::domain::users::Role::Approver);
    assert_eq!(
        app.post_pause_with(&app.key, &json!({"action": "x", "requiredApprovals": 5}))
            .await
            .status(),
        201
    );
    let res = app
        .post_pause_with(&app.key, &json!({"action": "x", "requiredApprovals": 6}))
        .await;
    assert_eq!(assert_problem(res, 422).await["field"], "requiredApprovals");
    let res = app
        .post_pause_with(&app.key, &json!({"action": "x", "requiredApprovals": 0}))
        .await;
    assert_eq!(assert_problem(res, 422).await["field"], "requiredApprovals");
    let question = json!({"action": "Which?", "kind": "question", "requiredApprovals": 2,
        "questions": [{"question": "Which?", "options": [{"label": "A"}, {"label": "B"}]}]});
    assert_eq!(
        assert_problem(app.post_pause_with(&app.key, &question).await, 422).await["field"],
        "requiredApprovals"
    );
}

#[tokio::test]
async fn the_workspace_minimum_raises_a_pause_and_a_quorum_waits_whatever_the_autonomy() {
    let (app, admin) = team(&["ann@example.com"]).await;
    settings(
        &app,
        &admin,
        json!({"autonomyLevel": 100, "minApprovals": {"critical": 2}}),
    )
    .await;
    let low = pause(&app, json!({"action": "Tidy", "risk": "low"})).await;
    assert_eq!(
        (low["status"].clone(), low["requiredApprovals"].clone()),
        (json!("approved"), json!(1))
    );
    let asked = pause(
        &app,
        json!({"action": "Tidy", "risk": "low", "requiredApprovals": 2}),
    )
    .await;
    assert_eq!(asked["status"], "pending");
    assert_eq!(asked["policy"]["source"], "quorum");
    let critical = pause(&app, json!({"action": "Wire", "risk": "critical"})).await;
    assert_eq!(
        (
            critical["status"].clone(),
            critical["requiredApprovals"].clone()
        ),
        (json!("pending"), json!(2))
    );
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(owner.decide(&id(&critical), true, None).await.status(), 200);
    assert_eq!(read(&app, &id(&critical)).await["status"], "pending");
}

/// The same person is the same decider whatever the path: a vote from the pause page, then
/// the one-click email link's confirmation page, records one vote.
#[tokio::test]
async fn a_vote_from_the_page_then_the_email_link_is_one_vote() {
    use holdpoint::domain::{
        decision_links,
        ids::{UserId, WorkspaceId},
        pauses,
    };
    let (app, _) = team(&["ann@example.com"]).await;
    let p = pause(&app, json!({"action": "Wire", "requiredApprovals": 2})).await;
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(owner.decide(&id(&p), true, None).await.status(), 200);
    let (now, watch) = (app.now(), uuid::Uuid::parse_str(&id(&p)).unwrap());
    let owner_id = UserId(app.count("SELECT id FROM users WHERE role = 'owner'"));
    let token = app
        .with_db(|c| {
            let stored = pauses::get(c, WorkspaceId(1), &watch)?.unwrap();
            Ok(decision_links::create(c, now, &stored, owner_id)?.token)
        })
        .unwrap();
    let link = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let url = app.url(&format!("/d/{token}"));
    let page = link.get(&url).send().await.unwrap().text().await.unwrap();
    let csrf = crate::helpers::extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    let res = link
        .post(&url)
        .form(&[("csrf_token", csrf.as_str()), ("approved", "true")])
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    assert!(text.contains("You already voted on this pause."), "{text}");
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 1);
    assert_eq!(read(&app, &id(&p)).await["status"], "pending");
}
