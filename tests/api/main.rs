//! One integration-test binary: every test starts the real server on port 0 with a fresh
//! temp SQLite file and talks HTTP to it.

mod fault_support;
mod helpers;
mod logged_server;
mod mail_support;

mod account;
mod audit_export;
mod audit_page;
mod auth_keys;
mod backup_load;
mod browser;
mod cli;
mod crash;
mod crash_rounds;
mod create;
mod dashboard;
mod decisions;
mod email;
mod hostile;
mod hostile_cases;
mod hostile_fixture;
mod hostile_gen;
mod idempotency;
mod invites;
mod limits;
mod list_and_read;
mod log_secrets;
mod log_sink;
mod long_poll;
mod manage_keys;
mod manage_users;
mod metrics;
mod one_click;
mod process;
mod quota;
mod request_ids;
mod retention;
mod secret_flows;
mod settings_usage;
mod shutdown;
mod sign_in;
mod slack;
mod webhook_e2e;
mod webhooks;
mod webhooks_page;
