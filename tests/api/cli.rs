use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_in};

pub fn holdpoint(
    dir: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HOLDPOINT_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        // A command refused for its arguments may exit before reading its input.
        match child.stdin.take().unwrap().write_all(input.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin: {e}"),
            _ => {}
        }
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_cli_creates_workspaces_users_and_keys_that_the_server_accepts() {
    let app = spawn_app().await;
    let dir = app.dir.path();
    let (ok, ws, _) = holdpoint(
        dir,
        &["workspace", "create", "Acme", "--plan", "starter"],
        None,
    );
    assert!(ok);
    let ws = ws.trim();
    assert!(ws.parse::<i64>().is_ok(), "stdout is the id alone: {ws:?}");
    let (ok, key, _) = holdpoint(
        dir,
        &["key", "create", "--workspace", ws, "--name", "ci"],
        None,
    );
    assert!(ok);
    let key = key.trim().to_string();
    assert!(key.starts_with("hitl_live_") && !key.contains(char::is_whitespace));
    let res = app
        .post_pause_with(&key, &json!({ "action": "from a CLI key" }))
        .await;
    assert_eq!(res.status(), 201);
    // The window is this calendar month's length (31 days in December).
    let window = holdpoint::domain::quotas::month_window_secs(app.now());
    assert_eq!(
        res.headers().get("ratelimit-policy").unwrap(),
        &format!("\"monthly\";q=500;w={window}")
    );

    let (ok, _, err) = holdpoint(
        dir,
        &[
            "user",
            "add",
            "--workspace",
            ws,
            "--email",
            "Ops@Acme.test",
            "--role",
            "admin",
            "--name",
            "Ops",
        ],
        Some("a-long-password\n"),
    );
    assert!(ok, "{err}");
    let browser = crate::helpers::Browser::new(&app.address);
    assert_eq!(
        browser
            .login("ops@acme.test", "a-long-password")
            .await
            .status(),
        303
    );

    let (ok, listing, _) = holdpoint(dir, &["key", "list", "--workspace", ws], None);
    assert!(ok);
    assert!(
        listing.contains(&key[..16]) && !listing.contains(&key),
        "the listing shows the prefix only"
    );
}

#[tokio::test]
async fn a_key_revoked_by_the_cli_stops_working_within_a_second() {
    let app = spawn_app().await;
    // Used first, so the server has it in its one-second key cache.
    assert_eq!(
        app.post_pause_with(&app.key, &json!({ "action": "x" }))
            .await
            .status(),
        201
    );
    let (ok, _, err) = holdpoint(app.dir.path(), &["key", "revoke", "1"], None);
    assert!(ok, "{err}");
    let revoked_at = std::time::Instant::now();
    loop {
        let status = app
            .post_pause_with(&app.key, &json!({ "action": "x" }))
            .await
            .status();
        if status == 401 {
            break;
        }
        assert_eq!(status, 201);
        assert!(
            revoked_at.elapsed() < std::time::Duration::from_millis(1500),
            "the revoked key still works after 1.5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (ok, _, err) = holdpoint(app.dir.path(), &["key", "revoke", "1"], None);
    assert!(!ok && err.contains("already revoked"), "{err}");
}

#[tokio::test]
async fn the_plans_approver_count_is_enforced_with_a_clear_message() {
    let app = spawn_app().await;
    // The free plan allows one approver, and the owner is it.
    let (ok, _, err) = holdpoint(
        app.dir.path(),
        &[
            "user",
            "add",
            "--workspace",
            "1",
            "--email",
            "two@example.com",
            "--role",
            "approver",
        ],
        Some("another-password\n"),
    );
    assert!(!ok);
    assert!(err.contains("free plan allows 1 approver"), "{err}");
    assert!(
        err.contains("`holdpoint workspace set-plan 1 pro`"),
        "names the way out: {err}"
    );
    let (ok, _, _) = holdpoint(
        app.dir.path(),
        &["workspace", "set-plan", "1", "starter"],
        None,
    );
    assert!(ok);
    let (ok, _, err) = holdpoint(
        app.dir.path(),
        &[
            "user",
            "add",
            "--workspace",
            "1",
            "--email",
            "two@example.com",
            "--role",
            "approver",
        ],
        Some("another-password\n"),
    );
    assert!(ok, "{err}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'workspace.plan_changed'"),
        1
    );
}

#[tokio::test]
async fn bad_cli_input_is_explained() {
    let app = spawn_app().await;
    let dir = app.dir.path();
    let (ok, _, err) = holdpoint(
        dir,
        &["workspace", "create", "X", "--plan", "platinum"],
        None,
    );
    assert!(
        !ok && err.contains("invalid value 'platinum'")
            && err.contains("[possible values: free, starter, pro]"),
        "{err}"
    );
    let (ok, _, err) = holdpoint(
        dir,
        &[
            "user",
            "add",
            "--workspace",
            "1",
            "--email",
            "x@y.z",
            "--role",
            "boss",
        ],
        Some("password123\n"),
    );
    assert!(
        !ok && err.contains("invalid value 'boss'")
            && err.contains("[possible values: owner, admin, approver]"),
        "{err}"
    );
    let (ok, _, err) = holdpoint(
        dir,
        &[
            "user",
            "add",
            "--workspace",
            "1",
            "--email",
            "x@y.z",
            "--role",
            "owner",
        ],
        Some("short\n"),
    );
    assert!(!ok && err.contains("password"), "{err}");
    let (ok, _, err) = holdpoint(dir, &["key", "create", "--workspace", "99"], None);
    assert!(!ok && err.contains("no workspace with id 99"), "{err}");
}

#[tokio::test]
async fn a_backup_of_the_live_database_is_consistent_and_complete() {
    let app = spawn_app().await;
    for i in 0..20 {
        app.create_pause(&format!("p{i}")).await;
    }
    let target = app.dir.path().join("backup.db");
    let (ok, _, err) = holdpoint(app.dir.path(), &["backup", target.to_str().unwrap()], None);
    assert!(ok, "{err}");
    let copy = rusqlite::Connection::open(&target).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let n: i64 = copy
        .query_row("SELECT count(*) FROM pauses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 20);
    let (ok, _, err) = holdpoint(app.dir.path(), &["backup", target.to_str().unwrap()], None);
    assert!(!ok && err.contains("already exists"), "{err}");
}

#[tokio::test]
async fn pauses_and_decisions_survive_a_restart_on_the_same_file() {
    let first = spawn_app().await;
    let decided = first.create_pause("decided").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let waiting = first.create_pause("waiting").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = first.sign_in(&first.owner_email).await;
    assert_eq!(
        browser.decide(&decided, false, Some("no")).await.status(),
        200
    );
    first.handle.stop(true).await;
    let dir = Arc::clone(&first.dir);
    let key = first.key.clone();
    let now = first.now();
    drop(first);

    let mut second = spawn_app_in(dir, now).await;
    second.key = key;
    let read: Value = second.get_pause(&decided).await.json().await.unwrap();
    assert_eq!(
        (read["status"].as_str(), read["reason"].as_str()),
        (Some("rejected"), Some("no"))
    );
    let read: Value = second.get_pause(&waiting).await.json().await.unwrap();
    assert_eq!(read["status"], "pending");
}

#[tokio::test]
async fn the_help_lists_every_setting_with_its_environment_variable() {
    let dir = tempfile::TempDir::new().unwrap();
    let (ok, help, _) = holdpoint(dir.path(), &["serve", "--help"], None);
    assert!(ok);
    for var in [
        "HOLDPOINT_DATA_DIR",
        "HOLDPOINT_BIND",
        "HOLDPOINT_PUBLIC_URL",
        "HOLDPOINT_DEFAULT_TIMEOUT",
        "HOLDPOINT_LOG",
        "HOLDPOINT_LOG_FORMAT",
    ] {
        assert!(help.contains(var), "{var} missing from serve --help");
    }
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let app = spawn_app().await;
    app.create_pause("audited").await;
    let conn = rusqlite::Connection::open(app.dir.path().join("holdpoint.db")).unwrap();
    let update = conn.execute("UPDATE audit_log SET event = 'forged'", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM audit_log", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert!(app.count("SELECT count(*) FROM audit_log WHERE event = 'pause.created'") == 1);
}
