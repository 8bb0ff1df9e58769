//! One integration-test binary: every test starts the real server on port 0 with a fresh
//! temp SQLite file and talks HTTP to it.

mod helpers;

mod audit_export;
mod audit_page;
mod auth_keys;
mod cli;
mod create;
mod decisions;
mod idempotency;
mod list_and_read;
mod long_poll;
mod manage_keys;
mod quota;
mod settings_usage;
mod sign_in;
