//! The first command the keys page offers with a new key, ready to paste into a POSIX shell.

use crate::domain::scopes::{KeyScope, Scopes};

/// A command that creates a pause with the new key, ready to paste into a POSIX shell.
pub fn curl_snippet(base_url: &str, key: &str) -> String {
    format!(
        "curl -X POST {base_url}/api/pause \\\n  -H \"Authorization: Bearer {key}\" \\\n  \
         -H 'Content-Type: application/json' \\\n  -d '{{\"action\":\"Deploy to production\"}}'"
    )
}

/// A first command for the new key: create a pause with a `pauses` key, else decide one with a
/// `decide` key.
pub fn try_it(base_url: &str, key: &str, scopes: Scopes) -> Option<(&'static str, String)> {
    if scopes.has(KeyScope::Pauses) {
        let hint = "This creates a pause that waits for a decision on the queue page.";
        return Some((hint, curl_snippet(base_url, key)));
    }
    scopes.has(KeyScope::Decide).then(|| {
        let hint = "This approves a pending pause: put its watchId in place of WATCH_ID.";
        let curl = format!(
            "curl -X POST {base_url}/api/pause/WATCH_ID/approve \\\n  \
             -H \"Authorization: Bearer {key}\" \\\n  \
             -H 'Content-Type: application/json' \\\n  -d '{{\"approved\":true}}'"
        );
        (hint, curl)
    })
}
