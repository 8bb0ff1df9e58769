//! Time is a parameter: production reads the system clock, tests move a manual one.

use std::sync::atomic::{AtomicI64, Ordering};

use super::Millis;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Millis;

    /// Time since a fixed point, never going backwards: for rate limits, which a wall clock
    /// stepped back by NTP would otherwise lock out until it caught up. A manual clock is its
    /// own monotonic time.
    fn monotonic(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.now().max(0) as u64)
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        system_now()
    }

    fn monotonic(&self) -> std::time::Duration {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed()
    }
}

pub fn system_now() -> Millis {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    d.as_millis() as Millis
}

/// A clock that stands still until told to move.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        ManualClock(AtomicI64::new(start))
    }

    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }

    pub fn set(&self, now: Millis) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}
