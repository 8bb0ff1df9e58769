//! Authentication building blocks shared by the dashboard and the CLI.

pub mod passkey;
pub mod password;
