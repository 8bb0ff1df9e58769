//! In-process wake-ups for long-polling agents.
//!
//! A waiter holds no database connection: it registers interest in one pause id, reads the state
//! once, then sleeps on a [`Notify`] until the writer commits a change to that pause (or its time
//! runs out). The map is sharded so ten thousand waiters do not contend on one lock.
//!
//! The number of parked waiters is capped: each holds a connection, and without a cap enough
//! of them would exhaust file descriptors and memory. A [`Subscription`] is the slot; dropping
//! it (response sent, client gone, server stopping) gives the slot back. Each API key may hold
//! only its share of the slots, so one agent fleet cannot refuse every other workspace.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

const SHARDS: usize = 64;

pub struct Waiters {
    shards: Vec<Mutex<HashMap<i64, Arc<Notify>>>>,
    active: AtomicUsize,
    max: usize,
    /// Slots one key may hold; at `max` no per-key counting is done.
    per_key: usize,
    by_key: Mutex<HashMap<i64, usize>>,
    stopping: AtomicBool,
    shutdown: Notify,
}

impl Waiters {
    /// At most `max` waiters may be parked at once, `per_key` of them for one API key.
    pub fn new(max: usize, per_key: usize) -> Arc<Self> {
        Arc::new(Waiters {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            active: AtomicUsize::new(0),
            max,
            per_key: per_key.min(max),
            by_key: Mutex::new(HashMap::new()),
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

    /// Register `key_id`'s interest in `pause_id`, or say which cap is reached. Call
    /// `notified()` on [`Subscription::notify`] and `enable()` the future *before* reading the
    /// state, so a commit in between is not missed.
    pub fn subscribe(self: &Arc<Self>, pause_id: i64, key_id: i64) -> Result<Subscription, Full> {
        let key = self.take_key_slot(key_id)?;
        let taken = self
            .active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            });
        if taken.is_err() {
            if let Some(key) = key {
                self.give_key_slot(key);
            }
            return Err(Full::Server);
        }
        let notify = {
            let mut map = self.shard(pause_id).lock().expect("waiters lock");
            map.entry(pause_id)
                .or_insert_with(|| Arc::new(Notify::new()))
                .clone()
        };
        Ok(Subscription {
            waiters: self.clone(),
            pause_id,
            key,
            notify,
        })
    }

    /// Counts one more waiter for `key_id` (`Ok(None)` when keys are not counted).
    fn take_key_slot(&self, key_id: i64) -> Result<Option<i64>, Full> {
        if self.per_key >= self.max {
            return Ok(None);
        }
        let mut by_key = self.by_key.lock().expect("waiters lock");
        let held = by_key.entry(key_id).or_insert(0);
        if *held >= self.per_key {
            return Err(Full::Key);
        }
        *held += 1;
        Ok(Some(key_id))
    }

    fn give_key_slot(&self, key_id: i64) {
        let mut by_key = self.by_key.lock().expect("waiters lock");
        if let Some(held) = by_key.get_mut(&key_id) {
            *held -= 1;
            if *held == 0 {
                by_key.remove(&key_id);
            }
        }
    }

    /// The cap on parked waiters.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The cap on one key's parked waiters.
    pub fn max_per_key(&self) -> usize {
        self.per_key
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

/// Why [`Waiters::subscribe`] found no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// Every slot on the server is taken.
    Server,
    /// This API key holds its whole share.
    Key,
}

pub struct Subscription {
    waiters: Arc<Waiters>,
    pause_id: i64,
    /// The key counted for this slot, when keys are counted.
    key: Option<i64>,
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
        if let Some(key) = self.key {
            self.waiters.give_key_slot(key);
        }
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
        let waiters = Waiters::new(2, 2);
        let first = waiters.subscribe(1, 7).expect("a slot");
        let _second = waiters.subscribe(1, 8).expect("a slot");
        assert_eq!(waiters.subscribe(2, 9).err(), Some(Full::Server));
        assert_eq!(waiters.active(), 2);
        drop(first);
        assert_eq!(waiters.active(), 1);
        assert!(waiters.subscribe(2, 9).is_ok());
    }

    #[test]
    fn a_key_at_its_share_is_refused_while_other_keys_still_get_slots() {
        let waiters = Waiters::new(3, 2);
        let first = waiters.subscribe(1, 7).expect("a slot");
        let _second = waiters.subscribe(2, 7).expect("a slot");
        assert_eq!(waiters.subscribe(3, 7).err(), Some(Full::Key));
        let _other = waiters.subscribe(3, 8).expect("another key's slot");
        assert_eq!(waiters.active(), 3);
        drop(first);
        // The server is not full and key 7 holds one slot: it may take another.
        assert!(waiters.subscribe(3, 7).is_ok());
    }

    #[test]
    fn a_key_refused_by_the_server_cap_keeps_no_share() {
        let waiters = Waiters::new(2, 1);
        let _a = waiters.subscribe(1, 7).unwrap();
        let _b = waiters.subscribe(1, 8).unwrap();
        assert_eq!(waiters.subscribe(1, 9).err(), Some(Full::Server));
        assert!(!waiters.by_key.lock().unwrap().contains_key(&9));
    }
}
