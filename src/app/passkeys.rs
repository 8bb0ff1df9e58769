//! Passkeys for a signed-in person: enrol one (a two-request ceremony whose state waits in
//! `auth_flows`), remove one, and use one as the second factor of a half-finished sign-in or as
//! a step-up. A ceremony's handle is taken (deleted) in its own commit before the browser's
//! answer is checked, so a handle works once, whether the answer was good or not.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use webauthn_rs::prelude::{Passkey, PublicKeyCredential};

use crate::auth::passkey::{self, RelyingParty};
use crate::domain::audit::{self, Entry};
use crate::domain::event_type::EventType;
use crate::domain::identity::auth_context::{AuthContext, Factor};
use crate::domain::identity::auth_flows::{self, FlowKind};
use crate::domain::identity::{passkeys, second_factor};
use crate::domain::sessions::{self, Pending, Session};
use crate::domain::users::User;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// What the browser needs to run a ceremony: its options for `navigator.credentials`, and the
/// handle it posts back with the answer.
#[derive(Debug, Serialize)]
pub struct Ceremony {
    pub handle: String,
    pub options: Value,
}

/// What a ceremony keeps in `auth_flows.data`: the session it belongs to and the library's state.
#[derive(Serialize, Deserialize)]
pub(crate) struct FlowData {
    pub session: Option<String>,
    pub state: String,
}

pub(crate) fn gone() -> AppError {
    AppError::Forbidden(
        "this passkey prompt expired or was already used; start again from the button".into(),
    )
}

/// Stores a ceremony's state and returns the handle with the browser's options.
pub(crate) async fn store(
    services: &Services,
    kind: FlowKind,
    user: Option<&User>,
    session: Option<String>,
    (options, state): (Value, String),
) -> AppResult<Ceremony> {
    let (now, user_id) = (services.now(), user.map(|u| u.id));
    let data = serde_json::to_string(&FlowData { session, state })
        .map_err(|e| AppError::Internal(e.into()))?;
    let handle = services
        .writer
        .run(move |ctx| auth_flows::start(ctx.conn, now, kind, user_id, &data))
        .await?;
    Ok(Ceremony { handle, options })
}

/// Takes the flow behind `handle` (one use) and checks it belongs to `session` of `user`.
pub(crate) async fn take(
    services: &Services,
    kind: FlowKind,
    handle: String,
    owner: Option<(&User, &str)>,
) -> AppResult<String> {
    let now = services.now();
    let flow = services
        .writer
        .run(move |ctx| auth_flows::take(ctx.conn, now, kind, &handle))
        .await?
        .ok_or_else(gone)?;
    let data: FlowData = serde_json::from_str(&flow.1).map_err(|e| AppError::Internal(e.into()))?;
    if let Some((user, session)) = owner {
        if flow.0 != Some(user.id) || data.session.as_deref() != Some(session) {
            return Err(gone());
        }
    }
    Ok(data.state)
}

async fn stored_passkeys(services: &Services, user: &User) -> AppResult<Vec<Passkey>> {
    let user_id = user.id;
    services
        .read_blocking(move |conn| passkeys::credentials(conn, user_id))
        .await?
        .iter()
        .map(|json| passkey::stored(json))
        .collect()
}

/// Enrolment, first half: refused past the most passkeys one may have.
pub async fn start_register(
    services: &Services,
    rp: &RelyingParty,
    user: &User,
    session: &Session,
) -> AppResult<Ceremony> {
    let wa = rp.ready()?;
    let have = stored_passkeys(services, user).await?;
    if have.len() >= passkeys::MAX_PER_USER {
        return Err(passkeys::too_many());
    }
    let started = passkey::start_register(wa, user, &have)?;
    let kind = FlowKind::PasskeyRegister;
    store(
        services,
        kind,
        Some(user),
        Some(session.id.clone()),
        started,
    )
    .await
}

/// Enrolment, second half: the browser's new credential, stored under the name typed, audited.
/// A session sent to enrol (the workspace requires a second factor) is finished by it: the
/// verified passkey just made is its second factor, and the sign-in is audited then.
pub async fn finish_register(
    services: &Services,
    rp: &RelyingParty,
    session: &Session,
    handle: String,
    credential: Value,
    name: &str,
) -> AppResult<passkeys::Listed> {
    let wa = rp.ready()?;
    let name = passkeys::clean_name(name)?;
    let user = session.user.clone();
    let owner = Some((&user, session.id.as_str()));
    let state = take(services, FlowKind::PasskeyRegister, handle, owner).await?;
    let key = passkey::finish_register(wa, &state, credential)?;
    let json = serde_json::to_string(&key).map_err(|e| AppError::Internal(e.into()))?;
    let (now, enrolling, hash) = (
        services.now(),
        session.pending == Some(Pending::Enrol),
        session.token_hash,
    );
    let method = session.auth.method;
    services
        .writer
        .run(move |ctx| {
            let id = passkeys::add(ctx.conn, now, user.id, key.cred_id(), &name, &json)?;
            let details = json!({ "passkey": id, "name": name });
            let entry = Entry::by_user_on_self(&user, EventType::UserPasskeyAdded, Some(details));
            audit::record(ctx.conn, now, entry)?;
            if enrolling {
                sessions::record_factor(ctx.conn, &hash, now, Factor::Passkey)?;
                let auth = AuthContext {
                    method,
                    factor: Some((Factor::Passkey, now)),
                };
                let details = json!({ "method": auth.label(), "passkey": id });
                let entry = Entry::by_user_on_self(&user, EventType::AuthSignedIn, Some(details));
                audit::record(ctx.conn, now, entry)?;
            }
            Ok(passkeys::Listed {
                id,
                name,
                created_at: now,
                last_used_at: None,
            })
        })
        .await
}

/// Removes one of the person's own passkeys (audited); `None` when they have no such passkey.
/// Not their last second factor while the workspace requires one.
pub async fn remove(services: &Services, user: &User, id: i64) -> AppResult<Option<String>> {
    let (user, now) = (user.clone(), services.now());
    services
        .writer
        .run(move |ctx| {
            let Some(name) = passkeys::remove(ctx.conn, user.id, id)? else {
                return Ok(None);
            };
            if second_factor::required(ctx.conn, user.workspace_id)?
                && !second_factor::has_any(ctx.conn, user.id)?
            {
                return Err(AppError::invalid(
                    "passkey",
                    "this workspace requires a second factor and this passkey is your last: \
                     add another passkey or an authenticator app first",
                ));
            }
            let details = json!({ "passkey": id, "name": name });
            let entry = Entry::by_user_on_self(&user, EventType::UserPasskeyRemoved, Some(details));
            audit::record(ctx.conn, now, entry)?;
            Ok(Some(name))
        })
        .await
}

/// A check of one of the person's passkeys, for this session (pending or full).
pub async fn start_verify(
    services: &Services,
    rp: &RelyingParty,
    session: &Session,
) -> AppResult<Ceremony> {
    let wa = rp.ready()?;
    let have = stored_passkeys(services, &session.user).await?;
    let started = passkey::start_verify(wa, &have)?;
    let (user, id) = (Some(&session.user), Some(session.id.clone()));
    store(services, FlowKind::PasskeyStepUp, user, id, started).await
}

/// The check's second half: on success the session's last factor is a passkey, now (which
/// finishes a pending sign-in), the passkey's counter and last use are saved, and it is audited
/// as the sign-in (pending) or a step-up (full). A pending session's failure is audited too.
pub async fn finish_verify(
    services: &Services,
    rp: &RelyingParty,
    session: &Session,
    handle: String,
    credential: Value,
    ip: Option<IpAddr>,
) -> AppResult<()> {
    let checked = verify(services, rp, session, handle, credential).await;
    let (user, now, pending) = (session.user.clone(), services.now(), session.pending);
    let (hash, method) = (session.token_hash, session.auth.method);
    let mut details =
        json!({ "method": AuthContext { method, factor: Some((Factor::Passkey, now)) }.label() });
    if let Some(ip) = ip {
        details["ip"] = json!(ip.to_string());
    }
    let Ok((cred_id, updated)) = checked else {
        if pending.is_some() {
            let entry = Entry::by_user_on_self(&user, EventType::AuthSignInFailed, Some(details));
            services
                .writer
                .run(move |ctx| Ok(audit::record(ctx.conn, now, entry)?))
                .await?;
        }
        return checked.map(|_| ());
    };
    services
        .writer
        .run(move |ctx| {
            // Removed meanwhile (another tab): it no longer counts.
            let (id, _) =
                passkeys::mark_used(ctx.conn, now, user.id, &cred_id, updated.as_deref())?
                    .ok_or_else(gone)?;
            sessions::record_factor(ctx.conn, &hash, now, Factor::Passkey)?;
            details["passkey"] = json!(id);
            let event = match pending {
                Some(_) => EventType::AuthSignedIn,
                None => EventType::AuthSteppedUp,
            };
            audit::record(
                ctx.conn,
                now,
                Entry::by_user_on_self(&user, event, Some(details)),
            )?;
            Ok(())
        })
        .await
}

/// The credential id that answered, and the stored passkey's new JSON if its counter moved.
async fn verify(
    services: &Services,
    rp: &RelyingParty,
    session: &Session,
    handle: String,
    credential: Value,
) -> AppResult<(Vec<u8>, Option<String>)> {
    let wa = rp.ready()?;
    let credential: PublicKeyCredential = passkey::parse_credential(credential)?;
    let owner = Some((&session.user, session.id.as_str()));
    let state = take(services, FlowKind::PasskeyStepUp, handle, owner).await?;
    let result = passkey::finish_verify(wa, &state, &credential)?;
    let mut stored = stored_passkeys(services, &session.user)
        .await?
        .into_iter()
        .find(|p| p.cred_id() == result.cred_id())
        .ok_or_else(gone)?;
    let updated = match stored.update_credential(&result) {
        Some(true) => {
            Some(serde_json::to_string(&stored).map_err(|e| AppError::Internal(e.into()))?)
        }
        _ => None,
    };
    Ok((result.cred_id().to_vec(), updated))
}
