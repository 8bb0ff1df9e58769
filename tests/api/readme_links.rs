//! `scripts/walkthrough` fails on an in-page README link, `[text](#anchor)`, that names no
//! heading by GitHub's anchor rules, so renumbering a section cannot leave links behind.

use std::path::PathBuf;
use std::process::{Command, Output};

fn check_anchors(markdown: Option<&str>) -> Output {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::TempDir::new().unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("scripts/walkthrough")).arg("--anchors");
    if let Some(text) = markdown {
        let file = dir.path().join("doc.md");
        std::fs::write(&file, text).unwrap();
        cmd.arg(file);
    }
    cmd.output().expect("python3 runs scripts/walkthrough")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_in_page_link_of_the_readme_names_a_heading() {
    let out = check_anchors(None);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn a_link_to_a_renumbered_section_fails_the_check_naming_its_line() {
    let doc =
        "# Guide\n\n### 12. Deciding from a backend\n\nSee [step 9](#9-deciding-from-a-backend).\n";
    let out = check_anchors(Some(doc));
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains(":5: the link to #9-deciding-from-a-backend names no heading"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn anchors_follow_github_lowercase_dashes_dropped_punctuation_and_repeats() {
    let doc = "\
## Questions (`\"kind\": \"question\"`)\n\
### 8. Ask questions instead of yes/no\n\
## Setup\n\
## Setup\n\
```sh\n\
# 1. A shell comment, not a heading\n\
```\n\
[a](#questions-kind-question) [b](#8-ask-questions-instead-of-yesno) [c](#setup) [d](#setup-1)\n";
    let out = check_anchors(Some(doc));
    assert!(out.status.success(), "{}", stdout(&out));
    let comment = format!("{doc}[e](#1-a-shell-comment-not-a-heading)\n");
    assert!(!check_anchors(Some(&comment)).status.success());
}
