//! The real `holdpoint` binary as a child process, for tests that kill, signal or restart it.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

/// The server process; killed when dropped so a failing test leaves nothing running.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `holdpoint` on port 0 and reads its address from the startup log line.
    pub fn start(dir: &Path) -> Server {
        Server::start_on(dir, "127.0.0.1:0")
    }

    /// Starts it on a given address (a restarted server can keep its port).
    pub fn start_on(dir: &Path, bind: &str) -> Server {
        Server::start_with(dir, bind, |_| {})
    }

    /// Starts it with its environment adjusted by `env` (applied last, so it can override).
    pub fn start_with(dir: &Path, bind: &str, env: impl FnOnce(&mut Command)) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_holdpoint"));
        cmd.arg("--data-dir")
            .arg(dir)
            .args(["--bind", bind])
            .env_remove("HOLDPOINT_PUBLIC_URL")
            .env("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE", "true")
            .stderr(Stdio::piped());
        env(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(i) = line.find("public_url=") {
                let rest = &line[i + "public_url=".len()..];
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, base }
    }

    /// `POST /api/pause` with `body`; the created pause as JSON.
    pub async fn create_pause(
        &self,
        client: &reqwest::Client,
        key: &str,
        body: &serde_json::Value,
    ) -> serde_json::Value {
        client
            .post(format!("{}/api/pause", self.base))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub fn kill_9(&mut self) {
        self.signal("-KILL");
        self.child.wait().unwrap();
    }

    /// Sends a signal (`-TERM`, `-KILL`) without waiting for the process to end.
    pub fn signal(&self, sig: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap()
            .success());
    }
}

pub fn key_create(dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(["key", "create", "--workspace", "1"])
        .env_remove("HOLDPOINT_DATA_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A read-only look at the live database, as an operator's `sqlite3` would take.
pub fn query(dir: &Path, sql: &str) -> String {
    let conn =
        Connection::open_with_flags(dir.join("holdpoint.db"), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| format!("{v:?}"))
        .unwrap()
}

pub async fn wait_until(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs a CLI command on `dir`: (success, stdout, stderr).
pub fn run_cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HOLDPOINT_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
