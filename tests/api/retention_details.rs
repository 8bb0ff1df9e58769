//! Retention purges more than contexts (issue 19): past the retention, a decided pause loses
//! its plan's Markdown, the answers and edits, and the reasons given with votes, and guidance
//! that old is deleted; the pause row, its decision and the audit rows stay, and newer or
//! pending pauses keep everything.

use serde_json::{json, Value};

use crate::helpers::{spawn_app_without_email, TestApp};

const DAY: i64 = 86_400;

fn sql(app: &TestApp, statement: &str) {
    app.with_db(|c| Ok(c.execute_batch(statement)?)).unwrap();
}

fn id_of(watch_id: &str) -> String {
    uuid::Uuid::parse_str(watch_id)
        .unwrap()
        .simple()
        .to_string()
}

/// The pause's request_json, response_json and decision reason, and its votes' reasons and
/// response JSON, as stored.
fn stored(app: &TestApp, watch_id: &str) -> (Value, Vec<Value>) {
    let id = id_of(watch_id);
    app.with_db(|c| {
        let pause = c.query_row(
            &format!(
                "SELECT json_array(request_json, response_json, reason, status)
                 FROM pauses WHERE watch_id = unhex('{id}')"
            ),
            [],
            |r| r.get::<_, String>(0),
        )?;
        let mut stmt = c.prepare(&format!(
            "SELECT json_array(r.reason, r.response_json) FROM pause_responses r
             JOIN pauses p ON p.id = r.pause_id WHERE p.watch_id = unhex('{id}') ORDER BY r.id"
        ))?;
        let votes = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .map(|v| serde_json::from_str(&v.unwrap()).unwrap())
            .collect();
        Ok((serde_json::from_str(&pause).unwrap(), votes))
    })
    .unwrap()
}

/// A decided pause holding each kind of detail: a plan approved with a reason, and answers and
/// edits written on it and its vote (as an answered question or an edited approval has them).
async fn decided_plan(app: &TestApp, action: &str) -> String {
    let body = json!({ "action": action, "kind": "plan", "plan": "# Secret plan",
                       "agent": "bot" });
    let watch_id = app.create_watch_id(body).await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser.decide(&watch_id, true, Some("plan is fine")).await;
    assert_eq!(res.status(), 200);
    let details = r#"{"answers": {"q": "secret"}, "edits": {"to": {"before": 1, "after": 2}}}"#;
    let id = id_of(&watch_id);
    sql(
        app,
        &format!(
            "UPDATE pauses SET response_json = '{details}' WHERE watch_id = unhex('{id}');
             UPDATE pause_responses SET response_json = '{details}'
             WHERE pause_id = (SELECT id FROM pauses WHERE watch_id = unhex('{id}'));"
        ),
    );
    watch_id
}

fn guidance(app: &TestApp, seq: i64, at: i64) {
    sql(
        app,
        &format!(
            "INSERT INTO agent_guidance (agent_id, is_test, seq, message, from_label, created_at)
             SELECT id, 0, {seq}, 'use the staging db', 'owner@example.com', {at}
             FROM agents WHERE name = 'bot'"
        ),
    );
}

#[tokio::test]
async fn past_the_retention_plans_answers_edits_vote_reasons_and_old_guidance_are_purged() {
    let app = spawn_app_without_email().await;
    sql(&app, "UPDATE workspaces SET context_retention_days = 30");
    let old = decided_plan(&app, "old").await;
    guidance(&app, 1, app.now());
    app.clock.advance_secs(2 * DAY);
    let recent = decided_plan(&app, "recent").await;
    guidance(&app, 2, app.now());
    let pending = app
        .create_watch_id(json!({ "action": "p", "kind": "plan", "plan": "# Waiting" }))
        .await;
    let (recent_before, pending_before) = (stored(&app, &recent), stored(&app, &pending));
    let old_audits = app.audit_events(&old);
    app.clock.advance_secs(29 * DAY);

    app.housekeeping().await;

    let (pause, votes) = stored(&app, &old);
    assert_eq!(
        pause,
        json!([null, null, "plan is fine", "approved"]),
        "the plan, answers and edits go; the decision stays"
    );
    assert_eq!(
        votes,
        [json!([null, null])],
        "the vote's reason and JSON go"
    );
    let read: Value = app.get_pause(&old).await.json().await.unwrap();
    assert_eq!(read["plan"], Value::Null, "{read}");
    assert!(
        read.get("contextPurgedAt").is_none(),
        "it never had a context: {read}"
    );
    assert_eq!(app.audit_events(&old), old_audits);
    assert_eq!(stored(&app, &recent), recent_before);
    assert_eq!(stored(&app, &pending), pending_before);
    let kept = "SELECT group_concat(seq) FROM agent_guidance";
    let left: String = app
        .with_db(|c| Ok(c.query_row(kept, [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(left, "2", "guidance older than the retention goes");
    let details: Value = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'pause.context_purged'",
                [],
                |r| r.get::<_, String>(0),
            )?)
        })
        .map(|d| serde_json::from_str(&d).unwrap())
        .unwrap();
    assert_eq!(
        (details["pauses"].as_i64(), details["guidance"].as_i64()),
        (Some(1), Some(1))
    );

    // A pause without a context leaves the work list too: a second run purges nothing.
    app.housekeeping().await;
    let purges = "SELECT count(*) FROM audit_log WHERE event = 'pause.context_purged'";
    assert_eq!(app.count(purges), 1);
}
