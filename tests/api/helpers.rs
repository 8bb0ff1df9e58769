use std::sync::Arc;

use holdpoint::config::Settings;
use holdpoint::db;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::clock::{system_now, ManualClock};
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::users::{self, NewUser, Role};
use holdpoint::domain::{api_keys, workspaces};
use holdpoint::startup::Application;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub dir: Arc<TempDir>,
    pub clock: Arc<ManualClock>,
    pub app_state: actix_web::web::Data<holdpoint::http::AppState>,
    pub handle: actix_web::dev::ServerHandle,
    pub api: reqwest::Client,
    pub key: String,
    pub owner_email: String,
    /// The SQLite file in `dir`, or this test's PostgreSQL database (see `crate::pg`).
    pub database: db::Target,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_in(Arc::new(TempDir::new().expect("temp dir")), system_now()).await
}

/// Starts a server on an existing data directory (for restart tests) at clock time `now`.
pub async fn spawn_app_in(dir: Arc<TempDir>, now: i64) -> TestApp {
    spawn_app_configured(dir, now, |_| {}).await
}

/// For tests that count outbox rows and attempts: a new pause also queues an approval email per
/// user, so here the users have email notifications off.
pub async fn spawn_app_without_email() -> TestApp {
    without_email(spawn_app().await)
}

pub fn without_email(app: TestApp) -> TestApp {
    app.with_db(|c| Ok(c.execute("UPDATE users SET email_notifications = 0", [])?))
        .unwrap();
    app
}

/// A fresh server with an API key but no user yet (the first-run state).
pub async fn spawn_empty_app() -> TestApp {
    let mut app = spawn_app_inner(
        Arc::new(TempDir::new().unwrap()),
        system_now(),
        |_| {},
        false,
    )
    .await;
    app.key = app.create_key(1, false);
    app
}

pub async fn spawn_app_configured(
    dir: Arc<TempDir>,
    now: i64,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_app_inner(dir, now, configure, true).await
}

async fn spawn_app_inner(
    dir: Arc<TempDir>,
    now: i64,
    configure: impl FnOnce(&mut Settings),
    with_owner: bool,
) -> TestApp {
    let clock = Arc::new(ManualClock::new(now));
    let mut settings = Settings::for_tests(dir.path().to_path_buf());
    settings.database_url = crate::pg::database_for(dir.path());
    configure(&mut settings);
    let database = settings.database();
    let app = Application::build_with_clock(settings, clock.clone()).expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let app_state = app.state();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let mut test = TestApp {
        address,
        dir,
        clock,
        app_state,
        handle,
        api: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        key: String::new(),
        owner_email: String::new(),
        database,
    };
    let existing = test.with_db(users::any_exists).unwrap();
    if !existing && with_owner {
        // A fresh install starts on `pro` (no limits); the tests' workspace is on the smallest
        // plan so that they meet its limits. No audit row: tests count those.
        test.with_db(|c| Ok(c.execute("UPDATE workspaces SET plan_id = 'free' WHERE id = 1", [])?))
            .unwrap();
        test.key = test.create_key(1, false);
        test.owner_email = "owner@example.com".into();
        test.add_user(1, "owner@example.com", Role::Owner);
    }
    test
}

/// A test fails when its server answered a route of the table with a status the OpenAPI
/// document does not list for it (see `holdpoint::http::api::openapi::check`).
impl Drop for TestApp {
    fn drop(&mut self) {
        let misses = self.app_state.openapi_misses.take();
        if !misses.is_empty() && !std::thread::panicking() {
            panic!(
                "the OpenAPI document (src/http/api/openapi/) is missing what this test's \
                 server answered:\n  {}",
                misses.join("\n  ")
            );
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn now(&self) -> i64 {
        holdpoint::domain::clock::Clock::now(&*self.clock)
    }

    /// Runs `f` in a write transaction on a direct connection (as the CLI does), on a thread
    /// of its own (PostgreSQL's blocking client cannot run on the test's runtime thread).
    pub fn with_db<T: Send>(
        &self,
        f: impl FnOnce(&holdpoint::db::Connection) -> holdpoint::error::AppResult<T> + Send,
    ) -> holdpoint::error::AppResult<T> {
        let database = &self.database;
        std::thread::scope(|s| {
            s.spawn(move || {
                let conn = match database {
                    db::Target::Sqlite(path) => {
                        db::open(path, holdpoint::config::Synchronous::Normal).unwrap()
                    }
                    db::Target::Postgres(url) => db::connect(url).unwrap(),
                };
                db::with_transaction(&conn, |ctx| f(ctx.conn))
            })
            .join()
            .unwrap()
        })
    }

    pub fn create_workspace(&self, name: &str, plan: &str) -> i64 {
        let now = self.now();
        self.with_db(|c| workspaces::create(c, now, Actor::Cli, name, plan))
            .unwrap()
            .0
    }

    pub fn set_billing_plan(&self, ws: i64, plan: &str) {
        let now = self.now();
        self.with_db(|c| workspaces::set_billing_plan(c, now, Actor::Cli, WorkspaceId(ws), plan))
            .unwrap()
    }

    pub fn create_key(&self, ws: i64, test: bool) -> String {
        let now = self.now();
        self.with_db(|c| api_keys::create(c, now, Actor::Cli, WorkspaceId(ws), "test key", test))
            .unwrap()
            .1
    }

    pub fn add_user(&self, ws: i64, email: &str, role: Role) -> i64 {
        let now = self.now();
        let password_hash = holdpoint::auth::password::hash(PASSWORD).unwrap();
        self.with_db(|c| {
            users::add(
                c,
                now,
                Actor::Cli,
                NewUser {
                    workspace_id: WorkspaceId(ws),
                    email,
                    name: "Test User",
                    role,
                    password_hash: Some(password_hash),
                    state: users::UserState::Active,
                },
            )
        })
        .unwrap()
        .0
    }

    /// Rows of the audit log for a subject, oldest first: (event, actor_type).
    pub fn audit_events(&self, subject: &str) -> Vec<(String, String)> {
        self.with_db(|c| {
            let mut stmt = c.prepare(
                "SELECT event, actor_type FROM audit_log WHERE subject = ?1 ORDER BY id",
            )?;
            let rows = stmt
                .query_map([subject], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .unwrap()
    }

    pub fn stored_status(&self, watch_id: &str) -> String {
        let id = uuid::Uuid::parse_str(watch_id).unwrap();
        self.with_db(|c| {
            Ok(c.query_row(
                "SELECT status FROM pauses WHERE watch_id = ?1",
                [&id.as_bytes()[..]],
                |r| r.get(0),
            )?)
        })
        .unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.with_db(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .unwrap()
    }

    // ---- agent API -------------------------------------------------------------------------

    pub async fn post_pause_with(&self, key: &str, body: &Value) -> Response {
        self.api
            .post(self.url("/api/pause"))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_pause_raw(
        &self,
        key: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.api
            .post(self.url("/api/pause"))
            .bearer_auth(key)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Creates a pause with the default key and returns its JSON (asserting 201).
    /// Creates a pause from `body` with the workspace's key (asserting 201); its watchId.
    pub async fn create_watch_id(&self, body: Value) -> String {
        let res = self.post_pause_with(&self.key, &body).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["watchId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn create_pause(&self, action: &str) -> Value {
        let res = self
            .post_pause_with(
                &self.key,
                &json!({ "action": action, "context": { "n": 1 } }),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "create failed: {:?}",
            res.text().await
        );
        res.json().await.unwrap()
    }

    pub async fn get_pause(&self, watch_id: &str) -> Response {
        self.get_pause_with(&self.key, watch_id, "").await
    }

    pub async fn get_pause_with(&self, key: &str, watch_id: &str, query: &str) -> Response {
        self.api
            .get(self.url(&format!("/api/pause/{watch_id}{query}")))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    pub async fn list_pauses(&self, query: &str) -> Response {
        self.api
            .get(self.url(&format!("/api/pause{query}")))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap()
    }

    pub async fn cancel_pause(&self, key: &str, watch_id: &str) -> Response {
        self.api
            .post(self.url(&format!("/api/pause/{watch_id}/cancel")))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    /// A plain TCP connection to the server, for clients that misbehave below HTTP.
    pub async fn raw_connection(&self) -> tokio::net::TcpStream {
        let addr = self.address.trim_start_matches("http://");
        tokio::net::TcpStream::connect(addr).await.unwrap()
    }

    /// `GET /metrics`, with the bearer token when given.
    pub async fn metrics(&self, token: Option<&str>) -> Response {
        let mut req = self.api.get(self.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// The once-a-minute background work (idempotency, sessions, context retention), now.
    pub async fn housekeeping(&self) {
        let services = self.app_state.services();
        holdpoint::jobs::housekeeping(&services).await.unwrap();
        holdpoint::jobs::retention(&services).await.unwrap();
    }

    pub async fn sweep(&self) -> usize {
        holdpoint::jobs::sweep_once(&self.app_state.services())
            .await
            .unwrap()
    }

    // ---- humans ------------------------------------------------------------------------------

    /// A browser-like client signed in as `email`.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let browser = Browser::new(&self.address);
        let res = browser.login(email, PASSWORD).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "sign-in failed: {:?}",
            res.text().await
        );
        browser
    }
}

/// A cookie-keeping HTTP client, like a person's browser.
pub struct Browser {
    pub client: reqwest::Client,
    pub address: String,
}

impl Browser {
    pub fn new(address: &str) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            address: address.to_string(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Loads the sign-in form and returns its hidden CSRF token.
    pub async fn login_form_token(&self) -> String {
        let html = self.get("/login").await.text().await.unwrap();
        extract(&html, "name=\"csrf_token\" value=\"").expect("login form has a csrf_token")
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        let token = self.login_form_token().await;
        self.client
            .post(self.url("/login"))
            .form(&[
                ("email", email),
                ("password", password),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token from the signed-in page's `<meta name="csrf-token">`.
    pub async fn csrf(&self) -> String {
        let html = self.get("/").await.text().await.unwrap();
        extract(&html, "<meta name=\"csrf-token\" content=\"")
            .expect("signed-in page carries the csrf meta tag")
    }

    /// Posts a form the way the dashboard's pages do, with the session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &csrf));
        self.client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form as a browser does (asking for HTML), with the CSRF token added.
    pub async fn post_html_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &csrf));
        self.client
            .post(self.url(path))
            .header("accept", "text/html")
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    pub async fn decide(&self, watch_id: &str, approved: bool, reason: Option<&str>) -> Response {
        let csrf = self.csrf().await;
        self.decide_with_token(
            watch_id,
            &json!({ "approved": approved, "reason": reason }),
            Some(&csrf),
        )
        .await
    }

    pub async fn decide_with_token(
        &self,
        watch_id: &str,
        body: &Value,
        csrf: Option<&str>,
    ) -> Response {
        let mut req = self
            .client
            .post(self.url(&format!("/api/pause/{watch_id}/approve")))
            .json(body);
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        req.send().await.unwrap()
    }
}

pub fn extract(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Asserts a problem+json answer with this status and returns its body.
pub async fn assert_problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let ct = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "{body}"
    );
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    body
}
