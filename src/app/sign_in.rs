//! Signing a person in, shared by sign-in and invite sign-up: a new session replaces the one
//! this browser had (if any), and the sign-in is audited, in one transaction.

use rusqlite::Connection;

use crate::domain::audit::{self, Entry};
use crate::domain::event_type::EventType;
use crate::domain::sessions;
use crate::domain::users::User;
use crate::domain::Millis;
use crate::error::AppResult;
use crate::services::Services;

/// Signs `user` in, revoking the session with hash `replacing`. Returns the new session's raw
/// token (for the cookie; only its hash is stored).
pub async fn sign_in(
    services: &Services,
    user: User,
    replacing: Option<[u8; 32]>,
) -> AppResult<String> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| start_session(ctx.conn, now, &user, replacing))
        .await
}

/// [`sign_in`] inside a transaction that does more (sign-up uses its link in the same one).
pub fn start_session(
    conn: &Connection,
    now: Millis,
    user: &User,
    replacing: Option<[u8; 32]>,
) -> AppResult<String> {
    if let Some(old) = replacing {
        sessions::revoke(conn, &old)?;
    }
    let token = sessions::create(conn, now, user.id)?;
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(user, EventType::AuthSignedIn, None),
    )?;
    Ok(token)
}
