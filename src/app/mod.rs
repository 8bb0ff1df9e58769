//! The application layer: use cases that several entry points share (the HTTP handlers today;
//! the CLI and the MCP server). Each takes the [`Services`](crate::services::Services) and plain
//! inputs and returns domain results, with no HTTP types in its signature: a handler parses,
//! calls one of these, and translates the answer.

pub mod agents;
pub mod audit;
pub mod batch;
pub mod cancel;
pub mod channels;
pub mod checkpoint;
pub mod create;
pub mod groups;
pub mod keys;
pub mod passkey_login;
pub mod passkeys;
pub mod policy_settings;
pub mod push;
pub mod respond;
pub mod rules;
pub mod sign_in;
pub mod sso;
pub mod step_up;
pub mod two_factor;
pub mod wait;
pub mod webhooks;
pub mod workspace_settings;
