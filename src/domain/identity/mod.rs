//! Identity: how a person proves who they are. Sessions, password resets, the second factors
//! (TOTP with recovery codes, passkeys), the state sign-in flows keep between requests (OpenID
//! Connect, WebAuthn ceremonies), and the authentication context a decision carries (step-up).
//!
//! Everything kept between requests is in the database, not in memory, so it survives a
//! restart and a takeover by another process.

#[allow(unused_imports)]
use super::*;

pub mod auth_context;
pub mod auth_flows;
pub mod factor_admin;
pub mod factor_throttle;
pub mod passkeys;
pub mod password_resets;
pub mod recovery_codes;
pub mod second_factor;
pub mod session_admin;
pub mod sessions;
pub mod sso_users;
pub mod step_up;
#[cfg(test)]
pub(crate) mod test_db;
pub mod totp;
