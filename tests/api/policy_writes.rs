//! Decision policies and what a create writes (issue 18): a refused create writes nothing in any
//! table, and an idempotent replay of a policy-decided create answers the same 201. (`explain`
//! against the real create: policy_explain.rs.)

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::policy::{create, set_level};

pub async fn explain(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.api
        .post(app.url("/api/policy/explain"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Every table's rows, for comparing before and after (`api_keys.last_used_at` aside).
fn snapshot(app: &TestApp) -> Vec<(String, Vec<String>)> {
    app.with_db(|c| {
        let tables: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut all = Vec::new();
        for t in tables {
            let mut stmt = c.prepare(&format!("SELECT * FROM \"{t}\""))?;
            let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
            let rows = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..names.len())
                        .filter(|i| !(t == "api_keys" && names[*i] == "last_used_at"))
                        .map(|i| {
                            format!(
                                "{:?}",
                                r.get::<_, holdpoint::db::sql::OwnedValue>(i).unwrap()
                            )
                        })
                        .collect();
                    Ok(cells.join("|"))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            all.push((t, rows));
        }
        Ok(all)
    })
    .unwrap()
}

#[tokio::test]
async fn a_refused_create_writes_nothing_in_any_table() {
    // No approval emails: the dispatcher delivering one would change `outbox` meanwhile.
    let app = crate::helpers::spawn_app_without_email().await;
    create(&app, json!({"action": "a", "agent": "bot", "run": "r1"})).await;
    app.with_db(|c| {
        c.execute("UPDATE agents SET control = 'cancelled'", [])?;
        Ok(c.execute("UPDATE usage_counters SET pauses = 50", [])?)
    })
    .unwrap();
    let before = snapshot(&app);
    let quota = app
        .post_pause_with(&app.key, &json!({"action": "a", "tool": "t"}))
        .await;
    assert_eq!(quota.status(), 429);
    assert_eq!(snapshot(&app), before, "quota refusal");
    app.with_db(|c| Ok(c.execute("UPDATE usage_counters SET pauses = 1", [])?))
        .unwrap();
    let before = snapshot(&app);
    let cancelled = app
        .post_pause_with(
            &app.key,
            &json!({"action": "a", "agent": "bot", "run": "r1"}),
        )
        .await;
    assert_eq!(cancelled.status(), 409);
    assert_eq!(snapshot(&app), before, "cancelled agent refusal");
}

#[tokio::test]
async fn a_replayed_policy_decided_create_answers_the_same_201() {
    let app = spawn_app().await;
    set_level(&app, 100, false).await;
    let send = || {
        app.api
            .post(app.url("/api/pause"))
            .bearer_auth(&app.key)
            .header("Idempotency-Key", "deploy-7")
            .json(&json!({"action": "Deploy", "risk": "critical"}))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "approved");
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}
