//! The identity tests' database: migrated, in memory, with workspace 1 and the rows a test adds.

use crate::db::sql::Connection;

/// A migrated in-memory database with workspace 1 and `rows` (SQL) in it.
pub fn with(rows: &str) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'w', 'pro', 0);",
    )
    .unwrap();
    conn.execute_batch(rows).unwrap();
    conn
}

/// [`with`] one user, id 1, an owner with a password.
pub fn one_owner() -> Connection {
    with(
        "INSERT INTO users (id, workspace_id, email, role, password_hash, created_at)
         VALUES (1, 1, 'a@example.com', 'owner', 'x', 0);",
    )
}
