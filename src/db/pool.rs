//! The read pool: r2d2 over either engine, handing out facade connections.

use r2d2_postgres::PostgresConnectionManager;
use r2d2_sqlite::SqliteConnectionManager;

use super::sql::{Connection, Error};

/// Opens pooled connections to SQLite (with the server's PRAGMAs) or PostgreSQL.
pub enum Manager {
    Sqlite(SqliteConnectionManager),
    Postgres(PostgresConnectionManager<postgres::NoTls>),
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = Error;

    fn connect(&self) -> Result<Connection, Error> {
        match self {
            Manager::Sqlite(m) => Ok(Connection::from_sqlite(m.connect()?)),
            Manager::Postgres(m) => Ok(Connection::from_postgres(m.connect()?)),
        }
    }

    /// SQLite is never checked (a file connection does not go stale); PostgreSQL's may have
    /// been closed by a restart or a failover.
    fn is_valid(&self, conn: &mut Connection) -> Result<(), Error> {
        match self {
            Manager::Sqlite(_) => Ok(()),
            Manager::Postgres(_) => conn.execute_batch(""),
        }
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        conn.postgres().is_some_and(|c| c.is_closed())
    }
}

pub type Pool = r2d2::Pool<Manager>;
