//! Stepping up in place: the pause page's decision form carries a second-factor code, checked
//! here (on the writer, with the second-factor throttle) before the decision is recorded with
//! the session's refreshed authentication context. The same checks as the sign-in's code step:
//! a TOTP code is accepted once, a recovery code is used up, 5 wrong codes in 15 minutes lock
//! the step for 15 minutes.

use crate::domain::identity::auth_context::{AuthContext, Factor};
use crate::domain::identity::{factor_throttle, recovery_codes, sessions, totp};
use crate::domain::ids::UserId;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// Checks `code` for the session `token_hash` of `user_id`, whose context is `auth`. Right: the
/// session records the factor now, and the refreshed context is returned. Wrong: `Invalid`
/// (the failure counted); locked: `TooManyRequests`. Nothing is decided either way.
pub async fn confirm(
    services: &Services,
    (token_hash, user_id, auth): ([u8; 32], UserId, AuthContext),
    code: String,
) -> AppResult<AuthContext> {
    let now = services.now();
    let checked = services
        .writer
        .run(move |ctx| {
            let conn = ctx.conn;
            if let Some(secs) = factor_throttle::locked_for(conn, now, user_id)? {
                return Ok(Err(Some(secs)));
            }
            let factor = match recovery_codes::looks_like(&code) {
                true => recovery_codes::redeem(conn, now, user_id, &code)?
                    .then_some(Factor::RecoveryCode),
                false => totp::verify(conn, now, user_id, &code, false)?.then_some(Factor::Totp),
            };
            // A wrong code is written down: the outer Ok keeps the transaction.
            let Some(factor) = factor else {
                factor_throttle::record_failure(conn, now, user_id)?;
                return Ok(Err(None));
            };
            factor_throttle::clear(conn, user_id)?;
            sessions::record_factor(conn, &token_hash, now, factor)?;
            Ok(Ok(factor))
        })
        .await?;
    match checked {
        Ok(factor) => Ok(AuthContext {
            method: auth.method,
            factor: Some((factor, now)),
        }),
        Err(Some(secs)) => Err(AppError::TooManyRequests {
            detail: format!(
                "too many wrong codes: try again in {} minutes. Nothing was decided",
                (secs + 59) / 60
            ),
            retry_after: secs.max(0) as u64,
        }),
        Err(None) => Err(AppError::invalid(
            "step_up_code",
            "that code is not right, or was already used: enter the current code from your \
             authenticator app, or a recovery code. Nothing was decided",
        )),
    }
}
