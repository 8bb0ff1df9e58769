//! The migration list in `migrations()` against the files in `migrations/`: the schema version
//! is a position in that list (see migrations/README.md), so a file left out of it, or listed
//! out of file order (as a merge of two new migrations could do), would give a database an
//! unexpected schema at a given version.

use super::migrations;

/// The `migrations/NNNN_*.sql` names as `migrations()` lists them, in order.
fn listed() -> Vec<String> {
    let source = include_str!("mod.rs");
    let start = source.find("fn migrations()").expect("the list");
    let end = start + source[start..].find("\n}\n").expect("its end");
    source[start..end]
        .split("migrations/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_migration_file_is_listed_once_in_file_number_order() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    assert_eq!(listed(), files);
}

#[test]
fn the_schema_version_is_the_number_of_migrations_listed() {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    migrations().to_latest(&mut conn).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, listed().len());
}
