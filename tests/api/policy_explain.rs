//! `POST /api/policy/explain` answers what the real create then does, on 1,000 random cases:
//! every rule kind (deny, allow up to a risk, agent and key globs, metadata, context, shadow, an
//! expiring one), every band and the dial's shadow, key caps and request levels, questions and
//! plans, and the emergency stop; and it creates nothing and sends no quota or rate headers.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use holdpoint::domain::api_keys;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::policy::settings;

use crate::agent_support::act_ok;
use crate::helpers::{assert_problem, spawn_app, Browser, TestApp};
use crate::policy::{add_rule, set_level};
use crate::policy_writes::explain;

const CASES: usize = 1_000;
const TOOLS: [&str; 6] = ["a", "ab", "b", "c", "d", "shell"];
const RISKS: [&str; 4] = ["low", "medium", "high", "critical"];

async fn add_rules(app: &TestApp, capped_key_id: i64) {
    let expires = holdpoint::domain::rfc3339(app.now() + 3_600_000);
    for rule in [
        json!({"name": "no-ab", "effect": "deny", "note": "never ab", "match": {"tool": "ab"}}),
        json!({"name": "a-low", "effect": "allow", "maxRisk": "medium", "match": {"tool": "a*"}}),
        json!({"name": "bot-b", "effect": "allow", "match": {"tool": "b", "agent": "bot-?"}}),
        json!({"name": "cust", "effect": "allow", "match": {"tool": "*", "metadata": {"customer": "c1"}}}),
        json!({"name": "git", "effect": "allow", "match": {"tool": "shell", "context": {"command": "git status*"}}}),
        json!({"name": "shadow-c", "effect": "allow", "shadow": true, "match": {"tool": "c"}}),
        json!({"name": "brief-d", "effect": "allow", "expiresAt": expires, "match": {"tool": "d"}}),
        json!({"name": "capped-deny", "effect": "deny", "shadow": true, "match": {"tool": "*", "keyId": capped_key_id}}),
    ] {
        add_rule(app, rule).await;
    }
}

fn random_body(rng: &mut StdRng) -> Value {
    let mut body = json!({"action": "x", "tool": TOOLS[rng.gen_range(0..TOOLS.len())]});
    if rng.gen_bool(0.8) {
        body["risk"] = json!(RISKS[rng.gen_range(0..4)]);
    }
    if rng.gen_bool(0.5) {
        body["agent"] = json!(format!("bot-{}", rng.gen_range(0..3)));
    }
    if rng.gen_bool(0.3) {
        body["autonomyLevel"] = json!(rng.gen_range(0..=100));
    }
    if rng.gen_bool(0.2) {
        let customer = ["c1", "c2"][rng.gen_range(0..2)];
        body["metadata"] = json!({ "customer": customer });
    }
    if rng.gen_bool(0.3) {
        let command = ["git status --short", "git push", "rm -rf /"][rng.gen_range(0..3)];
        body["context"] = json!({"command": command});
    }
    match rng.gen_range(0..20) {
        0 => {
            body["kind"] = json!("question");
            body["questions"] =
                json!([{"question": "q?", "options": [{"label": "y"}, {"label": "n"}]}]);
        }
        1 => {
            body["kind"] = json!("plan");
            body["plan"] = json!("# Plan");
        }
        _ => {}
    }
    body
}

/// Every 50 cases something about the workspace changes: the dial, its shadow, the stop, the
/// clock (past the expiring rule's end halfway through).
async fn shake(app: &TestApp, owner: &mut Browser, rng: &mut StdRng, i: usize, stopped: &mut bool) {
    set_level(app, rng.gen_range(0..=100), rng.gen_bool(0.3)).await;
    if rng.gen_bool(0.2) != *stopped {
        let path = if *stopped { "resume-all" } else { "stop-all" };
        act_ok(owner, &format!("/api/agents/{path}"), json!({})).await;
        *stopped = !*stopped;
    }
    if i == CASES / 2 {
        app.clock.advance_secs(3_601);
        // An hour on, the session has lapsed: sign in again.
        *owner = app.sign_in(&app.owner_email).await;
    }
}

#[tokio::test]
async fn explain_answers_what_the_real_create_then_does_on_a_thousand_random_cases() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let mut owner = app.sign_in(&app.owner_email).await;
    let (now, ws) = (app.now(), WorkspaceId(1));
    let (capped_id, capped) = app
        .with_db(|c| {
            let (id, key) = api_keys::create(c, now, Actor::Cli, ws, "capped", false)?;
            settings::set_key_level(c, id, Some(40))?;
            Ok((id, key))
        })
        .unwrap();
    let capped_id = capped_id.0;
    add_rules(&app, capped_id).await;
    let mut rng = StdRng::seed_from_u64(18);
    let (mut stopped, mut results) = (false, std::collections::BTreeSet::new());
    for i in 0..CASES {
        if i % 50 == 0 {
            shake(&app, &mut owner, &mut rng, i, &mut stopped).await;
        }
        let body = random_body(&mut rng);
        let key = if rng.gen_bool(0.25) {
            &capped
        } else {
            &app.key
        };
        let pauses = app.count("SELECT count(*) FROM pauses");
        let res = explain(&app, key, &body).await;
        assert_eq!(res.status(), 200, "{body}");
        assert!(res.headers().get("ratelimit").is_none());
        assert!(res.headers().get("ratelimit-policy").is_none());
        let said: Value = res.json().await.unwrap();
        assert_eq!(
            app.count("SELECT count(*) FROM pauses"),
            pauses,
            "explain created"
        );
        let res = app.post_pause_with(key, &body).await;
        assert_eq!(res.status(), 201, "{body}");
        let made: Value = res.json().await.unwrap();
        assert_eq!(said["policy"], made["policy"], "case {i}: {body}");
        let p = &made["policy"];
        results.insert(format!(
            "{}/{}/{}",
            p["result"],
            p["source"],
            p["shadow"].is_object()
        ));
    }
    // The cases reached every result and source, with and without a shadow verdict.
    for needed in [
        "\"approved\"/\"rule\"",
        "\"approved\"/\"band\"",
        "\"rejected\"/\"rule\"",
        "\"wait\"/\"stop\"",
        "\"wait\"/\"kind\"",
        "\"wait\"/\"default\"",
    ] {
        assert!(
            results.iter().any(|r| r.starts_with(needed)),
            "{needed} never seen: {results:?}"
        );
    }
    assert!(results.iter().any(|r| r.ends_with("/true")), "{results:?}");
}

#[tokio::test]
async fn explain_refuses_a_bad_body_as_the_create_does() {
    let app = spawn_app().await;
    let res = explain(&app, &app.key, &json!({"action": "x", "risk": "extreme"})).await;
    assert_eq!(assert_problem(res, 422).await["field"], "risk");
    let res = explain(&app, &app.key, &json!({"action": "x", "tool": "no spaces"})).await;
    assert_eq!(assert_problem(res, 422).await["field"], "tool");
    let res = explain(
        &app,
        &app.key,
        &json!({"action": "x", "autonomyLevel": 101}),
    )
    .await;
    assert_eq!(assert_problem(res, 422).await["field"], "autonomyLevel");
    let res = explain(
        &app,
        &app.key,
        &json!({"action": "x", "autonomyLevel": 100}),
    )
    .await;
    assert_eq!(res.status(), 200);
}
