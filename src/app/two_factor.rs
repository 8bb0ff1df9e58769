//! TOTP two-factor sign-in as the pages use it: enrolment (from the account page, or at sign-in
//! when the workspace requires a second factor), sign-in's second step, new recovery codes,
//! turning TOTP off, and an owner's reset of another person's second factor.
//!
//! Every code asked for goes through [`check_code`]: the throttle first (a locked step checks
//! nothing), then a TOTP code or a recovery code, a wrong one counted and audited, all in the
//! transaction that acts on a right one.

use std::net::IpAddr;

use crate::db::sql::Connection;
use serde_json::json;

use crate::domain::audit::{self, Entry};
use crate::domain::event_type::EventType;
use crate::domain::identity::auth_context::{AuthContext, AuthMethod, Factor};
use crate::domain::identity::totp::{self, Enrolment};
use crate::domain::identity::{factor_admin, factor_throttle, recovery_codes};
use crate::domain::ids::UserId;
use crate::domain::sessions;
use crate::domain::users::{self, User};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// What asking for a code came to.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The code was right and the action was done.
    Done(T),
    /// Wrong, stale or replayed (counted towards the throttle, audited).
    Wrong,
    /// Too many wrong codes: the step answers nothing for this many seconds.
    Locked(i64),
}

/// Where a code was asked for, as the failure's audit row says.
#[derive(Debug, Clone, Copy)]
pub enum Asked {
    SignIn,
    Account,
}

/// Checks a 6-digit TOTP code or a recovery code of `user`, unless the step is locked.
pub fn check_code(
    conn: &Connection,
    now: Millis,
    user: &User,
    code: &str,
    ip: Option<IpAddr>,
    asked: Asked,
) -> AppResult<Outcome<Factor>> {
    if let Some(secs) = factor_throttle::locked_for(conn, now, user.id)? {
        return Ok(Outcome::Locked(secs));
    }
    let code = code.trim();
    let right = if recovery_codes::looks_like(code) {
        recovery_codes::redeem(conn, now, user.id, code)?.then_some(Factor::RecoveryCode)
    } else {
        totp::verify(conn, now, user.id, code, false)?.then_some(Factor::Totp)
    };
    if let Some(factor) = right {
        factor_throttle::clear(conn, user.id)?;
        return Ok(Outcome::Done(factor));
    }
    factor_throttle::record_failure(conn, now, user.id)?;
    let mut details = json!({ "step": match asked {
        Asked::SignIn => "sign_in",
        Asked::Account => "account",
    }});
    if let Some(ip) = ip {
        details["ip"] = json!(ip.to_string());
    }
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(user, EventType::AuthSecondFactorFailed, Some(details)),
    )?;
    Ok(Outcome::Wrong)
}

/// Starts (or restarts) TOTP enrolment; refused while TOTP is on (turn it off first), so a
/// working authenticator is never replaced by one not yet confirmed.
pub async fn start(s: &Services, user: User) -> AppResult<()> {
    s.writer
        .run(move |ctx| {
            if totp::enabled(ctx.conn, user.id)? {
                return Err(AppError::Forbidden(
                    "two-factor sign-in is already on: turn it off first to set up another \
                     authenticator"
                        .into(),
                ));
            }
            totp::begin(ctx.conn, user.id, &user.email)?;
            Ok(())
        })
        .await
}

/// The enrolment under way, starting one when there is none (sign-in's enrolment step).
pub async fn enrolment_or_start(s: &Services, user: User) -> AppResult<Enrolment> {
    s.writer
        .run(
            move |ctx| match totp::pending(ctx.conn, user.id, &user.email)? {
                Some(e) => Ok(e),
                None => totp::begin(ctx.conn, user.id, &user.email),
            },
        )
        .await
}

/// A session that finishes signing in by enrolling (`/login/enrol`): it becomes a full one.
pub struct Finishing {
    pub token_hash: [u8; 32],
    pub method: AuthMethod,
    pub ip: Option<IpAddr>,
}

/// Confirms enrolment with a code from the new authenticator: ten recovery codes (to show
/// once), or `None` for a wrong code (nothing is written). A session finishing its sign-in
/// this way becomes full, and the sign-in is audited.
pub async fn confirm(
    s: &Services,
    user: User,
    code: String,
    finishing: Option<Finishing>,
) -> AppResult<Option<Vec<String>>> {
    let now = s.now();
    s.writer
        .run(move |ctx| {
            if !totp::verify(ctx.conn, now, user.id, &code, true)? {
                return Ok(None);
            }
            let codes = recovery_codes::generate(ctx.conn, now, user.id)?;
            let entry = Entry::by_user_on_self(&user, EventType::UserTwoFactorEnabled, None);
            audit::record(ctx.conn, now, entry)?;
            if let Some(f) = finishing {
                finish_sign_in(ctx.conn, now, &user, &f, Factor::Totp)?;
            }
            Ok(Some(codes))
        })
        .await
}

/// The pending session becomes a full one, and the sign-in is audited as
/// [`crate::app::sign_in`] audits one that needed no second step.
fn finish_sign_in(
    conn: &Connection,
    now: Millis,
    user: &User,
    f: &Finishing,
    factor: Factor,
) -> AppResult<()> {
    sessions::record_factor(conn, &f.token_hash, now, factor)?;
    // Signing in is activity: the idle timeout counts from here, not from the password.
    sessions::touch(conn, &f.token_hash, now)?;
    let auth = AuthContext {
        method: f.method,
        factor: Some((factor, now)),
    };
    let mut details = json!({ "method": auth.label() });
    if let Some(ip) = f.ip {
        details["ip"] = json!(ip.to_string());
    }
    let entry = Entry::by_user_on_self(user, EventType::AuthSignedIn, Some(details));
    audit::record(conn, now, entry)?;
    Ok(())
}

/// Sign-in's second step: a right code makes the pending session a full one.
pub async fn second_step(
    s: &Services,
    user: User,
    session: Finishing,
    code: String,
) -> AppResult<Outcome<()>> {
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let checked = check_code(ctx.conn, now, &user, &code, session.ip, Asked::SignIn)?;
            Ok(match checked {
                Outcome::Done(factor) => {
                    finish_sign_in(ctx.conn, now, &user, &session, factor)?;
                    Outcome::Done(())
                }
                Outcome::Wrong => Outcome::Wrong,
                Outcome::Locked(secs) => Outcome::Locked(secs),
            })
        })
        .await
}

/// After a right code, `act` runs in the same transaction.
async fn with_code<T: Send + 'static>(
    s: &Services,
    user: User,
    code: String,
    ip: Option<IpAddr>,
    act: fn(&Connection, Millis, &User) -> AppResult<T>,
) -> AppResult<Outcome<T>> {
    let now = s.now();
    s.writer
        .run(move |ctx| {
            Ok(
                match check_code(ctx.conn, now, &user, &code, ip, Asked::Account)? {
                    Outcome::Done(_) => Outcome::Done(act(ctx.conn, now, &user)?),
                    Outcome::Wrong => Outcome::Wrong,
                    Outcome::Locked(secs) => Outcome::Locked(secs),
                },
            )
        })
        .await
}

/// A new set of ten recovery codes (the old ones stop working), for a current code.
pub async fn regenerate_codes(
    s: &Services,
    user: User,
    code: String,
    ip: Option<IpAddr>,
) -> AppResult<Outcome<Vec<String>>> {
    with_code(s, user, code, ip, |conn, now, user| {
        let codes = recovery_codes::generate(conn, now, user.id)?;
        let entry = Entry::by_user_on_self(user, EventType::UserRecoveryCodesRegenerated, None);
        audit::record(conn, now, entry)?;
        Ok(codes)
    })
    .await
}

/// Turns TOTP off, for a current code; refused (before the code is checked) while the
/// workspace requires two-factor and this is the person's only factor.
pub async fn turn_off(
    s: &Services,
    user: User,
    code: String,
    ip: Option<IpAddr>,
) -> AppResult<Outcome<()>> {
    let who = user.clone();
    s.read_blocking(move |conn| factor_admin::ensure_may_turn_off(conn, &who))
        .await?;
    with_code(s, user, code, ip, factor_admin::turn_off).await
}

/// An owner resets the second factor of `target` (a user of their workspace, not themselves).
/// Returns the target and how many of their sessions ended.
pub async fn reset_by_owner(s: &Services, actor: User, target: UserId) -> AppResult<(User, usize)> {
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let user = users::get_in_workspace(ctx.conn, actor.workspace_id, target)?;
            let ended = factor_admin::reset_by_owner(ctx.conn, now, &actor, &user)?;
            Ok((user, ended))
        })
        .await
}
