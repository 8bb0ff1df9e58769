//! The `POST /api/pause` body parser and validator: never panics, and whatever it accepts obeys
//! the documented limits and can be read back by any JSON reader.
#![no_main]

use std::collections::BTreeMap;

use holdpoint::domain::kind::Kind;
use holdpoint::http::api::create::parse_create_request;
use holdpoint::http::api::create_body::{nesting_depth, MAX_CONTEXT_DEPTH};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = parse_create_request(data) else {
        return;
    };
    let chars = req.action.chars().count();
    assert!((1..=1000).contains(&chars), "action of {chars} characters");
    assert_eq!(req.action.trim(), req.action);
    assert!(!req.action.contains('\0'));
    if let Some(c) = &req.context {
        assert!(c.len() <= 64 * 1024);
        assert!(nesting_depth(c) <= MAX_CONTEXT_DEPTH);
        // Read back as the API, the pages, emails and webhook receivers do.
        let v: serde_json::Value = serde_json::from_str(c).expect("context reads back");
        assert!(!v.is_null());
        let wrapped = format!(r#"{{"type":"x","data":{{"context":{c}}}}}"#);
        serde_json::from_str::<serde_json::Value>(&wrapped).expect("inside a webhook payload");
    }
    if let Some(m) = &req.metadata {
        let map: BTreeMap<String, String> = serde_json::from_str(m).expect("metadata reads back");
        assert!(map.len() <= 32);
    }
    if let Some(u) = &req.callback_url {
        let url = url::Url::parse(u).expect("callbackUrl parses");
        assert!(matches!(url.scheme(), "http" | "https") && url.host().is_some());
    }
    if let Some(qs) = &req.questions {
        assert_eq!(req.kind, Kind::Question);
        assert!((1..=10).contains(&qs.len()));
        for q in qs {
            assert!((1..=500).contains(&q.question.chars().count()));
            assert!(q.options.len() <= 10);
            assert!(!q.options.is_empty() || q.allow_free_text);
        }
    }
    if let Some(p) = &req.plan {
        assert_eq!(req.kind, Kind::Plan, "a plan only with kind plan");
        assert!((1..=32 * 1024).contains(&p.len()) && !p.contains('\0'));
    } else {
        assert_ne!(req.kind, Kind::Plan, "kind plan always has a plan");
    }
    if req.revises.is_some() {
        assert_eq!(req.kind, Kind::Plan);
    }
    if let Some(t) = req.timeout_secs {
        assert!((10..=2_592_000).contains(&t));
    }
    // Richer approvals: editable keys name the context's keys; reject options are unique slugs.
    if let Some(keys) = &req.editable {
        assert!((1..=20).contains(&keys.len()));
        let ctx: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(req.context.as_deref().expect("a context")).expect("an object");
        assert!(keys.iter().all(|k| ctx.contains_key(k)));
    }
    if let Some(options) = &req.reject_options {
        assert!((1..=10).contains(&options.len()));
        for (i, o) in options.iter().enumerate() {
            assert!(!o.name.is_empty() && o.name.len() <= 64);
            assert!(o.name.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_')));
            assert!(options[..i].iter().all(|p| p.name != o.name));
        }
    }
});
