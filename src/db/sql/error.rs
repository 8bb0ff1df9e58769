//! One error type for both engines, so the domain and the edge map database failures once.

/// A database failure: the engine's own error, no row where one was required, or a value that
/// does not convert (never silently defaulted).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(rusqlite::Error),
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
    #[error("query returned no rows")]
    QueryReturnedNoRows,
    #[error("{0}")]
    Conversion(String),
    /// Something the engine in use cannot do (e.g. a SQLite-only command on PostgreSQL).
    #[error("{0}")]
    Unsupported(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Error::QueryReturnedNoRows,
            e => Error::Sqlite(e),
        }
    }
}

impl Error {
    /// SQLite's error, for the storage-fault checks that only SQLite has.
    pub fn as_sqlite(&self) -> Option<&rusqlite::Error> {
        match self {
            Error::Sqlite(e) => Some(e),
            _ => None,
        }
    }

    /// A UNIQUE, PRIMARY KEY or CHECK constraint on `table` refused the write.
    pub fn violates_constraint_on(&self, table: &str) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(f, Some(msg))) => {
                f.code == rusqlite::ErrorCode::ConstraintViolation && msg.contains(table)
            }
            Error::Postgres(e) => e
                .as_db_error()
                .is_some_and(|db| db.code().code().starts_with("23") && db.table() == Some(table)),
            _ => false,
        }
    }

    /// Any constraint refused the write.
    pub fn is_constraint_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.code == rusqlite::ErrorCode::ConstraintViolation
            }
            Error::Postgres(e) => e
                .as_db_error()
                .is_some_and(|db| db.code().code().starts_with("23")),
            _ => false,
        }
    }
}

/// `.optional()` on a single-row read: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
