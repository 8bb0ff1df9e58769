//! The open-redirect guard for the dashboard's `next` field: any path it calls local must,
//! resolved the way a browser resolves a `Location` header, stay on the same origin.
#![no_main]

use holdpoint::http::dashboard::layout::is_local_path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(next) = std::str::from_utf8(data) else {
        return;
    };
    if !is_local_path(next) {
        return;
    }
    let base = url::Url::parse("https://holdpoint.example/pauses/1").unwrap();
    // Location values are header bytes: a browser would never see a line break.
    let resolved = base.join(next).expect("a local path always resolves");
    assert_eq!(resolved.scheme(), "https", "{next:?} -> {resolved}");
    assert_eq!(resolved.host_str(), Some("holdpoint.example"), "{next:?} -> {resolved}");
    assert_eq!(resolved.port(), None, "{next:?} -> {resolved}");
});
