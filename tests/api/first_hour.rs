//! What a new user meets in their first hour, on the real binary: errors for the command line as
//! they type it (`cargo run --release -- --flag value`, without `serve`), the first-run banner,
//! the plan a fresh install gets and the way out of a plan limit.

use std::io::BufRead;
use std::process::{Command, Stdio};

use holdpoint::domain::workspaces;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};
use crate::process::run_cli;

/// Runs the binary with `env` set: (success, stderr).
fn run_with_env(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HOLDPOINT_DATA_DIR")
        .env_remove("HOLDPOINT_LOG")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.success(), stderr)
}

#[test]
fn a_bad_serve_flag_value_without_the_serve_command_reports_the_value_error() {
    let dir = tempfile::TempDir::new().unwrap();
    for (args, expected) in [
        (["--default-timeout", "5"], "5 is not in 10..=2592000"),
        (["--header-timeout", "0"], "0 is not in 1..=300"),
        (
            ["--synchronous", "sometimes"],
            "[possible values: full, normal]",
        ),
    ] {
        for form in [&args[..], &[&["serve"], &args[..]].concat()] {
            let (ok, _, err) = run_cli(dir.path(), form);
            assert!(!ok, "{form:?} was accepted");
            assert!(err.contains(expected), "{form:?}: {err}");
            assert!(!err.contains("unexpected argument"), "{form:?}: {err}");
        }
    }
}

#[test]
fn a_mistyped_command_is_called_a_command_and_the_right_one_suggested() {
    let dir = tempfile::TempDir::new().unwrap();
    let (ok, _, err) = run_cli(dir.path(), &["usr", "list"]);
    assert!(!ok);
    assert!(err.contains("unrecognized subcommand 'usr'"), "{err}");
    assert!(err.contains("'user'"), "{err}");
}

#[test]
fn zero_workers_is_refused_with_a_clear_error_instead_of_a_panic() {
    let dir = tempfile::TempDir::new().unwrap();
    let (ok, _, err) = run_cli(dir.path(), &["--workers", "0"]);
    assert!(!ok);
    assert!(err.contains("0 is not in 1..=1024"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (ok, err) = run_with_env(
        dir.path(),
        &[("HOLDPOINT_WORKERS", "0")],
        &["--bind", "127.0.0.1:0"],
    );
    assert!(!ok && err.contains("0 is not in 1..=1024"), "{err}");
}

#[test]
fn an_invalid_log_filter_is_refused_instead_of_silencing_the_logs() {
    let dir = tempfile::TempDir::new().unwrap();
    let (ok, err) = run_with_env(dir.path(), &[("HOLDPOINT_LOG", "verbose")], &["migrate"]);
    assert!(!ok);
    assert!(err.contains("`verbose` is not a log level"), "{err}");
    let (ok, err) = run_with_env(
        dir.path(),
        &[("HOLDPOINT_LOG", "holdpoint=debug,actix_web=info")],
        &["migrate"],
    );
    assert!(ok, "{err}");
}

#[test]
fn the_top_level_help_shows_the_commands_and_the_main_serve_flags() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--help")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for part in ["Commands:", "--bind <BIND>", "--public-url", "--smtp-url"] {
        assert!(help.contains(part), "{part} missing from --help:\n{help}");
    }
}

#[test]
fn every_leaf_command_describes_its_flags_and_their_values() {
    let dir = tempfile::TempDir::new().unwrap();
    for (args, expected) in [
        (
            &["user", "add", "--help"][..],
            "[possible values: owner, admin, approver]",
        ),
        (
            &["workspace", "create", "--help"][..],
            "[possible values: free, starter, pro]",
        ),
        (
            &["workspace", "set-plan", "--help"][..],
            "[possible values: free, starter, pro]",
        ),
        (
            &["key", "revoke", "--help"][..],
            "ID column of `holdpoint key list`",
        ),
        (&["backup", "--help"][..], "it must not exist"),
    ] {
        let (ok, help, _) = run_cli(dir.path(), args);
        assert!(ok && help.contains(expected), "{args:?}:\n{help}");
    }
}

#[test]
fn key_revoke_given_the_key_itself_asks_for_the_id_from_key_list() {
    let dir = tempfile::TempDir::new().unwrap();
    let key = "hitl_live_0123456789abcdefghijklmnopqrstuv";
    let (ok, _, err) = run_cli(dir.path(), &["key", "revoke", key]);
    assert!(!ok);
    assert!(
        err.contains("that is an API key itself, not its id"),
        "{err}"
    );
    assert!(err.contains("holdpoint key list"), "{err}");
    assert!(!err.contains(key), "the key is not echoed: {err}");
}

#[test]
fn the_first_run_banner_says_where_the_holdpoint_command_is() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--bind", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("public_url=") {
            break;
        }
        banner.push_str(&line);
        banner.push('\n');
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(banner.contains("cargo install --path ."), "{banner}");
    assert!(banner.contains(env!("CARGO_BIN_EXE_holdpoint")), "{banner}");
}

#[test]
fn a_fresh_install_puts_the_default_workspace_on_the_pro_plan() {
    let dir = tempfile::TempDir::new().unwrap();
    let (ok, listing, err) = run_cli(dir.path(), &["workspace", "list"]);
    assert!(ok, "{err}");
    assert!(listing.contains("1      pro        Default"), "{listing}");
}

#[tokio::test]
async fn an_existing_install_keeps_its_plan() {
    // The fixture's workspace 1 is on free, as a pre-existing install's would be.
    let app = spawn_app().await;
    let (ok, listing, _) = run_cli(app.dir.path(), &["workspace", "list"]);
    assert!(ok && listing.contains("1      free"), "{listing}");
}

#[tokio::test]
async fn the_plans_the_cli_offers_are_the_plans_the_database_has() {
    let app = spawn_app().await;
    let mut ids = app.with_db(workspaces::billing_plan_ids).unwrap();
    let mut offered = holdpoint::config::BILLING_PLANS.to_vec();
    ids.sort();
    offered.sort();
    assert_eq!(ids, offered);
}

#[tokio::test]
async fn the_quota_error_names_the_command_that_changes_the_plan() {
    let app = spawn_app().await;
    app.with_db(|c| {
        let now = holdpoint::domain::clock::system_now();
        Ok(c.execute(
            "INSERT INTO usage_counters (workspace_id, month, pauses) VALUES (1, ?1, 50)",
            [holdpoint::domain::quotas::month_key(now)],
        )?)
    })
    .unwrap();
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "x" }))
        .await;
    let problem = assert_problem(res, 429).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("`holdpoint workspace set-plan 1 pro`"),
        "{detail}"
    );
}

#[tokio::test]
async fn the_setup_page_speaks_in_sentences_for_its_own_and_the_domains_errors() {
    let app = crate::helpers::spawn_empty_app().await;
    let browser = crate::helpers::Browser::new(&app.address);
    let html = browser.get("/setup").await.text().await.unwrap();
    let token = crate::helpers::extract(&html, "name=\"csrf_token\" value=\"").unwrap();
    let res = browser
        .client
        .post(browser.url("/setup"))
        .form(&[
            ("email", "first@example.com"),
            ("name", "First"),
            ("password", "short"),
            ("password_confirm", "short"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("A password has 8 to 1024 characters."),
        "{page}"
    );
}
