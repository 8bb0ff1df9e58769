//! Agent data that cannot crowd out the fleet: at most 1,000 agents per mode (the next name is
//! refused until one is deleted), 1,000 pending pauses per agent (then 429 `too-many-pending`),
//! the newest 200 guidance messages (an older cursor is told what it skipped), the 100 oldest
//! pending pauses listed, cancels in batches and deletes (purges: `agent_purge.rs`).

use serde_json::{json, Value};

use holdpoint::domain::scopes::KeyScope;

use crate::agent_support::{beat_ok, guide, heartbeat, watch_id_of};
use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::key_scopes::key_with;

/// Plants `n` more agents of the live fleet named `bulk-0001`… directly in the database.
fn plant_agents(app: &TestApp, n: i64) {
    let now = app.now();
    app.with_db(|c| {
        c.execute(
            "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ?1)
             INSERT INTO agents (workspace_id, is_test, name, first_seen_at, last_seen_at)
             SELECT 1, 0, printf('bulk-%04d', n), ?2, ?2 FROM i",
            holdpoint::db::sql::params![n, now],
        )?;
        Ok(())
    })
    .unwrap();
}

/// Plants `n` copies of the pause `watch_id` (same agent, run and mode), still pending.
pub fn plant_pauses(app: &TestApp, watch_id: &str, n: i64) {
    let hex = watch_id.replace('-', "");
    app.with_db(|c| {
        let cols: Vec<String> = c
            .prepare(
                "SELECT name FROM pragma_table_info('pauses') WHERE name NOT IN ('id', 'watch_id')",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let cols = cols.join(", ");
        c.execute(
            &format!(
                "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ?1)
                 INSERT INTO pauses (watch_id, {cols})
                 SELECT randomblob(16), {cols} FROM pauses, i WHERE watch_id = unhex(?2)"
            ),
            holdpoint::db::sql::params![n, hex],
        )?;
        Ok(())
    })
    .unwrap();
}

#[tokio::test]
async fn the_thousandth_agent_is_made_the_next_is_refused_and_a_delete_frees_its_slot() {
    let app = spawn_app().await;
    plant_agents(&app, 999);
    beat_ok(&app, "agent-1000", json!({})).await;
    let res = heartbeat(&app, "agent-1001", json!({}), "").await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["field"], "agent");
    assert_eq!(
        body["detail"],
        "this workspace already has 1000 live agents; delete one on the Agents page"
    );
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "x", "agent": "agent-1001" }))
        .await;
    assert_eq!(assert_problem(res, 422).await["field"], "agent");
    beat_ok(&app, "bulk-0001", json!({ "state": "idle" })).await;
    let (_, test) = key_with(&app, "test", true, &[KeyScope::Pauses]);
    let res = app
        .api
        .post(app.url("/api/agents/agent-1001/heartbeat"))
        .bearer_auth(&test);
    assert_eq!(
        res.send().await.unwrap().status(),
        200,
        "the test fleet has its own 1,000"
    );

    let (_, admin) = key_with(&app, "admin", false, &[KeyScope::Agents, KeyScope::Admin]);
    let res = app
        .api
        .delete(app.url("/api/agents/bulk-0500"))
        .bearer_auth(&admin);
    assert_eq!(res.send().await.unwrap().status(), 204);
    beat_ok(&app, "agent-1001", json!({})).await;
}

#[tokio::test]
async fn the_thousandth_pending_pause_of_an_agent_is_made_and_the_next_gets_429() {
    let app = spawn_app().await;
    let first = watch_id_of(&app, "busy", "r1").await;
    plant_pauses(&app, &first, 998);
    let body = json!({ "action": "x", "agent": "busy", "run": "r1" });
    assert_eq!(app.post_pause_with(&app.key, &body).await.status(), 201);
    let res = app.post_pause_with(&app.key, &body).await;
    assert!(res.headers().get("retry-after").is_none(), "no Retry-After");
    let problem = assert_problem(res, 429).await;
    assert_eq!(problem["type"], "/problems/too-many-pending");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("1000 pauses waiting"));
    let other = json!({ "action": "x", "agent": "calm" });
    assert_eq!(app.post_pause_with(&app.key, &other).await.status(), 201);

    // The agent's read lists the 100 oldest and counts all; a cancel ends all 1,000.
    let read: Value = crate::agent_support::agent(&app, "busy")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["pendingPauses"], 1000);
    let listed = read["pending"].as_array().unwrap();
    assert_eq!(listed.len(), 100);
    assert!(
        listed[0].as_str().unwrap().ends_with(&first),
        "oldest first"
    );
    let owner = app.sign_in(&app.owner_email).await;
    crate::agent_support::act_ok(&owner, "/api/agents/busy/cancel", json!({})).await;
    let left = "SELECT count(*) FROM pauses WHERE agent = 'busy' AND status = 'pending'";
    assert_eq!(app.count(left), 0);
    let cancelled = "SELECT count(*) FROM audit_log WHERE event = 'pause.cancelled'";
    assert_eq!(app.count(cancelled), 1000);
}

#[tokio::test]
async fn the_newest_200_guidance_messages_are_kept_and_an_older_cursor_is_told_what_it_skipped() {
    let app = spawn_app().await;
    beat_ok(&app, "a", json!({})).await;
    let now = app.now();
    app.with_db(|c| {
        c.execute(
            "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 199)
             INSERT INTO agent_guidance (agent_id, is_test, seq, message, from_label, created_at)
             SELECT a.id, 0, n, 'm' || n, 'x@example.com', ?1 FROM agents a, i",
            [now],
        )?;
        c.execute("UPDATE agents SET guidance_seq = 199", [])?;
        Ok(())
    })
    .unwrap();
    let owner = app.sign_in(&app.owner_email).await;
    guide(&owner, "a", "m200").await;
    let kept = "SELECT count(*) FROM agent_guidance";
    assert_eq!(app.count(kept), 200, "at the limit all are kept");
    let read = |q: &'static str| {
        let app = &app;
        async move {
            let res = crate::agent_support::control(app, "a", q).await;
            res.json::<Value>().await.unwrap()
        }
    };
    let cp = read("?after=0").await;
    assert_eq!(cp["guidance"][0]["message"], "m1");
    assert!(cp.get("skipped").is_none(), "{cp}");
    guide(&owner, "a", "m201").await;
    assert_eq!(app.count(kept), 200, "one past the limit the oldest goes");
    let cp = read("?after=0").await;
    assert_eq!(cp["guidance"][0]["message"], "m2");
    assert_eq!(cp["skipped"], 1);
    assert_eq!(cp["guidance"].as_array().unwrap().len(), 100);
    let cp = read("?after=1").await;
    assert!(
        cp.get("skipped").is_none(),
        "a cursor still in range skips nothing"
    );
}

#[tokio::test]
async fn deleting_an_agent_cancels_its_pauses_and_removes_its_history_guidance_and_pin() {
    let app = spawn_app().await;
    let watch = watch_id_of(&app, "gone", "r1").await;
    beat_ok(&app, "gone", json!({ "state": "acting" })).await;
    let owner = app.sign_in(&app.owner_email).await;
    guide(&owner, "gone", "hello").await;
    let (_, agents_only) = key_with(&app, "ctl", false, &[KeyScope::Agents]);
    let res = app
        .api
        .delete(app.url("/api/agents/gone"))
        .bearer_auth(&agents_only);
    let body = assert_problem(res.send().await.unwrap(), 403).await;
    assert_eq!(body["scope"], "admin", "{body}");

    let page = owner.get("/agents/gone").await.text().await.unwrap();
    assert!(page.contains(r#"action="/agents/gone/delete""#));
    let res = owner.post_form("/agents/gone/delete", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.count("SELECT count(*) FROM agents"),
        1,
        "not without the confirmation"
    );
    let res = owner
        .post_form("/agents/gone/delete", &[("confirm", "yes")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.stored_status(&watch), "cancelled");
    for table in ["agents", "agent_history", "agent_guidance"] {
        let n = app.count(&format!("SELECT count(*) FROM {table}"));
        assert_eq!(n, 0, "{table}");
    }
    let events: Vec<String> = app
        .audit_events("gone")
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert!(events.contains(&"agent.deleted".to_string()), "{events:?}");
    beat_ok(&app, "gone", json!({})).await;
    let read: Value = crate::agent_support::agent(&app, "gone")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        read["ownControl"], "running",
        "a later heartbeat makes a new agent"
    );
}
