//! Who may start a delivery now. One workspace with slow or hanging endpoints must not delay
//! another's notifications, and one endpoint must not take all of its own workspace's share:
//! so besides the total there is a cap per workspace and per target (an endpoint's URL, a
//! callback URL, a Slack URL or an email address). A message holds its slot from the moment it
//! is picked until its attempt is recorded, so it is never picked twice.

use std::collections::{HashMap, VecDeque};

use crate::domain::outbox::Message;

/// Deliveries in flight at once, across all workspaces.
pub const TOTAL: usize = 32;
/// Deliveries one workspace may have in flight.
pub const PER_WORKSPACE: usize = 8;
/// Deliveries one target may have in flight.
pub const PER_TARGET: usize = 2;

#[derive(Default)]
pub struct Slots {
    total: usize,
    workspaces: HashMap<i64, usize>,
    targets: HashMap<String, usize>,
    /// Message id → (workspace, target) of every message in flight.
    held: HashMap<i64, (i64, String)>,
}

fn target_key(m: &Message) -> String {
    format!("{}:{}", m.channel.as_str(), m.target)
}

impl Slots {
    pub fn in_flight(&self, workspace_id: i64) -> usize {
        self.workspaces.get(&workspace_id).copied().unwrap_or(0)
    }

    /// Slots taken, across all workspaces.
    pub fn held(&self) -> usize {
        self.total
    }

    pub fn is_full(&self) -> bool {
        self.total >= TOTAL
    }

    /// Takes a slot for `m` if it is not in flight yet and every cap has room.
    pub fn try_take(&mut self, m: &Message) -> bool {
        let key = target_key(m);
        let target_used = self.targets.get(&key).copied().unwrap_or(0);
        if self.is_full()
            || self.held.contains_key(&m.id)
            || self.in_flight(m.workspace_id) >= PER_WORKSPACE
            || target_used >= PER_TARGET
        {
            return false;
        }
        self.total += 1;
        *self.workspaces.entry(m.workspace_id).or_default() += 1;
        *self.targets.entry(key.clone()).or_default() += 1;
        self.held.insert(m.id, (m.workspace_id, key));
        true
    }

    pub fn release(&mut self, id: i64) {
        let Some((ws, key)) = self.held.remove(&id) else {
            return;
        };
        self.total -= 1;
        decrement(&mut self.workspaces, ws);
        decrement(&mut self.targets, key);
    }

    /// Takes slots from each workspace's candidates (oldest first) in turns of one per
    /// workspace, so under contention every workspace with work gets an equal part of the
    /// free slots. `queues` are ordered by who goes first.
    pub fn take_in_turns(&mut self, queues: Vec<Vec<Message>>) -> Vec<Message> {
        let mut queues: Vec<VecDeque<Message>> = queues.into_iter().map(Into::into).collect();
        let mut taken = Vec::new();
        while !self.is_full() && queues.iter().any(|q| !q.is_empty()) {
            for q in &mut queues {
                while let Some(m) = q.pop_front() {
                    if self.try_take(&m) {
                        taken.push(m);
                        break;
                    }
                }
            }
        }
        taken
    }
}

fn decrement<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: K) {
    if let Some(n) = map.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::outbox::Channel;

    fn msg(id: i64, ws: i64, target: &str) -> Message {
        Message {
            id,
            msg_id: format!("msg_{id}"),
            workspace_id: ws,
            channel: Channel::Webhook,
            target: target.into(),
            endpoint_id: None,
            user_id: None,
            pause_id: None,
            event: "pause.created".into(),
            payload: "{}".into(),
            attempts: 0,
            created_at: 0,
        }
    }

    #[test]
    fn targets_workspaces_and_the_total_are_capped_and_released() {
        let mut s = Slots::default();
        assert!(s.try_take(&msg(1, 1, "a")));
        assert!(!s.try_take(&msg(1, 1, "a")), "never twice");
        assert!(s.try_take(&msg(2, 1, "a")));
        assert!(!s.try_take(&msg(3, 1, "a")), "two per target");
        for id in 4..10 {
            assert!(s.try_take(&msg(id, 1, &format!("t{id}"))));
        }
        assert_eq!(s.in_flight(1), PER_WORKSPACE);
        assert!(!s.try_take(&msg(10, 1, "other")), "eight per workspace");
        s.release(1);
        assert!(s.try_take(&msg(3, 1, "a")));
        s.release(99);
        assert_eq!(s.in_flight(1), PER_WORKSPACE);
    }

    #[test]
    fn workspaces_take_turns_until_the_total_is_reached() {
        let mut s = Slots::default();
        let queues: Vec<Vec<Message>> = (1..=6)
            .map(|ws| {
                (0..20)
                    .map(|i| msg(ws * 100 + i, ws, &format!("t{i}")))
                    .collect()
            })
            .collect();
        let taken = s.take_in_turns(queues);
        assert_eq!(taken.len(), TOTAL);
        for ws in 1..=6 {
            assert!((5..=6).contains(&s.in_flight(ws)), "{}", s.in_flight(ws));
        }
        assert!(s.is_full());
    }
}
