//! Checking a decision receipt as the executing service would: the JWKS served by the app, the
//! signature with jsonwebtoken's own JWK decoding, and every claim against the pause JSON, with
//! `req` recomputed here by a small RFC 8785 writer of the test's own (the scripts/receipts-test
//! section checks it again with Python's `rfc8785`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::TestApp;

pub async fn jwks(app: &TestApp) -> Value {
    let res = app
        .api
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=300");
    res.json().await.unwrap()
}

pub fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

/// The receipt's header and claims once its signature checks against `jwks` (expiry is checked
/// by the caller against the claims: the app's clock is a test clock).
pub fn verify(receipt: &str, jwks: &Value) -> Result<(Value, Value), String> {
    let header = decode_header(receipt).map_err(|e| e.to_string())?;
    let kid = header.kid.ok_or("no kid")?;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .ok_or(format!("kid {kid} is not in the JWKS"))?;
    let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
    let claims = decode::<Value>(receipt, &key, &validation)
        .map_err(|e| e.to_string())?
        .claims;
    let raw_header = B64.decode(receipt.split('.').next().unwrap()).unwrap();
    Ok((serde_json::from_slice(&raw_header).unwrap(), claims))
}

/// Checks `pause`'s receipt against the JWKS and the contract's claims; returns the claims.
pub async fn assert_receipt(app: &TestApp, pause: &Value, ttl: i64) -> Value {
    let receipt = pause["receipt"]
        .as_str()
        .unwrap_or_else(|| panic!("no receipt on {pause}"));
    let (header, claims) = verify(receipt, &jwks(app).await).unwrap();
    assert_eq!(header, json!({"alg": "EdDSA", "kid": header["kid"]}));
    assert_eq!(header.as_object().unwrap().len(), 2, "{header}");
    let iat = seconds(pause["decidedAt"].as_str().unwrap());
    let expected = json!({
        "iss": app.address,
        "sub": pause["watchId"],
        "ws": 1,
        "action": pause["action"],
        "tool": pause.get("tool").cloned().unwrap_or(Value::Null),
        "req": request_hash(&pause["context"], pause.get("edits").unwrap_or(&Value::Null)),
        "status": pause["status"],
        "decidedBy": pause["decidedBy"],
        "iat": iat,
        "exp": iat + ttl,
    });
    assert_eq!(claims, expected);
    claims
}

fn seconds(rfc3339: &str) -> i64 {
    let t = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap();
    t.unix_timestamp()
}

/// base64url SHA-256 of `{"context":…,"edits":…}` in RFC 8785 form.
pub fn request_hash(context: &Value, edits: &Value) -> String {
    let mut out = String::new();
    canonical(&json!({"context": context, "edits": edits}), &mut out);
    B64.encode(Sha256::digest(out.as_bytes()))
}

/// RFC 8785 for the values these tests send: keys sorted by UTF-16 code units, no spaces,
/// integers (and the rest as serde_json writes them, which agrees with RFC 8785 on strings).
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push(':');
                canonical(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}
