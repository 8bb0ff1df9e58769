//! Plan review over HTTP: a plan is approved or sent back with feedback (never rejected), the
//! agent revises it, and every combination that makes no sense is a 422 that says why.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_without_email, TestApp};

pub const PLAN_V1: &str = "# Migrate the billing DB\n\n1. Snapshot the database\n2. Run the migration\n3. Switch traffic\n";

/// Creates a plan pause with the workspace's key; its JSON.
pub async fn create_plan(app: &TestApp, plan: &str, revises: Option<&str>) -> Value {
    let mut body = json!({ "action": "Migrate billing", "kind": "plan", "plan": plan });
    if let Some(r) = revises {
        body["revises"] = json!(r);
    }
    let res = app.post_pause_with(&app.key, &body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json().await.unwrap()
}

fn id(v: &Value) -> String {
    v["watchId"].as_str().unwrap().to_string()
}

async fn refused(app: &TestApp, key: &str, body: Value, field: &str) -> String {
    let res = app.post_pause_with(key, &body).await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["field"], field, "{problem}");
    problem["detail"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_plan_is_shown_to_the_agent_and_approved_by_a_person() {
    let app = spawn_app().await;
    let created = create_plan(&app, PLAN_V1, None).await;
    assert_eq!(created["kind"], "plan");
    assert_eq!(created["plan"], PLAN_V1);
    assert!(created.get("revises").is_none() && created.get("revisedBy").is_none());
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser.decide(&id(&created), true, None).await;
    assert_eq!(res.status(), 200);
    let got: Value = app.get_pause(&id(&created)).await.json().await.unwrap();
    assert_eq!(got["status"], "approved");
    assert_eq!(got["plan"], PLAN_V1);
}

#[tokio::test]
async fn approvals_show_their_kind_and_no_plan_members() {
    let app = spawn_app().await;
    let created = app.create_pause("Deploy").await;
    assert_eq!(created["kind"], "approval");
    for member in ["plan", "revises", "revisedBy"] {
        assert!(created.get(member).is_none(), "{member} in {created}");
    }
}

#[tokio::test]
async fn a_no_to_a_plan_requests_changes_with_the_feedback_as_its_reason() {
    let app = spawn_app_without_email().await;
    let now = app.now();
    app.with_db(move |c| {
        holdpoint::domain::webhooks::create(
            c,
            now,
            holdpoint::domain::ids::WorkspaceId(1),
            "http://127.0.0.1:9/hook",
            &["pause.changes_requested".into()],
        )
    })
    .unwrap();
    let watch_id = id(&create_plan(&app, PLAN_V1, None).await);
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .decide(&watch_id, false, Some("Snapshot to S3 first"))
        .await;
    assert_eq!(res.status(), 200);
    let got: Value = res.json().await.unwrap();
    assert_eq!(got["status"], "changes_requested");
    assert_eq!(got["reason"], "Snapshot to S3 first");
    assert_eq!(app.stored_status(&watch_id), "changes_requested");
    let events = app.audit_events(&watch_id);
    assert!(
        events.iter().any(|(e, _)| e == "pause.changes_requested"),
        "{events:?}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM pause_responses WHERE kind = 'request_changes'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE event = 'pause.changes_requested'"),
        1,
        "the subscribed endpoint gets the event"
    );
    let list: Value = app
        .list_pauses("?status=changes_requested")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["watchId"], watch_id.as_str());
}

#[tokio::test]
async fn changes_need_feedback_even_where_rejections_need_no_reason() {
    let app = spawn_app().await;
    let watch_id = id(&create_plan(&app, PLAN_V1, None).await);
    let browser = app.sign_in(&app.owner_email).await;
    for reason in [None, Some(""), Some(" \u{200B} ")] {
        let res = browser.decide(&watch_id, false, reason).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(
            problem["detail"],
            "this pause is a plan: `approved: false` requests changes, and `reason` must say \
             what to change"
        );
    }
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn a_plan_of_32_kib_is_accepted_and_one_byte_more_is_refused() {
    let app = spawn_app().await;
    let at_limit = "x".repeat(32 * 1024);
    assert_eq!(create_plan(&app, &at_limit, None).await["plan"], at_limit);
    let one_byte = create_plan(&app, "x", None).await;
    assert_eq!(one_byte["plan"], "x");
    let over = "x".repeat(32 * 1024 + 1);
    let body = json!({ "action": "a", "kind": "plan", "plan": over });
    let detail = refused(&app, &app.key, body, "plan").await;
    assert_eq!(
        detail,
        "`plan` must be 1 byte to 32 KiB of Markdown, not blank, without NUL characters (got \
         32769 bytes)"
    );
    let empty = json!({ "action": "a", "kind": "plan", "plan": "" });
    assert!(refused(&app, &app.key, empty, "plan")
        .await
        .contains("got 0 bytes"));
}

#[tokio::test]
async fn plan_and_revises_come_only_with_kind_plan() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({ "action": "a", "kind": "plan" }),
            "plan",
            "kind `plan` needs `plan`: the plan to review, in Markdown",
        ),
        (
            json!({ "action": "a", "plan": "# p" }),
            "plan",
            "`plan` is only for kind `plan` (this pause is kind `approval`)",
        ),
        (
            json!({ "action": "a", "kind": "approval", "revises": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01" }),
            "revises",
            "`revises` is only for kind `plan` (this pause is kind `approval`)",
        ),
        (
            json!({ "action": "a", "kind": "plan", "plan": "# p", "revises": "nope" }),
            "revises",
            "`revises` must be the watchId of an earlier plan",
        ),
        (
            json!({ "action": "a", "kind": "poem" }),
            "kind",
            "`kind` must be `approval`, `question` or `plan` (got `poem`)",
        ),
    ];
    for (body, field, detail) in cases {
        assert_eq!(refused(&app, &app.key, body, field).await, detail);
    }
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 0);
}

#[tokio::test]
async fn revises_must_name_a_decided_plan_of_this_workspace_and_key_kind() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let revise = |target: String| json!({ "action": "v2", "kind": "plan", "plan": "# v2", "revises": target });

    let approval = id(&app.create_pause("Deploy").await);
    browser.decide(&approval, true, None).await;
    let detail = refused(&app, &app.key, revise(approval.clone()), "revises").await;
    assert_eq!(
        detail,
        format!("`revises` must name a plan; `{approval}` is a pause of kind `approval`")
    );

    let pending = id(&create_plan(&app, PLAN_V1, None).await);
    let detail = refused(&app, &app.key, revise(pending.clone()), "revises").await;
    assert!(detail.contains("is still pending"), "{detail}");

    // Another workspace's plan, a test key on a live plan, and no pause at all read the same.
    let other_ws = app.create_workspace("other", "pro");
    let other_key = app.create_key(other_ws, false);
    let theirs = app
        .post_pause_with(
            &other_key,
            &json!({ "action": "t", "kind": "plan", "plan": "# t" }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    app.cancel_pause(&other_key, &id(&theirs)).await;
    browser.decide(&pending, false, Some("again")).await;
    let test_key = app.create_key(1, true);
    let unknown = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01".to_string();
    for (key, target) in [
        (app.key.clone(), id(&theirs)),
        (test_key, pending.clone()),
        (app.key.clone(), unknown),
    ] {
        let detail = refused(&app, &key, revise(target.clone()), "revises").await;
        assert_eq!(
            detail,
            format!("`revises`: no plan with watchId `{target}` in this workspace")
        );
    }

    // Revised once, then only the latest version may be revised.
    let v2 = id(&create_plan(&app, "# v2", Some(&pending)).await);
    browser.decide(&v2, false, Some("more")).await;
    let detail = refused(&app, &app.key, revise(pending.clone()), "revises").await;
    assert_eq!(
        detail,
        format!("`revises`: the plan `{pending}` was already revised by `{v2}`; revise the latest version")
    );
}

#[tokio::test]
async fn a_revision_links_both_versions_and_changes_the_old_one_s_etag() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let v1 = id(&create_plan(&app, PLAN_V1, None).await);
    browser.decide(&v1, false, Some("snapshot first")).await;
    let etag = app.get_pause(&v1).await.headers()["etag"].clone();
    let v2 = create_plan(&app, "# v2\n", Some(&v1)).await;
    assert_eq!(v2["revises"], v1.as_str());
    let old = app.get_pause(&v1).await;
    assert_ne!(old.headers()["etag"], etag, "revisedBy appeared");
    let old: Value = old.json().await.unwrap();
    assert_eq!(old["revisedBy"], id(&v2).as_str());
    assert_eq!(old["status"], "changes_requested");
}
