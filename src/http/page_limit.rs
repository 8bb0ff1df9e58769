//! The per-client-IP limit on pages that need no account (see [`crate::rate_limit`]), and
//! which address counts as the client's.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;

use crate::error::{AppError, PageError};
use crate::http::State;
use crate::rate_limit::PageGroup;

/// The client's address: the TCP peer, or, when the operator says a reverse proxy sets it, the
/// last `X-Forwarded-For` entry (the one that proxy added; earlier ones are the client's say).
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        let last = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(parse_forwarded);
        if last.is_some() {
            return last;
        }
    }
    req.peer_addr().map(|a| a.ip())
}

/// `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443` or `192.0.2.1:80`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// Counts this request against its client's budget for `page`; over it, a 429 page with
/// `Retry-After`.
pub fn check(state: &State, req: &HttpRequest, page: PageGroup) -> Result<(), PageError> {
    let Some(ip) = client_ip(req, state.settings.limits.trust_forwarded_for) else {
        return Ok(());
    };
    state.rate_limits.check_page(page, ip).map_err(|wait| {
        let what = match page {
            PageGroup::SignIn => "sign-in attempts",
            PageGroup::OneClick => "requests for email links",
        };
        PageError::App(AppError::TooManyRequests {
            detail: format!(
                "Too many {what} from your network. Please wait {wait} second{} and try again.",
                if wait == 1 { "" } else { "s" }
            ),
            retry_after: wait,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_forwarded_address_counts_only_when_trusted() {
        let peer: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let req = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("x-forwarded-for", "198.51.100.7, 203.0.113.9"))
            .to_http_request();
        assert_eq!(client_ip(&req, false), Some(peer.ip()));
        assert_eq!(client_ip(&req, true), "203.0.113.9".parse().ok());
        let bracketed = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("x-forwarded-for", "[2001:db8::7]:443"))
            .to_http_request();
        assert_eq!(client_ip(&bracketed, true), "2001:db8::7".parse().ok());
        let junk = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("x-forwarded-for", "unknown"))
            .to_http_request();
        assert_eq!(client_ip(&junk, true), Some(peer.ip()));
    }
}
