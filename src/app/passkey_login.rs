//! A passkey as the whole sign-in (`--passkey-login`): the browser offers the discoverable
//! passkeys it holds for this site, so no email is typed and nothing tells which emails exist.
//! The passkey counts as the second factor too (it is something held and, verified, something
//! known or are), so the session is full at once.

use serde_json::{json, Value};
use uuid::Uuid;
use webauthn_rs::prelude::PublicKeyCredential;

use super::passkeys::{store, take, Ceremony};
use super::sign_in::{start_session, Started};
use crate::auth::passkey::{self, RelyingParty};
use crate::domain::audit::{self, Entry};
use crate::domain::identity::auth_flows::FlowKind;
use crate::domain::identity::passkeys;
use crate::domain::ids::UserId;
use crate::domain::sessions::NewSession;
use crate::domain::users::{self, User, UserState};
use crate::error::{AppError, AppResult};
use crate::services::Services;

pub async fn start(services: &Services, rp: &RelyingParty) -> AppResult<Ceremony> {
    let started = passkey::start_login(rp.ready()?)?;
    store(services, FlowKind::PasskeySignIn, None, None, started).await
}

/// Signs in the owner of the passkey that answered (an active user only), replacing the
/// session with hash `replacing`. `new` carries the passkey as method and factor.
pub async fn finish(
    services: &Services,
    rp: &RelyingParty,
    handle: String,
    credential: Value,
    replacing: Option<[u8; 32]>,
    new: NewSession,
) -> AppResult<Started> {
    let wa = rp.ready()?;
    let credential: PublicKeyCredential = passkey::parse_credential(credential)?;
    let state = take(services, FlowKind::PasskeySignIn, handle, None).await?;
    let (user_handle, cred_id) = passkey::identify_login(wa, &credential)?;
    let Some((user_id, json, user)) = owner(services, &cred_id, user_handle).await? else {
        return Err(refused(services, new.ip, None).await);
    };
    let Some(user) = user else {
        return Err(refused(services, new.ip, Some(user_id)).await);
    };
    let mut stored = passkey::stored(&json)?;
    let result = match passkey::finish_login(wa, &state, &credential, &stored) {
        Ok(r) => r,
        Err(e) => {
            refused(services, new.ip, Some(user_id)).await;
            return Err(e);
        }
    };
    let updated = match stored.update_credential(&result) {
        Some(true) => {
            Some(serde_json::to_string(&stored).map_err(|e| AppError::Internal(e.into()))?)
        }
        _ => None,
    };
    let now = services.now();
    services
        .writer
        .run(move |ctx| {
            // Removed meanwhile: it no longer signs in.
            passkeys::mark_used(ctx.conn, now, user.id, &cred_id, updated.as_deref())?
                .ok_or_else(super::passkeys::gone)?;
            start_session(ctx.conn, now, &user, replacing, new)
        })
        .await
}

/// The user whose passkey has id `cred_id` and handle `user_handle`, with its stored JSON; the
/// user only while active.
async fn owner(
    services: &Services,
    cred_id: &[u8],
    user_handle: Uuid,
) -> AppResult<Option<(UserId, String, Option<User>)>> {
    let cred_id = cred_id.to_vec();
    services
        .read_blocking(move |conn| {
            let found = passkeys::by_credential_id(conn, &cred_id)?;
            let Some((user_id, json)) =
                found.filter(|(u, _)| passkey::user_handle(*u) == user_handle)
            else {
                return Ok(None);
            };
            let user = users::get(conn, user_id)?.filter(|u| u.state == UserState::Active);
            Ok(Some((user_id, json, user)))
        })
        .await
}

/// Audits a passkey sign-in that failed and returns the one answer every failure gets.
async fn refused(
    services: &Services,
    ip: Option<std::net::IpAddr>,
    user: Option<crate::domain::ids::UserId>,
) -> AppError {
    let now = services.now();
    let recorded = services
        .writer
        .run(move |ctx| {
            let user = match user {
                Some(id) => users::get(ctx.conn, id)?,
                None => None,
            };
            let mut details = json!({ "method": "passkey" });
            if let Some(ip) = ip {
                details["ip"] = json!(ip.to_string());
            }
            audit::record(ctx.conn, now, Entry::sign_in_failed(user.as_ref(), details))?;
            Ok(())
        })
        .await;
    match recorded {
        Ok(()) => AppError::Forbidden("that passkey cannot sign in here".into()),
        Err(e) => e,
    }
}
