//! The request hash against RFC 8785's own examples (numbers, escapes, key order by UTF-16
//! code units), and the JWS against an independent check with jsonwebtoken.

use super::*;

fn canonical_of(context_json: &str) -> String {
    let context: Value = serde_json::from_str(context_json).unwrap();
    String::from_utf8(canonical_request(Some(&context), None)).unwrap()
}

#[test]
fn numbers_strings_and_literals_are_written_as_rfc_8785_section_3_2_2_says() {
    let input = r#"{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"#;
    let expected = concat!(
        r#"{"context":{"literals":[null,true,false],"#,
        r#""numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"#,
        r#""string":"€$\u000f\nA'B\"\\\\\"/"},"edits":null}"#
    );
    assert_eq!(canonical_of(input), expected);
}

#[test]
fn keys_are_sorted_by_utf16_code_units_as_rfc_8785_section_3_2_3_says() {
    let input = r#"{
      "\u20ac": "Euro Sign", "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    let expected = concat!(
        r#"{"context":{"\r":"Carriage Return","1":"One","#,
        "\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",",
        "\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",",
        "\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"},",
        r#""edits":null}"#
    );
    assert_eq!(canonical_of(input), expected);
}

#[test]
fn the_request_hash_covers_the_edits_and_is_base64url_sha256_of_the_canonical_bytes() {
    let context = json!({"amount": 120, "to": "acme"});
    let edits: Map<String, Value> = serde_json::from_value(json!({"amount": 100})).unwrap();
    let expected_bytes = br#"{"context":{"amount":120,"to":"acme"},"edits":{"amount":100}}"#;
    assert_eq!(
        canonical_request(Some(&context), Some(&edits)),
        expected_bytes.to_vec()
    );
    assert_eq!(
        request_hash(Some(&context), Some(&edits)),
        B64.encode(Sha256::digest(expected_bytes))
    );
    assert_ne!(
        request_hash(Some(&context), Some(&edits)),
        request_hash(Some(&context), None)
    );
    assert_eq!(
        canonical_request(None, None),
        br#"{"context":null,"edits":null}"#.to_vec()
    );
}

/// RFC 8037 appendix A: the thumbprint of its Ed25519 example key.
#[test]
fn the_key_id_is_the_rfc_7638_thumbprint_of_rfc_8037s_example_key() {
    let x = B64
        .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
        .unwrap();
    let public: [u8; 32] = x.try_into().unwrap();
    assert_eq!(
        thumbprint(&public),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
}

#[test]
fn a_receipt_has_exactly_the_contract_header_and_verifies_with_its_jwk() {
    let (seed, public) = generate();
    let jwk = Jwk::ed25519(&public);
    let token = sign(
        &seed,
        &jwk.kid,
        &json!({"sub": "x", "exp": 4_000_000_000_i64}),
    )
    .unwrap();
    let header = token.split('.').next().unwrap();
    let header = String::from_utf8(B64.decode(header).unwrap()).unwrap();
    assert_eq!(header, format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, jwk.kid));
    let key = jsonwebtoken::DecodingKey::from_ed_components(&jwk.x).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
    assert_eq!(data.claims["sub"], "x");
    let (_, other) = generate();
    let wrong = jsonwebtoken::DecodingKey::from_ed_components(&Jwk::ed25519(&other).x).unwrap();
    assert!(jsonwebtoken::decode::<Value>(&token, &wrong, &validation).is_err());
}
