//! Where the data lives: the SQLite file in the data directory (the default), or the PostgreSQL
//! database named by `--database-url`.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use r2d2_postgres::PostgresConnectionManager;

use super::sql::Connection;
use super::{Manager, Pool};
use crate::config::Synchronous;

/// A PostgreSQL connection string (URL or `key=value` form, multi-host lists included). Its
/// Debug and Display hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let config = postgres::Config::from_str(s).map_err(|e| {
            format!("not a PostgreSQL connection string ({e}); expected e.g. postgres://user:password@host:5432/holdpoint")
        })?;
        if config.get_hosts().is_empty() {
            return Err("the connection string names no host".into());
        }
        Ok(DatabaseUrl(s.to_string()))
    }
}

impl DatabaseUrl {
    fn config(&self) -> postgres::Config {
        let mut config = postgres::Config::from_str(&self.0).expect("checked when parsed");
        if config.get_application_name().is_none() {
            config.application_name("holdpoint");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config
    }

    /// Host, port and database, without user or password: for logs and `doctor`.
    pub fn describe(&self) -> String {
        let c = self.config();
        let hosts: Vec<String> = c
            .get_hosts()
            .iter()
            .zip(c.get_ports().iter().chain(std::iter::repeat(&5432)))
            .map(|(h, p)| match h {
                postgres::config::Host::Tcp(h) => format!("{h}:{p}"),
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        format!(
            "postgres://{}/{}",
            hosts.join(","),
            c.get_dbname().unwrap_or("")
        )
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The database a command works on.
#[derive(Debug, Clone)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(DatabaseUrl),
}

impl Target {
    pub fn new(data_dir: &Path, url: Option<&DatabaseUrl>) -> Target {
        match url {
            Some(url) => Target::Postgres(url.clone()),
            None => Target::Sqlite(crate::config::database_path(data_dir)),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Target::Postgres(_))
    }

    /// For messages: the file, or the server and database.
    pub fn describe(&self) -> String {
        match self {
            Target::Sqlite(path) => path.display().to_string(),
            Target::Postgres(url) => url.describe(),
        }
    }

    /// One connection with the schema brought up to date. Must not be called on an async
    /// runtime's thread (the PostgreSQL client blocks on a runtime of its own).
    pub fn open_and_migrate(&self, sync: Synchronous) -> anyhow::Result<Connection> {
        match self {
            Target::Sqlite(path) => super::open_and_migrate(path, sync),
            Target::Postgres(url) => {
                let mut conn = connect(url)?;
                super::migrate(&mut conn)?;
                Ok(conn)
            }
        }
    }

    pub fn open_pool(&self, sync: Synchronous, size: u32) -> anyhow::Result<Pool> {
        match self {
            Target::Sqlite(path) => super::open_pool(path, sync, size),
            Target::Postgres(url) => {
                let manager = Manager::Postgres(PostgresConnectionManager::new(
                    url.config(),
                    postgres::NoTls,
                ));
                r2d2::Pool::builder()
                    .max_size(size)
                    .test_on_check_out(false)
                    .connection_timeout(Duration::from_secs(5))
                    .build(manager)
                    .with_context(|| format!("cannot connect to {url}"))
            }
        }
    }
}

pub fn connect(url: &DatabaseUrl) -> anyhow::Result<Connection> {
    let client = url
        .config()
        .connect(postgres::NoTls)
        .with_context(|| format!("cannot connect to {url}"))?;
    Ok(Connection::from_postgres(client))
}
