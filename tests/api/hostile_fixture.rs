//! The fixture the property tests in `hostile.rs` share: one real server per property, driven
//! from proptest's synchronous runner, and the property every answer must have.

use std::collections::BTreeMap;
use std::sync::Mutex;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_without_email, Browser, TestApp};

/// One server per property, and a runtime to drive it from proptest's synchronous runner.
pub struct Fixture {
    pub rt: tokio::runtime::Runtime,
    pub app: TestApp,
    pub client: reqwest::Client,
    pub browser: Browser,
    pub csrf: String,
}

impl Fixture {
    pub fn new() -> Fixture {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (app, browser, csrf) = rt.block_on(async {
            let app = spawn_app_without_email().await;
            app.set_billing_plan(1, "pro");
            let browser = app.sign_in(&app.owner_email).await;
            let csrf = browser.csrf().await;
            (app, browser, csrf)
        });
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Fixture {
            rt,
            app,
            client,
            browser,
            csrf,
        }
    }

    /// Runs `cases` cases of `strategy`; every case must leave the server answering normally.
    /// Returns how often each status was answered, so a test can show it reached the handlers.
    pub fn check<S: Strategy>(
        &self,
        cases: u32,
        strategy: S,
        case: impl Fn(&Fixture, S::Value) -> Result<u16, TestCaseError>,
    ) -> BTreeMap<u16, u32> {
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let seen = Mutex::new(BTreeMap::new());
        TestRunner::new(config)
            .run(&strategy, |input| {
                let status = case(self, input)?;
                *seen.lock().unwrap().entry(status).or_insert(0) += 1;
                self.rt.block_on(self.still_serves())
            })
            .unwrap();
        seen.into_inner().unwrap()
    }

    /// A normal create and read still work.
    pub async fn still_serves(&self) -> Result<(), TestCaseError> {
        let res = self
            .client
            .post(self.app.url("/api/pause"))
            .bearer_auth(&self.app.key)
            .json(&json!({ "action": "still here?" }))
            .send()
            .await
            .map_err(|e| TestCaseError::fail(format!("create after the case failed: {e}")))?;
        prop_assert_eq!(res.status().as_u16(), 201);
        let created: Value = res.json().await.unwrap();
        let url = created["statusUrl"].as_str().unwrap();
        let res = self
            .client
            .get(url)
            .bearer_auth(&self.app.key)
            .send()
            .await
            .map_err(|e| TestCaseError::fail(format!("read after the case failed: {e}")))?;
        prop_assert_eq!(res.status().as_u16(), 200);
        Ok(())
    }
}

/// The property every answer must have: a 2xx/3xx, or a 4xx problem+json with the RFC 9457
/// members; never a 5xx, a dropped connection or a timeout. Returns the status.
pub async fn sane(res: reqwest::Result<Response>, what: &str) -> Result<u16, TestCaseError> {
    let res = res.map_err(|e| TestCaseError::fail(format!("{what}: no answer: {e:?}")))?;
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let text = res
        .text()
        .await
        .map_err(|e| TestCaseError::fail(format!("{what}: body cut off: {e}")))?;
    prop_assert!(status < 500, "{}: answered {}: {}", what, status, text);
    if status >= 400 {
        prop_assert_eq!(ct.as_deref(), Some("application/problem+json"), "{}", what);
        let body: Value = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{what}: problem is not JSON: {e}")))?;
        prop_assert_eq!(&body["status"], &json!(status), "{}", what);
        prop_assert!(body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")));
        prop_assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
        prop_assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    }
    Ok(status)
}
