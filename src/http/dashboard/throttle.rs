//! Throttling of failed sign-ins, per account, with growing delays.
//!
//! Kept in memory and keyed by the submitted email whether or not such a user exists, so the
//! throttle itself reveals nothing about which accounts exist. The delay doubles from the
//! fourth failure and is capped at [`MAX_DELAY_MS`]: guessing is slowed to about one try a
//! minute, while a real user is never kept out for longer than that.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::Millis;

const FREE_FAILURES: u32 = 3;
pub const MAX_DELAY_MS: Millis = 60_000;
const MAX_TRACKED: usize = 100_000;
/// A quiet account's failure count is forgotten after this long.
const FORGET_AFTER_MS: Millis = 15 * 60_000;

#[derive(Default)]
pub struct LoginThrottle {
    accounts: Mutex<HashMap<String, (u32, Millis, Millis)>>,
}

impl LoginThrottle {
    /// `Err(seconds)` while the account must wait.
    pub fn check(&self, email: &str, now: Millis) -> Result<(), u64> {
        let map = self.accounts.lock().expect("throttle lock");
        match map.get(email) {
            Some(&(_, next_allowed, _)) if now < next_allowed => {
                Err(((next_allowed - now + 999) / 1000) as u64)
            }
            _ => Ok(()),
        }
    }

    pub fn failure(&self, email: &str, now: Millis) {
        let mut map = self.accounts.lock().expect("throttle lock");
        if map.len() >= MAX_TRACKED {
            map.retain(|_, &mut (_, _, last)| now - last < FORGET_AFTER_MS);
        }
        let entry = map.entry(email.to_string()).or_insert((0, 0, now));
        if now - entry.2 >= FORGET_AFTER_MS {
            *entry = (0, 0, now);
        }
        entry.0 += 1;
        entry.2 = now;
        if entry.0 > FREE_FAILURES {
            let exp = (entry.0 - FREE_FAILURES - 1).min(16);
            entry.1 = now + (1000i64 << exp).min(MAX_DELAY_MS);
        }
    }

    pub fn success(&self, email: &str) {
        self.accounts.lock().expect("throttle lock").remove(email);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_three_failures_and_are_capped() {
        let t = LoginThrottle::default();
        let now = 1_000_000;
        for _ in 0..3 {
            t.failure("a@x.io", now);
        }
        assert!(t.check("a@x.io", now).is_ok());
        t.failure("a@x.io", now);
        assert_eq!(t.check("a@x.io", now), Err(1));
        t.failure("a@x.io", now);
        assert_eq!(t.check("a@x.io", now), Err(2));
        for _ in 0..20 {
            t.failure("a@x.io", now);
        }
        assert_eq!(t.check("a@x.io", now), Err(60));
        assert!(t.check("a@x.io", now + MAX_DELAY_MS).is_ok());
        assert!(t.check("other@x.io", now).is_ok());
        t.success("a@x.io");
        assert!(t.check("a@x.io", now).is_ok());
    }
}
