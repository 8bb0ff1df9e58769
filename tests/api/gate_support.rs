//! Running the built `holdpoint` as a gate (`wait`, `hook claude-code`) against a test server:
//! the child is started at once, its first stderr line (the pause's page, or the hook's
//! verdict) read when the test needs the pause, and its exit status and output collected last.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStderr, Command, Stdio};

use holdpoint::domain::scopes::KeyScope;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::key_scopes::key_with;

pub struct Gate {
    child: Child,
    stderr: BufReader<ChildStderr>,
    /// Every stderr line read so far.
    pub err: String,
}

/// What a finished gate left.
pub struct Done {
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl Done {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.out)
            .unwrap_or_else(|e| panic!("stdout not JSON ({e}): {:?}", self.out))
    }
}

/// `holdpoint ARGS` with `url` and `key` in the environment (none from the test's own), and
/// `stdin` written and closed.
pub fn start(url: &str, key: &str, args: &[&str], stdin: &str) -> Gate {
    start_env(url, key, args, stdin, &[])
}

/// `start` with more variables in the child's environment.
pub fn start_env(url: &str, key: &str, args: &[&str], stdin: &str, vars: &[(&str, &str)]) -> Gate {
    let mut child = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .env("HOLDPOINT_URL", url)
        .env("HOLDPOINT_KEY", key)
        // A data directory that cannot be created: the gates never touch one.
        .env(
            "HOLDPOINT_DATA_DIR",
            "/proc/holdpoint-gates-never-open-this",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn holdpoint");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let stderr = BufReader::new(child.stderr.take().unwrap());
    Gate {
        child,
        stderr,
        err: String::new(),
    }
}

/// `holdpoint wait ARGS` against `app` with its agent key.
pub fn wait(app: &TestApp, args: &[&str]) -> Gate {
    let mut all = vec!["wait"];
    all.extend_from_slice(args);
    start(&app.address, &app.key, &all, "")
}

/// `holdpoint hook claude-code ARGS` against `app` with `payload` on stdin.
pub fn hook(app: &TestApp, args: &[&str], payload: &Value) -> Gate {
    let mut all = vec!["hook", "claude-code"];
    all.extend_from_slice(args);
    start(&app.address, &app.key, &all, &payload.to_string())
}

impl Gate {
    /// Reads stderr up to the page URL the gate prints once the pause exists; its watchId.
    pub async fn pending_watch_id(&mut self) -> String {
        loop {
            let line = self.line().await;
            if let Some((_, url)) = line.split_once("waiting for a decision: ") {
                return url.trim().rsplit('/').next().unwrap().to_string();
            }
            assert!(
                !line.is_empty(),
                "the gate ended before waiting: {}",
                self.err
            );
        }
    }

    async fn line(&mut self) -> String {
        let stderr = &mut self.stderr;
        let line = tokio::task::block_in_place(|| {
            let mut line = String::new();
            stderr.read_line(&mut line).unwrap();
            line
        });
        self.err.push_str(&line);
        line
    }

    /// Waits for the exit (off the async threads: the server answers on them).
    pub async fn done(self) -> Done {
        let Gate {
            mut child,
            mut stderr,
            mut err,
        } = self;
        tokio::task::block_in_place(move || {
            let mut out = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            stderr.read_to_string(&mut err).unwrap();
            let code = child.wait().unwrap().code().expect("exited");
            Done { code, out, err }
        })
    }
}

/// A key that decides (the agent's own key may not decide its pauses).
pub fn decider(app: &TestApp) -> String {
    key_with(app, "decider", false, &[KeyScope::Decide]).1
}

/// `POST /api/pause/:id/approve` with `body`, by `key`; the answer must be 200.
pub async fn decide(app: &TestApp, key: &str, watch_id: &str, body: Value) {
    let res = app
        .api
        .post(app.url(&format!("/api/pause/{watch_id}/approve")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

pub async fn approve(app: &TestApp, watch_id: &str) {
    decide(app, &decider(app), watch_id, json!({"approved": true})).await;
}

pub async fn reject(app: &TestApp, watch_id: &str, reason: &str) {
    let body = json!({"approved": false, "reason": reason});
    decide(app, &decider(app), watch_id, body).await;
}

/// The pause as the agent's key reads it.
pub async fn read(app: &TestApp, watch_id: &str) -> Value {
    app.get_pause(watch_id).await.json().await.unwrap()
}

/// A closed port: nothing listens there.
pub fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    address
}
