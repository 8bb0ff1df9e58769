//! Every documented input limit, exactly at the limit (accepted) and one past it (refused with
//! a problem naming the field): a check that drifts by one (`>` becoming `>=`), counts bytes
//! instead of characters, or vanishes fails here. Multi-byte characters are used where the
//! limit is in characters.

use reqwest::Response;
use serde_json::{json, Map, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};

async fn assert_created(res: Response, what: &str) -> Value {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{what} at the limit is accepted: {body}");
    body
}

async fn assert_refused(app: &TestApp, body: &Value, field: &str) {
    let problem = assert_problem(app.post_pause_with(&app.key, body).await, 422).await;
    assert_eq!(problem["field"], field, "{problem}");
}

#[tokio::test]
async fn an_action_of_1000_characters_is_accepted_and_1001_refused() {
    let app = spawn_app().await;
    // 1000 two-byte characters (2000 bytes), padded with spaces that trimming removes.
    let at = "é".repeat(1000);
    let res = app
        .post_pause_with(&app.key, &json!({ "action": format!("  {at}  ") }))
        .await;
    assert_eq!(assert_created(res, "action").await["action"], at.as_str());
    assert_refused(&app, &json!({ "action": "é".repeat(1001) }), "action").await;
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

fn pairs(n: usize) -> Value {
    Value::Object((0..n).map(|i| (format!("k{i}"), json!("v"))).collect())
}

#[tokio::test]
async fn metadata_with_32_pairs_is_accepted_and_33_refused() {
    let app = spawn_app().await;
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "x", "metadata": pairs(32) }))
        .await;
    assert_eq!(assert_created(res, "32 pairs").await["metadata"], pairs(32));
    assert_refused(
        &app,
        &json!({ "action": "x", "metadata": pairs(33) }),
        "metadata",
    )
    .await;
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

#[tokio::test]
async fn metadata_keys_have_1_to_100_characters_and_values_at_most_1000() {
    let app = spawn_app().await;
    let (key_at, value_at) = ("ü".repeat(100), "ü".repeat(1000));
    let mut at = Map::new();
    at.insert(key_at.clone(), json!(value_at));
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "x", "metadata": at }))
        .await;
    let created = assert_created(res, "a 100-character key and a 1000-character value").await;
    assert_eq!(created["metadata"][&key_at], value_at.as_str());

    for (k, v, field) in [
        (String::new(), "v".to_string(), "metadata".to_string()),
        ("ü".repeat(101), "v".to_string(), "metadata".to_string()),
        ("k".to_string(), "ü".repeat(1001), "metadata.k".to_string()),
    ] {
        let mut m = Map::new();
        m.insert(k, json!(v));
        assert_refused(&app, &json!({ "action": "x", "metadata": m }), &field).await;
    }
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

/// An absolute URL of exactly `len` characters.
fn url_of(len: usize) -> String {
    let base = "https://hooks.example.com/";
    format!("{base}{}", "a".repeat(len - base.len()))
}

#[tokio::test]
async fn a_callback_url_of_2048_characters_is_accepted_and_2049_refused() {
    let app = spawn_app().await;
    let at = url_of(2048);
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "x", "callbackUrl": at }))
        .await;
    assert_created(res, "callbackUrl").await;
    let stored: String = app
        .with_db(|c| Ok(c.query_row("SELECT callback_url FROM pauses", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(stored, at);
    assert_refused(
        &app,
        &json!({ "action": "x", "callbackUrl": url_of(2049) }),
        "callbackUrl",
    )
    .await;
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

async fn post_with_idempotency_key(app: &TestApp, idem: &str) -> Response {
    app.api
        .post(app.url("/api/pause"))
        .bearer_auth(&app.key)
        .header("idempotency-key", idem)
        .json(&json!({ "action": "x" }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_idempotency_key_of_255_characters_is_accepted_and_256_refused() {
    let app = spawn_app().await;
    let at = "k".repeat(255);
    let first = assert_created(post_with_idempotency_key(&app, &at).await, "the key").await;
    let replay = assert_created(post_with_idempotency_key(&app, &at).await, "the key").await;
    assert_eq!(first["watchId"], replay["watchId"], "and it is remembered");
    let problem =
        assert_problem(post_with_idempotency_key(&app, &"k".repeat(256)).await, 422).await;
    assert_eq!(problem["field"], "Idempotency-Key");
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

#[tokio::test]
async fn a_key_name_of_100_characters_is_accepted_and_101_refused_in_the_dashboard() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let at = "ñ".repeat(100);
    let res = browser
        .post_html_form(
            "/keys",
            &[("name", &at), ("kind", "live"), ("scope_pauses", "on")],
        )
        .await;
    assert_eq!(res.status(), 200, "the page showing the new key");
    let name: String = app
        .with_db(|c| Ok(c.query_row("SELECT name FROM api_keys WHERE id = 2", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(name, at);

    let past = "ñ".repeat(101);
    let res = browser
        .post_form(
            "/keys",
            &[("name", &past), ("kind", "live"), ("scope_pauses", "on")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = browser.get("/keys").await.text().await.unwrap();
    assert!(
        page.contains("A key name has at most 100 characters"),
        "{page}"
    );
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 2);
}

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(app.dir.path())
        .args(args)
        .env_remove("HOLDPOINT_DATA_DIR")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_key_name_of_100_characters_is_accepted_and_101_refused_by_the_cli() {
    let app = spawn_app().await;
    let create = |name: &str| cli(&app, &["key", "create", "--workspace", "1", "--name", name]);
    let at = create(&"ñ".repeat(100));
    assert!(
        at.status.success(),
        "{}",
        String::from_utf8_lossy(&at.stderr)
    );
    let past = create(&"ñ".repeat(101));
    assert!(!past.status.success());
    let err = String::from_utf8_lossy(&past.stderr);
    assert!(err.contains("at most 100 characters"), "{err}");
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 2);
}

/// A context nested `depth` levels deep whose first member is a string holding an escaped
/// quote, unbalanced brackets and an escaped backslash before its closing quote: a scanner that
/// counts brackets inside strings, ends a string at `\"`, or never leaves the first string gets
/// the depth wrong.
fn tricky_context(depth: usize) -> String {
    let inner = depth - 1;
    format!(
        r#"{{"note":"say \"hi [[[[[[[[[[ {{{{{{{{ \\","deep":{}1{}}}"#,
        "[".repeat(inner),
        "]".repeat(inner)
    )
}

#[tokio::test]
async fn context_depth_counts_64_levels_as_allowed_and_65_as_too_deep_whatever_strings_hold() {
    let app = spawn_app().await;
    let at = tricky_context(64);
    let body = format!(r#"{{"action":"x","context":{at}}}"#);
    let res = app.post_pause_raw(&app.key, "application/json", body).await;
    let created = assert_created(res, "64 levels").await;
    let sent: Value = serde_json::from_str(&at).unwrap();
    assert_eq!(created["context"], sent);
    assert!(sent["note"].as_str().unwrap().contains("\"hi [[[["));

    let past = format!(r#"{{"action":"x","context":{}}}"#, tricky_context(65));
    let problem = assert_problem(
        app.post_pause_raw(&app.key, "application/json", past).await,
        422,
    )
    .await;
    assert_eq!(problem["field"], "context");
    assert!(
        problem["detail"].as_str().unwrap().contains("64 levels"),
        "{problem}"
    );
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}
