//! Protocol details every route shares: 405 for a wrong method, HSTS under https, and how
//! malformed requests are logged.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{assert_problem, spawn_app, spawn_app_configured};
use crate::logged_server::LoggedServer;

/// Every dashboard resource, with a method it does not allow and the ones it does.
const DASHBOARD: &[(&str, &str, &str)] = &[
    ("/", "POST", "GET"),
    ("/queue/items", "DELETE", "GET"),
    ("/history", "POST", "GET"),
    (
        "/pauses/0190a0b0-0000-7000-8000-000000000000",
        "POST",
        "GET",
    ),
    ("/login", "PUT", "GET, POST"),
    ("/logout", "GET", "POST"),
    ("/login/verify", "PUT", "GET, POST"),
    ("/login/enrol", "DELETE", "GET, POST"),
    ("/login/cancel", "GET", "POST"),
    ("/account/two-factor", "POST", "GET"),
    ("/account/two-factor/off", "GET", "POST"),
    ("/settings/two-factor", "GET", "POST"),
    ("/users/2/reset-two-factor", "GET", "POST"),
    ("/setup", "DELETE", "GET, POST"),
    ("/account", "POST", "GET"),
    ("/account/name", "GET", "POST"),
    ("/account/password", "GET", "POST"),
    ("/account/notifications", "GET", "POST"),
    ("/users", "PATCH", "GET, POST"),
    ("/users/2/role", "GET", "POST"),
    ("/users/2/disable", "PUT", "GET, POST"),
    ("/users/2/enable", "GET", "POST"),
    ("/users/2/invite", "GET", "POST"),
    ("/signup/some-token", "PUT", "GET, POST"),
    ("/forgot-password", "PUT", "GET, POST"),
    ("/reset-password/some-token", "DELETE", "GET, POST"),
    ("/keys", "DELETE", "GET, POST"),
    ("/keys/1/revoke", "GET", "POST"),
    ("/settings", "PUT", "GET, POST"),
    ("/usage", "POST", "GET"),
    ("/audit", "POST", "GET"),
    ("/webhooks", "PUT", "GET, POST"),
    ("/webhooks/1", "POST", "GET"),
    ("/webhooks/1/enable", "GET", "POST"),
    ("/d/some-token", "DELETE", "GET, POST"),
];

#[tokio::test]
async fn a_wrong_method_on_any_dashboard_page_is_a_405_naming_the_allowed_ones() {
    let app = spawn_app().await;
    for (path, method, allow) in DASHBOARD {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let res = app
            .api
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(res.headers()["allow"], *allow, "{method} {path}");
        let body = assert_problem(res, 405).await;
        assert_eq!(body["type"], "/problems/method-not-allowed");
    }
    let unknown = app.api.get(app.url("/no-such-page")).send().await.unwrap();
    assert_problem(unknown, 404).await;
}

#[tokio::test]
async fn an_https_public_url_turns_on_strict_transport_security() {
    let app = spawn_app_configured(
        Arc::new(TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| s.public_url = Some("https://holdpoint.example.com/".parse().unwrap()),
    )
    .await;
    for path in ["/healthz", "/login", "/no-such-page"] {
        let res = app.api.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
    let plain = spawn_app().await;
    let res = plain.api.get(plain.url("/healthz")).send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none());
}

/// Sends `request` on a fresh connection and returns what came back before the close.
async fn send_raw(base: &str, request: &[u8]) -> String {
    let addr = base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn malformed_requests_are_logged_at_debug_and_never_as_errors() {
    let dir = TempDir::new().unwrap();
    let server = LoggedServer::start(dir.path(), false, &[("HOLDPOINT_LOG", "info")]);
    let answer = send_raw(&server.base, b"GARBAGE\x01 / HTTP/1.1\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let answer = send_raw(&server.base, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let log = server.stop();
    assert!(!log.contains("ERROR"), "{log}");
    assert!(!log.contains("stream error"), "{log}");

    let dir = TempDir::new().unwrap();
    let server = LoggedServer::start(dir.path(), false, &[("HOLDPOINT_LOG", "debug")]);
    send_raw(&server.base, b"GARBAGE\x01 / HTTP/1.1\r\n\r\n").await;
    let log = server.stop();
    let line = log
        .lines()
        .find(|l| l.contains("client connection closed"))
        .unwrap_or_else(|| panic!("no debug line for the malformed request:\n{log}"));
    assert!(line.contains("DEBUG"), "{line}");
    assert!(!log.contains("ERROR"), "{log}");
}
