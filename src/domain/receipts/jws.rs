//! The receipt's cryptography, apart from the database: the RFC 8785 request hash (`req`), the
//! RFC 7638 key id, the public JWK and the compact EdDSA JWS. Built by hand from ed25519-dalek
//! (not through a JWT library) so the header is exactly `{"alg":"EdDSA","kid":…}`, as the
//! receipt contract says.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// `req`: base64url SHA-256 of the RFC 8785 canonical JSON of `{"context", "edits"}`, the
/// pause's context as the agent sent it and the approver's edits as applied (null when none).
pub fn request_hash(context: Option<&Value>, edits: Option<&Map<String, Value>>) -> String {
    B64.encode(Sha256::digest(canonical_request(context, edits)))
}

/// The bytes `req` hashes: `{"context":…,"edits":…}` in RFC 8785 form.
pub fn canonical_request(context: Option<&Value>, edits: Option<&Map<String, Value>>) -> Vec<u8> {
    let both = json!({"context": context, "edits": edits});
    // Only a non-finite number fails canonicalisation, and JSON parsed from text has none.
    serde_json_canonicalizer::to_vec(&both).unwrap_or_default()
}

/// The RFC 7638 thumbprint of an Ed25519 public key: SHA-256 of `{"crv","kty","x"}` in that
/// order, base64url.
pub fn thumbprint(public: &[u8; 32]) -> String {
    let members = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        B64.encode(public)
    );
    B64.encode(Sha256::digest(members.as_bytes()))
}

/// One entry of `/.well-known/jwks.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Jwk {
    /// `OKP`.
    pub kty: &'static str,
    /// `Ed25519`.
    pub crv: &'static str,
    /// The public key, base64url.
    pub x: String,
    /// The RFC 7638 thumbprint; a receipt's header names its key with it.
    pub kid: String,
    /// `EdDSA`.
    pub alg: &'static str,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: &'static str,
}

impl Jwk {
    pub fn ed25519(public: &[u8; 32]) -> Jwk {
        Jwk {
            kty: "OKP",
            crv: "Ed25519",
            x: B64.encode(public),
            kid: thumbprint(public),
            alg: "EdDSA",
            use_: "sig",
        }
    }
}

/// The compact JWS of `claims`, signed with the key whose seed is `seed` and named `kid`.
pub fn sign(seed: &[u8; 32], kid: &str, claims: &impl Serialize) -> serde_json::Result<String> {
    let header = serde_json::to_vec(&json!({"alg": "EdDSA", "kid": kid}))?;
    let payload = serde_json::to_vec(claims)?;
    let input = format!("{}.{}", B64.encode(header), B64.encode(payload));
    let signature = SigningKey::from_bytes(seed).sign(input.as_bytes());
    Ok(format!("{input}.{}", B64.encode(signature.to_bytes())))
}

/// A new key: its 32-byte seed and its public key.
pub fn generate() -> ([u8; 32], [u8; 32]) {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    (seed, public)
}

#[cfg(test)]
#[path = "jws_tests.rs"]
mod tests;
