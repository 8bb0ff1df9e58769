//! WebAuthn ceremonies (`webauthn-rs`): the relying party built once from the public URL, and
//! the start and finish of enrolment, of a second-factor or step-up check and of a passkey
//! sign-in. A ceremony's state leaves here as JSON for the database (`auth_flows`), never kept
//! in memory, so any process can finish what another started. Nothing here touches the database.

use std::net::IpAddr;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn,
    WebauthnBuilder,
};

use crate::domain::ids::UserId;
use crate::domain::users::User;
use crate::error::{AppError, AppResult};

/// Why the account page offers no passkeys when the public URL's host is an address.
pub const NEEDS_A_NAME: &str =
    "passkeys need the server to be reached by a name, not an IP address; set --public-url";

/// The relying party, or why there is none. Built once at startup.
#[derive(Clone)]
pub enum RelyingParty {
    Ready(std::sync::Arc<Webauthn>),
    Unavailable(&'static str),
}

impl RelyingParty {
    /// Its id is the public URL's host and its origin the public URL: browsers refuse passkeys
    /// for an IP address, so such a host gets none (and the page says why).
    pub fn from_public_url(public_url: &str) -> RelyingParty {
        let Ok(url) = Url::parse(public_url) else {
            return RelyingParty::Unavailable("the public URL is not a valid URL");
        };
        let Some(host) = url.host_str() else {
            return RelyingParty::Unavailable("the public URL has no host");
        };
        if host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return RelyingParty::Unavailable(NEEDS_A_NAME);
        }
        let origin = url.origin().unicode_serialization();
        let built = Url::parse(&origin).ok().and_then(|o| {
            WebauthnBuilder::new(host, &o)
                .and_then(|b| b.rp_name("Holdpoint").build())
                .ok()
        });
        match built {
            Some(w) => RelyingParty::Ready(std::sync::Arc::new(w)),
            None => RelyingParty::Unavailable("the public URL cannot be a passkey relying party"),
        }
    }

    /// The relying party, or a 404-like refusal naming why there is none.
    pub fn ready(&self) -> AppResult<&Webauthn> {
        match self {
            RelyingParty::Ready(w) => Ok(w),
            RelyingParty::Unavailable(why) => Err(AppError::NotFound(format!(
                "passkeys are not available here: {why}"
            ))),
        }
    }

    pub fn unavailable(&self) -> Option<&'static str> {
        match self {
            RelyingParty::Ready(_) => None,
            RelyingParty::Unavailable(why) => Some(why),
        }
    }
}

/// The WebAuthn user handle: stable per user, reveals nothing but the row id.
pub fn user_handle(user: UserId) -> Uuid {
    Uuid::from_u64_pair(0x686f_6c64_706f_696e, user.0 as u64)
}

/// A ceremony that failed verification: one readable message, the library's reason logged.
fn refused(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::info!(error = %e, "passkey {what} refused");
    AppError::Forbidden(format!(
        "the passkey {what} did not succeed; try again from the start"
    ))
}

fn to_json(state: &impl Serialize) -> AppResult<String> {
    serde_json::to_string(state).map_err(|e| AppError::Internal(e.into()))
}

fn from_state<T: DeserializeOwned>(data: &str) -> AppResult<T> {
    serde_json::from_str(data).map_err(|e| AppError::Internal(e.into()))
}

/// The browser's answer (`navigator.credentials.create/get`, base64url-encoded), read strictly:
/// anything else is a 400 that says what was expected.
pub fn parse_credential<T: DeserializeOwned>(value: Value) -> AppResult<T> {
    serde_json::from_value(value).map_err(|e| {
        AppError::BadRequest(format!(
            "`credential` is not a WebAuthn credential as the browser returns it ({e})"
        ))
    })
}

/// Enrolment's options for the browser and the state to keep. Credentials the user has are
/// excluded; a discoverable credential is preferred so it can also be the whole sign-in.
pub fn start_register(wa: &Webauthn, user: &User, have: &[Passkey]) -> AppResult<(Value, String)> {
    let exclude = have.iter().map(|p| p.cred_id().clone()).collect();
    let (options, state) = wa
        .start_passkey_registration(user_handle(user.id), &user.email, &user.name, Some(exclude))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("passkey registration: {e}")))?;
    let mut options = json_value(&options)?;
    if let Some(sel) = options["publicKey"]["authenticatorSelection"].as_object_mut() {
        sel.insert("residentKey".into(), "preferred".into());
    }
    Ok((options, to_json(&state)?))
}

pub fn finish_register(wa: &Webauthn, state: &str, credential: Value) -> AppResult<Passkey> {
    let credential: RegisterPublicKeyCredential = parse_credential(credential)?;
    let state: PasskeyRegistration = from_state(state)?;
    wa.finish_passkey_registration(&credential, &state)
        .map_err(|e| refused("enrolment", e))
}

/// A check of one of `have` (second factor, step-up).
pub fn start_verify(wa: &Webauthn, have: &[Passkey]) -> AppResult<(Value, String)> {
    if have.is_empty() {
        return Err(AppError::NotFound("you have no passkey to use".into()));
    }
    let (options, state) = wa
        .start_passkey_authentication(have)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("passkey authentication: {e}")))?;
    Ok((json_value(&options)?, to_json(&state)?))
}

pub fn finish_verify(
    wa: &Webauthn,
    state: &str,
    credential: &PublicKeyCredential,
) -> AppResult<AuthenticationResult> {
    let state: PasskeyAuthentication = from_state(state)?;
    wa.finish_passkey_authentication(credential, &state)
        .map_err(|e| refused("check", e))
}

/// A sign-in with a discoverable passkey: the browser offers the ones it holds for this site.
pub fn start_login(wa: &Webauthn) -> AppResult<(Value, String)> {
    let (mut options, state) = wa
        .start_discoverable_authentication()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("passkey sign-in: {e}")))?;
    // A button press, not the autofill prompt the library assumes.
    options.mediation = None;
    Ok((json_value(&options)?, to_json(&state)?))
}

/// Who the browser's passkey says it is: the user handle and the credential id.
pub fn identify_login(
    wa: &Webauthn,
    credential: &PublicKeyCredential,
) -> AppResult<(Uuid, Vec<u8>)> {
    wa.identify_discoverable_authentication(credential)
        .map(|(handle, id)| (handle, id.to_vec()))
        .map_err(|e| refused("sign-in", e))
}

pub fn finish_login(
    wa: &Webauthn,
    state: &str,
    credential: &PublicKeyCredential,
    passkey: &Passkey,
) -> AppResult<AuthenticationResult> {
    let state: DiscoverableAuthentication = from_state(state)?;
    wa.finish_discoverable_authentication_v2(credential, state, passkey)
        .map_err(|e| refused("sign-in", e))
}

fn json_value(v: &impl Serialize) -> AppResult<Value> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.into()))
}

/// A stored passkey, as `passkeys.passkey_json` holds it.
pub fn stored(json: &str) -> AppResult<Passkey> {
    from_state(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_a_relying_party_and_an_address_is_not() {
        assert!(RelyingParty::from_public_url("http://localhost:8080")
            .unavailable()
            .is_none());
        assert!(RelyingParty::from_public_url("https://hp.example.com/")
            .unavailable()
            .is_none());
        for ip in [
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "https://10.0.0.7",
        ] {
            assert_eq!(
                RelyingParty::from_public_url(ip).unavailable(),
                Some(NEEDS_A_NAME),
                "{ip}"
            );
        }
    }

    #[test]
    fn the_user_handle_is_stable_and_differs_per_user() {
        assert_eq!(user_handle(UserId(7)), user_handle(UserId(7)));
        assert_ne!(user_handle(UserId(7)), user_handle(UserId(8)));
    }
}
