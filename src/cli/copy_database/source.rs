//! The SQLite side: the file opened read-only, checked to be a Holdpoint database at this
//! binary's schema, and its tables listed in an order their foreign keys allow.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail};
use rusqlite::OpenFlags;

use crate::db::{self, Connection};

/// Tables every Holdpoint database has since its first migration: a file without them is
/// some other program's.
const HOLDPOINT_TABLES: [&str; 3] = ["workspaces", "pauses", "audit_log"];

/// One table to copy.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    /// In the table's order (the same names exist in PostgreSQL's schema).
    pub columns: Vec<String>,
    /// `ORDER BY` for reading it: the primary key's columns, else the rowid. Rows go in key
    /// order, so a row referring to an earlier row of its own table (a plan's revision)
    /// finds it.
    pub order_by: String,
    pub rows: u64,
}

/// A quoted SQL identifier (the same quoting in both dialects).
pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The database file behind `from`: the file itself, or `holdpoint.db` in a data directory.
pub fn resolve(from: &Path) -> PathBuf {
    match from.is_dir() {
        true => crate::config::database_path(from),
        false => from.to_path_buf(),
    }
}

/// Opens the file read-only: the copy must never change what the team falls back to. So an
/// older schema is refused rather than migrated here, and PostgreSQL's schema (the latest)
/// matches the columns read.
pub fn open(path: &Path) -> anyhow::Result<Connection> {
    if !path.is_file() {
        bail!(
            "there is no SQLite database at {}: --from takes the SQLite file (holdpoint.db in \
             the data directory) or the data directory",
            path.display()
        );
    }
    let lite = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
    // A server writing beside us holds the write lock only for a moment.
    lite.busy_timeout(Duration::from_secs(5))?;
    let found: i64 = lite
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?1, ?2, ?3)",
            HOLDPOINT_TABLES,
            |r| r.get(0),
        )
        .map_err(|e| anyhow!("{} is not a SQLite database ({e})", path.display()))?;
    if found < HOLDPOINT_TABLES.len() as i64 {
        bail!(
            "{} is not a Holdpoint database (it lacks the tables {})",
            path.display(),
            HOLDPOINT_TABLES.join(", ")
        );
    }
    db::check::quick(&lite).map_err(|e| db::check::unreadable(path, &e))?;
    let conn = Connection::from_sqlite(lite);
    refuse_other_versions(&conn, path)?;
    Ok(conn)
}

fn refuse_other_versions(conn: &Connection, path: &Path) -> anyhow::Result<()> {
    let pending = db::pending_migrations(conn)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    if pending > 0 {
        bail!(
            "{} was last migrated by an older Holdpoint ({pending} migration(s) behind \
             this binary); the copy never changes the SQLite file, so bring it up to date first \
             with this binary: `holdpoint migrate --data-dir {}`",
            path.display(),
            dir.display()
        );
    }
    if pending < 0 {
        bail!(
            "{} was migrated by a newer Holdpoint than this one; run copy-database with that \
             version",
            path.display()
        );
    }
    Ok(())
}

/// Every table but SQLite's own, parents before the tables that refer to them.
pub fn tables(conn: &Connection) -> anyhow::Result<Vec<Table>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut parents = BTreeMap::new();
    for name in &names {
        let refers: BTreeSet<String> = conn
            .prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)")?
            .query_map([name], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        parents.insert(name.clone(), refers);
    }
    fk_order(parents)?
        .into_iter()
        .map(|name| describe(conn, name))
        .collect()
}

fn describe(conn: &Connection, name: String) -> anyhow::Result<Table> {
    let cols: Vec<(String, i64)> = conn
        .prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid")?
        .query_map([&name], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut key: Vec<&(String, i64)> = cols.iter().filter(|(_, pk)| *pk > 0).collect();
    key.sort_by_key(|(_, pk)| *pk);
    let order_by = match key.is_empty() {
        true => "rowid".to_string(),
        false => key
            .iter()
            .map(|(c, _)| quote(c))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM {}", quote(&name)), [], |r| {
        r.get(0)
    })?;
    Ok(Table {
        name,
        columns: cols.into_iter().map(|(c, _)| c).collect(),
        order_by,
        rows: rows as u64,
    })
}

/// Tables in an order where each comes after the tables its foreign keys name (a reference
/// to itself or to a table not copied is no constraint on the order); ties alphabetically.
/// PostgreSQL checks a foreign key at each INSERT (Holdpoint's are not deferrable, and
/// turning them off needs a superuser), so the order is what makes the copy possible.
pub fn fk_order(parents: BTreeMap<String, BTreeSet<String>>) -> anyhow::Result<Vec<String>> {
    let mut left = parents;
    let mut done = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|(name, refers)| refers.iter().all(|p| p == *name || !left.contains_key(p)))
            .map(|(name, _)| name.clone())
            .collect();
        if ready.is_empty() {
            let cycle: Vec<&str> = left.keys().map(String::as_str).collect();
            bail!(
                "the foreign keys of the tables {} form a cycle: no copy order satisfies them",
                cycle.join(", ")
            );
        }
        for name in ready {
            left.remove(&name);
            done.push(name);
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        edges
            .iter()
            .map(|(t, ps)| (t.to_string(), ps.iter().map(|p| p.to_string()).collect()))
            .collect()
    }

    #[test]
    fn parents_come_first_and_self_references_or_unknown_tables_do_not_block() {
        let order = fk_order(graph(&[
            ("pauses", &["pauses", "workspaces", "api_keys"]),
            ("api_keys", &["workspaces"]),
            ("workspaces", &["plans"]),
            ("plans", &[]),
            ("audit_log", &["gone"]),
        ]))
        .unwrap();
        assert_eq!(
            order,
            ["audit_log", "plans", "workspaces", "api_keys", "pauses"]
        );
    }

    #[test]
    fn a_cycle_is_refused_naming_its_tables() {
        let err = fk_order(graph(&[("a", &["b"]), ("b", &["a"]), ("c", &[])])).unwrap_err();
        assert!(
            err.to_string().contains("tables a, b form a cycle"),
            "{err}"
        );
    }

    #[test]
    fn tables_are_described_with_their_key_order_and_row_count() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT);
             CREATE TABLE c (b TEXT, a INTEGER REFERENCES p (id), PRIMARY KEY (a, b));
             CREATE TABLE n (x);
             INSERT INTO p (v) VALUES ('1'), ('2');",
        )
        .unwrap();
        let tables = tables(&conn).unwrap();
        let view: Vec<(&str, &str, u64)> = tables
            .iter()
            .map(|t| (t.name.as_str(), t.order_by.as_str(), t.rows))
            .collect();
        assert_eq!(
            view,
            [
                ("n", "rowid", 0),
                ("p", "\"id\"", 2),
                ("c", "\"a\", \"b\"", 0)
            ]
        );
        assert_eq!(tables[2].columns, ["b", "a"]);
    }
}
