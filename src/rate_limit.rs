//! Request rate limits: per API key (a runaway agent loop must not starve the other agents)
//! and per client IP on the pages anyone can reach without an account (the sign-in form and
//! the one-click email links), where guessing would otherwise be free.
//!
//! The buckets are `governor`'s GCRA, read on the app's monotonic clock so tests move time by
//! hand. Memory stays bounded: API-key buckets exist only for keys that authenticated, and
//! every bucket that has refilled completely is dropped by [`RateLimits::housekeeping`] (and
//! at once when the IP table grows past [`MAX_TRACKED`]).

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::config::Limits;
use crate::domain::clock::Clock;
use crate::domain::ids::ApiKeyId;
use crate::error::AppError;

/// IP buckets kept before full ones are dropped early (about 100 bytes each).
const MAX_TRACKED: usize = 100_000;

/// `governor` reads time through this adapter over the app's clock.
#[derive(Clone)]
struct AppClock(Arc<dyn Clock>);

impl governor::clock::Clock for AppClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.0.monotonic()
    }
}

struct Buckets<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, DashMapStateStore<K>, AppClock, NoOpMiddleware<Duration>>,
    /// Monotonic milliseconds of the last early shrink; at most one a second, so a flood of
    /// new addresses cannot make every request scan the table.
    last_shrink_ms: AtomicU64,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(quota: Quota, clock: &Arc<dyn Clock>) -> Self {
        Buckets {
            limiter: RateLimiter::dashmap_with_clock(quota, AppClock(clock.clone())),
            last_shrink_ms: AtomicU64::new(0),
        }
    }

    /// `Err(seconds)` to wait (at least 1) when the bucket is empty.
    fn check(&self, key: &K) -> Result<(), u64> {
        use governor::clock::Clock as _;
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            wait.as_millis().div_ceil(1000).max(1) as u64
        })
    }

    fn shrink_if_large(&self) {
        use governor::clock::Clock as _;
        let now_ms = self.limiter.clock().now().as_millis() as u64;
        let last = self.last_shrink_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) >= 1000
            && self.limiter.len() > MAX_TRACKED
            && self
                .last_shrink_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.shrink();
        }
    }

    fn shrink(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The per-key policy, as announced in the `RateLimit-Policy` header: `burst` requests at once,
/// refilled at `rate` a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPolicy {
    pub rate: u32,
    pub burst: u32,
}

impl KeyPolicy {
    /// Seconds for an empty bucket to fill again: the policy's window `w`.
    pub fn window_secs(&self) -> u64 {
        u64::from(self.burst).div_ceil(u64::from(self.rate)).max(1)
    }
}

/// The pages limited per client IP, each with its own budget: a mail scanner opening links
/// from the office's address must not lock people there out of signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageGroup {
    SignIn,
    OneClick,
    /// Sign-in's second step (a TOTP or recovery code) and enrolment at sign-in.
    SecondFactor,
}

pub struct RateLimits {
    keys: Option<(Buckets<ApiKeyId>, KeyPolicy)>,
    pages: Option<Buckets<(PageGroup, IpAddr)>>,
}

impl RateLimits {
    pub fn new(limits: &Limits, clock: Arc<dyn Clock>) -> Self {
        let keys = NonZeroU32::new(limits.key_rate).map(|rate| {
            let burst = NonZeroU32::new(limits.key_burst).unwrap_or(rate);
            let policy = KeyPolicy {
                rate: rate.get(),
                burst: burst.get(),
            };
            let quota = Quota::per_second(rate).allow_burst(burst);
            (Buckets::new(quota, &clock), policy)
        });
        let pages = NonZeroU32::new(limits.ip_per_minute)
            .map(|n| Buckets::new(Quota::per_minute(n), &clock));
        RateLimits { keys, pages }
    }

    /// Counts one API request for the key; over the limit it is a 429 naming the policy.
    pub fn check_key(&self, key_id: ApiKeyId) -> Result<(), AppError> {
        let Some((buckets, policy)) = &self.keys else {
            return Ok(());
        };
        buckets
            .check(&key_id)
            .map_err(|retry_after| AppError::RateLimited {
                retry_after,
                policy: *policy,
            })
    }

    /// Counts one request from `ip` to `page`; `Err(seconds)` to wait when over the limit.
    pub fn check_page(&self, page: PageGroup, ip: IpAddr) -> Result<(), u64> {
        let Some(buckets) = &self.pages else {
            return Ok(());
        };
        let result = buckets.check(&(page, network_of(ip)));
        buckets.shrink_if_large();
        result
    }

    /// Drops every bucket that has refilled completely (called about once a minute).
    pub fn housekeeping(&self) {
        if let Some((buckets, _)) = &self.keys {
            buckets.shrink();
        }
        if let Some(buckets) = &self.pages {
            buckets.shrink();
        }
    }
}

/// The unit one client controls: an IPv4 address, or an IPv6 /64 (one host usually has the
/// whole /64, so counting single IPv6 addresses would give it 2^64 budgets).
pub fn network_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(prefix.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::ManualClock;

    fn limits(key_rate: u32, key_burst: u32, ip_per_minute: u32) -> Limits {
        Limits {
            key_rate,
            key_burst,
            ip_per_minute,
            ..Limits::for_tests()
        }
    }

    #[test]
    fn a_key_gets_its_burst_then_one_more_per_refill_interval() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let rl = RateLimits::new(&limits(2, 3, 0), clock.clone());
        for _ in 0..3 {
            assert!(rl.check_key(ApiKeyId(7)).is_ok());
        }
        match rl.check_key(ApiKeyId(7)) {
            Err(AppError::RateLimited {
                retry_after,
                policy,
            }) => {
                assert_eq!(retry_after, 1);
                assert_eq!(policy.window_secs(), 2);
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        assert!(
            rl.check_key(ApiKeyId(8)).is_ok(),
            "other keys have their own bucket"
        );
        clock.set(1_000_500);
        assert!(rl.check_key(ApiKeyId(7)).is_ok());
        assert!(rl.check_key(ApiKeyId(7)).is_err());
    }

    #[test]
    fn ipv6_addresses_in_one_slash_64_share_a_budget() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let rl = RateLimits::new(&limits(0, 1, 1), clock);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(rl.check_page(PageGroup::SignIn, a).is_ok());
        assert_eq!(rl.check_page(PageGroup::SignIn, b), Err(60));
        assert!(rl.check_page(PageGroup::SignIn, c).is_ok());
        assert!(rl.check_page(PageGroup::OneClick, a).is_ok());
        assert!(
            rl.check_key(ApiKeyId(1)).is_ok(),
            "a zero key rate is no limit"
        );
    }
}
