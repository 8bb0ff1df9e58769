//! `holdpoint copy-database`: the flags of the move from SQLite to PostgreSQL.

use std::path::PathBuf;

use clap::Args;

/// What `copy-database` copies from and to. `--to` is read as text and parsed by the command,
/// so a bad connection string is an ordinary error (exit 1, in words) like an unreachable
/// server, not a usage error.
#[derive(Debug, Clone, Args)]
pub struct CopyDatabaseArgs {
    /// The SQLite database to copy: `<data dir>/holdpoint.db`, or the data directory itself.
    /// It is opened read-only and never changed; it must be at this binary's schema version
    /// (an older file is refused: run `holdpoint migrate --data-dir DIR` with this binary
    /// first). A server may keep running on it: the copy reads one consistent snapshot.
    #[arg(long, value_name = "SQLITE_FILE")]
    pub from: PathBuf,
    /// The PostgreSQL database to copy into, e.g. `postgres://user:password@host:5432/holdpoint`.
    /// It must exist and hold no Holdpoint data (create it with `CREATE DATABASE holdpoint`,
    /// and start no server on it before the copy); the schema is created here. The global
    /// `--database-url` is not read by this command.
    #[arg(long, value_name = "POSTGRES_URL")]
    pub to: String,
}
