//! In-process wake-ups for long-polling agents.
//!
//! A waiter holds no database connection: it subscribes to [`Topic`]s (its pause, and its whole
//! workspace), reads the state once, then sleeps on its own [`Notify`] until a commit wakes one
//! of those topics (or its time runs out). Waking a workspace's topic wakes every parked request
//! of that workspace in one call (an emergency stop). The map is sharded so ten thousand waiters
//! do not contend on one lock.
//!
//! The number of parked waiters is capped: each holds a connection, and without a cap enough
//! of them would exhaust file descriptors and memory. A [`Subscription`] is the slot; dropping
//! it (response sent, client gone, server stopping) gives the slot back. Each API key may hold
//! only its share of the slots, so one agent fleet cannot refuse every other workspace.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

const SHARDS: usize = 64;

/// What a waiter can be woken by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A change to this pause (by row id).
    Pause(i64),
    /// Anything concerning one agent (by API key id), e.g. pausing the agent.
    Agent(i64),
    /// Anything concerning a whole workspace, e.g. an emergency stop.
    Workspace(i64),
}

impl Topic {
    fn shard(self) -> usize {
        let (kind, id) = match self {
            Topic::Pause(id) => (0u64, id),
            Topic::Agent(id) => (1, id),
            Topic::Workspace(id) => (2, id),
        };
        ((id as u64).wrapping_mul(3).wrapping_add(kind) as usize) % SHARDS
    }
}

/// The subscriptions to one topic, each with its own [`Notify`], by subscription number.
type Listeners = HashMap<u64, Arc<Notify>>;

pub struct Waiters {
    shards: Vec<Mutex<HashMap<Topic, Listeners>>>,
    next_id: AtomicU64,
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
            next_id: AtomicU64::new(0),
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

    fn shard(&self, topic: Topic) -> &Mutex<HashMap<Topic, Listeners>> {
        &self.shards[topic.shard()]
    }

    /// Register `key_id`'s interest in `topics`, or say which cap is reached. Call
    /// `notified()` on [`Subscription::notify`] and `enable()` the future *before* reading the
    /// state, so a commit in between is not missed.
    pub fn subscribe(
        self: &Arc<Self>,
        topics: &[Topic],
        key_id: i64,
    ) -> Result<Subscription, Full> {
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
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let notify = Arc::new(Notify::new());
        for topic in topics {
            let mut map = self.shard(*topic).lock().expect("waiters lock");
            map.entry(*topic).or_default().insert(id, notify.clone());
        }
        Ok(Subscription {
            waiters: self.clone(),
            id,
            topics: topics.to_vec(),
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

    /// Wakes every waiter subscribed to any of these topics.
    pub fn wake(&self, topics: &[Topic]) {
        for topic in topics {
            let map = self.shard(*topic).lock().expect("waiters lock");
            for notify in map.get(topic).into_iter().flat_map(HashMap::values) {
                notify.notify_waiters();
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
    /// This subscription's number among each topic's listeners.
    id: u64,
    topics: Vec<Topic>,
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
        for topic in &self.topics {
            let mut map = self.waiters.shard(*topic).lock().expect("waiters lock");
            if let Some(listeners) = map.get_mut(topic) {
                listeners.remove(&self.id);
                if listeners.is_empty() {
                    map.remove(topic);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_cap_there_is_no_slot_until_a_subscription_is_dropped() {
        let waiters = Waiters::new(2, 2);
        let first = waiters.subscribe(&[Topic::Pause(1)], 7).expect("a slot");
        let _second = waiters.subscribe(&[Topic::Pause(1)], 8).expect("a slot");
        assert_eq!(
            waiters.subscribe(&[Topic::Pause(2)], 9).err(),
            Some(Full::Server)
        );
        assert_eq!(waiters.active(), 2);
        drop(first);
        assert_eq!(waiters.active(), 1);
        assert!(waiters.subscribe(&[Topic::Pause(2)], 9).is_ok());
    }

    #[test]
    fn a_key_at_its_share_is_refused_while_other_keys_still_get_slots() {
        let waiters = Waiters::new(3, 2);
        let first = waiters.subscribe(&[Topic::Pause(1)], 7).expect("a slot");
        let _second = waiters.subscribe(&[Topic::Pause(2)], 7).expect("a slot");
        assert_eq!(
            waiters.subscribe(&[Topic::Pause(3)], 7).err(),
            Some(Full::Key)
        );
        let _other = waiters
            .subscribe(&[Topic::Pause(3)], 8)
            .expect("another key's slot");
        assert_eq!(waiters.active(), 3);
        drop(first);
        // The server is not full and key 7 holds one slot: it may take another.
        assert!(waiters.subscribe(&[Topic::Pause(3)], 7).is_ok());
    }

    /// Enables a wait on `sub`, runs `wake`, and says whether the wait completed.
    fn woken_by(sub: &Subscription, wake: impl FnOnce()) -> bool {
        use std::future::Future;
        let mut notified = std::pin::pin!(sub.notify().notified());
        notified.as_mut().enable();
        wake();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        notified.as_mut().poll(&mut cx).is_ready()
    }

    #[test]
    fn a_waiter_on_a_pause_is_woken_by_its_own_workspace_not_by_another() {
        let waiters = Waiters::new(10, 10);
        let sub = waiters
            .subscribe(&[Topic::Pause(5), Topic::Workspace(1)], 7)
            .unwrap();
        assert!(!woken_by(&sub, || waiters.wake(&[Topic::Workspace(2)])));
        assert!(!woken_by(&sub, || waiters.wake(&[Topic::Pause(6)])));
        assert!(woken_by(&sub, || waiters.wake(&[Topic::Workspace(1)])));
        assert!(woken_by(&sub, || waiters.wake(&[Topic::Pause(5)])));
    }

    #[test]
    fn one_workspace_wake_reaches_every_waiter_of_the_workspace() {
        let waiters = Waiters::new(10, 10);
        let a = waiters.subscribe(&[Topic::Pause(1), Topic::Workspace(3)], 7);
        let b = waiters.subscribe(&[Topic::Pause(2), Topic::Workspace(3)], 8);
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut na = std::pin::pin!(a.notify().notified());
        na.as_mut().enable();
        assert!(woken_by(&b, || waiters.wake(&[Topic::Workspace(3)])));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(std::future::Future::poll(na.as_mut(), &mut cx).is_ready());
    }

    #[test]
    fn a_dropped_subscription_leaves_no_listener_behind() {
        let waiters = Waiters::new(10, 10);
        let a = waiters.subscribe(&[Topic::Pause(1), Topic::Workspace(3)], 7);
        let b = waiters.subscribe(&[Topic::Pause(1)], 7);
        drop(a);
        let ws = waiters.shard(Topic::Workspace(3)).lock().unwrap();
        assert!(!ws.contains_key(&Topic::Workspace(3)));
        drop(ws);
        drop(b);
        let pause = waiters.shard(Topic::Pause(1)).lock().unwrap();
        assert!(!pause.contains_key(&Topic::Pause(1)));
    }

    #[test]
    fn a_key_refused_by_the_server_cap_keeps_no_share() {
        let waiters = Waiters::new(2, 1);
        let _a = waiters.subscribe(&[Topic::Pause(1)], 7).unwrap();
        let _b = waiters.subscribe(&[Topic::Pause(1)], 8).unwrap();
        assert_eq!(
            waiters.subscribe(&[Topic::Pause(1)], 9).err(),
            Some(Full::Server)
        );
        assert!(!waiters.by_key.lock().unwrap().contains_key(&9));
    }
}
