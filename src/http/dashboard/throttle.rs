//! Throttling of password guesses (sign-in and the Account page's password change).
//!
//! Two limits, both kept in memory and keyed by the submitted email whether or not such a user
//! exists, so the throttle itself reveals nothing about which accounts exist:
//!
//! - **Per account and client address** (the fast one): the first [`FREE_FAILURES`] failures
//!   cost nothing; from the next one the wait doubles (1 s, 2 s, 4 s, …) up to
//!   [`MAX_DELAY_MS`]. Forgotten after [`FORGET_AFTER_MS`] quiet. One address hammering an
//!   account slows only itself: the owner signs in from elsewhere.
//! - **Per account** over [`ACCOUNT_WINDOW_MS`]: at most [`ACCOUNT_LIMIT`] guesses from all
//!   addresses together. One address at the capped rate makes about 60 an hour, so it takes
//!   many addresses guessing for an hour to reach it: a ceiling on guessing, not a lockout
//!   switch. The last [`KNOWN_ADDRESSES`] addresses the account signed in from are exempt
//!   from it, so even a guesser with many addresses does not keep the owner out.
//!
//! An attempt is *reserved* before argon2 runs: it counts as a failure at once and is released
//! only when the password turns out right. So however many requests arrive together, no more
//! guesses reach argon2 than the limits allow.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;

use crate::domain::Millis;

pub const FREE_FAILURES: u32 = 3;
pub const MAX_DELAY_MS: Millis = 60_000;
/// A quiet (account, address) pair's failure count is forgotten after this long.
pub const FORGET_AFTER_MS: Millis = 15 * 60_000;
pub const ACCOUNT_LIMIT: u32 = 1000;
pub const ACCOUNT_WINDOW_MS: Millis = 3_600_000;
/// Addresses remembered per account as ones it signed in from.
pub const KNOWN_ADDRESSES: usize = 8;
const MAX_TRACKED: usize = 100_000;

#[derive(Clone, Copy)]
struct Pair {
    failures: u32,
    next_allowed: Millis,
    last: Millis,
}

#[derive(Clone, Copy)]
struct Window {
    count: u32,
    start: Millis,
}

#[derive(Default)]
struct Tables {
    pairs: HashMap<(String, IpAddr), Pair>,
    accounts: HashMap<String, Window>,
    /// Where each account last signed in from, newest last.
    known: HashMap<String, Vec<IpAddr>>,
}

#[derive(Default)]
pub struct LoginThrottle {
    tables: Mutex<Tables>,
}

/// A guess allowed to reach argon2. It already counts as a failure; pass it to
/// [`LoginThrottle::succeeded`] when the password was right.
#[must_use]
pub struct Attempt {
    email: String,
    ip: IpAddr,
}

impl LoginThrottle {
    /// Reserves one guess for `email` from `ip` (an IPv6 client counts by its /64), or
    /// `Err(seconds)` to wait.
    pub fn reserve(&self, email: &str, ip: Option<IpAddr>, now: Millis) -> Result<Attempt, u64> {
        let ip = ip.map_or(
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            crate::rate_limit::network_of,
        );
        let mut t = self.tables.lock().expect("throttle lock");
        t.shrink_if_large(now);
        let key = (email.to_string(), ip);
        let pair = t.pair(&key, now);
        if now < pair.next_allowed {
            return Err(secs(pair.next_allowed - now));
        }
        let window = t.window(email, now);
        let known = t.known.get(email).is_some_and(|k| k.contains(&ip));
        if window.count >= ACCOUNT_LIMIT && !known {
            return Err(secs(window.start + ACCOUNT_WINDOW_MS - now));
        }
        t.pairs.insert(key, pair.failed(now));
        let counted = Window {
            count: window.count + 1,
            ..window
        };
        t.accounts.insert(email.to_string(), counted);
        Ok(Attempt {
            email: email.to_string(),
            ip,
        })
    }

    /// The password was right: the address starts afresh and the guess is given back to the
    /// account's budget.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut t = self.tables.lock().expect("throttle lock");
        t.pairs.remove(&(attempt.email.clone(), attempt.ip));
        if let Some(w) = t.accounts.get_mut(&attempt.email) {
            w.count = w.count.saturating_sub(1);
        }
        let known = t.known.entry(attempt.email).or_default();
        known.retain(|ip| *ip != attempt.ip);
        if known.len() >= KNOWN_ADDRESSES {
            known.remove(0);
        }
        known.push(attempt.ip);
    }
}

impl Pair {
    /// This pair after one more failure at `now`: free up to [`FREE_FAILURES`], then a wait
    /// that doubles each time, capped at [`MAX_DELAY_MS`].
    fn failed(self, now: Millis) -> Pair {
        let failures = self.failures + 1;
        let next_allowed = match failures.checked_sub(FREE_FAILURES + 1) {
            Some(exp) => now + (1000i64 << exp.min(16)).min(MAX_DELAY_MS),
            None => 0,
        };
        Pair {
            failures,
            next_allowed,
            last: now,
        }
    }
}

impl Tables {
    /// The pair's current state; a forgotten or unknown one starts clean.
    fn pair(&self, key: &(String, IpAddr), now: Millis) -> Pair {
        match self.pairs.get(key) {
            Some(p) if now - p.last < FORGET_AFTER_MS => *p,
            _ => Pair {
                failures: 0,
                next_allowed: 0,
                last: now,
            },
        }
    }

    /// The account's current window; an expired or unknown one starts now.
    fn window(&self, email: &str, now: Millis) -> Window {
        match self.accounts.get(email) {
            Some(w) if now - w.start < ACCOUNT_WINDOW_MS => *w,
            _ => Window {
                count: 0,
                start: now,
            },
        }
    }

    fn shrink_if_large(&mut self, now: Millis) {
        if self.pairs.len() >= MAX_TRACKED {
            self.pairs.retain(|_, p| now - p.last < FORGET_AFTER_MS);
        }
        if self.accounts.len() >= MAX_TRACKED {
            self.accounts
                .retain(|_, w| now - w.start < ACCOUNT_WINDOW_MS);
        }
        if self.known.len() >= MAX_TRACKED {
            self.known.clear();
        }
    }
}

fn secs(ms: Millis) -> u64 {
    (ms.max(1) as u64).div_ceil(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n)))
    }

    #[test]
    fn delays_grow_after_three_failures_and_are_capped() {
        let t = LoginThrottle::default();
        let now = 1_000_000;
        for _ in 0..4 {
            let _ = t.reserve("a@x.io", ip(1), now).unwrap();
        }
        assert_eq!(t.reserve("a@x.io", ip(1), now).err(), Some(1));
        let _ = t.reserve("a@x.io", ip(1), now + 1000).unwrap();
        assert_eq!(t.reserve("a@x.io", ip(1), now + 1000).err(), Some(2));
        let mut at = now + 1000;
        for _ in 0..20 {
            at += MAX_DELAY_MS;
            let _ = t.reserve("a@x.io", ip(1), at).unwrap();
        }
        assert_eq!(t.reserve("a@x.io", ip(1), at).err(), Some(60));
        assert!(t.reserve("other@x.io", ip(1), at).is_ok());
    }

    #[test]
    fn another_address_is_not_slowed_and_success_starts_afresh() {
        let t = LoginThrottle::default();
        let now = 1_000_000;
        for _ in 0..4 {
            let _ = t.reserve("a@x.io", ip(1), now).unwrap();
        }
        assert!(t.reserve("a@x.io", ip(1), now).is_err());
        let owner = t.reserve("a@x.io", ip(2), now).unwrap();
        t.succeeded(owner);
        let again = t.reserve("a@x.io", ip(2), now).unwrap();
        t.succeeded(again);
        for _ in 0..4 {
            let _ = t.reserve("a@x.io", ip(2), now).unwrap();
        }
        assert!(t.reserve("a@x.io", ip(2), now).is_err());
        assert!(
            t.reserve("a@x.io", ip(1), now + FORGET_AFTER_MS).is_ok(),
            "forgotten after 15 quiet minutes"
        );
    }

    #[test]
    fn the_account_allows_exactly_its_hourly_limit_from_all_addresses() {
        let t = LoginThrottle::default();
        let now = 1_000_000;
        for n in 0..ACCOUNT_LIMIT {
            let _ = t.reserve("a@x.io", ip(n), now + Millis::from(n)).unwrap();
        }
        let later = now + 10_000;
        assert_eq!(
            t.reserve("a@x.io", ip(ACCOUNT_LIMIT), later).err(),
            Some(3590),
            "one past the limit"
        );
        assert!(t.reserve("b@x.io", ip(ACCOUNT_LIMIT), later).is_ok());
        assert!(t.reserve("a@x.io", None, later).is_err());
        let end = now + ACCOUNT_WINDOW_MS;
        assert_eq!(t.reserve("a@x.io", None, end - 1).err(), Some(1));
        assert!(t
            .reserve("a@x.io", ip(ACCOUNT_LIMIT), now + ACCOUNT_WINDOW_MS)
            .is_ok());
    }

    #[test]
    fn failures_are_forgotten_after_exactly_15_quiet_minutes() {
        let (t, now) = (LoginThrottle::default(), 1_000_000);
        for addr in [1, 2] {
            for _ in 0..4 {
                let _ = t.reserve("a@x.io", ip(addr), now).unwrap();
            }
        }
        let just_before = now + FORGET_AFTER_MS - 1;
        let _ = t.reserve("a@x.io", ip(1), just_before).unwrap();
        assert_eq!(t.reserve("a@x.io", ip(1), just_before).err(), Some(2));
        let at = now + FORGET_AFTER_MS;
        let _ = t.reserve("a@x.io", ip(2), at).unwrap();
        assert!(
            t.reserve("a@x.io", ip(2), at).is_ok(),
            "counting starts afresh"
        );
    }

    #[test]
    fn an_address_the_account_signed_in_from_passes_the_full_account_ceiling() {
        let t = LoginThrottle::default();
        let now = 1_000_000;
        let home = ip(100_000);
        let before = t.reserve("a@x.io", home, now).unwrap();
        t.succeeded(before);
        for n in 0..ACCOUNT_LIMIT {
            let _ = t.reserve("a@x.io", ip(n), now).unwrap();
        }
        assert!(t.reserve("a@x.io", ip(ACCOUNT_LIMIT), now).is_err());
        let owner = t.reserve("a@x.io", home, now).unwrap();
        t.succeeded(owner);
        for n in 0..KNOWN_ADDRESSES as u32 {
            t.succeeded(t.reserve("b@x.io", ip(n), now).unwrap());
        }
        let known = t.tables.lock().unwrap().known["b@x.io"].clone();
        assert_eq!(known.len(), KNOWN_ADDRESSES);
        t.succeeded(t.reserve("b@x.io", home, now).unwrap());
        let known = t.tables.lock().unwrap().known["b@x.io"].clone();
        assert_eq!(known.len(), KNOWN_ADDRESSES, "the oldest is forgotten");
        assert!(!known.contains(&ip(0).unwrap()) && known.contains(&home.unwrap()));
    }
}
