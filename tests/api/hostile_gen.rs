//! Generators of hostile and careless input for the property tests in `hostile.rs`.

use proptest::prelude::*;
use serde_json::{json, Value};

/// Numbers that JSON allows but i64 and f64 do not hold, and their edge cases.
const ODD_NUMBERS: &[&str] = &[
    "1e400",
    "-1e400",
    "1E-400",
    "99999999999999999999999",
    "-99999999999999999999999",
    "18446744073709551616",
    "-9223372036854775809",
    "9223372036854775807",
    "-0",
    "-0.0",
    "0e0",
    "1.7976931348623157e308",
    "4.9e-324",
    "123456789012345678901234567890e-10",
    "1e-7",
    "10.0",
];

/// Strings serde may choke on: escaped NUL, lone surrogates, control characters.
const ODD_STRINGS: &[&str] = &[
    r#""\u0000""#,
    r#""a\u0000b""#,
    r#""\ud800""#,
    r#""\udfff\ud800""#,
    r#""\u001f\b\f\n\r\t""#,
    r#""""#,
    r#""   ""#,
    r#""\/\/""#,
];

/// The field names the endpoints know, so random objects reach the validators.
const FIELDS: &[&str] = &[
    "action",
    "context",
    "timeoutSeconds",
    "metadata",
    "callbackUrl",
    "approved",
    "reason",
    "csrf_token",
    "next",
];

pub fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>().prop_map(|s| Value::String(s).to_string()),
        1 => prop::sample::select(ODD_STRINGS).prop_map(str::to_string),
    ]
}

fn json_leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f).to_string()),
        prop::sample::select(ODD_NUMBERS).prop_map(str::to_string),
        json_string(),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FIELDS).prop_map(|f| format!("\"{f}\"")),
        2 => json_string(),
    ]
}

fn object_of(members: Vec<(String, String)>) -> String {
    let inner: Vec<String> = members.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("{{{}}}", inner.join(","))
}

/// JSON text of any shape, including duplicate keys and numbers no Rust type holds.
pub fn json_text() -> impl Strategy<Value = String> {
    json_leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..6).prop_map(object_of),
        ]
    })
}

/// A body for the create or decide endpoint: mostly objects with known fields (duplicates
/// allowed) holding anything, sometimes any JSON at all, sometimes raw bytes.
pub fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec((key(), json_text()), 0..6)
            .prop_map(|m| object_of(m).into_bytes()),
        2 => json_text().prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..256),
        1 => (json_text(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(t, i, b)| {
            // One byte of valid JSON replaced: often invalid UTF-8 or a broken token.
            let mut bytes = t.into_bytes();
            let at = i.index(bytes.len());
            bytes[at] = b | 0x80;
            bytes
        }),
    ]
}

fn plain_string(pattern: &'static str) -> impl Strategy<Value = String> {
    proptest::string::string_regex(pattern)
        .unwrap()
        .prop_map(|s| Value::String(s).to_string())
}

/// `Some(json)` members of an object, the `None`s left out.
fn object_with(members: Vec<(&str, Option<String>)>) -> Vec<u8> {
    let present: Vec<(String, String)> = members
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (format!("\"{k}\""), v)))
        .collect();
    object_of(present).into_bytes()
}

/// A create body that is nearly right: a string action and known fields with odd values, so the
/// validators behind the parser are reached and some cases succeed.
pub fn near_valid_create() -> impl Strategy<Value = Vec<u8>> {
    let action = prop_oneof![3 => plain_string("[a-z ]{0,30}"), 1 => json_string()];
    let timeout = prop_oneof![
        (0i64..3_000_000).prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(ODD_NUMBERS).prop_map(str::to_string),
    ];
    let pairs = prop::collection::vec((json_string(), json_string()), 0..40);
    let metadata = prop_oneof![3 => pairs.prop_map(object_of), 1 => json_text()];
    let url = prop_oneof![
        plain_string("(https?|ftp|javascript)://[a-z0-9.\\[\\]:@-]{0,30}(/[ -~]{0,20})?"),
        json_string(),
    ];
    let opt = |p: BoxedStrategy<String>| prop::option::weighted(0.5, p);
    (
        action,
        opt(json_text().boxed()),
        opt(timeout.boxed()),
        opt(metadata.boxed()),
        opt(url.boxed()),
    )
        .prop_map(|(a, c, t, m, u)| {
            object_with(vec![
                ("action", Some(a)),
                ("context", c),
                ("timeoutSeconds", t),
                ("metadata", m),
                ("callbackUrl", u),
            ])
        })
}

/// A decision body that is nearly right.
pub fn near_valid_decision() -> impl Strategy<Value = Vec<u8>> {
    let approved = prop_oneof![3 => any::<bool>().prop_map(|b| b.to_string()), 1 => json_leaf()];
    let reason = prop::option::weighted(0.5, prop_oneof![json_string(), json_leaf()]);
    (approved, reason).prop_map(|(a, r)| object_with(vec![("approved", Some(a)), ("reason", r)]))
}

/// Content types: right, careless, wrong and garbled.
pub fn content_type() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        4 => Just(Some(b"application/json".to_vec())),
        1 => Just(None),
        2 => prop::sample::select(vec![
            "application/json; charset=utf-16",
            "APPLICATION/JSON",
            "application/problem+json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data; boundary=x",
            ";;;",
            "application/",
            "",
        ])
        .prop_map(|s| Some(s.as_bytes().to_vec())),
        1 => header_bytes(64).prop_map(Some),
    ]
}

/// Bytes that an HTTP client will send as a header value (no CR, LF or NUL), often non-ASCII.
pub fn header_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(|v| {
        v.into_iter()
            .filter(|b| *b == b'\t' || (*b >= 0x20 && *b != 0x7f))
            .collect()
    })
}

/// A raw path segment: UUID-like, percent-encoded junk, dots and very long.
pub fn path_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(|s| percent(s.as_bytes())),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| percent(&b)),
        "[0-9a-fA-F-]{0,40}",
        prop::sample::select(vec![
            "..",
            "%2e%2e",
            "%00",
            "%ff%fe",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "{01a20244-1024-71a8-b3a1-7a884a6fe8a9}",
            "urn:uuid:01a20244-1024-71a8-b3a1-7a884a6fe8a9",
        ])
        .prop_map(str::to_string),
        (1usize..20_000).prop_map(|n| "a".repeat(n)),
    ]
}

/// Every byte outside the unreserved set percent-encoded.
pub fn percent(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (*b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
