//! Is the database file whole enough to serve? A cheap check for start-up and `/readyz`, and
//! the full `integrity_check` for `holdpoint check`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

/// Where a damaged database is sent: the README's restore section.
pub const RESTORE_HINT: &str =
    "restore the latest backup (README: \"Backups, replication and upgrades\" > \"Restore\")";

/// Reads the schema and, for every table, its first and last row: that walks each table's
/// b-tree from the root down both edges, a handful of pages per table however large it is
/// (so it stays in microseconds on a million pauses). Damage elsewhere in a table is found by
/// the first query that reads it, which then fails `/readyz` (see `db::health`).
pub fn quick(conn: &Connection) -> rusqlite::Result<()> {
    let tables: Vec<(String, bool)> = conn
        .prepare_cached(
            "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema \
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (table, without_rowid) in tables {
        let order = if without_rowid {
            primary_key(conn, &table)?
        } else {
            "rowid".to_string()
        };
        for dir in ["ASC", "DESC"] {
            let sql = format!("SELECT * FROM \"{table}\" ORDER BY {order} {dir} LIMIT 1");
            conn.prepare(&sql)?.query_row([], |_| Ok(())).optional()?;
        }
    }
    Ok(())
}

/// The primary-key columns of a WITHOUT ROWID table, quoted, in key order.
fn primary_key(conn: &Connection, table: &str) -> rusqlite::Result<String> {
    let mut cols: Vec<(i64, String)> = conn
        .prepare(&format!("PRAGMA table_info(\"{table}\")"))?
        .query_map([], |r| Ok((r.get::<_, i64>(5)?, r.get::<_, String>(1)?)))?
        .filter(|c| !matches!(c, Ok((0, _))))
        .collect::<Result<_, _>>()?;
    cols.sort();
    Ok(cols
        .iter()
        .map(|(_, c)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", "))
}

/// `PRAGMA integrity_check`: every page and index; "ok" alone when the file is whole.
pub fn full(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// The start-up refusal for a file that cannot be read.
pub fn unreadable(path: &Path, cause: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!(
        "the database {} cannot be read: {cause}. The file is damaged or is not a Holdpoint \
         database; {RESTORE_HINT}. `holdpoint check` gives the full report",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_check_reads_rowid_and_without_rowid_tables_at_both_ends() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);
             CREATE TABLE b (x TEXT, y INTEGER, PRIMARY KEY (y, x)) WITHOUT ROWID;
             INSERT INTO a (v) VALUES ('1'), ('2');
             INSERT INTO b VALUES ('p', 1), ('q', 2);",
        )
        .unwrap();
        quick(&conn).unwrap();
        assert_eq!(primary_key(&conn, "b").unwrap(), "\"y\", \"x\"");
        assert_eq!(full(&conn).unwrap(), vec!["ok".to_string()]);
    }
}
