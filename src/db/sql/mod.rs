//! The one way the domain talks to a database, SQLite or PostgreSQL.
//!
//! The domain stays synchronous (plain functions over a connection and `now`), so this is a
//! small blocking facade shaped like the part of rusqlite the domain used: `prepare_cached`,
//! `query_row`, `query_map`, `execute`, `params!`, `optional()`. Statements are written once
//! with `?N` placeholders (rewritten to `$N` for PostgreSQL); where the dialects differ, the
//! caller passes both texts through [`Connection::pick`]. Values travel in SQLite's five
//! storage classes ([`value`]), which the PostgreSQL schema mirrors (BIGINT, TEXT, BYTEA, …).

mod error;
mod params;
mod pg;
mod row;
mod translate;
pub mod value;

use std::path::Path;

pub use error::{Error, OptionalExtension, Result};
pub use params::{params_from_iter, Params, ParamsFromIter};
pub use row::{MappedRows, Row, RowIndex, Rows};
pub use value::{FromSql, OwnedValue, ToSql, Value, ValueRef};

/// Which engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The PostgreSQL twin of a statement written for SQLite: each `(sqlite, postgres)` pair's
/// text replaced, so the twin states only where the dialects differ. A pair that is not in the
/// statement is a programming error and panics (the first test to prepare it fails).
pub fn twin(sqlite: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = sqlite.to_string();
    for (from, to) in pairs {
        assert!(out.contains(from), "twin: `{from}` is not in the statement");
        out = out.replace(from, to);
    }
    out
}

/// A connection to either engine. Not `Sync`: one thread uses it at a time (a pooled reader, or
/// the writer thread).
pub struct Connection {
    inner: Inner,
}

enum Inner {
    Lite(rusqlite::Connection),
    Pg(Box<pg::PgConn>),
}

/// `params![a, b]`: the parameters of a statement, in placeholder order.
#[macro_export]
macro_rules! sql_params {
    () => { &[] as &[&dyn $crate::db::sql::ToSql] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::db::sql::ToSql),+] as &[&dyn $crate::db::sql::ToSql] };
}
pub use crate::sql_params as params;

impl Connection {
    pub fn from_sqlite(conn: rusqlite::Connection) -> Self {
        Connection {
            inner: Inner::Lite(conn),
        }
    }

    pub fn from_postgres(client: postgres::Client) -> Self {
        Connection {
            inner: Inner::Pg(Box::new(pg::PgConn::new(client))),
        }
    }

    /// Opens a SQLite file with no settings applied (see `db::open` for the server's).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self::from_sqlite(rusqlite::Connection::open(path)?))
    }

    pub fn open_in_memory() -> Result<Self> {
        Ok(Self::from_sqlite(rusqlite::Connection::open_in_memory()?))
    }

    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Lite(_) => Engine::Sqlite,
            Inner::Pg(_) => Engine::Postgres,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.engine() == Engine::Postgres
    }

    /// The statement text (or parts of it) for this engine, where the dialects differ.
    pub fn pick<T>(&self, sqlite: T, postgres: T) -> T {
        match self.inner {
            Inner::Lite(_) => sqlite,
            Inner::Pg(_) => postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, backup, file checks).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            Inner::Lite(c) => Some(c),
            Inner::Pg(_) => None,
        }
    }

    pub fn sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        match &mut self.inner {
            Inner::Lite(c) => Some(c),
            Inner::Pg(_) => None,
        }
    }

    pub(crate) fn postgres(&self) -> Option<&pg::PgConn> {
        match &self.inner {
            Inner::Lite(_) => None,
            Inner::Pg(c) => Some(c),
        }
    }

    /// Several statements without parameters (DDL, `BEGIN`, `COMMIT`).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Lite(c) => Ok(c.execute_batch(sql)?),
            Inner::Pg(c) => c.batch_execute(sql),
        }
    }

    /// Begins a transaction that holds the database's write lock until it ends: SQLite's
    /// `BEGIN IMMEDIATE`, or on PostgreSQL a transaction-scoped advisory lock every Holdpoint
    /// writer takes, so a CLI command beside the server serializes with it the same way.
    pub fn begin_write(&self) -> Result<()> {
        self.execute_batch(self.pick(
            "BEGIN IMMEDIATE",
            "BEGIN; SELECT pg_advisory_xact_lock(7301)",
        ))
    }

    /// A statement kept prepared for reuse (SQLite's statement cache; PostgreSQL's
    /// connection-side cache).
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Lite(c) => Ok(Statement::Lite(LiteStatement::Cached(
                c.prepare_cached(sql)?,
            ))),
            Inner::Pg(c) => c.prepare(sql).map(|s| Statement::Pg(c, s)),
        }
    }

    /// A statement prepared for this use only (dynamic text); PostgreSQL caches it anyway.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Lite(c) => Ok(Statement::Lite(LiteStatement::Plain(c.prepare(sql)?))),
            Inner::Pg(c) => c.prepare(sql).map(|s| Statement::Pg(c, s)),
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare(sql)?.execute(params)
    }

    /// The first row's `f`, or [`Error::QueryReturnedNoRows`].
    pub fn query_row<T, P: Params, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare(sql)?.query_row(params, f)
    }
}

enum LiteStatement<'c> {
    Cached(rusqlite::CachedStatement<'c>),
    Plain(rusqlite::Statement<'c>),
}

impl<'c> LiteStatement<'c> {
    fn get(&mut self) -> &mut rusqlite::Statement<'c> {
        match self {
            LiteStatement::Cached(s) => s,
            LiteStatement::Plain(s) => s,
        }
    }
}

/// A prepared statement of either engine.
pub enum Statement<'c> {
    #[allow(private_interfaces)]
    Lite(LiteStatement<'c>),
    Pg(&'c pg::PgConn, pg::Prepared),
}

impl Statement<'_> {
    /// The values in placeholder order, from positions or by name.
    fn bind<'p, P: Params>(&mut self, params: &'p P) -> Result<Vec<Value<'p>>> {
        let Some(pairs) = params.named() else {
            return params.values();
        };
        match self {
            Statement::Lite(s) => {
                let s = s.get();
                let names: Vec<&str> = (1..=s.parameter_count())
                    .map(|i| s.parameter_name(i).unwrap_or(""))
                    .collect();
                params::by_name(&names, pairs)
            }
            Statement::Pg(_, p) => {
                let names: Vec<&str> = p.names.iter().map(String::as_str).collect();
                params::by_name(&names, pairs)
            }
        }
    }

    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let values = self.bind(&params)?;
        match self {
            Statement::Lite(s) => Ok(s.get().execute(params::lite(&values))?),
            Statement::Pg(c, p) => c.execute(&p.statement, &values).map(|n| n as usize),
        }
    }

    /// Every row, read through `f`.
    pub fn query_map<T, P: Params, F>(&mut self, params: P, f: F) -> Result<MappedRows<'_, F>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows::new(self.query(params)?, f))
    }

    /// The rows, one at a time (`while let Some(row) = rows.next()?`).
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let values = self.bind(&params)?;
        match self {
            Statement::Lite(s) => Ok(Rows::Lite(s.get().query(params::lite(&values))?)),
            Statement::Pg(c, p) => Ok(Rows::pg(c.query(&p.statement, &values)?)),
        }
    }

    pub fn query_row<T, P: Params, F>(&mut self, params: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(Error::QueryReturnedNoRows),
        }
    }

    pub fn column_count(&mut self) -> usize {
        match self {
            Statement::Lite(s) => s.get().column_count(),
            Statement::Pg(_, p) => p.statement.columns().len(),
        }
    }

    pub fn column_names(&mut self) -> Vec<String> {
        match self {
            Statement::Lite(s) => s
                .get()
                .column_names()
                .into_iter()
                .map(String::from)
                .collect(),
            Statement::Pg(_, p) => p
                .statement
                .columns()
                .iter()
                .map(|c| c.name().to_owned())
                .collect(),
        }
    }

    pub fn parameter_count(&mut self) -> usize {
        match self {
            Statement::Lite(s) => s.get().parameter_count(),
            Statement::Pg(_, p) => p.statement.params().len(),
        }
    }

    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }
}

#[cfg(test)]
mod tests;
