//! The data directory holds live one-click links (`.eml` files) and every pause: it is created
//! 0700 and its files 0600, backups too, and an existing directory open to others is flagged.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::json;

use crate::process::{key_create, run_cli, wait_until, Server};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn assert_private_tree(dir: &Path) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_private_tree(&path);
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_its_database_emails_and_backups_are_private_to_the_owner() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join("data");
    let server = Server::start(&dir);
    assert_private_tree(&dir);
    assert!(dir.join("holdpoint.db-wal").exists());

    let password = tmp.path().join("password");
    std::fs::write(&password, "a-long-password\n").unwrap();
    let (ok, _, err) = run_cli(
        &dir,
        &[
            "user",
            "add",
            "--workspace",
            "1",
            "--email",
            "a@acme.test",
            "--role",
            "owner",
            "--password-file",
            password.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let key = key_create(&dir);
    let client = reqwest::Client::new();
    server
        .create_pause(&client, &key, &json!({ "action": "deploy" }))
        .await;
    let mail = dir.join("mail");
    wait_until("an email file is written", 10, || {
        std::fs::read_dir(&mail).is_ok_and(|mut d| d.next().is_some())
    })
    .await;
    assert_private_tree(&dir);

    let backup = tmp.path().join("backup.db");
    let (ok, _, err) = run_cli(&dir, &["backup", backup.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(mode(&backup), 0o600);
}

#[test]
fn an_existing_data_directory_readable_by_others_is_flagged_at_start() {
    let tmp = tempfile::TempDir::new().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (ok, _, err) = run_cli(tmp.path(), &["migrate"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("can be read by other local users") && err.contains("chmod -R go-rwx"),
        "{err}"
    );

    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let (_, _, err) = run_cli(tmp.path(), &["migrate"]);
    assert!(!err.contains("other local users"), "{err}");
}
