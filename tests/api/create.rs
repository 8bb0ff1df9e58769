use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app};

fn millis(rfc3339: &Value) -> i64 {
    let t = time::OffsetDateTime::parse(
        rfc3339.as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

#[tokio::test]
async fn creating_a_pause_returns_201_with_the_documented_fields() {
    let app = spawn_app().await;
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "Deploy to production (v2.4.1)", "context": { "environment": "prod", "commit": "a3f9b2e" }, "timeoutSeconds": 60, "metadata": { "agent": "deployer" } }))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = res.json().await.unwrap();
    let watch_id = body["watchId"].as_str().unwrap();
    assert_eq!(
        uuid::Uuid::parse_str(watch_id).unwrap().get_version_num(),
        7
    );
    assert_eq!(
        body["statusUrl"],
        format!("{}/api/pause/{watch_id}", app.address)
    );
    assert_eq!(location, body["statusUrl"]);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["action"], "Deploy to production (v2.4.1)");
    assert_eq!(
        body["context"],
        json!({ "environment": "prod", "commit": "a3f9b2e" })
    );
    assert_eq!(body["metadata"], json!({ "agent": "deployer" }));
    assert!(body["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        millis(&body["expiresAt"]) - millis(&body["createdAt"]),
        60_000
    );
    assert_eq!(
        app.audit_events(watch_id),
        vec![("pause.created".to_string(), "key".to_string())]
    );
}

#[tokio::test]
async fn a_pause_without_timeout_gets_the_default_of_900_seconds() {
    let app = spawn_app().await;
    let body = app.create_pause("x").await;
    assert_eq!(
        millis(&body["expiresAt"]) - millis(&body["createdAt"]),
        900_000
    );
}

#[tokio::test]
async fn the_ambedo_javascript_flow_works_with_only_url_and_key_changed() {
    let app = spawn_app().await;
    // POST exactly as the documented example does.
    let res = app
        .api
        .post(app.url("/api/pause"))
        .header("Authorization", format!("Bearer {}", app.key))
        .header("Content-Type", "application/json")
        .body(json!({ "action": "Deploy to production (v2.4.1)", "context": { "environment": "prod", "commit": "a3f9b2e" } }).to_string())
        .send()
        .await
        .unwrap();
    let created: Value = res.json().await.unwrap();
    let status_url = created["statusUrl"].as_str().unwrap().to_string();
    let poll = || async {
        app.api
            .get(&status_url)
            .header("Authorization", format!("Bearer {}", app.key))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    assert_eq!(poll().await["status"], "pending");
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(
        browser
            .decide(created["watchId"].as_str().unwrap(), true, None)
            .await
            .status(),
        200
    );
    assert_eq!(poll().await["status"], "approved");
}

#[tokio::test]
async fn invalid_bodies_are_refused_with_a_problem_naming_the_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let long_action = "a".repeat(1001);
    let many: serde_json::Map<String, Value> =
        (0..33).map(|i| (format!("k{i}"), json!("v"))).collect();
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({}), 422, "action"),
        (json!({ "action": "" }), 422, "action"),
        (json!({ "action": "   " }), 422, "action"),
        (json!({ "action": long_action }), 422, "action"),
        (json!({ "action": 5 }), 422, "action"),
        (
            json!({ "action": "x", "timeoutSeconds": 9 }),
            422,
            "timeoutSeconds",
        ),
        (
            json!({ "action": "x", "timeoutSeconds": 2_592_001 }),
            422,
            "timeoutSeconds",
        ),
        (
            json!({ "action": "x", "timeoutSeconds": "60" }),
            422,
            "timeoutSeconds",
        ),
        (
            json!({ "action": "x", "timeoutSeconds": 60.5 }),
            422,
            "timeoutSeconds",
        ),
        (
            json!({ "action": "x", "callbackUrl": "not a url" }),
            422,
            "callbackUrl",
        ),
        (
            json!({ "action": "x", "callbackUrl": "ftp://example.com/x" }),
            422,
            "callbackUrl",
        ),
        (
            json!({ "action": "x", "metadata": { "a": 1 } }),
            422,
            "metadata.a",
        ),
        (
            json!({ "action": "x", "metadata": Value::Object(many) }),
            422,
            "metadata",
        ),
        (json!({ "action": "x", "metadata": [] }), 422, "metadata"),
        (json!({ "action": "x", "timeout": 60 }), 422, "timeout"),
        (json!(["action"]), 422, "body"),
    ];
    for (body, status, field) in cases {
        let res = app.post_pause_with(&app.key, &body).await;
        let problem = assert_problem(res, status).await;
        assert_eq!(problem["field"], field, "for {body}: {problem}");
    }
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 0);
    assert_eq!(app.count("SELECT count(*) FROM usage_counters"), 0);
}

#[tokio::test]
async fn malformed_json_is_a_400_and_a_repeated_field_a_422() {
    let app = spawn_app().await;
    for (body, status) in [
        ("{\"action\":", 400),
        ("{\"action\": \"x\"} trailing", 400),
        ("", 400),
        ("{\"action\": \"x\", \"action\": \"y\"}", 422),
    ] {
        let res = app.post_pause_raw(&app.key, "application/json", body).await;
        assert_eq!(res.status().as_u16(), status, "{body}");
        let problem = assert_problem(res, status).await;
        if status == 422 {
            assert_eq!(problem["field"], "action", "{problem}");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 0);
}

#[tokio::test]
async fn oversized_bodies_and_contexts_get_413() {
    let app = spawn_app().await;
    let huge = json!({ "action": "x", "context": { "blob": "a".repeat(300 * 1024) } });
    assert_problem(app.post_pause_with(&app.key, &huge).await, 413).await;
    let big_context = json!({ "action": "x", "context": { "blob": "a".repeat(65 * 1024) } });
    let problem = assert_problem(app.post_pause_with(&app.key, &big_context).await, 413).await;
    assert!(problem["detail"].as_str().unwrap().contains("context"));
    let fits = json!({ "action": "x", "context": { "blob": "a".repeat(60 * 1024) } });
    assert_eq!(app.post_pause_with(&app.key, &fits).await.status(), 201);
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

#[tokio::test]
async fn a_non_json_content_type_gets_415() {
    let app = spawn_app().await;
    let res = app
        .post_pause_raw(&app.key, "application/x-www-form-urlencoded", "action=x")
        .await;
    assert_problem(res, 415).await;
}

#[tokio::test]
async fn context_of_any_json_shape_is_returned_verbatim() {
    let app = spawn_app().await;
    for context in [
        json!("text"),
        json!(42),
        json!([1, { "a": null }]),
        json!(true),
        json!({ "k": "<script>alert(1)</script>" }),
    ] {
        let res = app
            .post_pause_with(&app.key, &json!({ "action": "x", "context": context }))
            .await;
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["context"], context);
        let read: Value = app
            .get_pause(body["watchId"].as_str().unwrap())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read["context"], context);
    }
}

#[tokio::test]
async fn a_wrong_json_type_is_explained_by_the_fields_rule_not_a_rust_type() {
    let app = spawn_app().await;
    let res = app
        .post_pause_with(
            &app.key,
            &json!({ "action": "x", "timeoutSeconds": "3600" }),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["field"], "timeoutSeconds");
    assert_eq!(
        problem["detail"],
        "`timeoutSeconds` must be a whole number of seconds from 10 to 2592000 (got a string)"
    );
    let res = app.post_pause_with(&app.key, &json!({ "action": 5 })).await;
    let detail = assert_problem(res, 422).await["detail"].clone();
    assert_eq!(detail, "`action` must be a string (got an integer)");
}
