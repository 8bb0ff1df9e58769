//! Settings that keep slow or greedy clients from exhausting the server: read timeouts, the
//! long-poll cap and the rate limits.

use clap::Args;

/// Limits that keep slow or greedy clients from exhausting the server.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Seconds a client has to send a request's headers, counted from the connection's start
    /// for the first request and from its first byte for later ones (then the connection closes).
    #[arg(long, env = "HOLDPOINT_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_timeout: u64,
    /// Seconds a client has to send a whole request body once its headers are in (then 408).
    #[arg(long, env = "HOLDPOINT_BODY_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub body_timeout: u64,
    /// Most long-polls (`?wait=N`) parked at once; past it a long-poll gets 503 + Retry-After.
    #[arg(long, env = "HOLDPOINT_MAX_WAITERS", default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_waiters: u64,
    /// Most long-polls one API key may have parked at once (default: a tenth of `--max-waiters`,
    /// at least 100); past it that key's long-polls get 503 + Retry-After while other keys go on.
    #[arg(long, env = "HOLDPOINT_MAX_WAITERS_PER_KEY",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_waiters_per_key: Option<u64>,
    /// Most open connections from one client address (IPv6: one /64); a connection past it is
    /// closed at once. 0 turns the cap off. Default: `--max-waiters` + 1000.
    #[arg(long, env = "HOLDPOINT_MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<u64>,
    /// Addresses of your reverse proxies (comma-separated): their connections are not capped by
    /// `--max-connections-per-ip`, since every client behind them shares their address, and
    /// with `--trust-forwarded-for` only their `X-Forwarded-For` headers are read.
    #[arg(long, env = "HOLDPOINT_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// API requests per second per API key, refilled evenly (0 turns the limit off).
    #[arg(long, env = "HOLDPOINT_KEY_RATE_LIMIT", default_value_t = 1000)]
    pub key_rate_limit: u32,
    /// Requests one API key may send at once before the per-second rate applies.
    #[arg(long, env = "HOLDPOINT_KEY_RATE_BURST", default_value_t = 2000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub key_rate_burst: u32,
    /// Requests per minute from one client IP to the sign-in form and to the one-click email
    /// pages, each counted on its own (0 turns the limit off).
    #[arg(long, env = "HOLDPOINT_IP_RATE_LIMIT", default_value_t = 60)]
    pub ip_rate_limit: u32,
    /// On connections from `--trusted-proxies` (required with it), take the client IP from the
    /// right-most `X-Forwarded-For` address that is not one of them. Only behind a reverse proxy
    /// that appends to that header.
    #[arg(long, env = "HOLDPOINT_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,
}

/// Why `serve` and `doctor` refuse `--trust-forwarded-for` alone, and what to do.
pub const FORWARDED_FOR_NEEDS_PROXIES: &str = "--trust-forwarded-for needs --trusted-proxies: \
    list the addresses of the reverse proxies that set X-Forwarded-For (for one on this machine: \
    --trusted-proxies 127.0.0.1,::1), or leave --trust-forwarded-for off. Without the list any \
    client could name its own address in the header and slip past the per-IP limits.";

/// Connections one address may open beyond `--max-waiters` by default: one client (or one NAT)
/// can park every long-poll slot and still send its other requests.
const DEFAULT_CONNECTIONS_OVER_WAITERS: u64 = 1000;

/// The per-key share of the long-poll cap when none is given: a tenth, so one key cannot take
/// every slot from the others, but never under 100 (a small fleet on a small cap still works)
/// and never over the cap itself.
fn default_waiters_per_key(max_waiters: u64) -> u64 {
    max_waiters.min((max_waiters / 10).max(100))
}

/// The resolved [`LimitArgs`].
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_timeout: std::time::Duration,
    pub body_timeout: std::time::Duration,
    pub max_waiters: usize,
    /// Long-polls one API key may have parked at once (at most `max_waiters`).
    pub max_waiters_per_key: usize,
    /// Open connections per client address (IPv6: per /64); 0 is off.
    pub max_connections_per_ip: usize,
    /// Peers exempt from `max_connections_per_ip`.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Requests per second per API key; 0 is off.
    pub key_rate: u32,
    pub key_burst: u32,
    /// Requests per minute per client IP on the sign-in and one-click pages; 0 is off.
    pub ip_per_minute: u32,
    pub trust_forwarded_for: bool,
    /// How long an MCP tool call waits for a human before answering "still pending": under
    /// the 60 s that proxies and MCP clients commonly allow one request (a test shortens it).
    pub mcp_wait: std::time::Duration,
}

/// See [`Limits::mcp_wait`].
pub const MCP_WAIT: std::time::Duration = std::time::Duration::from_secs(55);

impl Limits {
    pub(super) fn from_args(a: &LimitArgs) -> Self {
        Limits {
            header_timeout: std::time::Duration::from_secs(a.header_timeout),
            body_timeout: std::time::Duration::from_secs(a.body_timeout),
            max_waiters: a.max_waiters as usize,
            max_waiters_per_key: a
                .max_waiters_per_key
                .unwrap_or_else(|| default_waiters_per_key(a.max_waiters))
                .min(a.max_waiters) as usize,
            max_connections_per_ip: a
                .max_connections_per_ip
                .unwrap_or(a.max_waiters + DEFAULT_CONNECTIONS_OVER_WAITERS)
                as usize,
            trusted_proxies: a.trusted_proxies.clone(),
            key_rate: a.key_rate_limit,
            key_burst: a.key_rate_burst,
            ip_per_minute: a.ip_rate_limit,
            trust_forwarded_for: a.trust_forwarded_for,
            mcp_wait: MCP_WAIT,
        }
    }

    /// Refuses settings that would let any client pick its own address: trusting
    /// `X-Forwarded-For` from every peer.
    pub fn check(&self) -> Result<(), String> {
        if self.trust_forwarded_for && self.trusted_proxies.is_empty() {
            return Err(FORWARDED_FOR_NEEDS_PROXIES.to_string());
        }
        Ok(())
    }

    /// Test defaults: rate limits off, because the tests' manual clock stands still and
    /// buckets would never refill; a test that wants a limit turns it on.
    pub fn for_tests() -> Self {
        Limits {
            header_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(10),
            max_waiters: 20_000,
            max_waiters_per_key: 2_000,
            max_connections_per_ip: 0,
            trusted_proxies: Vec::new(),
            key_rate: 0,
            key_burst: 2000,
            ip_per_minute: 0,
            trust_forwarded_for: false,
            mcp_wait: MCP_WAIT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        limits: LimitArgs,
    }

    fn limits(args: &[&str]) -> Limits {
        let flags = Flags::try_parse_from(std::iter::once("holdpoint").chain(args.iter().copied()));
        Limits::from_args(&flags.expect("valid flags").limits)
    }

    #[test]
    fn by_default_one_address_may_open_more_connections_than_the_waiter_cap() {
        let l = limits(&["--max-waiters", "500"]);
        assert_eq!(l.max_connections_per_ip, 1500);
        assert!(l.trusted_proxies.is_empty());
    }

    fn per_key(max_waiters: &str) -> usize {
        limits(&["--max-waiters", max_waiters]).max_waiters_per_key
    }

    #[test]
    fn by_default_one_key_may_take_a_tenth_of_the_waiter_slots_but_at_least_100() {
        assert_eq!(
            limits(&[]).max_waiters_per_key,
            2_000,
            "of the default 20,000"
        );
        // Where a tenth takes over from the floor of 100.
        assert_eq!(per_key("1000"), 100);
        assert_eq!(per_key("1010"), 101);
        assert_eq!(per_key("999"), 100);
        // Never more than the whole cap.
        assert_eq!(per_key("100"), 100);
        assert_eq!(per_key("99"), 99);
        assert_eq!(per_key("1"), 1);
        assert_eq!(per_key("1000000"), 100_000);
    }

    #[test]
    fn an_explicit_per_key_share_stays_as_given_up_to_the_cap() {
        let given = |n: &str| {
            let args = ["--max-waiters", "20000", "--max-waiters-per-key", n];
            limits(&args).max_waiters_per_key
        };
        assert_eq!(given("20000"), 20_000, "the whole cap, as before");
        assert_eq!(given("20001"), 20_000);
        assert_eq!(given("1"), 1);
    }

    #[test]
    fn the_per_key_share_never_exceeds_the_cap_and_zero_turns_the_connection_cap_off() {
        let l = limits(&[
            "--max-waiters",
            "10",
            "--max-waiters-per-key",
            "50",
            "--max-connections-per-ip",
            "0",
            "--trusted-proxies",
            "10.0.0.1,::1",
        ]);
        assert_eq!(l.max_waiters_per_key, 10);
        assert_eq!(l.max_connections_per_ip, 0);
        assert_eq!(l.trusted_proxies.len(), 2);
    }
}
