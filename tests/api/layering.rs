//! The layers' rules, checked by reading `src/`: the JSON API never reaches into the pages,
//! the database sits below the domain and the error type, and the domain never builds wire
//! types or touches HTTP. A path that breaks a rule fails here with the file and line.
//!
//! Only code that ships is checked: comments, `*_tests.rs` and `tests.rs` files, and the
//! `#[cfg(test)]` module at the end of a file are not (a migration's test may read through
//! the domain).

use std::path::{Path, PathBuf};

/// (files under this folder, must not name this module, why).
const RULES: &[(&str, &str, &str)] = &[
    (
        "http/api",
        "crate::http::dashboard",
        "the API never depends on pages",
    ),
    ("db", "crate::domain", "db sits below the domain"),
    (
        "db",
        "crate::error",
        "db names its own failures; error/db.rs maps them",
    ),
    ("db", "crate::http", "db knows nothing of HTTP"),
    (
        "domain",
        "crate::wire",
        "the domain describes events; wire renders them",
    ),
    ("domain", "crate::http", "the domain knows nothing of HTTP"),
];

/// Files that still break a rule, with the rule they break. Each entry is a debt with an
/// owner: remove it when the file is fixed.
const EXEMPT: &[(&str, &str)] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The shipped lines of `text`, numbered from 1: no comments, nothing from `#[cfg(test)]` on.
fn shipped_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l))
}

fn is_test_file(rel: &str) -> bool {
    rel.ends_with("_tests.rs") || rel.ends_with("/tests.rs")
}

/// Every line of `src/` that breaks a rule, as `file:line: why: the line`.
fn breaches(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if is_test_file(&rel) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (folder, forbidden, why) in RULES {
            let exempt = EXEMPT.contains(&(rel.as_str(), forbidden));
            if !rel.starts_with(&format!("{folder}/")) || exempt {
                continue;
            }
            for (n, line) in shipped_lines(&text).filter(|(_, l)| l.contains(forbidden)) {
                found.push(format!("src/{rel}:{n}: {why}: {}", line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_api_the_database_and_the_domain_keep_to_their_layers() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = breaches(&src);
    assert!(
        found.is_empty(),
        "layering rules broken:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_exemption_still_names_a_file_that_breaks_its_rule() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    for (file, forbidden) in EXEMPT {
        let text = std::fs::read_to_string(src.join(file)).unwrap_or_default();
        assert!(
            shipped_lines(&text).any(|(_, l)| l.contains(forbidden)),
            "{file} no longer uses {forbidden}: remove its exemption from EXEMPT"
        );
    }
}

#[test]
fn the_check_finds_a_breach_and_skips_comments_and_tests() {
    let dir = tempfile::TempDir::new().unwrap();
    let api = dir.path().join("http/api");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::create_dir_all(dir.path().join("db")).unwrap();
    std::fs::write(
        api.join("x.rs"),
        "// crate::http::dashboard in a comment\nuse crate::http::dashboard::forms;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("db/y.rs"),
        "fn f() {}\n#[cfg(test)]\nmod tests { use crate::domain::ids; }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("db/m_tests.rs"),
        "use crate::domain::ids;\n",
    )
    .unwrap();
    assert_eq!(
        breaches(dir.path()),
        ["src/http/api/x.rs:2: the API never depends on pages: use crate::http::dashboard::forms;"]
    );
}
