//! A real OpenID provider for the single sign-on tests: the certified `oidc-provider` package
//! (e2e/oidc-provider.mjs) on 127.0.0.1, and a browser that walks the whole redirect chain
//! (Holdpoint → provider → Holdpoint) one hop at a time, so a test can tamper with any hop.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use holdpoint::config::oidc::Oidc;
use holdpoint::config::Settings;
use reqwest::{Response, StatusCode, Url};

use crate::helpers::{spawn_app_configured, Browser, TestApp};

pub const CLIENT_ID: &str = "holdpoint-test";
pub const CLIENT_SECRET: &str = "test-client-secret-0123456789abcdef";

/// The node provider; killed when dropped so a failing test leaves no process behind.
pub struct Provider {
    child: Child,
    pub issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts the provider, or returns None when `HOLDPOINT_SKIP_NODE` is set (which fails the
    /// test under `CI=true`). A missing node or package fails the test.
    pub fn start(test: &str) -> Option<Provider> {
        if std::env::var_os("HOLDPOINT_SKIP_NODE").is_some() {
            crate::skips::skip_or_fail(test, "HOLDPOINT_SKIP_NODE is set");
            return None;
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert!(
            root.join("e2e/node_modules/oidc-provider").exists(),
            "the single sign-on tests need the oidc-provider package: `npm ci --prefix e2e` \
             (./test does it), or set HOLDPOINT_SKIP_NODE=1 to skip them"
        );
        let mut child = Command::new("node")
            .arg(root.join("e2e/oidc-provider.mjs"))
            .args([CLIENT_ID, CLIENT_SECRET])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs (install Node.js 20 or newer)");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .expect("the provider printed its issuer");
        let issuer = first.trim().to_string();
        assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer:?}");
        Some(Provider { child, issuer })
    }

    /// Holdpoint's settings for this provider, every default.
    pub fn settings(&self) -> Oidc {
        Oidc::for_tests(&self.issuer, CLIENT_ID, CLIENT_SECRET)
    }
}

/// A server configured for `oidc`.
pub async fn app_with(oidc: Oidc, more: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = std::sync::Arc::new(tempfile::TempDir::new().unwrap());
    let app = spawn_app_configured(dir, holdpoint::domain::clock::system_now(), move |s| {
        s.oidc = Some(oidc);
        more(s);
    })
    .await;
    // Room for the people the tests invite and provision.
    app.set_billing_plan(1, "pro");
    app
}

pub fn location(res: &Response) -> Url {
    let loc = res
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("a redirect, got {}", res.status()))
        .to_str()
        .unwrap();
    res.url().join(loc).unwrap()
}

/// `GET path` on Holdpoint, which must redirect to the provider: the authorization URL.
pub async fn begin(browser: &Browser, path: &str) -> Url {
    let res = browser.get(path).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
    location(&res)
}

/// Walks the provider from the authorization URL, signing in with `claims` (the query string
/// e2e/oidc-provider.mjs reads: `sub=…&email=…&groups=…&amr=…`), to the callback URL it
/// sends the browser back to (not followed).
pub async fn at_provider(browser: &Browser, authorize: Url, claims: &str) -> Url {
    let mut url = authorize;
    for _ in 0..10 {
        if url.path() == "/auth/oidc/callback" {
            return url;
        }
        if url.path().starts_with("/interaction/") {
            url.set_query(Some(claims));
        }
        let mut res = browser
            .client
            .get(url.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::OK {
            res = submit_form_post(browser, res).await;
        }
        assert!(
            res.status().is_redirection(),
            "the provider stopped at {url}: {} {}",
            res.status(),
            res.text().await.unwrap_or_default()
        );
        url = location(&res);
    }
    panic!("the provider never sent the browser back");
}

/// A provider page that posts itself (signing another account in ends the provider's session
/// first): posts its form as the page's script would.
async fn submit_form_post(browser: &Browser, res: Response) -> Response {
    let base = res.url().clone();
    let html = res.text().await.unwrap();
    let action = crate::helpers::extract(&html, "<form method=\"post\" action=\"")
        .unwrap_or_else(|| panic!("the provider stopped at {base}: {html}"));
    let fields: Vec<(String, String)> = html
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|part| {
            let (name, rest) = part.split_once('"')?;
            let value = rest.split_once("value=\"")?.1.split_once('"')?.0;
            Some((name.to_string(), value.to_string()))
        })
        .collect();
    browser
        .client
        .post(base.join(&action).unwrap())
        .form(&fields)
        .send()
        .await
        .unwrap()
}

pub async fn get(browser: &Browser, url: Url) -> Response {
    browser.client.get(url).send().await.unwrap()
}

/// The whole sign-on from `/auth/oidc/start`: Holdpoint's answer to the callback.
pub async fn sign_on(browser: &Browser, claims: &str) -> Response {
    let authorize = begin(browser, "/auth/oidc/start").await;
    let callback = at_provider(browser, authorize, claims).await;
    get(browser, callback).await
}

/// The claims for a person with a verified email: `sub=…&email=…` plus `more`.
pub fn claims(sub: &str, email: &str, more: &str) -> String {
    let mut q = format!("sub={sub}&email={email}");
    if !more.is_empty() {
        q.push('&');
        q.push_str(more);
    }
    q
}

/// The newest session of `email`: (method, factor, pending, lifetime in ms).
pub fn latest_session(app: &TestApp, email: &str) -> (String, Option<String>, Option<String>, i64) {
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT method, factor, pending, expires_at - created_at FROM sessions
             WHERE user_id = (SELECT id FROM users WHERE email = ?1)
             ORDER BY created_at DESC LIMIT 1",
            [email],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?)
    })
    .unwrap()
}

/// Adds an invited user (no password yet) to workspace 1.
pub fn invite(app: &TestApp, email: &str) {
    let now = app.now();
    app.with_db(|c| {
        holdpoint::domain::users::add(
            c,
            now,
            holdpoint::domain::audit::Actor::Cli,
            holdpoint::domain::users::NewUser {
                workspace_id: holdpoint::domain::ids::WorkspaceId(1),
                email,
                name: "",
                role: holdpoint::domain::users::Role::Approver,
                password_hash: None,
                state: holdpoint::domain::users::UserState::Invited,
            },
        )
    })
    .unwrap();
}

/// `url` with its query parameter `name` set to `value`.
pub fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let mut out = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

/// The query parameter `name` of `url`.
pub fn param(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{url} has no {name}"))
}
