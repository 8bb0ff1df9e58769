//! Agent data that goes by itself: agents unseen for the retention period (90 days without
//! one) purged by housekeeping, and cancels that a restart cut short finished by it.

use serde_json::{json, Value};

use holdpoint::domain::scopes::KeyScope;

use crate::agent_support::{beat_ok, watch_id_of};
use crate::helpers::spawn_app;
use crate::key_scopes::key_with;

#[tokio::test]
async fn an_agent_unseen_for_90_days_without_retention_is_purged_and_not_a_day_before() {
    let app = spawn_app().await;
    beat_ok(&app, "old", json!({ "state": "idle" })).await;
    let waiting = watch_id_of(&app, "waiting", "r1").await;
    app.with_db(|c| {
        c.execute(
            "UPDATE pauses SET expires_at = expires_at + 200 * CAST(86400000 AS BIGINT)",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    app.clock.advance_secs(90 * 86_400);
    app.housekeeping().await;
    assert_eq!(
        app.count("SELECT count(*) FROM agents WHERE name = 'old'"),
        1,
        "at 90 days"
    );
    app.clock.advance_secs(1);
    app.housekeeping().await;
    assert_eq!(
        app.count("SELECT count(*) FROM agents WHERE name = 'old'"),
        0,
        "past 90 days"
    );
    let orphans =
        "SELECT count(*) FROM agent_history WHERE agent_id NOT IN (SELECT id FROM agents)";
    assert_eq!(app.count(orphans), 0, "its history went with it");
    assert_eq!(
        app.count("SELECT count(*) FROM agents WHERE name = 'waiting'"),
        1,
        "an agent with a pause waiting stays"
    );
    assert_eq!(app.stored_status(&waiting), "pending");
    let purged = "SELECT count(*) FROM audit_log WHERE event = 'agents.purged'
                  AND json_extract(details, '$.agents') = 1";
    assert_eq!(app.count(purged), 1);
}

#[tokio::test]
async fn with_retention_an_agent_goes_after_the_retention_period() {
    let app = spawn_app().await;
    app.with_db(|c| {
        c.execute("UPDATE workspaces SET context_retention_days = 7", [])?;
        Ok(())
    })
    .unwrap();
    beat_ok(&app, "old", json!({})).await;
    app.clock.advance_secs(7 * 86_400);
    app.housekeeping().await;
    assert_eq!(app.count("SELECT count(*) FROM agents"), 1);
    app.clock.advance_secs(1);
    app.housekeeping().await;
    assert_eq!(app.count("SELECT count(*) FROM agents"), 0);
}

#[tokio::test]
async fn housekeeping_finishes_a_cancel_that_a_restart_cut_short() {
    let app = spawn_app().await;
    let (_, test) = key_with(&app, "ci", true, &[KeyScope::Pauses]);
    let mine: Vec<String> =
        futures_util::future::join_all((0..3).map(|_| watch_id_of(&app, "a", "r1"))).await;
    let other = watch_id_of(&app, "b", "r9").await;
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "x", "run": "r5" }))
        .await;
    let in_run: Value = res.json().await.unwrap();
    let res = app
        .post_pause_with(&test, &json!({ "action": "x", "agent": "a", "run": "r5" }))
        .await;
    let test_pause: Value = res.json().await.unwrap();
    // The marks of an agent cancel and a run cancel, as if the process died before the batches.
    let now = app.now();
    app.with_db(|c| {
        c.execute(
            "UPDATE agents SET control = 'cancelled', control_changed_at = ?1
             WHERE name = 'a' AND is_test = 0",
            [now],
        )?;
        c.execute(
            "INSERT INTO cancelled_runs (workspace_id, is_test, run, agent_id, cancelled_at)
             VALUES (1, 0, 'r5', NULL, ?1)",
            [now],
        )?;
        Ok(())
    })
    .unwrap();
    app.housekeeping().await;
    for w in &mine {
        assert_eq!(app.stored_status(w), "cancelled");
    }
    assert_eq!(
        app.stored_status(in_run["watchId"].as_str().unwrap()),
        "cancelled"
    );
    assert_eq!(app.stored_status(&other), "pending", "another agent's");
    let test_watch = test_pause["watchId"].as_str().unwrap();
    assert_eq!(app.stored_status(test_watch), "pending", "the other mode's");
}
