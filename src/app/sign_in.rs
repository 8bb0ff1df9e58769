//! Signing a person in, shared by sign-in and invite sign-up: a new session replaces the one
//! this browser had (if any), and the sign-in is audited with the client's address (see
//! [`crate::http::client_ip`]), in one transaction.

use std::net::IpAddr;

use rusqlite::Connection;

use crate::domain::audit::{self, Entry};
use crate::domain::event_type::EventType;
use crate::domain::sessions;
use crate::domain::users::User;
use crate::domain::Millis;
use crate::error::AppResult;
use crate::services::Services;

/// Signs `user` in from `ip`, revoking the session with hash `replacing`. Returns the new
/// session's raw token (for the cookie; only its hash is stored).
pub async fn sign_in(
    services: &Services,
    user: User,
    replacing: Option<[u8; 32]>,
    ip: Option<IpAddr>,
) -> AppResult<String> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| start_session(ctx.conn, now, &user, replacing, ip))
        .await
}

/// [`sign_in`] inside a transaction that does more (sign-up uses its link in the same one).
pub fn start_session(
    conn: &Connection,
    now: Millis,
    user: &User,
    replacing: Option<[u8; 32]>,
    ip: Option<IpAddr>,
) -> AppResult<String> {
    if let Some(old) = replacing {
        sessions::revoke(conn, &old)?;
    }
    let token = sessions::create(conn, now, user.id)?;
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(user, EventType::AuthSignedIn, ip_details(ip)),
    )?;
    Ok(token)
}

/// The audit row's `{"ip": …}`, when the address is known.
pub fn ip_details(ip: Option<IpAddr>) -> Option<serde_json::Value> {
    ip.map(|ip| serde_json::json!({ "ip": ip.to_string() }))
}
