//! The suite on PostgreSQL: with `HOLDPOINT_TEST_DATABASE_URL` set (a server's admin database,
//! e.g. from `scripts/pg-cluster`), each test's server gets a database of its own, cloned from
//! one migrated template. The database's name is kept in the test's data directory, so a
//! restart on the same directory finds the same data, as it would find the SQLite file.

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
pub fn with_database(url: &str, name: &str) -> String {
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
