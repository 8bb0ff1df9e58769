//! `holdpoint user list / disable / reset-password`: the operator's way back in for a locked-out
//! owner, and the CLI's messages for a new user's first mistakes.

use crate::cli::holdpoint;
use crate::helpers::{spawn_app, Browser, PASSWORD};
use crate::manage_users::NEW_PASSWORD;
use crate::password_reset::set_new_password;

#[tokio::test]
async fn user_list_shows_id_email_role_state_and_last_sign_in() {
    let app = spawn_app().await;
    let dir = app.dir.path();
    let (ok, out, err) = holdpoint(dir, &["user", "list"], None);
    assert!(ok, "{err}");
    let owner = out.lines().nth(1).expect("one user row");
    assert!(
        out.starts_with("ID") && out.contains("LAST SIGN-IN"),
        "{out}"
    );
    assert!(
        owner.contains("owner@example.com") && owner.contains("owner"),
        "{out}"
    );
    assert!(
        owner.contains("active") && owner.ends_with("never"),
        "{out}"
    );

    app.sign_in(&app.owner_email).await;
    let (_, out, _) = holdpoint(dir, &["user", "list", "--workspace", "1"], None);
    let owner = out.lines().nth(1).unwrap();
    assert!(!owner.contains("never") && owner.contains('T'), "{out}");
    let (ok, _, err) = holdpoint(dir, &["user", "list", "--workspace", "9"], None);
    assert!(!ok && err.contains("no workspace with id 9"), "{err}");
}

#[tokio::test]
async fn user_disable_ends_sessions_but_never_locks_out_the_last_owner() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let dir = app.dir.path();
    let (ok, _, err) = holdpoint(dir, &["user", "disable", "1"], None);
    assert!(!ok && err.contains("the last owner"), "{err}");
    let ann = app.add_user(
        1,
        "ann@example.com",
        holdpoint::domain::users::Role::Approver,
    );
    let browser = app.sign_in("ann@example.com").await;
    assert_eq!(browser.get("/").await.status(), 200);
    let (ok, _, err) = holdpoint(dir, &["user", "disable", &ann.to_string()], None);
    assert!(ok && err.contains("ann@example.com is disabled"), "{err}");
    assert_eq!(browser.get("/").await.status(), 303, "signed out");
    let events = app.audit_events(&ann.to_string());
    assert!(events
        .iter()
        .any(|(e, actor)| e == "user.disabled" && actor == "cli"));
    let (ok, _, err) = holdpoint(dir, &["user", "disable", "99"], None);
    assert!(!ok && err.contains("no user with id 99"), "{err}");
}

#[tokio::test]
async fn user_reset_password_prints_a_link_that_lets_a_locked_out_owner_back_in() {
    let app = spawn_app().await;
    let dir = app.dir.path();
    let before = app.sign_in(&app.owner_email).await;
    let (ok, link, err) = holdpoint(
        dir,
        &["user", "reset-password", "1", "--public-url", &app.address],
        None,
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("72 hours") && err.contains("owner@example.com"),
        "{err}"
    );
    let path = link
        .trim()
        .strip_prefix(&app.address)
        .expect("an absolute link");
    assert!(path.starts_with("/reset-password/"), "{path}");
    assert_eq!(
        before.get("/").await.status(),
        303,
        "sessions ended at once"
    );
    let events = app.audit_events("1");
    assert!(
        events
            .iter()
            .any(|(e, actor)| e == "user.password_reset" && actor == "cli"),
        "{events:?}"
    );

    let browser = Browser::new(&app.address);
    assert_eq!(
        set_new_password(&browser, path, NEW_PASSWORD)
            .await
            .status(),
        303
    );
    assert_eq!(
        browser.get("/").await.status(),
        200,
        "signed in by the link"
    );
    let fresh = Browser::new(&app.address);
    assert_eq!(fresh.login(&app.owner_email, PASSWORD).await.status(), 401);
    assert_eq!(
        fresh.login(&app.owner_email, NEW_PASSWORD).await.status(),
        303
    );
    let again = Browser::new(&app.address);
    assert_eq!(again.get(path).await.status(), 410, "single use");
}

#[tokio::test]
async fn user_add_with_empty_stdin_says_how_to_pass_the_password() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let args = [
        "user",
        "add",
        "--email",
        "new@example.com",
        "--role",
        "admin",
    ];
    let (ok, _, err) = holdpoint(app.dir.path(), &args, Some(""));
    assert!(!ok && err.contains("stdin was empty"), "{err}");
    assert!(err.contains("--password-file"), "{err}");
    let (ok, _, err) = holdpoint(app.dir.path(), &args, Some("long-enough-pw\n"));
    assert!(ok, "--workspace defaults to 1: {err}");
    assert!(err.contains("of workspace 1"), "{err}");
}

#[tokio::test]
async fn send_test_email_names_the_bad_address_and_what_is_wrong() {
    let dir = tempfile::TempDir::new().unwrap();
    for (to, why) in [
        ("ops.example.com", "it has no `@`"),
        ("@example.com", "nothing before the `@`"),
        ("ops@", "nothing after the `@`"),
        ("ops@exa mple", "is not a domain name"),
    ] {
        let (ok, _, err) = holdpoint(dir.path(), &["send-test-email", to], None);
        assert!(!ok, "{to}");
        assert!(
            err.contains(&format!("`{to}` is not an email address")),
            "{err}"
        );
        assert!(
            err.contains(why) && !err.ends_with("Invalid input\n"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn each_commands_help_shows_its_own_flags_apart_from_the_global_ones() {
    let dir = tempfile::TempDir::new().unwrap();
    for cmd in [
        &["user", "add", "--help"][..],
        &["user", "list", "--help"],
        &["key", "create", "--help"],
    ] {
        let (ok, help, _) = holdpoint(dir.path(), cmd, None);
        assert!(ok);
        let (own, global) = help.split_once("Global options:").expect("a heading");
        assert!(
            own.contains("--workspace") && own.contains("[default: 1]"),
            "{help}"
        );
        assert!(
            !own.contains("--data-dir") && !own.contains("--log-level"),
            "{help}"
        );
        assert!(global.contains("--data-dir") && global.contains("--log-format"));
        assert!(!global.contains("--workspace"), "{help}");
    }
}

#[tokio::test]
async fn migrate_says_the_schema_version_is_a_position_not_a_file_number() {
    let dir = tempfile::TempDir::new().unwrap();
    let (ok, _, err) = holdpoint(dir.path(), &["migrate"], None);
    assert!(ok, "{err}");
    assert!(err.contains("it is not a file number"), "{err}");
    assert!(err.contains("migrations/README.md"), "{err}");
    let (_, _, again) = holdpoint(dir.path(), &["migrate"], None);
    assert!(
        !again.contains("not a file number"),
        "said only when migrating: {again}"
    );
}
