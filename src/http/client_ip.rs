//! Which address counts as the client's, for the per-IP limits, the sign-in throttle and the
//! audit log. Behind a reverse proxy every connection comes from the proxy, so with
//! `--trust-forwarded-for` the proxy's `X-Forwarded-For` is read, but only on connections from
//! `--trusted-proxies`: anyone else could write any address in that header.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;

use crate::config::Limits;

/// The client's address: the TCP peer, or, on a connection from a trusted proxy, the
/// right-most `X-Forwarded-For` address that is not a trusted proxy itself (each proxy appends
/// the address it saw; what lies left of the nearest untrusted one is the client's own say).
pub fn client_ip(req: &HttpRequest, limits: &Limits) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip().to_canonical())?;
    if !limits.trust_forwarded_for || !is_trusted(peer, &limits.trusted_proxies) {
        return Some(peer);
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    Some(rightmost_untrusted(peer, &entries, &limits.trusted_proxies))
}

/// Walks the entries from the right past trusted proxies. An entry that is no address stops
/// the walk (a proxy wrote nothing usable), and the last trusted hop counts; so does the left-most
/// entry when every one is a trusted proxy.
fn rightmost_untrusted(peer: IpAddr, entries: &[&str], trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Some(ip) = parse_forwarded(entry) else {
            break;
        };
        client = ip;
        if !is_trusted(ip, trusted) {
            break;
        }
    }
    client
}

fn is_trusted(ip: IpAddr, trusted: &[IpAddr]) -> bool {
    trusted.iter().any(|t| t.to_canonical() == ip)
}

/// `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443` or `192.0.2.1:80`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn limits(trust: bool, proxies: &[&str]) -> Limits {
        let mut l = Limits::for_tests();
        l.trust_forwarded_for = trust;
        l.trusted_proxies = proxies.iter().map(|p| p.parse().unwrap()).collect();
        l
    }

    fn ip_of(peer: &str, xff: &[&str], limits: &Limits) -> IpAddr {
        let mut req = TestRequest::default().peer_addr(peer.parse().unwrap());
        for value in xff {
            req = req.append_header(("x-forwarded-for", *value));
        }
        client_ip(&req.to_http_request(), limits).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_is_read_only_when_trusted_and_only_from_a_trusted_proxy() {
        let xff = ["198.51.100.7, 203.0.113.9"];
        let proxy = "10.0.0.5:4000";
        assert_eq!(
            ip_of(proxy, &xff, &limits(false, &["10.0.0.5"])),
            ip("10.0.0.5")
        );
        assert_eq!(
            ip_of(proxy, &xff, &limits(true, &["10.0.0.6"])),
            ip("10.0.0.5")
        );
        assert_eq!(
            ip_of(proxy, &xff, &limits(true, &["10.0.0.5"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_right_most_address_that_is_not_a_trusted_proxy_counts() {
        let l = limits(true, &["10.0.0.5", "10.0.0.6", "2001:db8::1"]);
        let from_proxy = |xff: &[&str]| ip_of("10.0.0.5:4000", xff, &l);
        // Proxies chained: the one in front appended the client, the next appended the first.
        assert_eq!(
            from_proxy(&["6.6.6.6, 198.51.100.7, 10.0.0.6"]),
            ip("198.51.100.7")
        );
        // Several header lines are one list, in order.
        assert_eq!(
            from_proxy(&["6.6.6.6", "198.51.100.7", "10.0.0.6"]),
            ip("198.51.100.7")
        );
        assert_eq!(
            from_proxy(&["[2001:db8::7]:443, [2001:db8::1]:80"]),
            ip("2001:db8::7")
        );
        assert_eq!(from_proxy(&["::ffff:198.51.100.7"]), ip("198.51.100.7"));
        // Only trusted proxies: the left-most of them. No header or junk: the last trusted hop.
        assert_eq!(from_proxy(&["10.0.0.6, 10.0.0.5"]), ip("10.0.0.6"));
        assert_eq!(from_proxy(&[]), ip("10.0.0.5"));
        assert_eq!(from_proxy(&["unknown"]), ip("10.0.0.5"));
        assert_eq!(
            from_proxy(&["198.51.100.7, unknown, 10.0.0.6"]),
            ip("10.0.0.6")
        );
    }

    #[test]
    fn a_proxy_seen_through_an_ipv4_mapped_address_is_still_trusted() {
        let l = limits(true, &["127.0.0.1"]);
        assert_eq!(
            ip_of("[::ffff:127.0.0.1]:4000", &["192.0.2.4"], &l),
            ip("192.0.2.4")
        );
    }

    #[test]
    fn trusting_the_header_without_a_list_of_proxies_is_refused() {
        let err = limits(true, &[]).check().unwrap_err();
        assert!(err.contains("--trusted-proxies"), "{err}");
        assert!(limits(true, &["127.0.0.1"]).check().is_ok());
        assert!(limits(false, &[]).check().is_ok());
    }
}
