//! Fixed hostile inputs that random generation would rarely reach: 10,000 levels of nesting,
//! bodies at and over the size limits, numbers beyond i64/f64, NUL bytes, duplicate keys,
//! 100 KB query strings. Each must get a 2xx or a 4xx problem+json, never a 5xx or a hang.

use serde_json::{json, Value};

use crate::helpers::{spawn_app_without_email, TestApp};
use crate::hostile_fixture::sane;

async fn setup() -> TestApp {
    let app = spawn_app_without_email().await;
    app.set_billing_plan(1, "pro");
    app
}

async fn post_raw(app: &TestApp, path: &str, body: Vec<u8>) -> reqwest::Result<reqwest::Response> {
    app.api
        .post(app.url(path))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .timeout(std::time::Duration::from_secs(10))
        .body(body)
        .send()
        .await
}

async fn status_of(app: &TestApp, body: impl Into<Vec<u8>>) -> u16 {
    let res = post_raw(app, "/api/pause", body.into()).await;
    sane(res, "create").await.unwrap()
}

fn nested(levels: usize, open: &str, close: &str, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
}

#[tokio::test]
async fn ten_thousand_levels_of_nesting_get_a_4xx_problem_and_the_server_carries_on() {
    let app = setup().await;
    let arrays = nested(10_000, "[", "]", "1");
    let objects = nested(10_000, "{\"a\":", "}", "1");
    for deep in [&arrays, &objects] {
        assert!((400..500).contains(&status_of(&app, deep.clone()).await));
        let in_context = format!(r#"{{"action":"deep","context":{deep}}}"#);
        assert!((400..500).contains(&status_of(&app, in_context).await));
        let in_metadata = format!(r#"{{"action":"deep","metadata":{{"k":{deep}}}}}"#);
        assert!((400..500).contains(&status_of(&app, in_metadata).await));
    }
    app.create_pause("still fine").await;
}

#[tokio::test]
async fn context_nested_as_deep_as_accepted_reads_back_intact_via_api_and_dashboard() {
    let app = setup().await;
    // The deepest context the API takes must be one every reader can show again.
    let mut accepted = None;
    for levels in [64, 100, 126, 127, 128, 200] {
        let ctx = nested(levels, "[", "]", "1");
        let res = post_raw(
            &app,
            "/api/pause",
            format!(r#"{{"action":"d","context":{ctx}}}"#).into(),
        )
        .await;
        let res = res.unwrap();
        if res.status() == 201 {
            let v: Value = res.json().await.unwrap();
            accepted = Some((ctx, v["watchId"].as_str().unwrap().to_string()));
        }
    }
    let (ctx, id) = accepted.expect("some nesting is accepted");
    let read: Value = app.get_pause(&id).await.json().await.unwrap();
    assert_eq!(
        read["context"].to_string(),
        ctx,
        "context read back verbatim"
    );
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.get(&format!("/pauses/{id}")).await.status(), 200);
    assert_eq!(browser.get("/").await.status(), 200);
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_and_just_under_it_are_judged_on_content() {
    let app = setup().await;
    let limit = holdpoint::http::MAX_BODY;
    let pad = |n: usize| format!(r#"{{"action":"big","context":"{}"}}"#, "x".repeat(n));
    let overhead = pad(0).len();
    let over = pad(limit + 1 - overhead);
    assert_eq!(status_of(&app, over).await, 413);
    // Just under the body limit, the context alone is over its 64 KiB limit: still a 413.
    assert_eq!(status_of(&app, pad(limit - overhead)).await, 413);
    // A context just under 64 KiB is fine.
    let ctx_limit = holdpoint::http::api::create::MAX_CONTEXT_BYTES;
    assert_eq!(status_of(&app, pad(ctx_limit - 2)).await, 201);
    // Over the limit without a Content-Length (chunked): 413 as well.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![b' '; 16 * 1024])).collect();
    let res = app
        .api
        .post(app.url("/api/pause"))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    assert_eq!(sane(res, "chunked").await.unwrap(), 413);
    app.create_pause("still fine").await;
}

#[tokio::test]
async fn numbers_beyond_i64_and_f64_get_a_4xx_problem_or_are_kept_verbatim() {
    let app = setup().await;
    for n in [
        "1e400",
        "99999999999999999999999",
        "-0",
        "1e1",
        "10.0",
        "6e2",
        "-1e400",
    ] {
        let status = status_of(&app, format!(r#"{{"action":"n","timeoutSeconds":{n}}}"#)).await;
        assert!((400..500).contains(&status), "timeoutSeconds {n}: {status}");
        let res = post_raw(
            &app,
            "/api/pause",
            format!(r#"{{"action":"n","context":{{"n":{n}}}}}"#).into(),
        )
        .await;
        let res = res.unwrap();
        if res.status() == 201 {
            let v: Value = res.json().await.unwrap();
            let read: Value = app
                .get_pause(v["watchId"].as_str().unwrap())
                .await
                .json()
                .await
                .unwrap();
            assert!(read["context"].is_object(), "context {n} lost: {read}");
        } else {
            assert!(
                res.status().is_client_error(),
                "context {n}: {}",
                res.status()
            );
        }
    }
}

#[tokio::test]
async fn nul_bytes_and_duplicate_keys_are_handled() {
    let app = setup().await;
    let body = json!({ "action": "nul", "context": { "k\u{0}": "v\u{0}" }, "metadata": { "a\u{0}b": "c\u{0}" } });
    let status = status_of(&app, body.to_string()).await;
    assert!(status == 201 || (400..500).contains(&status));
    assert_eq!(status_of(&app, r#"{"action":"a\u0000"}"#).await, 422);
    let dup = r#"{"action":"one","action":"two"}"#;
    assert_eq!(status_of(&app, dup).await, 422);
    let dup_meta = r#"{"action":"x","metadata":{"k":"1","k":"2"}}"#;
    let status = status_of(&app, dup_meta).await;
    assert!(status == 201 || status == 422, "{status}");
    // Raw NUL bytes and invalid UTF-8 outside strings: malformed JSON.
    assert_eq!(status_of(&app, b"{\"action\":\"x\"}\0".to_vec()).await, 400);
    assert_eq!(
        status_of(&app, b"{\"action\":\"\xff\xfe\"}".to_vec()).await,
        400
    );
}

/// Sends one raw HTTP/1.1 request (the URI may be longer than an HTTP client allows) and returns
/// the status, the content type and the body.
async fn raw_get(app: &TestApp, target: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        app.key
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let read = stream.read_to_end(&mut out);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let ct = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, ct, body.to_string())
}

#[tokio::test]
async fn long_query_strings_get_a_4xx_and_up_to_60_kilobytes_a_problem() {
    let app = setup().await;
    let id = app.create_pause("q").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    for (kb, problem) in [(60, true), (100, false)] {
        let long = format!("limit=10&cursor={}", "z".repeat(kb * 1024));
        for target in [
            format!("/api/pause?{long}"),
            format!("/api/pause/{id}?{long}"),
        ] {
            let (status, ct, body) = raw_get(&app, &target).await;
            assert!((200..500).contains(&status), "{kb} KB: {status}");
            // Over 64 KiB the URI never reaches the app: the HTTP layer answers a bare 400.
            if problem && status >= 400 {
                assert_eq!(ct, "application/problem+json", "{kb} KB: {status}");
                let v: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(v["status"], status);
            }
        }
    }
    app.create_pause("still fine").await;
}

#[tokio::test]
async fn absurd_waits_and_list_parameters_get_422() {
    let app = setup().await;
    let id = app.create_pause("q").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    for wait in ["NaN", "-5", "1e30", "inf", "99999999999999999999", "5m"] {
        let res = app
            .get_pause_with(&app.key, &id, &format!("?wait={wait}"))
            .await;
        assert_eq!(sane(Ok(res), wait).await.unwrap(), 422, "wait={wait}");
    }
    for q in [
        "limit=-1",
        "limit=1e99",
        "status=unknown",
        "limit=1&limit=2",
        "offset=-1",
    ] {
        assert_eq!(
            sane(Ok(app.list_pauses(&format!("?{q}")).await), q)
                .await
                .unwrap(),
            422
        );
    }
}
