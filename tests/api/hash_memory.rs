//! Sign-in bursts against the real binary: argon2 runs on `--hash-threads` threads that keep
//! one 19 MiB work area each, so 100 concurrent attempts queue instead of each leaving a block
//! behind in the allocator.

use std::io::Write;
use std::process::{Command, Stdio};

use futures_util::future::join_all;
use tempfile::TempDir;

use crate::helpers::extract;
use crate::process::Server;

const HASH_THREADS: u64 = 2;

/// The process's resident set in KiB, from /proc.
fn rss_kib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// An owner added by the CLI (which hashes with the same module).
fn add_owner(dir: &std::path::Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(["user", "add", "--workspace", "1", "--role", "owner"])
        .args(["--email", "owner@example.com"])
        .env_remove("HOLDPOINT_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"correct horse battery\n").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[tokio::test]
async fn a_hundred_concurrent_sign_ins_grow_rss_by_at_most_the_hashing_pool() {
    let dir = TempDir::new().unwrap();
    add_owner(dir.path());
    let threads = HASH_THREADS.to_string();
    let flags = ["--ip-rate-limit", "0", "--hash-threads", &threads];
    let server = Server::start_with_flags(dir.path(), "127.0.0.1:0", &flags);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = format!("{}/login", server.base);
    let form = client
        .get(&login)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = extract(&form, "name=\"csrf_token\" value=\"").unwrap();
    let before = rss_kib(&server);

    // Distinct accounts (unknown ones cost the same hash), so the throttle lets each through.
    let attempts = (0..100).map(|i| {
        let email = format!("person{i}@example.com");
        let fields = [
            ("email", email.as_str()),
            ("password", "wrong"),
            ("csrf_token", &token),
        ];
        let req = client.post(&login).form(&fields);
        async move { req.send().await.unwrap().status().as_u16() }
    });
    let statuses = join_all(attempts).await;
    assert!(statuses.iter().all(|&s| s == 401), "{statuses:?}");
    let ok = client
        .post(&login)
        .form(&[
            ("email", "owner@example.com"),
            ("password", "correct horse battery"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303, "the CLI's hash verifies on the pool");

    let after = rss_kib(&server);
    let budget = HASH_THREADS * 20 * 1024 + 24 * 1024;
    eprintln!("RSS {before} KiB -> {after} KiB (budget +{budget} KiB)");
    assert!(
        after <= before + budget,
        "RSS grew from {before} KiB to {after} KiB, over the {budget} KiB budget"
    );
}
