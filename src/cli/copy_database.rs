//! `holdpoint copy-database --from FILE --to URL`: moves a team from SQLite to PostgreSQL
//! without losing a pause, a decision or a line of the audit log.
//!
//! The SQLite file is read in one read transaction (one consistent snapshot, even beside a
//! running server) and never written. The target gets the PostgreSQL schema, then every table
//! in ONE transaction that holds Holdpoint's write lock: rows stream from SQLite into multi-row
//! INSERTs (a batch in memory at a time), each table is read back and compared with what was
//! read (row count and checksum, see [`checksum`]), the identity sequences are moved past the
//! copied ids, and only then is it committed. Any difference or error rolls everything back.

mod checksum;
mod source;
mod target;

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};

use crate::config::CopyDatabaseArgs;
use crate::db::sql::{FromSql, OwnedValue};
use crate::db::{self, Connection, DatabaseUrl};
use checksum::TableSum;
use source::{quote, Table};

pub fn run(args: &CopyDatabaseArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let url: DatabaseUrl = args.to.parse().map_err(|e| anyhow!("--to: {e}"))?;
    let path = source::resolve(&args.from);
    let src = source::open(&path)?;
    // Every read from here on sees the same snapshot of the file.
    src.execute_batch("BEGIN")?;
    let tables = source::tables(&src)?;
    let mut dst = target::connect(&url)?;
    target::refuse_unless_empty(&dst, &url)?;
    db::migrate(&mut dst).with_context(|| format!("creating the schema in {url}"))?;
    dst.begin_write()?;
    let copied = match copy_all(&src, &dst, &tables, &url) {
        Ok(copied) => copied,
        Err(e) => {
            let _ = dst.execute_batch("ROLLBACK");
            return Err(e.context(format!("nothing was copied into {url} (rolled back)")));
        }
    };
    dst.execute_batch("COMMIT")
        .with_context(|| format!("committing the copy into {url}"))?;
    let _ = src.execute_batch("COMMIT");
    // Fresh planner statistics, so the server's first queries on the copy are planned well;
    // the copy is committed by now, so a failure here is only worth a warning.
    if let Err(e) = dst.execute_batch("ANALYZE") {
        eprintln!("warning: ANALYZE after the copy failed ({e}); run it on {url} yourself");
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "copied {} tables, {copied} rows from {} to {url} in {secs:.1} s ({:.0} rows/s); \
         serve it with --database-url",
        tables.len(),
        path.display(),
        copied as f64 / secs.max(0.001)
    );
    Ok(())
}

/// The copy inside the target's transaction; the number of rows copied.
fn copy_all(
    src: &Connection,
    dst: &Connection,
    tables: &[Table],
    url: &DatabaseUrl,
) -> anyhow::Result<u64> {
    // Again under the write lock: a server may have started on the target meanwhile.
    target::refuse_unless_empty(dst, url)?;
    target::clear_seeded(dst, tables)?;
    let mut progress = Progress::new(tables.iter().map(|t| t.rows).sum());
    let mut sums = Vec::with_capacity(tables.len());
    for table in tables {
        let sum = copy_table(src, dst, table, &mut progress)
            .with_context(|| format!("copying table {}", table.name))?;
        sums.push(sum);
    }
    progress.finish();
    for (i, (table, read)) in tables.iter().zip(&sums).enumerate() {
        verify(dst, table, i, read)?;
    }
    target::reset_sequences(dst)?;
    Ok(sums.iter().map(|s| s.rows).sum())
}

/// Streams one table from SQLite into PostgreSQL; the sum of the rows as read from SQLite.
fn copy_table(
    src: &Connection,
    dst: &Connection,
    table: &Table,
    progress: &mut Progress,
) -> anyhow::Result<TableSum> {
    let columns: Vec<String> = table.columns.iter().map(|c| quote(c)).collect();
    let select = format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        quote(&table.name),
        table.order_by
    );
    let mut stmt = src.prepare(&select)?;
    let mut rows = stmt.query([])?;
    let mut inserter = target::Inserter::new(dst, table);
    let mut sum = TableSum::default();
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i))
            .collect::<Result<Vec<_>, _>>()?;
        sum.add_row(values.iter().copied());
        let owned = values
            .into_iter()
            .map(OwnedValue::column_result)
            .collect::<Result<Vec<_>, _>>()?;
        progress.add(inserter.push(owned)?);
    }
    progress.add(inserter.finish()?);
    Ok(sum)
}

/// Reads the table back from PostgreSQL and compares it with what was read from SQLite.
fn verify(dst: &Connection, table: &Table, index: usize, read: &TableSum) -> anyhow::Result<()> {
    let stored = target::table_sum(dst, table, index)
        .with_context(|| format!("reading back table {}", table.name))?;
    if stored != *read {
        bail!(
            "table {} differs after the copy: SQLite has {} rows (checksum {}), PostgreSQL {} \
             rows (checksum {})",
            table.name,
            read.rows,
            read.short_hex(),
            stored.rows,
            stored.short_hex()
        );
    }
    println!("{:<28} {:>10} rows  ok", table.name, stored.rows);
    Ok(())
}

/// A line on stderr every few seconds while rows are copied.
struct Progress {
    total: u64,
    done: u64,
    last: Instant,
}

impl Progress {
    const EVERY: Duration = Duration::from_secs(5);

    fn new(total: u64) -> Self {
        eprintln!("copying {total} rows");
        Progress {
            total,
            done: 0,
            last: Instant::now(),
        }
    }

    fn add(&mut self, rows: u64) {
        self.done += rows;
        if self.last.elapsed() >= Self::EVERY {
            self.last = Instant::now();
            let pct = self.done as f64 * 100.0 / self.total.max(1) as f64;
            eprintln!("copied {} of {} rows ({pct:.0} %)", self.done, self.total);
        }
    }

    fn finish(&self) {
        eprintln!("copied {} rows; verifying each table", self.done);
    }
}
