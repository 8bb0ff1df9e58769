//! The suite on PostgreSQL: with `HOLDPOINT_TEST_DATABASE_URL` set (a server's admin database,
//! e.g. from `scripts/pg-cluster`), each test's server gets a database of its own, cloned from
//! one migrated template. The database's name is kept in the test's data directory, so a
//! restart on the same directory finds the same data, as it would find the SQLite file.
//!
//! Tests that need an empty PostgreSQL database of their own, on either run, take a
//! [`Scratch`] one from [`admin_url`]'s server.

use std::path::Path;
use std::sync::OnceLock;

use holdpoint::db::{self, DatabaseUrl};

const SERVER_VAR: &str = "HOLDPOINT_TEST_DATABASE_URL";
const NAME_FILE: &str = "pg-database";

/// The admin URL of the PostgreSQL server the suite runs on, if it does.
pub fn server() -> Option<String> {
    std::env::var(SERVER_VAR).ok().filter(|v| !v.is_empty())
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    format!("{base}/{name}{query}")
}

fn admin(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect to the test PostgreSQL")
}

/// The migrated database every test's database is cloned from (made once per test process).
fn template(server: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("hp_template_{}", std::process::id());
        let server = server.to_string();
        let made = name.clone();
        std::thread::spawn(move || {
            let mut client = admin(&server);
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {made}"))
                .unwrap();
            client
                .batch_execute(&format!("CREATE DATABASE {made}"))
                .unwrap();
            let url: DatabaseUrl = with_database(&server, &made).parse().unwrap();
            let mut conn = db::connect(&url).unwrap();
            db::migrate(&mut conn).unwrap();
        })
        .join()
        .unwrap();
        name
    })
}

/// This test directory's database URL on the PostgreSQL run (made on first use), else None.
pub fn database_for(dir: &Path) -> Option<DatabaseUrl> {
    let server = server()?;
    let file = dir.join(NAME_FILE);
    let name = match std::fs::read_to_string(&file) {
        Ok(name) => name,
        Err(_) => {
            let name = format!("hp_{}", uuid::Uuid::now_v7().simple());
            let template = template(&server);
            let (s, n) = (server.clone(), name.clone());
            std::thread::spawn(move || create_from(&s, &n, template))
                .join()
                .unwrap();
            std::fs::write(&file, &name).unwrap();
            name
        }
    };
    Some(with_database(&server, &name).parse().unwrap())
}

/// CREATE DATABASE … TEMPLATE fails while another such copy holds the template: retried.
fn create_from(server: &str, name: &str, template: &str) {
    let mut client = admin(server);
    let mut tries = 0;
    loop {
        match client.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}")) {
            Ok(()) => return,
            Err(e) if tries < 50 => {
                tries += 1;
                let _ = e;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("cannot create the test database {name}: {e}"),
        }
    }
}

/// The admin URL of a PostgreSQL server for a test that needs one whatever the suite runs on:
/// `HOLDPOINT_TEST_PG_URL` (as the schema test; `./test` starts a server), else the suite's
/// own. Without either: None after the test's SKIPPED line, or a failure under CI=true.
pub fn admin_url(test: &str) -> Option<String> {
    const URL_VAR: &str = "HOLDPOINT_TEST_PG_URL";
    let url = std::env::var(URL_VAR).ok().filter(|u| !u.is_empty());
    if let Some(url) = url.or_else(server) {
        return Some(url);
    }
    let why = format!("{URL_VAR} is not set ({URL_VAR}=$(scripts/pg-cluster start DIR) sets it)");
    crate::skips::skip_or_fail(test, &why);
    None
}

/// Blocking PostgreSQL calls run off the test's runtime thread (the client has a runtime).
fn on_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// An empty database of one test's own (not the migrated template), dropped at the end even
/// when the test fails.
pub struct Scratch {
    admin: String,
    name: String,
    pub url: String,
}

impl Scratch {
    pub fn create(admin_url: &str) -> Scratch {
        let name = format!("hp_scratch_{}", uuid::Uuid::now_v7().simple());
        on_thread(|| admin(admin_url).batch_execute(&format!("CREATE DATABASE {name}")))
            .expect("CREATE DATABASE");
        let url = with_database(admin_url, &name);
        let admin = admin_url.to_string();
        Scratch { admin, name, url }
    }

    /// The first column of the first row of `sql`, a BIGINT.
    pub fn count(&self, sql: &str) -> i64 {
        on_thread(|| admin(&self.url).query_one(sql, &[]).unwrap().get(0))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = on_thread(|| admin(&self.admin).batch_execute(&sql)) {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
}
