//! Decision policies and what a create writes (issue 18): `explain` agrees with the real
//! create and writes nothing, a refused create writes nothing in any table, and an idempotent
//! replay of a policy-decided create answers the same 201.

use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::policy::{add_rule, create, set_level};

async fn explain(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
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
                        .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
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
async fn explain_answers_what_the_real_create_then_does_and_creates_nothing() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    add_rule(
        &app,
        json!({"name": "a-low", "effect": "allow", "maxRisk": "medium",
                          "match": {"tool": "a*"}}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "no-ab", "effect": "deny", "match": {"tool": "ab"}}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "bot-b", "effect": "allow",
                          "match": {"tool": "b", "agent": "bot-?"}}),
    )
    .await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    let (tools, risks) = (["a", "ab", "b", "c"], ["low", "medium", "high", "critical"]);
    for i in 0..120 {
        if i % 30 == 0 {
            set_level(&app, rng.gen_range(0..=100), rng.gen_bool(0.3)).await;
        }
        let mut body = json!({"action": "x", "tool": tools[rng.gen_range(0..4)],
                              "risk": risks[rng.gen_range(0..4)]});
        if rng.gen_bool(0.5) {
            body["agent"] = json!(format!("bot-{}", rng.gen_range(0..3)));
        }
        if rng.gen_bool(0.3) {
            body["autonomyLevel"] = json!(rng.gen_range(0..=100));
        }
        let pauses = app.count("SELECT count(*) FROM pauses");
        let res = explain(&app, &app.key, &body).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("ratelimit").is_none());
        let said: Value = res.json().await.unwrap();
        assert_eq!(
            app.count("SELECT count(*) FROM pauses"),
            pauses,
            "explain created"
        );
        let made = create(&app, body.clone()).await;
        assert_eq!(said["policy"], made["policy"], "{body}");
    }
    let res = explain(&app, &app.key, &json!({"action": "x", "risk": "extreme"})).await;
    let problem = crate::helpers::assert_problem(res, 422).await;
    assert_eq!(problem["field"], "risk");
    let res = explain(&app, &app.key, &json!({"action": "x", "tool": "no spaces"})).await;
    assert_eq!(
        crate::helpers::assert_problem(res, 422).await["field"],
        "tool"
    );
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
