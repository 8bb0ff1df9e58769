//! Step-up for people who sign in through the provider: a fresh provider sign-in
//! (`max_age=0`, `prompt=login`) by the same identity, whose `amr` names a second factor,
//! records that factor in the session, as a TOTP code or a passkey would.

use serde_json::json;

use super::{amr_counts, record_refusal, Finished, Refusal};
use crate::config::oidc::Oidc;
use crate::domain::audit::{self, Entry};
use crate::domain::event_type::EventType;
use crate::domain::identity::auth_context::Factor;
use crate::domain::identity::auth_flows::FLOW_TTL_MS;
use crate::domain::identity::sso_users::{self, ProviderIdentity};
use crate::domain::sessions;
use crate::domain::users::User;
use crate::error::AppResult;
use crate::services::Services;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The session's second factor is fresh now.
    SteppedUp,
    /// The provider signed in someone else than the session's user.
    OtherUser,
    /// The provider did not report a second factor (or a fresh authentication).
    NoSecondFactor,
}

/// Finishes a step-up flow for the signed-in `user` (session `token_hash`).
pub async fn complete(
    services: &Services,
    oidc: &Oidc,
    token_hash: [u8; 32],
    user: User,
    finished: Finished,
) -> AppResult<Outcome> {
    let now = services.now();
    let counts = amr_counts(oidc, &finished.identity);
    // With max_age=0 the provider authenticated the person during this flow; a token saying
    // otherwise (clocks apart by more than the flow's life) is not a fresh factor.
    let fresh = finished
        .identity
        .auth_time
        .is_some_and(|t| t >= finished.started_at - FLOW_TTL_MS);
    services
        .writer
        .run(move |ctx| {
            let identity = &finished.identity;
            let id = ProviderIdentity {
                issuer: &identity.issuer,
                subject: &identity.subject,
            };
            let same = sso_users::by_identity(ctx.conn, &id)?.is_some_and(|u| u.id == user.id);
            let outcome = match (same, counts && fresh) {
                (false, _) => Outcome::OtherUser,
                (true, false) => Outcome::NoSecondFactor,
                (true, true) => Outcome::SteppedUp,
            };
            if outcome != Outcome::SteppedUp {
                let why = match outcome {
                    Outcome::OtherUser => "step_up_other_user",
                    _ => "step_up_no_second_factor",
                };
                record_refusal(
                    ctx.conn,
                    now,
                    Some(&user),
                    identity,
                    &Refusal::Provider(why.into()),
                )?;
                return Ok(outcome);
            }
            sessions::record_factor(ctx.conn, &token_hash, now, Factor::ProviderMfa)?;
            let details = json!({ "amr": identity.amr, "issuer": identity.issuer });
            audit::record(
                ctx.conn,
                now,
                Entry::by_user_on_self(&user, EventType::AuthSsoSteppedUp, Some(details)),
            )?;
            Ok(outcome)
        })
        .await
}
