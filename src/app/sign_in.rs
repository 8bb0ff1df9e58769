//! Signing a person in, shared by every way in (password, invite sign-up, password reset, single
//! sign-on, passkey): a new session replaces the one this browser had (if any), waits for a
//! second factor when the person has one (or must enrol one), and the sign-in is audited with
//! the client's address (see [`crate::http::client_ip`]) and how they authenticated, in one
//! transaction.

use crate::db::sql::Connection;
use serde_json::json;

use crate::domain::audit::{self, Entry};
use crate::domain::event_type::EventType;
use crate::domain::identity::second_factor;
use crate::domain::sessions::{self, NewSession, Pending};
use crate::domain::users::User;
use crate::domain::Millis;
use crate::error::AppResult;
use crate::services::Services;

/// A session just made: the cookie's raw token (only its hash is stored) and what it still
/// waits for before it is a full session.
#[derive(Debug)]
pub struct Started {
    pub token: String,
    pub pending: Option<Pending>,
}

/// Signs `user` in, revoking the session with hash `replacing`.
pub async fn sign_in(
    services: &Services,
    user: User,
    replacing: Option<[u8; 32]>,
    new: NewSession,
) -> AppResult<Started> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| start_session(ctx.conn, now, &user, replacing, new))
        .await
}

/// [`sign_in`] inside a transaction that does more (sign-up uses its link in the same one).
pub fn start_session(
    conn: &Connection,
    now: Millis,
    user: &User,
    replacing: Option<[u8; 32]>,
    mut new: NewSession,
) -> AppResult<Started> {
    if let Some(old) = replacing {
        sessions::revoke(conn, &old)?;
    }
    new.pending = second_factor::pending_for(conn, user, &new.auth)?;
    let token = sessions::create(conn, now, user.id, &new)?;
    let mut details = json!({ "method": new.auth.label() });
    if let Some(ip) = new.ip {
        details["ip"] = json!(ip.to_string());
    }
    // A pending session is audited when its second step finishes (or fails).
    if new.pending.is_none() {
        audit::record(
            conn,
            now,
            Entry::by_user_on_self(user, EventType::AuthSignedIn, Some(details)),
        )?;
    }
    Ok(Started {
        token,
        pending: new.pending,
    })
}

impl Started {
    /// Where the browser goes next: the dashboard, or the sign-in step still missing.
    pub fn location(&self) -> &'static str {
        match self.pending {
            None => "/",
            Some(Pending::SecondFactor) => SECOND_FACTOR_PATH,
            Some(Pending::Enrol) => ENROL_PATH,
        }
    }
}

/// The second sign-in step: a TOTP code, a recovery code or a passkey.
pub const SECOND_FACTOR_PATH: &str = "/login/verify";
/// Enrolment a workspace that requires a second factor leads to.
pub const ENROL_PATH: &str = "/login/enrol";
