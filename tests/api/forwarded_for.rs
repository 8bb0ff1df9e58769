//! `--trust-forwarded-for`: on connections from `--trusted-proxies` (here the test itself, on
//! 127.0.0.1) the right-most `X-Forwarded-For` address that is not a trusted proxy is the
//! client's, for the per-IP limit, the sign-in throttle and the audit log; from anyone else the
//! header is ignored; and without `--trusted-proxies` the server does not start.

use std::process::Command;
use std::sync::Arc;

use holdpoint::config::Settings;
use holdpoint::domain::clock::system_now;
use holdpoint::startup::Application;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use tempfile::TempDir;

use crate::helpers::{spawn_app_configured, Browser, TestApp, PASSWORD};

/// A server that trusts `X-Forwarded-For` from `proxies`, allowing `per_minute` sign-in posts
/// per client address.
async fn behind(proxies: &[&str], per_minute: u32) -> TestApp {
    let proxies: Vec<std::net::IpAddr> = proxies.iter().map(|p| p.parse().unwrap()).collect();
    spawn_app_configured(Arc::new(TempDir::new().unwrap()), system_now(), |s| {
        s.limits.trust_forwarded_for = true;
        s.limits.trusted_proxies = proxies;
        s.limits.ip_per_minute = per_minute;
    })
    .await
}

/// A browser whose every request carries `X-Forwarded-For: xff`, as through a proxy.
fn browser_via(app: &TestApp, xff: &str) -> Browser {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(xff).unwrap());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    Browser {
        client,
        address: app.address.clone(),
    }
}

async fn wrong_sign_in(app: &TestApp, xff: &str) -> u16 {
    let res = browser_via(app, xff)
        .login(&app.owner_email, "wrong password")
        .await;
    res.status().as_u16()
}

#[tokio::test]
async fn the_per_ip_limit_counts_the_right_most_forwarded_address_from_a_trusted_proxy() {
    let app = behind(&["127.0.0.1", "10.0.0.6"], 2).await;
    // The client's own entries left of what the proxies appended do not change who it is.
    assert_eq!(wrong_sign_in(&app, "198.51.100.7").await, 401);
    assert_eq!(
        wrong_sign_in(&app, "6.6.6.6, 198.51.100.7, 10.0.0.6").await,
        401
    );
    assert_eq!(wrong_sign_in(&app, "7.7.7.7, 198.51.100.7").await, 429);
    // Another client behind the same proxy has its own budget.
    assert_eq!(wrong_sign_in(&app, "198.51.100.8").await, 401);
}

#[tokio::test]
async fn from_a_peer_that_is_not_a_trusted_proxy_the_header_is_ignored() {
    let app = behind(&["10.0.0.6"], 2).await;
    assert_eq!(wrong_sign_in(&app, "198.51.100.1").await, 401);
    assert_eq!(wrong_sign_in(&app, "198.51.100.2").await, 401);
    // Each claimed a new address, but all came from 127.0.0.1, which has used its two.
    assert_eq!(wrong_sign_in(&app, "198.51.100.3").await, 429);
}

#[tokio::test]
async fn the_sign_in_throttle_slows_the_guessing_address_and_not_the_owner_behind_the_proxy() {
    let app = behind(&["127.0.0.1"], 0).await;
    let mut failures = 0;
    while wrong_sign_in(&app, "203.0.113.66").await == 401 {
        failures += 1;
        assert!(failures <= 10, "the throttle never answered");
    }
    assert_eq!(
        failures, 4,
        "three free failures, then one that starts the wait"
    );
    assert_eq!(wrong_sign_in(&app, "203.0.113.66").await, 429);
    let owner = browser_via(&app, "198.51.100.20");
    assert_eq!(owner.login(&app.owner_email, PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn the_audit_log_records_the_forwarded_address_of_sign_ins_and_failed_ones() {
    let app = behind(&["127.0.0.1"], 0).await;
    assert_eq!(wrong_sign_in(&app, "6.6.6.6, 198.51.100.30").await, 401);
    let ok = browser_via(&app, "198.51.100.31")
        .login(&app.owner_email, PASSWORD)
        .await;
    assert_eq!(ok.status(), 303);
    let details = |event: &str| -> Value {
        let sql = format!("SELECT details FROM audit_log WHERE event = '{event}'");
        let text: String = app
            .with_db(|c| Ok(c.query_row(&sql, [], |r| r.get(0))?))
            .unwrap();
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(details("auth.sign_in_failed")["ip"], "198.51.100.30");
    assert_eq!(details("auth.sign_in_failed")["email"], app.owner_email);
    assert_eq!(details("auth.signed_in")["ip"], "198.51.100.31");
}

#[tokio::test]
async fn without_trusted_proxies_the_audit_log_records_the_peer_and_ignores_the_header() {
    let app = spawn_app_configured(Arc::new(TempDir::new().unwrap()), system_now(), |_| {}).await;
    let ok = browser_via(&app, "198.51.100.31")
        .login(&app.owner_email, PASSWORD)
        .await;
    assert_eq!(ok.status(), 303);
    let sql = "SELECT details FROM audit_log WHERE event = 'auth.signed_in'";
    let text: String = app
        .with_db(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["ip"],
        "127.0.0.1"
    );
}

#[test]
fn trusting_forwarded_for_without_trusted_proxies_does_not_start_and_says_why() {
    let dir = TempDir::new().unwrap();
    let mut settings = Settings::for_tests(dir.path().to_path_buf());
    settings.limits.trust_forwarded_for = true;
    let err = Application::build(settings)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("--trust-forwarded-for needs --trusted-proxies"),
        "{err}"
    );
    // The real binary, configured from the environment as a unit file would.
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("HOLDPOINT_DATA_DIR", dir.path())
        .env("HOLDPOINT_TRUST_FORWARDED_FOR", "true")
        .env_remove("HOLDPOINT_TRUSTED_PROXIES")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("needs --trusted-proxies"), "{stderr}");
    assert!(
        !dir.path().join("holdpoint.db").exists(),
        "refused before touching the data"
    );
}
