//! People and keys: users, invitations, who may decide (deciders), how a person is shown, and API keys with their scopes.
//!
//! The modules are re-exported by [`crate::domain`] under their old names
//! (`domain::pauses`, …), so callers need not know the folder; `use super::*` below lets a
//! module here reach its neighbours in `domain` as `super::audit`, `super::Millis`, as before.

#[allow(unused_imports)]
use super::*;

pub mod api_keys;
pub mod deciders;
pub mod display;
pub mod email_address;
pub mod invites;
pub mod key_admin;
pub mod key_expiry;
pub mod scopes;
pub mod user_admin;
pub mod users;
