//! The query strings of `GET /api/pause` and the long-poll's `wait`: never panic, and what they
//! accept is in range.
#![no_main]

use holdpoint::http::api::pauses::{parse_list_query, parse_wait, MAX_WAIT_SECS};
use holdpoint::http::query::Query;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = parse_list_query(raw) {
        assert!((1..=200).contains(&q.limit), "limit {}", q.limit);
        assert!((0..=1_000_000_000).contains(&q.offset), "offset {}", q.offset);
    }
    if let Ok(q) = Query::parse(raw) {
        if let Ok(wait) = q.get("wait").and_then(parse_wait) {
            assert!(wait.as_secs() <= MAX_WAIT_SECS);
        }
    }
});
