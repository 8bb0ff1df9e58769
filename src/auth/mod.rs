//! Authentication building blocks shared by the dashboard and the CLI.

pub mod password;
pub mod passkey;
