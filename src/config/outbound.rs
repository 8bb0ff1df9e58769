//! `--outbound-proxy`: the one proxy webhook and Slack deliveries may use. Environment proxy
//! variables are never used for them, because a proxy resolves host names itself and so
//! bypasses Holdpoint's private-address check; naming a proxy here says that the operator's
//! proxy does the egress filtering instead.

use std::fmt;

use url::Url;

use crate::notify::redact::loggable_url;

/// An `http://` or `https://` proxy URL. It may hold a password, so `Debug` hides user-info.
/// Boxed: the serve arguments stay small (clippy's `large_enum_variant` on `Command`).
#[derive(Clone, PartialEq, Eq)]
pub struct OutboundProxy(Box<Url>);

impl OutboundProxy {
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Debug for OutboundProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OutboundProxy({})", loggable_url(self.0.as_str()))
    }
}

impl std::str::FromStr for OutboundProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || "use an http:// or https:// proxy URL, e.g. http://proxy.internal:3128".into();
        let url = Url::parse(s.trim()).map_err(|_| bad())?;
        let ok = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| !h.is_empty());
        if !ok || reqwest::Proxy::all(url.as_str()).is_err() {
            return Err(bad());
        }
        Ok(OutboundProxy(Box::new(url)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_proxies_are_accepted_and_their_password_is_not_printed() {
        let p: OutboundProxy = "http://egress:s3cret@proxy.internal:3128".parse().unwrap();
        let printed = format!("{p:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
        for bad in ["socks5://proxy:1080", "proxy:3128", "", "http://"] {
            assert!(bad.parse::<OutboundProxy>().is_err(), "{bad}");
        }
    }
}
