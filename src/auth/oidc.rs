//! The OpenID Connect relying party: discovery, the authorization request (code flow with PKCE,
//! `state` and `nonce`) and the code exchange with the ID token's validation (signature,
//! issuer, audience, expiry, nonce), all by the `openidconnect` crate, not by hand-written JWT
//! code. The flow's secrets (nonce, PKCE verifier) are kept by the caller in the database
//! (`auth_flows`); only the provider's metadata is cached here, in memory, and dropped whenever
//! a sign-in fails, so a provider that rotated its keys is read again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};

use crate::config::oidc::Oidc;

/// The ID token's claims beyond the standard ones, kept whole: the groups claim is configured.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Extra {
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}
impl AdditionalClaims for Extra {}

type Fields = IdTokenFields<
    Extra,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResp = StandardTokenResponse<Fields, CoreTokenType>;
type RpClient = Client<
    Extra,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResp,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-on failed on the provider's side. The text names the step, never a token, code
/// or secret, so it may be logged and shown.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Discovery, the token endpoint or the network failed (a 502 for the person).
    #[error("{0}")]
    Provider(String),
    /// The provider's answer did not verify (a bad or replayed ID token, a wrong issuer).
    #[error("{0}")]
    Invalid(String),
}

/// What the database keeps between the redirect and the callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowSecrets {
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who signed in, as the verified ID token says.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The values of the configured groups claim (a string or a list of strings).
    pub groups: Vec<String>,
    pub amr: Vec<String>,
    /// When the person authenticated at the provider, in Unix milliseconds.
    pub auth_time: Option<i64>,
}

static METADATA: Mutex<Option<HashMap<String, Arc<CoreProviderMetadata>>>> = Mutex::new(None);

fn cache() -> std::sync::MutexGuard<'static, Option<HashMap<String, Arc<CoreProviderMetadata>>>> {
    METADATA.lock().unwrap_or_else(|e| e.into_inner())
}

/// Forgets the provider's metadata (and keys): the next sign-on discovers them again.
pub fn forget(issuer: &str) {
    if let Some(map) = cache().as_mut() {
        map.remove(issuer);
    }
}

fn http() -> Result<reqwest::Client, OidcError> {
    // No redirects: the crate's advice, so a token request cannot be bounced elsewhere.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| OidcError::Provider(format!("cannot make an HTTP client: {e}")))
}

async fn metadata(oidc: &Oidc) -> Result<Arc<CoreProviderMetadata>, OidcError> {
    if let Some(m) = cache().as_ref().and_then(|c| c.get(&oidc.issuer)) {
        return Ok(m.clone());
    }
    let issuer = IssuerUrl::new(oidc.issuer.clone())
        .map_err(|e| OidcError::Provider(format!("the issuer URL is not valid: {e}")))?;
    let found = CoreProviderMetadata::discover_async(issuer, &http()?)
        .await
        .map_err(|e| OidcError::Provider(format!("discovery at {} failed: {e}", oidc.issuer)))?;
    let found = Arc::new(found);
    cache()
        .get_or_insert_with(HashMap::new)
        .insert(oidc.issuer.clone(), found.clone());
    Ok(found)
}

/// For `holdpoint doctor`: discovers the provider afresh (the issuer answers, names itself as
/// configured, and serves its metadata); the authorization endpoint it gave.
pub async fn discover(oidc: &Oidc) -> Result<String, OidcError> {
    forget(&oidc.issuer);
    Ok(metadata(oidc).await?.authorization_endpoint().to_string())
}

async fn client(oidc: &Oidc, redirect_uri: &str) -> Result<RpClient, OidcError> {
    let meta = metadata(oidc).await?;
    let redirect = RedirectUrl::new(redirect_uri.to_string())
        .map_err(|e| OidcError::Provider(format!("the redirect URI is not valid: {e}")))?;
    Ok(RpClient::from_provider_metadata(
        (*meta).clone(),
        ClientId::new(oidc.client_id.clone()),
        Some(ClientSecret::new(oidc.client_secret.expose().to_string())),
    )
    .set_redirect_uri(redirect))
}

/// Fresh secrets for a new flow, to store before redirecting.
pub fn new_secrets() -> FlowSecrets {
    let (_, verifier) = PkceCodeChallenge::new_random_sha256();
    FlowSecrets {
        nonce: Nonce::new_random().secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    }
}

/// The provider's authorization URL for a flow whose handle is `state`. With `fresh`, the
/// provider must authenticate the person again (`max_age=0`, `prompt=login`): step-up.
pub async fn authorize_url(
    oidc: &Oidc,
    redirect_uri: &str,
    state: String,
    secrets: &FlowSecrets,
    fresh: bool,
) -> Result<String, OidcError> {
    let client = client(oidc, redirect_uri).await?;
    let verifier = PkceCodeVerifier::new(secrets.pkce_verifier.clone());
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
    let nonce = Nonce::new(secrets.nonce.clone());
    let mut req = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(state),
            move || nonce,
        )
        .set_pkce_challenge(challenge);
    for scope in oidc.scopes.iter().filter(|s| *s != "openid") {
        req = req.add_scope(Scope::new(scope.clone()));
    }
    if fresh {
        req = req
            .set_max_age(Duration::ZERO)
            .add_prompt(CoreAuthPrompt::Login);
    }
    Ok(req.url().0.to_string())
}

/// Exchanges the code for tokens and verifies the ID token against the flow's nonce.
pub async fn exchange(
    oidc: &Oidc,
    redirect_uri: &str,
    code: String,
    secrets: FlowSecrets,
) -> Result<Identity, OidcError> {
    let result = exchange_inner(oidc, redirect_uri, code, secrets).await;
    if result.is_err() {
        forget(&oidc.issuer);
    }
    result
}

async fn exchange_inner(
    oidc: &Oidc,
    redirect_uri: &str,
    code: String,
    secrets: FlowSecrets,
) -> Result<Identity, OidcError> {
    let client = client(oidc, redirect_uri).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| OidcError::Provider(format!("the provider has no token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(secrets.pkce_verifier))
        .request_async(&http()?)
        .await
        .map_err(|e| {
            OidcError::Provider(format!("the token request failed: {}", token_error(&e)))
        })?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| OidcError::Invalid("the provider sent no ID token".into()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(secrets.nonce))
        .map_err(|e| OidcError::Invalid(format!("the ID token did not verify: {e}")))?;
    Ok(identity(oidc, claims))
}

/// The token endpoint's error without its body's details beyond the OAuth error code.
fn token_error<E: std::error::Error>(e: &E) -> String {
    let text = e.to_string();
    text.chars().take(300).collect()
}

fn identity(
    oidc: &Oidc,
    claims: &openidconnect::IdTokenClaims<Extra, CoreGenderClaim>,
) -> Identity {
    let groups = oidc
        .groups_claim
        .as_ref()
        .and_then(|name| claims.additional_claims().rest.get(name))
        .map(string_list)
        .unwrap_or_default();
    Identity {
        issuer: claims.issuer().as_str().to_string(),
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified().unwrap_or(oidc.trust_email),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        groups,
        amr: claims
            .auth_method_refs()
            .map(|v| v.iter().map(|a| a.as_str().to_string()).collect())
            .unwrap_or_default(),
        auth_time: claims.auth_time().map(|t| t.timestamp_millis()),
    }
}

fn string_list(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_groups_claim_may_be_one_string_or_a_list_of_strings() {
        assert_eq!(string_list(&serde_json::json!("ops")), ["ops"]);
        assert_eq!(
            string_list(&serde_json::json!(["ops", 3, "sre"])),
            ["ops", "sre"]
        );
        assert!(string_list(&serde_json::json!({"a": 1})).is_empty());
    }
}
