//! The PostgreSQL side: connecting with a readable error, refusing a database that holds data,
//! batched inserts, the verifying read and the identity sequences.

use anyhow::{bail, Context};

use super::checksum::TableSum;
use super::source::{quote, Table};
use crate::db::sql::{params_from_iter, OwnedValue};
use crate::db::{self, Connection, DatabaseUrl};

/// The table PostgreSQL migrations keep their versions in: not Holdpoint data.
const MIGRATIONS_TABLE: &str = "holdpoint_migrations";

/// Tables the migrations fill (the baseline's `INSERT INTO plans`): a fresh database has these
/// rows, so they do not make it "not empty", and the copy replaces them with the source's.
const SEEDED: [&str; 1] = ["plans"];

/// Rows the verifying read fetches per round trip.
const FETCH_ROWS: usize = 2000;

/// Rows per INSERT statement at most; PostgreSQL takes at most 65535 parameters a statement.
const BATCH_ROWS: usize = 500;
const MAX_PARAMS: usize = 65_535;

/// Connects, saying what to do about the usual failures.
pub fn connect(url: &DatabaseUrl) -> anyhow::Result<Connection> {
    db::connect(url).map_err(|e| {
        let missing = e
            .chain()
            .filter_map(|c| c.downcast_ref::<postgres::Error>())
            .any(|p| p.code() == Some(&postgres::error::SqlState::INVALID_CATALOG_NAME));
        match missing {
            true => anyhow::anyhow!("{e:#}; create it first (CREATE DATABASE …), then copy"),
            false => e,
        }
    })
}

/// Refuses a database with data in any table, naming the first such table.
pub fn refuse_unless_empty(conn: &Connection, url: &DatabaseUrl) -> anyhow::Result<()> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
             ORDER BY tablename",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for table in tables {
        if table == MIGRATIONS_TABLE || SEEDED.contains(&table.as_str()) {
            continue;
        }
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quote(&table));
        if conn.query_row(&sql, [], |r| r.get::<_, bool>(0))? {
            bail!(
                "the target database {url} is not empty: table {table} has rows. copy-database \
                 only copies into an empty database (create a new one with CREATE DATABASE, \
                 and start no server on it before the copy); nothing was written"
            );
        }
    }
    Ok(())
}

/// Deletes the migrations' seed rows of the tables about to be copied.
pub fn clear_seeded(conn: &Connection, tables: &[Table]) -> anyhow::Result<()> {
    for table in tables.iter().filter(|t| SEEDED.contains(&t.name.as_str())) {
        conn.execute(&format!("DELETE FROM {}", quote(&table.name)), [])?;
    }
    Ok(())
}

/// Inserts a table's rows in multi-row INSERTs: one prepared statement for every full batch.
pub struct Inserter<'c> {
    conn: &'c Connection,
    table: &'c Table,
    full: String,
    batch_rows: usize,
    values: Vec<OwnedValue>,
}

impl<'c> Inserter<'c> {
    pub fn new(conn: &'c Connection, table: &'c Table) -> Self {
        let width = table.columns.len().max(1);
        let batch_rows = BATCH_ROWS.min(MAX_PARAMS / width).max(1);
        Inserter {
            conn,
            table,
            full: insert_sql(table, batch_rows),
            batch_rows,
            values: Vec::with_capacity(batch_rows * width),
        }
    }

    /// Adds one row's values; sends the batch when it is full. The rows sent (0 or a batch).
    pub fn push(&mut self, row: impl IntoIterator<Item = OwnedValue>) -> anyhow::Result<u64> {
        self.values.extend(row);
        if self.values.len() < self.batch_rows * self.table.columns.len() {
            return Ok(0);
        }
        let sql = std::mem::take(&mut self.full);
        let sent = self.send(&sql);
        self.full = sql;
        sent.map(|_| self.batch_rows as u64)
    }

    /// Sends the last, partial batch; the rows it held.
    pub fn finish(mut self) -> anyhow::Result<u64> {
        if self.values.is_empty() {
            return Ok(0);
        }
        let rows = self.values.len() / self.table.columns.len();
        self.send(&insert_sql(self.table, rows))?;
        Ok(rows as u64)
    }

    fn send(&mut self, sql: &str) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(sql)?
            .execute(params_from_iter(self.values.iter()))
            .with_context(|| format!("inserting into {}", self.table.name))?;
        self.values.clear();
        Ok(())
    }
}

/// `INSERT INTO t (a, b) OVERRIDING SYSTEM VALUE VALUES (?1, ?2), (?3, ?4) …`: the ids are
/// the source's (identity columns take them as given; the sequences are reset afterwards).
fn insert_sql(table: &Table, rows: usize) -> String {
    let width = table.columns.len();
    let columns: Vec<String> = table.columns.iter().map(|c| quote(c)).collect();
    let mut sql = format!(
        "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES ",
        quote(&table.name),
        columns.join(", ")
    );
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for col in 0..width {
            if col > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("?{}", row * width + col + 1));
        }
        sql.push(')');
    }
    sql
}

/// The table as PostgreSQL now holds it (inside the copy's transaction), read through a
/// cursor a batch at a time, so a large table is never held in memory.
pub fn table_sum(conn: &Connection, table: &Table, index: usize) -> anyhow::Result<TableSum> {
    let columns: Vec<String> = table.columns.iter().map(|c| quote(c)).collect();
    // A cursor of its own per table: a FETCH's prepared statement knows its cursor's columns.
    let cursor = format!("holdpoint_copy_{index}");
    conn.execute_batch(&format!(
        "DECLARE {cursor} NO SCROLL CURSOR FOR SELECT {} FROM {}",
        columns.join(", "),
        quote(&table.name)
    ))?;
    let fetch = format!("FETCH {FETCH_ROWS} FROM {cursor}");
    let mut sum = TableSum::default();
    loop {
        let before = sum.rows;
        let mut stmt = conn.prepare(&fetch)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let values = (0..columns.len())
                .map(|i| row.get_ref(i))
                .collect::<Result<Vec<_>, _>>()?;
            sum.add_row(values);
        }
        if sum.rows == before {
            break;
        }
    }
    conn.execute_batch(&format!("CLOSE {cursor}"))?;
    Ok(sum)
}

/// Sets each identity column's sequence past the largest id copied, so the server's next
/// insert does not collide. `setval` is not undone by a rollback, so this runs only once the
/// copy is verified, just before COMMIT.
pub fn reset_sequences(conn: &Connection) -> anyhow::Result<usize> {
    let identities: Vec<(String, String)> = conn
        .prepare(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY 1, 2",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (table, column) in &identities {
        let col = quote(column);
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence(?1, ?2), coalesce(max({col}), 1), \
             max({col}) IS NOT NULL) FROM {}",
            quote(table)
        );
        conn.query_row(&sql, crate::db::sql::params![quote(table), column], |_| {
            Ok(())
        })
        .with_context(|| format!("resetting the sequence of {table}.{column}"))?;
    }
    Ok(identities.len())
}
