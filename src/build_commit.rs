//! Which commit a build came from, for `holdpoint --version`. `build.rs` includes this file (so
//! it cannot use the crate), and the library compiles it too, so its rules are unit-tested.
//! Every failure (no git, no `.git`, a tarball unpacked inside some other repository) means
//! "unknown", never a failed build.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What `--version` says in place of a commit when the build could not tell.
pub const UNKNOWN: &str = "unknown commit";

/// `<12 hex>` or `<12 hex>-dirty` (tracked files changed since that commit) for the git work
/// tree whose top is `dir`; None when git or the work tree is missing.
pub fn describe(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !same_dir(Path::new(&top), dir) {
        return None;
    }
    let head = git(dir, &["rev-parse", "--verify", "-q", "HEAD"])?;
    let short = head.get(..12).filter(|s| is_hex(s))?;
    let changes = git(dir, &["status", "--porcelain", "--untracked-files=no"])?;
    let dirty = if changes.is_empty() { "" } else { "-dirty" };
    Some(format!("{short}{dirty}"))
}

/// A commit given from outside (the Dockerfile's `HOLDPOINT_COMMIT`, where no `.git` exists) is
/// used only in the form `describe` makes.
pub fn is_valid(commit: &str) -> bool {
    let hex = commit.strip_suffix("-dirty").unwrap_or(commit);
    hex.len() == 12 && is_hex(hex)
}

/// The files whose change means another commit: HEAD, the branch it names, and packed-refs.
/// Only existing ones: cargo reruns a build script on every build for a missing one.
pub fn watched(dir: &Path) -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
    }
    names
        .iter()
        .filter_map(|name| git(dir, &["rev-parse", "--git-path", name]))
        .map(|p| dir.join(p))
        .filter(|p| p.exists())
        .collect()
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    out.status.success().then(|| text.trim().to_string())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    }

    /// A work tree with one commit of one file.
    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        run(dir.path(), &["init", "-q", "-b", "main"]);
        std::fs::write(dir.path().join("a.txt"), "one").unwrap();
        run(dir.path(), &["add", "a.txt"]);
        run(dir.path(), &["commit", "-q", "-m", "one"]);
        dir
    }

    #[test]
    fn a_clean_work_tree_is_named_by_the_first_12_hex_digits_of_its_head() {
        let dir = repo();
        let head = git(dir.path(), &["rev-parse", "HEAD"]).unwrap();
        assert_eq!(describe(dir.path()), Some(head[..12].to_string()));
        // An untracked file is not a change to what was built from the commit.
        std::fs::write(dir.path().join("new.txt"), "x").unwrap();
        assert_eq!(describe(dir.path()), Some(head[..12].to_string()));
    }

    #[test]
    fn a_changed_tracked_file_makes_the_commit_dirty() {
        let dir = repo();
        std::fs::write(dir.path().join("a.txt"), "two").unwrap();
        let described = describe(dir.path()).unwrap();
        assert!(described.ends_with("-dirty"), "{described}");
        assert!(is_valid(&described), "{described}");
    }

    #[test]
    fn outside_a_work_tree_or_below_its_top_the_commit_is_unknown() {
        let plain = tempfile::tempdir().unwrap();
        assert_eq!(describe(plain.path()), None);
        // A source tarball unpacked inside some other repository is not that repository.
        let dir = repo();
        let inner = dir.path().join("holdpoint-0.1.0");
        std::fs::create_dir(&inner).unwrap();
        assert_eq!(describe(&inner), None);
    }

    #[test]
    fn the_build_watches_head_and_the_branch_it_names() {
        let dir = repo();
        let watched = watched(dir.path());
        assert!(
            watched.iter().any(|p| p.ends_with(".git/HEAD")),
            "{watched:?}"
        );
        assert!(
            watched.iter().any(|p| p.ends_with("refs/heads/main")),
            "{watched:?}"
        );
        assert!(watched.iter().all(|p| p.exists()));
        assert!(super::watched(tempfile::tempdir().unwrap().path()).is_empty());
    }

    #[test]
    fn a_commit_given_from_outside_is_12_hex_digits_and_maybe_dirty() {
        for good in ["0123456789ab", "0123456789AB-dirty"] {
            assert!(is_valid(good), "{good}");
        }
        for bad in [
            "",
            "0123456789a",
            "0123456789abc",
            "0123456789ag",
            "-dirty",
            "0123456789ab-x",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
