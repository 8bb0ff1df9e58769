//! The secret-bearing flows the log test drives, each recording the secrets it handled and the
//! request ids of its responses in [`Seen`].

use std::sync::Arc;

use reqwest::{Response, Url};
use serde_json::{json, Value};

use crate::helpers::{extract, Browser};
use crate::invites::sign_up;
use crate::logged_server::LoggedServer;
use crate::mail_support::{free_port, wait_for_files};
use crate::manage_keys::full_key_in;
use crate::webhooks_page::secret_in;

pub const OWNER: &str = "olive@example.com";
pub const PASSWORD: &str = "Owner&pass-9f2c7e1a";
pub const WRONG_PASSWORD: &str = "Wrong&pass-5b1d3c8e";
pub const INVITEE_PASSWORD: &str = "Invitee&pass-2e7a4f6d";
pub const WRONG_KEY: &str = "hitl_live_AAAAbbbbCCCCddddEEEEffffGGGGhh000000";
pub const METRICS_TOKEN: &str = "metrics-token-8c3e5a1f9d";
pub const SMTP_PASSWORD: &str = "smtp-pass-6d2f8b4a0c";

/// What the test saw: the secrets to look for and the request ids that prove the capture.
#[derive(Default)]
pub struct Seen {
    pub secrets: Vec<(String, String)>,
    pub request_ids: Vec<String>,
}

impl Seen {
    /// A secret and its obvious variants: form-encoded, and for prefixed secrets the random part.
    pub fn secret(&mut self, what: &str, value: &str) {
        assert!(
            value.len() >= 12,
            "{what} is too short to search for: {value:?}"
        );
        let mut variants = vec![value.to_string(), form_encoded(value)];
        for prefix in ["hitl_live_", "hitl_test_", "whsec_"] {
            if let Some(rest) = value.strip_prefix(prefix) {
                variants.push(rest.to_string());
                if prefix != "whsec_" {
                    variants.push(rest[..rest.len() - 6].to_string()); // without the checksum
                }
            }
        }
        for v in variants {
            self.secrets.push((what.to_string(), v));
        }
    }

    pub fn id(&mut self, res: &Response) {
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        self.request_ids.push(id);
    }

    /// Every cookie the client holds for the server is a secret (session, form tokens).
    pub fn cookies(&mut self, jar: &reqwest::cookie::Jar, base: &str) {
        use reqwest::cookie::CookieStore;
        let Some(header) = jar.cookies(&Url::parse(base).unwrap()) else {
            return;
        };
        for pair in header.to_str().unwrap().split("; ") {
            let (name, value) = pair.split_once('=').unwrap();
            self.secret(&format!("cookie {name}"), value);
        }
    }
}

pub fn form_encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn browser(base: &str) -> (Browser, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (
        Browser {
            client,
            address: base.to_string(),
        },
        jar,
    )
}

/// First run: the setup page creates the owner and signs them in.
pub async fn set_up(b: &Browser, seen: &mut Seen) {
    let res = b.get("/setup").await;
    seen.id(&res);
    let token = extract(&res.text().await.unwrap(), "name=\"csrf_token\" value=\"").unwrap();
    seen.secret("setup form token", &token);
    let form = [
        ("email", OWNER),
        ("name", "Olive"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("csrf_token", &token),
    ];
    let res = b
        .client
        .post(b.url("/setup"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "setup failed");
    seen.id(&res);
}

/// Signs out, fails once with a wrong password, signs in again; every token along the way.
pub async fn sign_in_again(b: &Browser, jar: &reqwest::cookie::Jar, seen: &mut Seen) {
    seen.cookies(jar, &b.address);
    let csrf = b.csrf().await;
    seen.secret("session CSRF token", &csrf);
    let res = b.post_form("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    seen.id(&res);
    let res = b.login(OWNER, WRONG_PASSWORD).await;
    assert_eq!(res.status(), 401);
    seen.id(&res);
    let res = b.login(OWNER, PASSWORD).await;
    assert_eq!(res.status(), 303);
    seen.id(&res);
    seen.cookies(jar, &b.address);
    seen.secret("session CSRF token", &b.csrf().await);
}

pub async fn create_keys(
    server: &LoggedServer,
    b: &Browser,
    json: bool,
    seen: &mut Seen,
    cli_log: &mut String,
) -> (String, String) {
    let res = b
        .post_form(
            "/keys",
            &[
                ("name", "dashboard key"),
                ("kind", "live"),
                ("scope_pauses", "on"),
            ],
        )
        .await;
    seen.id(&res);
    let dashboard_key = full_key_in(&res.text().await.unwrap()).expect("the key is shown once");
    seen.secret("API key from the dashboard", &dashboard_key);
    let (out, err) = server.cli(
        json,
        &["key", "create", "--workspace", "1", "--name", "cli key"],
    );
    cli_log.push_str(&err);
    let cli_key = out.trim().to_string();
    seen.secret("API key from the CLI", &cli_key);
    (dashboard_key, cli_key)
}

/// The agent's calls: valid keys, a wrong key, keys in a query string. Returns a watchId.
pub async fn use_keys(base: &str, keys: &(String, String), seen: &mut Seen) -> String {
    let api = reqwest::Client::new();
    let res = api
        .post(format!("{base}/api/pause"))
        .bearer_auth(&keys.0)
        .json(&json!({ "action": "Deploy", "context": { "n": 1 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    seen.id(&res);
    let watch_id = res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    for (key, query, status) in [
        (keys.1.as_str(), String::new(), 200),
        (WRONG_KEY, String::new(), 401),
        (
            keys.1.as_str(),
            format!("?api_key={}&token={}", keys.0, keys.1),
            200,
        ),
    ] {
        let res = api
            .get(format!("{base}/api/pause/{watch_id}{query}"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status);
        seen.id(&res);
    }
    let res = api
        .get(format!("{base}/api/pause?key={}", keys.0))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    seen.id(&res);
    watch_id
}

/// An invitation, used by the invitee with a password of their own.
pub async fn invite_someone(base: &str, b: &Browser, seen: &mut Seen) {
    let fields = [
        ("email", "ivy@example.com"),
        ("name", "Ivy"),
        ("role", "approver"),
        ("method", "invite"),
    ];
    let res = b.post_form("/users", &fields).await;
    assert_eq!(res.status(), 200);
    seen.id(&res);
    let link = extract(
        &res.text().await.unwrap(),
        "id=\"invite-link\" class=\"copy-source\" type=\"text\" readonly value=\"",
    )
    .unwrap();
    let path = link.strip_prefix(base).unwrap().to_string();
    seen.secret("sign-up token", path.trim_start_matches("/signup/"));
    let (invitee, jar) = browser(base);
    let res = sign_up(&invitee, &path, "Ivy", INVITEE_PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-up failed");
    seen.id(&res);
    seen.cookies(&jar, base);
}

/// A webhook endpoint (its `whsec_` secret is shown once) and the callback secret.
pub async fn add_webhook(server: &LoggedServer, b: &Browser, seen: &mut Seen) {
    let url = format!("http://127.0.0.1:{}/hook", free_port());
    let res = b
        .post_form(
            "/webhooks",
            &[("url", url.as_str()), ("events", "pause.created")],
        )
        .await;
    seen.id(&res);
    let secret = secret_in(&res.text().await.unwrap()).expect("the secret is shown once");
    seen.secret("webhook endpoint secret", &secret);
    let res = b.post_form("/webhooks/callback-secret", &[]).await;
    seen.id(&res);
    let conn = rusqlite::Connection::open(server.dir.join("holdpoint.db")).unwrap();
    let callback: String = conn
        .query_row(
            "SELECT callback_secret FROM workspaces WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    seen.secret("callback secret", &callback);
}

/// A new pause emails its approvers; one of them confirms and decides through the link.
pub async fn decide_by_email_link(server: &LoggedServer, key: &str, seen: &mut Seen) {
    let api = reqwest::Client::new();
    let res = api
        .post(format!("{}/api/pause", server.base))
        .bearer_auth(key)
        .json(&json!({ "action": "Email me" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    seen.id(&res);
    // One email to the owner about the earlier pause, one each to the owner and Ivy about this.
    let mails = wait_for_files(&server.dir.join("mail"), 3).await;
    for mail in &mails {
        let (approve, reject) = mail.buttons();
        for url in [&approve, &reject] {
            seen.secret("one-click token", &crate::mail_support::token_of(url));
        }
    }
    let (approve, _) = mails.last().unwrap().buttons();
    let (page, _jar) = browser(&server.base);
    let res = page.client.get(&approve).send().await.unwrap();
    seen.id(&res);
    let token = extract(&res.text().await.unwrap(), "name=\"csrf_token\" value=\"").unwrap();
    seen.secret("one-click form token", &token);
    let form = [
        ("csrf_token", token.as_str()),
        ("approved", "true"),
        ("reason", "ok"),
    ];
    let res = page.client.post(&approve).form(&form).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    seen.id(&res);
}

pub async fn scrape_metrics(base: &str, seen: &mut Seen) {
    let api = reqwest::Client::new();
    for (token, status) in [(METRICS_TOKEN, 200), ("metrics-token-wrong-0000", 401)] {
        let res = api
            .get(format!("{base}/metrics"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status);
        seen.id(&res);
    }
    seen.secret("wrong metrics token", "metrics-token-wrong-0000");
}
