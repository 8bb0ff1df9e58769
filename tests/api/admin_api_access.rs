//! Every endpoint of the workspace-by-API (issue 20) needs a live key with `admin`: a test key
//! gets 403 `live-key-required`, a live key without `admin` 403 `insufficient-scope`, no key
//! 401; and they are rate-limited like the rest of the API. A refused request changes nothing.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app, spawn_app_configured};
use crate::policy::admin_key;
use crate::webhooks_api::send;

const ENDPOINTS: [(&str, &str); 15] = [
    ("GET", "/api/webhooks"),
    ("POST", "/api/webhooks"),
    ("GET", "/api/webhooks/1"),
    ("PATCH", "/api/webhooks/1"),
    ("DELETE", "/api/webhooks/1"),
    ("POST", "/api/webhooks/1/test"),
    ("GET", "/api/keys"),
    ("POST", "/api/keys"),
    ("GET", "/api/keys/1"),
    ("PATCH", "/api/keys/1"),
    ("DELETE", "/api/keys/1"),
    ("GET", "/api/audit"),
    ("GET", "/api/settings"),
    ("PATCH", "/api/settings"),
    ("GET", "/api/users"),
];

fn method(m: &str) -> Method {
    m.parse().unwrap()
}

#[tokio::test]
async fn test_keys_keys_without_admin_and_no_key_are_refused_everywhere_and_nothing_changes() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    let (keys, audit) = (
        "SELECT count(*) FROM api_keys",
        "SELECT count(*) FROM audit_log",
    );
    let before = (app.count(keys), app.count(audit));
    let body = json!({"name": "x", "url": "https://example.com/h", "events": ["pause.created"]});
    for (m, path) in ENDPOINTS {
        let res = send(&app, &test_key, method(m), path, Some(body.clone())).await;
        let problem = assert_problem(res, 403).await;
        assert_eq!(problem["type"], "/problems/live-key-required", "{m} {path}");
        // app.key is live with `pauses` only.
        let res = send(&app, &app.key, method(m), path, Some(body.clone())).await;
        let problem = assert_problem(res, 403).await;
        assert_eq!(
            problem["type"], "/problems/insufficient-scope",
            "{m} {path}"
        );
        assert_eq!(problem["scope"], "admin");
        let res = app
            .api
            .request(method(m), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{m} {path}");
    }
    assert_eq!((app.count(keys), app.count(audit)), before);
}

#[tokio::test]
async fn the_admin_endpoints_spend_the_keys_rate_budget_like_every_api_call() {
    let dir = Arc::new(tempfile::TempDir::new().unwrap());
    let now = holdpoint::domain::clock::system_now();
    let app = spawn_app_configured(dir, now, |s| {
        s.limits.key_rate = 1;
        s.limits.key_burst = 2;
    })
    .await;
    let key = admin_key(&app, false);
    for path in ["/api/settings", "/api/users"] {
        let res = send(&app, &key, Method::GET, path, None).await;
        assert_eq!(res.status(), 200, "{path} within the burst");
    }
    let res = send(&app, &key, Method::GET, "/api/keys", None).await;
    assert_eq!(res.status(), 429, "past the burst");
    assert!(res.headers().contains_key("retry-after"));
}
