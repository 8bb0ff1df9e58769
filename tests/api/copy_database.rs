//! `holdpoint copy-database`, the move from SQLite to PostgreSQL: a SQLite database with history
//! (decided pauses, users, keys, a webhook, more audit rows than one INSERT batch), copied into
//! a fresh PostgreSQL database, reads the same through the API of a server started on the copy,
//! which then takes new rows (its identity sequences were moved past the copied ids). A target
//! with data is refused and left as it was; a difference found by the verification rolls the
//! whole copy back; bad arguments are errors in words with exit status 1.
//!
//! The PostgreSQL tests need a server: `HOLDPOINT_TEST_PG_URL` (as the schema test; `./test`
//! starts one) or the suite's `HOLDPOINT_TEST_DATABASE_URL`. Without either they say SKIPPED
//! and pass, except under CI=true, where they fail (`crate::skips`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use holdpoint::domain::clock::system_now;
use holdpoint::domain::users::Role;
use reqwest::Method;
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::{spawn_app_configured, TestApp};
use crate::pg::{admin_url, Scratch};
use crate::webhooks_api::send;

/// Runs `holdpoint copy-database`: (exit code, stdout, stderr).
fn copy_database(from: &Path, to: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("copy-database")
        .arg("--from")
        .arg(from)
        .args(["--to", to])
        .env_remove("HOLDPOINT_DATA_DIR")
        .env_remove("HOLDPOINT_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

/// A server on SQLite, even when the suite runs on PostgreSQL.
async fn sqlite_app() -> TestApp {
    let dir = Arc::new(TempDir::new().unwrap());
    spawn_app_configured(dir, system_now(), |s| s.database_url = None).await
}

fn sqlite_file(app: &TestApp) -> PathBuf {
    app.dir.path().join("holdpoint.db")
}

/// A server on the PostgreSQL copy, reading with the source's key.
async fn postgres_app(url: &str, now: i64, key: &str) -> TestApp {
    let url = url.parse().unwrap();
    let dir = Arc::new(TempDir::new().unwrap());
    let mut app = spawn_app_configured(dir, now, |s| s.database_url = Some(url)).await;
    app.key = key.to_string();
    app
}

/// Every pause as the API reads it (each one, then the list), with the server's own address
/// taken out of its links.
async fn pauses_read(app: &TestApp, ids: &[String]) -> Vec<String> {
    let mut read = Vec::new();
    for id in ids {
        let res = app.get_pause(id).await;
        assert_eq!(res.status(), 200);
        read.push(res.text().await.unwrap());
    }
    read.push(app.list_pauses("").await.text().await.unwrap());
    read.iter()
        .map(|t| t.replace(&app.address, "<server>"))
        .collect()
}

/// The audit log, oldest first.
fn audit(app: &TestApp) -> Vec<(i64, String, Option<String>, Option<String>)> {
    app.with_db(|c| {
        let mut stmt =
            c.prepare("SELECT id, event, subject, details FROM audit_log ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })
    .unwrap()
}

/// History: a plan change, a webhook, an approver, pauses approved, rejected, cancelled and pending, and
/// 1234 more audit rows (several INSERT batches and a partial one). The pauses' watch ids.
async fn make_history(app: &TestApp) -> Vec<String> {
    app.set_billing_plan(1, "pro");
    app.add_user(1, "approver@example.com", Role::Approver);
    let admin = crate::policy::admin_key(app, false);
    let hook = json!({"url": "http://127.0.0.1:9/in", "events": ["pause.approved"]});
    let res = send(app, &admin, Method::POST, "/api/webhooks", Some(hook)).await;
    assert_eq!(res.status(), 201);
    let mut ids = Vec::new();
    for i in 0..4 {
        let made = app.create_pause(&format!("deploy {i}")).await;
        ids.push(made["watchId"].as_str().unwrap().to_string());
    }
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(owner.decide(&ids[0], true, None).await.status(), 200);
    let rejected = owner.decide(&ids[1], false, Some("not on a Friday")).await;
    assert_eq!(rejected.status(), 200);
    assert_eq!(app.cancel_pause(&app.key, &ids[2]).await.status(), 200);
    app.with_db(|c| {
        Ok(c.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1234) \
             INSERT INTO audit_log (workspace_id, at, actor_type, event, subject, details) \
             SELECT 1, i, 'system', 'test.filler', 'filler:' || i, '{\"i\": ' || i || '}' FROM n",
            [],
        )?)
    })
    .unwrap();
    ids
}

#[tokio::test]
async fn a_sqlite_database_copied_into_postgres_reads_the_same_and_takes_new_rows() {
    let test = "a_sqlite_database_copied_into_postgres_reads_the_same_and_takes_new_rows";
    let Some(admin) = admin_url(test) else { return };
    let src = sqlite_app().await;
    let ids = make_history(&src).await;
    let before = pauses_read(&src, &ids).await;
    let audit_before = audit(&src);
    let db = Scratch::create(&admin);

    let (code, out, err) = copy_database(&sqlite_file(&src), &db.url);
    assert_eq!(code, 0, "{out}\n{err}");
    let line = |table: &str, rows: usize| {
        out.lines().any(|l| {
            l.split_whitespace().collect::<Vec<_>>() == [table, &rows.to_string(), "rows", "ok"]
        })
    };
    assert!(line("audit_log", audit_before.len()), "{out}");
    assert!(
        line("pauses", 4) && line("users", 2) && line("webhook_endpoints", 1),
        "{out}"
    );
    assert!(
        err.contains(" s (") && err.contains("rows/s"),
        "a summary with the time: {err}"
    );

    let dst = postgres_app(&db.url, src.now(), &src.key).await;
    assert_eq!(pauses_read(&dst, &ids).await, before);
    let audit_after = audit(&dst);
    assert_eq!(audit_after[..audit_before.len()], audit_before[..]);

    // New rows take ids past the copied ones: a pause, its decision and audit rows, a user.
    let made = dst.create_pause("after the move").await;
    let owner = dst.sign_in(&src.owner_email).await;
    let id = made["watchId"].as_str().unwrap();
    assert_eq!(owner.decide(id, true, None).await.status(), 200);
    let user = dst.add_user(1, "new@example.com", Role::Approver);
    assert!(user > 2, "user id {user}");
    assert!(audit(&dst).len() > audit_before.len());
    assert_eq!(dst.stored_status(id), "approved");
}

#[tokio::test]
async fn a_target_with_data_is_refused_and_left_as_it_was() {
    let Some(admin) = admin_url("a_target_with_data_is_refused_and_left_as_it_was") else {
        return;
    };
    let src = sqlite_app().await;
    src.create_pause("first").await;
    let db = Scratch::create(&admin);
    // --from also takes the data directory.
    assert_eq!(copy_database(src.dir.path(), &db.url).0, 0);
    let state = "SELECT (SELECT count(*) FROM pauses) * 1000000 + (SELECT max(id) FROM audit_log)";
    let before = db.count(state);

    src.create_pause("second").await;
    let (code, out, err) = copy_database(&sqlite_file(&src), &db.url);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("is not empty: table "), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(db.count(state), before);
}

#[tokio::test]
async fn a_difference_found_after_the_copy_rolls_the_whole_copy_back() {
    let test = "a_difference_found_after_the_copy_rolls_the_whole_copy_back";
    let Some(admin) = admin_url(test) else { return };
    let src = sqlite_app().await;
    src.create_pause("kept in SQLite").await;
    // A BLOB in a TEXT column: PostgreSQL stores it as text, so it reads back as another class.
    src.with_db(|c| Ok(c.execute("UPDATE workspaces SET name = CAST(name AS BLOB)", [])?))
        .unwrap();
    let db = Scratch::create(&admin);

    let (code, _, err) = copy_database(&sqlite_file(&src), &db.url);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("table workspaces differs"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(db.count("SELECT count(*) FROM workspaces"), 0);
    assert_eq!(db.count("SELECT count(*) FROM pauses"), 0);
    assert_eq!(db.count("SELECT count(*) FROM audit_log"), 0);
}

#[tokio::test]
async fn bad_arguments_are_errors_in_words_with_exit_status_1() {
    let src = sqlite_app().await;
    let file = sqlite_file(&src);
    let cases: [(&Path, &str, &str); 5] = [
        (
            &file,
            "postgres://ops:s3cret@",
            "--to: the connection string names no host",
        ),
        (
            &file,
            "not a url at all",
            "--to: not a PostgreSQL connection string",
        ),
        (
            &file,
            "postgres://ops:s3cret@127.0.0.1:1/hp",
            "cannot connect to",
        ),
        (
            Path::new("/nonexistent/holdpoint.db"),
            "postgres://h/db",
            "there is no SQLite database",
        ),
        (
            Path::new("Cargo.toml"),
            "postgres://h/db",
            "is not a SQLite database",
        ),
    ];
    for (from, to, says) in cases {
        let (code, _, err) = copy_database(from, to);
        assert_eq!(code, 1, "{to}: {err}");
        assert!(err.contains(says), "{to}: {err}");
        assert!(
            !err.contains("s3cret"),
            "the password is never shown: {err}"
        );
    }
    let other = TempDir::new().unwrap();
    let path = other.path().join("other.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE notes (t TEXT)")
        .unwrap();
    let (code, _, err) = copy_database(&path, "postgres://h/db");
    assert_eq!(code, 1);
    assert!(err.contains("is not a Holdpoint database"), "{err}");
}

#[tokio::test]
async fn a_sqlite_file_of_another_schema_version_is_refused_and_left_unchanged() {
    let src = sqlite_app().await;
    let copy = TempDir::new().unwrap();
    let path = copy.path().join("holdpoint.db");
    rusqlite::Connection::open(sqlite_file(&src))
        .unwrap()
        .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
        .unwrap();
    let version = |v: i64| {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", v).unwrap();
    };
    version(1);
    let (code, _, err) = copy_database(&path, "postgres://h/db");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("older Holdpoint"), "{err}");
    assert!(err.contains("holdpoint migrate --data-dir"), "{err}");
    version(1000);
    let (code, _, err) = copy_database(&path, "postgres://h/db");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("newer Holdpoint"), "{err}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let now: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(now, 1000, "the file was not migrated");
}
