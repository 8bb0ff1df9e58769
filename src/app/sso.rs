//! Single sign-on's use cases: starting a flow (its secrets kept in `auth_flows`, the OIDC
//! `state` being its handle), and finishing it: the person the verified ID token names is found
//! by `iss` + `sub`, else by verified email (an invitation or an account is linked), else made
//! an approver when the email's domain is allowed; the groups claim's mapping is applied; and a
//! session starts through [`super::sign_in`], so a second factor is still asked for unless the
//! provider's `amr` counts as one. Every link, creation and refusal is audited.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::sign_in::{self, Started};
use crate::auth::oidc::{self, FlowSecrets, Identity, OidcError};
use crate::config::oidc::Oidc;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::identity::auth_context::{AuthContext, AuthMethod, Factor};
use crate::domain::identity::auth_flows::{self, FlowKind};
use crate::domain::ids::UserId;
use crate::domain::sessions::NewSession;
use crate::domain::users::{self, User};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};
use crate::services::Services;

#[path = "sso_account.rs"]
mod account;
#[path = "sso_step_up.rs"]
pub mod step_up;

/// Where the provider sends the person back.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";

/// What a flow keeps in the database between the redirect and the callback.
#[derive(Debug, Serialize, Deserialize)]
struct FlowData {
    #[serde(flatten)]
    secrets: FlowSecrets,
    /// A local path to go back to (step-up).
    return_to: String,
    started_at: Millis,
}

/// Why a sign-on did not let the person in; the text is for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown, tampered, replayed or expired `state`.
    UnknownFlow,
    /// The provider answered `error=` (the person cancelled, or was not allowed).
    Denied(String),
    Provider(String),
    NoAccount,
    Disabled,
    UnverifiedEmail,
    /// Another provider account is already linked to the user with this email.
    LinkedElsewhere,
    /// The account could not be made (the plan's approver limit, a missing workspace).
    CannotProvision(String),
}

impl Refusal {
    fn reason(&self) -> &'static str {
        match self {
            Refusal::UnknownFlow => "unknown_state",
            Refusal::Denied(_) => "denied",
            Refusal::Provider(_) => "provider",
            Refusal::NoAccount => "no_account",
            Refusal::Disabled => "disabled",
            Refusal::UnverifiedEmail => "unverified_email",
            Refusal::LinkedElsewhere => "linked_elsewhere",
            Refusal::CannotProvision(_) => "cannot_provision",
        }
    }
}

fn kind_prefix(kind: FlowKind) -> &'static str {
    match kind {
        FlowKind::OidcStepUp => "u.",
        _ => "s.",
    }
}

/// Stores a new flow and returns the provider's URL to redirect to. The `state` sent is the
/// flow's handle, prefixed with its kind so the callback knows which flow to take.
pub async fn start(
    services: &Services,
    oidc: &Oidc,
    kind: FlowKind,
    user_id: Option<UserId>,
    return_to: &str,
) -> Result<String, OidcError> {
    let secrets = oidc::new_secrets();
    let now = services.now();
    let data = FlowData {
        secrets: secrets.clone(),
        return_to: return_to.to_string(),
        started_at: now,
    };
    let data = serde_json::to_string(&data).expect("flow data serializes");
    let handle = services
        .writer
        .run(move |ctx| auth_flows::start(ctx.conn, now, kind, user_id, &data))
        .await
        .map_err(|e| OidcError::Provider(format!("cannot store the sign-in flow: {e}")))?;
    let state = format!("{}{handle}", kind_prefix(kind));
    let redirect = format!("{}{CALLBACK_PATH}", services.base_url());
    let fresh = kind == FlowKind::OidcStepUp;
    oidc::authorize_url(oidc, &redirect, state, &secrets, fresh).await
}

/// A finished flow: who the provider says signed in, for which flow.
pub struct Finished {
    pub kind: FlowKind,
    pub user_id: Option<UserId>,
    pub identity: Identity,
    pub return_to: String,
    pub started_at: Millis,
}

/// Takes the flow behind `state` (once: a replayed callback finds nothing), then exchanges the
/// code and verifies the ID token against the flow's nonce.
pub async fn finish(
    services: &Services,
    oidc: &Oidc,
    state: &str,
    code: String,
) -> AppResult<Result<Finished, Refusal>> {
    let (kind, handle) = match state.split_at_checked(2) {
        Some(("u.", h)) => (FlowKind::OidcStepUp, h.to_string()),
        Some(("s.", h)) => (FlowKind::OidcSignIn, h.to_string()),
        _ => return Ok(Err(Refusal::UnknownFlow)),
    };
    let now = services.now();
    let taken = services
        .writer
        .run(move |ctx| auth_flows::take(ctx.conn, now, kind, &handle))
        .await?;
    let Some((user_id, data)) = taken else {
        return Ok(Err(Refusal::UnknownFlow));
    };
    let data: FlowData = serde_json::from_str(&data)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("bad flow data: {e}")))?;
    let redirect = format!("{}{CALLBACK_PATH}", services.base_url());
    match oidc::exchange(oidc, &redirect, code, data.secrets).await {
        Ok(identity) => Ok(Ok(Finished {
            kind,
            user_id,
            identity,
            return_to: data.return_to,
            started_at: data.started_at,
        })),
        Err(e) => Ok(Err(Refusal::Provider(e.to_string()))),
    }
}

/// Whether the provider's `amr` names a method configured to count as a second factor.
pub fn amr_counts(oidc: &Oidc, identity: &Identity) -> bool {
    identity.amr.iter().any(|a| oidc.mfa_amr.contains(a))
}

/// Signs the person in (see the module's doc), replacing the session with hash `replacing`.
pub async fn sign_in(
    services: &Services,
    oidc: &Oidc,
    identity: Identity,
    replacing: Option<[u8; 32]>,
    mut new: NewSession,
) -> AppResult<Result<Started, Refusal>> {
    let now = services.now();
    new.auth = AuthContext {
        method: AuthMethod::Sso,
        factor: amr_counts(oidc, &identity).then_some((Factor::ProviderMfa, now)),
    };
    new.max_ms = oidc.session_hours as Millis * 3600 * 1000;
    let oidc = oidc.clone();
    services
        .writer
        .run(move |ctx| {
            let user = match account::find_or_make(ctx.conn, now, &oidc, &identity)? {
                Ok(user) => user,
                Err(refusal) => {
                    record_refusal(ctx.conn, now, None, &identity, &refusal)?;
                    return Ok(Err(refusal));
                }
            };
            let user = account::apply_mapping(ctx.conn, now, &oidc, &identity, user)?;
            sign_in::start_session(ctx.conn, now, &user, replacing, new).map(Ok)
        })
        .await
}

/// Audits a refused sign-on (never a token or code: the reason, the provider's `iss` and `sub`,
/// the email it claimed).
pub(crate) fn record_refusal(
    conn: &crate::db::sql::Connection,
    now: Millis,
    user: Option<&User>,
    identity: &Identity,
    refusal: &Refusal,
) -> AppResult<()> {
    let found = match user {
        Some(u) => Some(u.clone()),
        None => identity
            .email
            .as_deref()
            .and_then(|e| users::normalize_email(e).ok())
            .map(|e| users::for_login(conn, &e))
            .transpose()?
            .flatten()
            .map(|(u, _)| u),
    };
    let mut details = json!({
        "reason": refusal.reason(),
        "issuer": identity.issuer,
        "subject": identity.subject,
        "email": identity.email,
    });
    if let Refusal::Provider(why) = refusal {
        details["error"] = json!(why);
    }
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: found.as_ref().map(|u| u.workspace_id),
            actor: Actor::System,
            event: EventType::AuthSsoFailed,
            subject: found.as_ref().map(|u| u.id.to_string()),
            details: Some(details),
        },
    )?;
    Ok(())
}

/// Audits a refusal that happened before the provider named anyone (a bad `state`, an error
/// from the provider, a token that did not verify).
pub async fn record_failure(services: &Services, refusal: Refusal) -> AppResult<()> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| {
            let details = match &refusal {
                Refusal::Provider(why) | Refusal::Denied(why) => {
                    json!({ "reason": refusal.reason(), "error": why })
                }
                _ => json!({ "reason": refusal.reason() }),
            };
            let entry = Entry {
                workspace_id: None,
                actor: Actor::System,
                event: EventType::AuthSsoFailed,
                subject: None,
                details: Some(details),
            };
            Ok(audit::record(ctx.conn, now, entry)?)
        })
        .await
}
