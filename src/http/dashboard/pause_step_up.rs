//! The pause page asks for step-up in place: on a pending pause that needs it, for a session
//! whose second factor is not recent, the decision form gets the way this person can give one
//! (a code field for TOTP, a link to confirm with the identity provider, a passkey button),
//! or says to set one up. The rule itself is `respond`'s; this only chooses what to offer.

use crate::db::sql::Connection;

use crate::domain::identity::{step_up, totp};
use crate::domain::pauses::{Pause, Status};
use crate::domain::sessions::Session;
use crate::domain::Millis;
use crate::error::AppResult;

pub struct StepUpView {
    /// TOTP in use: the form takes a code (or a recovery code).
    pub totp: bool,
    /// Signed in through the identity provider: a fresh sign-in there steps up.
    pub sso: bool,
    pub passkey: bool,
    /// `/auth/oidc/step-up?return=/pauses/<id>`.
    pub sso_href: String,
    /// The sign-on link's text (`--oidc-name`, "Sign in with …"), set by the page: "… again".
    pub provider: String,
    pub minutes: i64,
}

impl StepUpView {
    /// What to offer, or None when the decision needs no step-up now.
    pub fn load(
        conn: &Connection,
        session: &Session,
        p: &Pause,
        now: Millis,
    ) -> AppResult<Option<StepUpView>> {
        let pending = p.status(now) == Status::Pending;
        if !pending || session.auth.fresh_factor(now) || !step_up::pause_needs(conn, p)? {
            return Ok(None);
        }
        let user = session.user.id;
        let has = |sql: &str| -> AppResult<bool> { Ok(conn.query_row(sql, [user], |r| r.get(0))?) };
        Ok(Some(StepUpView {
            totp: totp::enabled(conn, user)?,
            sso: has("SELECT EXISTS (SELECT 1 FROM user_identities WHERE user_id = ?1)")?,
            passkey: has("SELECT EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?1)")?,
            sso_href: format!("/auth/oidc/step-up?return=/pauses/{}", p.watch_id),
            provider: "Sign in with your identity provider".into(),
            minutes: step_up::FRESH_MINUTES,
        }))
    }

    /// No way to step up at all: the form says to set one up.
    pub fn none(&self) -> bool {
        !self.totp && !self.sso && !self.passkey
    }
}
