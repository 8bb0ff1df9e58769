//! URLs as they may appear in a log line or a stored error. Webhook, callback and Slack URLs
//! often carry their credential in the query string (`?token=…`) or the user-info
//! (`user:pass@`), so both go before a URL is written anywhere but the endpoint's own record.

/// The URL without user-info, query and fragment; an unparseable one is not echoed at all.
pub fn loggable_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw.trim()) else {
        return "[an invalid URL]".into();
    };
    if !url.username().is_empty() || url.password().is_some() {
        // Only fails for URLs that cannot have user-info, which then have none.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    let hidden = url.query().is_some() || url.fragment().is_some();
    url.set_query(None);
    url.set_fragment(None);
    let mut out = url.to_string();
    if hidden {
        out.push_str("?[redacted]");
    }
    out
}

/// A reqwest error's message with its cause chain, minus the URL reqwest puts in it.
pub fn request_error(e: reqwest::Error) -> String {
    crate::notify::webhook::error_chain(&e.without_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_query_and_fragment_are_dropped() {
        assert_eq!(
            loggable_url("https://bob:pw@hooks.example.com:8443/in/x?token=abc&b=1#frag"),
            "https://hooks.example.com:8443/in/x?[redacted]"
        );
        assert_eq!(
            loggable_url("http://example.com/hook"),
            "http://example.com/hook"
        );
        assert_eq!(loggable_url("not a url ?token=abc"), "[an invalid URL]");
    }
}
