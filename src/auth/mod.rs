//! Authentication building blocks shared by the dashboard and the CLI.

pub mod oidc;
pub mod passkey;
pub mod password;
