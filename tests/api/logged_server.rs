//! The real `holdpoint` binary with everything it logs captured: for tests about the logs.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server process at `HOLDPOINT_LOG=trace`; stdout and stderr go to one buffer. Killed on drop.
pub struct LoggedServer {
    child: Child,
    pub base: String,
    pub dir: PathBuf,
    log: Arc<Mutex<String>>,
    pumps: Vec<std::thread::JoinHandle<()>>,
}

impl LoggedServer {
    pub fn start(dir: &Path, json: bool, env: &[(&str, &str)]) -> LoggedServer {
        let mut child = command(dir, json)
            .args(["--bind", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let pumps = vec![
            pump(child.stdout.take().unwrap(), log.clone()),
            pump(child.stderr.take().unwrap(), log.clone()),
        ];
        let started = Instant::now();
        let base = loop {
            if let Some(base) = listening_on(&log.lock().unwrap()) {
                break base;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        LoggedServer {
            child,
            base,
            dir: dir.to_path_buf(),
            log,
            pumps,
        }
    }

    /// Stops the server and returns all it wrote.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for p in self.pumps.drain(..) {
            let _ = p.join();
        }
        self.log.lock().unwrap().clone()
    }

    /// Runs a CLI command on the same data directory at trace level; returns (stdout, stderr).
    pub fn cli(&self, json: bool, args: &[&str]) -> (String, String) {
        let out = command(&self.dir, json).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &Path, json: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_holdpoint"));
    cmd.arg("--data-dir")
        .arg(dir)
        .env_remove("HOLDPOINT_DATA_DIR")
        .env_remove("HOLDPOINT_PUBLIC_URL")
        .env_remove("HOLDPOINT_SMTP_URL")
        .env_remove("HOLDPOINT_METRICS_TOKEN")
        .env("HOLDPOINT_LOG", "trace")
        .env("HOLDPOINT_LOG_FORMAT", if json { "json" } else { "text" })
        .env("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE", "true");
    cmd
}

fn pump(
    stream: impl std::io::Read + Send + 'static,
    log: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut log = log.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    })
}

/// The base URL from the "holdpoint listening" line (text or JSON).
fn listening_on(log: &str) -> Option<String> {
    let line = log.lines().find(|l| l.contains("holdpoint listening"))?;
    let start = line.find("public_url")? + line[line.find("public_url")?..].find("http://")?;
    let url: String = line[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || ":/.".contains(*c))
        .collect();
    Some(url)
}
