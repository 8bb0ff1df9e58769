//! The data directory's disk fills up (a small tmpfs, as root): creates answer 503
//! `storage-full` with `Retry-After`, `/readyz` says so, reads, long-polls and signed-in pages
//! keep working, sign-in and decisions show a readable page, and once space returns writes
//! resume without a restart. Nothing acknowledged is lost and the file stays whole.

use std::process::Stdio;

use serde_json::{json, Value};

use crate::fault_support::{fill, start_with_output, terminate_within_10_s, Tmpfs};
use crate::helpers::Browser;
use crate::process::{key_create, query, run_cli, Server};

const TEST: &str = "a_full_data_disk_answers_503_storage_full_and_writes_resume_once_space_returns";

async fn create(client: &reqwest::Client, server: &Server, key: &str) -> reqwest::Response {
    // A large context fills the WAL quickly once the disk is full.
    let context = "x".repeat(60_000);
    client
        .post(format!("{}/api/pause", server.base))
        .bearer_auth(key)
        .json(&json!({ "action": "deploy", "context": { "blob": context } }))
        .send()
        .await
        .unwrap()
}

/// Creates until the first refusal (bounded); returns the acknowledged watchIds and it.
async fn create_until_refused(
    client: &reqwest::Client,
    server: &Server,
    key: &str,
) -> (Vec<String>, reqwest::Response) {
    let mut acknowledged = Vec::new();
    for _ in 0..400 {
        let res = create(client, server, key).await;
        if res.status() != 201 {
            return (acknowledged, res);
        }
        let body: Value = res.json().await.unwrap();
        acknowledged.push(body["watchId"].as_str().unwrap().to_string());
    }
    panic!("400 large creates on a full disk all succeeded");
}

async fn readyz(client: &reqwest::Client, server: &Server) -> (u16, Value) {
    let res = client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn add_owner(dir: &std::path::Path, tmp: &std::path::Path) {
    let password = tmp.join("password");
    std::fs::write(&password, "a-long-password\n").unwrap();
    let args = [
        "user",
        "add",
        "--workspace",
        "1",
        "--email",
        "o@acme.test",
        "--role",
        "owner",
        "--password-file",
        password.to_str().unwrap(),
    ];
    let (ok, _, err) = run_cli(dir, &args);
    assert!(ok, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_data_disk_answers_503_storage_full_and_writes_resume_once_space_returns() {
    let Some(disk) = Tmpfs::mount("6m", TEST) else {
        return;
    };
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = disk.path.join("data");
    let log_path = tmp.path().join("holdpoint.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = start_with_output(&dir, Stdio::null(), Stdio::from(log)).await;
    add_owner(&dir, tmp.path());
    let key = key_create(&dir);
    let client = reqwest::Client::new();
    let first: Value = create(&client, &server, &key).await.json().await.unwrap();
    let first = first["watchId"].as_str().unwrap().to_string();
    let signed_in = Browser::new(&server.base);
    assert_eq!(
        signed_in
            .login("o@acme.test", "a-long-password")
            .await
            .status(),
        303
    );

    let filler = disk.path.join("filler");
    fill(&filler, 64 << 20);
    let (mut acknowledged, refused) = create_until_refused(&client, &server, &key).await;
    acknowledged.push(first.clone());
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "30");
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/storage-full", "{problem}");
    // Every later create is refused the same way, and logged only once (checked below).
    for _ in 0..5 {
        assert_eq!(create(&client, &server, &key).await.status(), 503);
    }
    assert_eq!(
        readyz(&client, &server).await,
        (503, json!({ "status": "storage-full" }))
    );

    still_reads_while_full(&client, &server, &key, &first, &signed_in).await;
    let refills = sign_in_while_full(&client, &server, &key, &mut acknowledged).await;

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(
        readyz(&client, &server).await,
        (200, json!({ "status": "ready" }))
    );
    let after = create(&client, &server, &key).await;
    assert_eq!(after.status(), 201, "writes resume without a restart");
    for watch in &acknowledged {
        let got = client
            .get(format!("{}/api/pause/{watch}", server.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "acknowledged pause {watch} was lost");
    }
    terminate_within_10_s(&mut server);
    assert_eq!(query(&dir, "PRAGMA integrity_check"), "Text(\"ok\")");
    let log = std::fs::read_to_string(&log_path).unwrap();
    // One line into the state and one out, however often a write found room in freed WAL
    // pages meanwhile (`refills`).
    let _ = refills;
    assert_eq!(log.matches("storage full:").count(), 1, "{log}");
    assert_eq!(log.matches("storage available again").count(), 1, "{log}");
    assert!(
        !log.contains("request failed") && !log.contains("page failed"),
        "{log}"
    );
}

/// While full: reads, a long-poll and a signed-in page answer; sign-in and a decision show a
/// readable storage-full page.
async fn still_reads_while_full(
    client: &reqwest::Client,
    server: &Server,
    key: &str,
    watch: &str,
    signed_in: &Browser,
) {
    let read = |q: &'static str| {
        client
            .get(format!("{}/api/pause/{watch}{q}", server.base))
            .bearer_auth(key)
            .send()
    };
    assert_eq!(read("").await.unwrap().status(), 200);
    assert_eq!(read("?wait=1").await.unwrap().status(), 200);
    assert_eq!(signed_in.get("/").await.status(), 200);
    assert_eq!(
        signed_in.get(&format!("/pauses/{watch}")).await.status(),
        200
    );

    let csrf = signed_in.csrf().await;
    let decided = signed_in
        .client
        .post(signed_in.url(&format!("/api/pause/{watch}/approve")))
        .header("accept", "text/html")
        .form(&[
            ("approved", "true"),
            ("csrf_token", csrf.as_str()),
            ("next", &format!("/pauses/{watch}")),
        ])
        .send()
        .await
        .unwrap();
    assert_storage_full_page(decided).await;
}

/// A sign-in while full shows the readable storage-full page. A write that fits in WAL pages a
/// checkpoint freed still succeeds (as it should), so if one does, the WAL is filled again and
/// the sign-in retried. Returns how many times it filled the WAL again.
async fn sign_in_while_full(
    client: &reqwest::Client,
    server: &Server,
    key: &str,
    acknowledged: &mut Vec<String>,
) -> usize {
    let newcomer = Browser::new(&server.base);
    for refills in 0..5 {
        let res = newcomer.login("o@acme.test", "a-long-password").await;
        if res.status() != 303 {
            assert_storage_full_page(res).await;
            return refills;
        }
        let (more, refused) = create_until_refused(client, server, key).await;
        acknowledged.extend(more);
        assert_eq!(refused.status(), 503);
    }
    panic!("every sign-in found room in the WAL; the storage-full page was never shown");
}

async fn assert_storage_full_page(res: reqwest::Response) {
    assert_eq!(res.status(), 503, "{:?}", res.headers());
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Storage full") && html.contains("disk is full"),
        "{html}"
    );
}
