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

use crate::domain::ids::{ApiKeyId, PauseId, WorkspaceId};

const SHARDS: usize = 64;

/// What a waiter can be woken by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A change to this pause (by row id).
    Pause(PauseId),
    /// Anything concerning one agent (by API key id), e.g. pausing the agent.
    Agent(ApiKeyId),
    /// Anything concerning a whole workspace, e.g. an emergency stop.
    Workspace(WorkspaceId),
}

impl Topic {
    fn shard(self) -> usize {
        let (kind, id) = match self {
            Topic::Pause(id) => (0u64, id.0),
            Topic::Agent(id) => (1, id.0),
            Topic::Workspace(id) => (2, id.0),
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
    by_key: Mutex<HashMap<ApiKeyId, usize>>,
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
        key_id: ApiKeyId,
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
    fn take_key_slot(&self, key_id: ApiKeyId) -> Result<Option<ApiKeyId>, Full> {
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

    fn give_key_slot(&self, key_id: ApiKeyId) {
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
    key: Option<ApiKeyId>,
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
mod tests;
