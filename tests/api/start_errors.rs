//! What an operator sees when the data directory or the address is wrong: the path or flag
//! and the cause in words, and the form that works.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::fault_support::{is_root, Tmpfs};
use crate::process::run_cli;

fn holdpoint(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .args(args)
        .env_remove("HOLDPOINT_DATA_DIR")
        .env_remove("HOLDPOINT_BIND")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn migrate_fails(dir: &Path, expected: &[&str]) {
    let (ok, _, err) = run_cli(dir, &["migrate"]);
    assert!(!ok, "migrate succeeded on {}", dir.display());
    for part in expected {
        assert!(err.contains(part), "{part:?} not in: {err}");
    }
}

#[test]
fn a_file_where_the_data_directory_should_be_is_named_with_the_cause() {
    let tmp = tempfile::TempDir::new().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let shown = file.display().to_string();
    migrate_fails(&file, &[&shown, "is a file, not a directory"]);
    let below = file.join("data");
    migrate_fails(
        &below,
        &[
            &below.display().to_string(),
            "a part of the path is a file, not a directory",
        ],
    );
}

/// A directory this process may not write in: a read-only tmpfs as root (root ignores modes),
/// mode 0500 otherwise. With the words the error should give.
fn locked_dir(test: &str) -> Option<(Box<dyn std::any::Any>, std::path::PathBuf, &'static str)> {
    if is_root() {
        let disk = Tmpfs::mount("1m", test)?;
        std::fs::create_dir(disk.path.join("data")).unwrap();
        let db = disk.path.join("data").join("holdpoint.db");
        std::fs::write(&db, "").unwrap();
        disk.remount("ro");
        let path = disk.path.clone();
        Some((Box::new(disk), path, "the file system is read-only"))
    } else {
        let tmp = tempfile::TempDir::new().unwrap();
        std::fs::create_dir(tmp.path().join("data")).unwrap();
        std::fs::write(tmp.path().join("data").join("holdpoint.db"), "").unwrap();
        let data = tmp.path().join("data");
        std::fs::set_permissions(data.join("holdpoint.db"), PermissionsExt::from_mode(0o400))
            .unwrap();
        std::fs::set_permissions(&data, PermissionsExt::from_mode(0o500)).unwrap();
        std::fs::set_permissions(tmp.path(), PermissionsExt::from_mode(0o500)).unwrap();
        let path = tmp.path().to_path_buf();
        Some((Box::new(Unlock(tmp)), path, "permission denied"))
    }
}

/// Gives the owner write access back so the temporary directory can be removed.
struct Unlock(tempfile::TempDir);

impl Drop for Unlock {
    fn drop(&mut self) {
        let open = |p: &Path| std::fs::set_permissions(p, PermissionsExt::from_mode(0o700));
        let _ = open(self.0.path());
        let _ = open(&self.0.path().join("data"));
    }
}

#[test]
fn a_data_directory_that_cannot_be_written_is_named_with_the_cause() {
    let Some((_guard, locked, cause)) =
        locked_dir("a_data_directory_that_cannot_be_written_is_named_with_the_cause")
    else {
        return;
    };
    // A missing directory whose parent cannot be written.
    let missing = locked.join("missing").join("data");
    migrate_fails(
        &missing,
        &[
            &format!("cannot create the data directory {}", missing.display()),
            cause,
        ],
    );
    // An existing database that cannot be written.
    let data = locked.join("data");
    let db = data.join("holdpoint.db");
    migrate_fails(
        &data,
        &[
            &format!("the database {} is read-only", db.display()),
            cause,
        ],
    );
    // An existing directory that cannot be written (SQLite needs its -wal and -shm there).
    migrate_fails(
        &locked,
        &[
            &format!("the data directory {} is not writable", locked.display()),
            cause,
        ],
    );
}

#[test]
fn a_bare_port_for_bind_suggests_the_address_form() {
    let (code, err) = holdpoint(&["serve", "--bind", "8081"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--bind 127.0.0.1:8081"), "{err}");
}

#[test]
fn a_port_in_use_is_named_with_the_way_out() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let tmp = tempfile::TempDir::new().unwrap();
    let (code, err) = holdpoint(&[
        "--data-dir",
        tmp.path().to_str().unwrap(),
        "serve",
        "--bind",
        &addr,
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains(&format!("cannot listen on {addr}")) && err.contains("already in use"),
        "{err}"
    );
    assert!(err.contains("--bind 127.0.0.1:"), "{err}");
}
