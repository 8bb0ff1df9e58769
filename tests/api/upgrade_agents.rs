//! The upgrade from the last release with agents (`tests/fixtures/release-0018-agents.db`, made
//! by that release's binary through its real interfaces, `make-release-agents-db`): every agent
//! it had becomes live, with its guidance, history, cancelled runs and the emergency stop, and
//! reads back as the release answered it (plus `pinnedKey`, added since). Test keys, which the
//! release let into the one fleet, see none of it now.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::helpers::{spawn_app_configured, TestApp};

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(fixture_path("release-0018-agents.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn upgraded(fx: &Value) -> TestApp {
    let dir = Arc::new(TempDir::new().unwrap());
    std::fs::copy(
        fixture_path("release-0018-agents.db"),
        dir.path().join("holdpoint.db"),
    )
    .unwrap();
    let public_url = fx["publicUrl"].as_str().unwrap().parse().unwrap();
    let now = fx["readAtMs"].as_i64().unwrap();
    spawn_app_configured(dir, now, |s| s.public_url = Some(public_url)).await
}

async fn get(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
    let res = app
        .api
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_agent_of_the_last_release_is_live_and_reads_back_as_the_release_answered() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let control = fx["keys"]["control"].as_str().unwrap();
    for (name, answered) in fx["agents"].as_object().unwrap() {
        let (status, mut now) = get(&app, control, &format!("/api/agents/{name}")).await;
        assert_eq!(status, 200, "{name}");
        let pinned = now.as_object_mut().unwrap().remove("pinnedKey");
        assert_eq!(pinned, Some(Value::Null), "{name}: unpinned");
        assert_eq!(&now, answered, "{name}");
    }
    let (_, fleet) = get(&app, control, "/api/agents?limit=200").await;
    assert_eq!(fleet, fx["fleet"]);
    assert_eq!(
        fleet["items"][0]["stopped"], true,
        "the live stop is still on"
    );
}

#[tokio::test]
async fn after_the_upgrade_a_test_key_sees_no_agent_of_the_release_and_cancelled_runs_hold() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let test = fx["keys"]["test"].as_str().unwrap();
    let (_, fleet) = get(&app, test, "/api/agents").await;
    assert_eq!(fleet["total"], 0, "{fleet}");
    let (status, _) = get(&app, test, "/api/agents/ci-bot").await;
    assert_eq!(status, 404, "the release's ci-bot is live now");
    let res = app
        .api
        .post(app.url("/api/agents/ci-bot/heartbeat"))
        .bearer_auth(test);
    let cp: Value = res
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        cp["control"], "running",
        "a new test agent, outside the live stop"
    );

    let live = fx["keys"]["live"].as_str().unwrap();
    for (agent, run) in [("runner", "r3"), ("gone-bot", "r2")] {
        let res = app
            .api
            .post(app.url(&format!("/api/agents/{agent}/heartbeat")));
        let res = res
            .bearer_auth(live)
            .json(&json!({ "run": run }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 409, "{agent}'s cancelled run {run}");
    }
    let guidance = "SELECT count(*) FROM agent_guidance WHERE is_test = 0";
    assert_eq!(app.count(guidance), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM agents WHERE is_test = 1"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM cancelled_runs WHERE is_test = 1"),
        0
    );
}

#[tokio::test]
async fn pauses_of_the_last_release_read_policy_null_and_new_ones_get_a_verdict() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let live = fx["keys"]["live"].as_str().unwrap();
    let stored = app.count("SELECT count(*) FROM pauses WHERE is_test = 0");
    assert!(stored > 0, "the fixture has live pauses");
    let (status, list) = get(&app, live, "/api/pause?limit=200").await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len() as i64, stored);
    for p in items {
        assert_eq!(p["policy"], Value::Null, "{p}");
        assert!(p.get("risk").is_none() && p.get("tool").is_none(), "{p}");
    }
    let (_, settings) = (
        0,
        app.count("SELECT autonomy_level FROM workspaces WHERE id = 1"),
    );
    assert_eq!(settings, 0, "the dial starts at today's behaviour");
    let res = app
        .post_pause_with(live, &json!({"action": "after the upgrade", "risk": "low"}))
        .await;
    let made: Value = res.json().await.unwrap();
    assert_eq!(made["policy"]["result"], "wait", "{made}");
    assert_eq!(made["policy"]["band"], "copilot");
}
