//! `holdpoint --version`: the package version and the commit it was built from.

use std::path::Path;
use std::process::Command;

fn version_line(flag: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg(flag)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

#[test]
fn the_version_names_the_package_version_and_the_commit_it_was_built_from() {
    let line = version_line("--version");
    assert_eq!(version_line("-V"), line);
    let prefix = format!("holdpoint {} (", env!("CARGO_PKG_VERSION"));
    let commit = line
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line:?}"));
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    match holdpoint::build_commit::describe(manifest_dir) {
        // Built in this work tree: its HEAD (whether it was dirty is the build's state).
        Some(now) => {
            assert!(holdpoint::build_commit::is_valid(commit), "{line}");
            assert_eq!(&commit[..12], &now[..12], "{line}");
        }
        None => assert_eq!(commit, "unknown commit", "{line}"),
    }
    assert_eq!(line, format!("holdpoint {}", holdpoint::VERSION));
}
