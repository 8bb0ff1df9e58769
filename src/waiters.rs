//! In-process wake-ups for long-polling agents.
//!
//! A waiter holds no database connection: it registers interest in one pause id, reads the state
//! once, then sleeps on a [`Notify`] until the writer commits a change to that pause (or its time
//! runs out). The map is sharded so ten thousand waiters do not contend on one lock.
//!
//! The number of parked waiters is capped: each holds a connection, and without a cap enough
//! of them would exhaust file descriptors and memory. A [`Subscription`] is the slot; dropping
//! it (response sent, client gone, server stopping) gives the slot back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

const SHARDS: usize = 64;

pub struct Waiters {
    shards: Vec<Mutex<HashMap<i64, Arc<Notify>>>>,
    active: AtomicUsize,
    max: usize,
    stopping: AtomicBool,
    shutdown: Notify,
}

impl Waiters {
    /// At most `max` waiters may be parked at once.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Waiters {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            active: AtomicUsize::new(0),
            max,
            stopping: AtomicBool::new(false),
            shutdown: Notify::new(),
        })
    }

    /// Server shutdown: every parked waiter answers now with the current state.
    pub fn shut_down(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.shutdown.notify_waiters();
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Completes when [`Waiters::shut_down`] is called (enable it before checking the flag).
    pub fn shutdown_signal(&self) -> tokio::sync::futures::Notified<'_> {
        self.shutdown.notified()
    }

    fn shard(&self, id: i64) -> &Mutex<HashMap<i64, Arc<Notify>>> {
        &self.shards[(id as u64 as usize) % SHARDS]
    }

    /// Register interest in `pause_id`, or `None` when all [`Waiters::max`] slots are taken.
    /// Call `notified()` on [`Subscription::notify`] and `enable()` the future *before* reading
    /// the state, so a commit in between is not missed.
    pub fn subscribe(self: &Arc<Self>, pause_id: i64) -> Option<Subscription> {
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()?;
        let notify = {
            let mut map = self.shard(pause_id).lock().expect("waiters lock");
            map.entry(pause_id)
                .or_insert_with(|| Arc::new(Notify::new()))
                .clone()
        };
        Some(Subscription {
            waiters: self.clone(),
            pause_id,
            notify,
        })
    }

    /// The cap on parked waiters.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Wakes every waiter on these pauses.
    pub fn wake(&self, pause_ids: &[i64]) {
        for id in pause_ids {
            let map = self.shard(*id).lock().expect("waiters lock");
            if let Some(n) = map.get(id) {
                n.notify_waiters();
            }
        }
    }

    /// Number of waiters currently parked (for metrics and limits).
    pub fn active(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }
}

pub struct Subscription {
    waiters: Arc<Waiters>,
    pause_id: i64,
    notify: Arc<Notify>,
}

impl Subscription {
    pub fn notify(&self) -> &Notify {
        &self.notify
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.waiters.active.fetch_sub(1, Ordering::AcqRel);
        let mut map = self
            .waiters
            .shard(self.pause_id)
            .lock()
            .expect("waiters lock");
        // The map holds one reference and we hold one: we are the last waiter.
        if Arc::strong_count(&self.notify) == 2 {
            map.remove(&self.pause_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_cap_there_is_no_slot_until_a_subscription_is_dropped() {
        let waiters = Waiters::new(2);
        let first = waiters.subscribe(1).expect("a slot");
        let _second = waiters.subscribe(1).expect("a slot");
        assert!(waiters.subscribe(2).is_none());
        assert_eq!(waiters.active(), 2);
        drop(first);
        assert_eq!(waiters.active(), 1);
        assert!(waiters.subscribe(2).is_some());
    }
}
