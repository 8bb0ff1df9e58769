//! Who may start a delivery now. One workspace with slow or hanging endpoints must not delay
//! another's notifications, and one endpoint must not take all of its own workspace's share:
//! so besides the total there is a cap per workspace and per HTTP target (an endpoint's URL, a
//! callback URL or a Slack URL). Emails all go to the operator's one SMTP server, so they have
//! no target cap. A workspace alone keeps the 16 deliveries at once it always had. A message
//! holds its slot from the moment it is picked until its attempt is recorded, so it is never
//! picked twice.

use std::collections::{HashMap, VecDeque};

use crate::domain::ids::WorkspaceId;
use crate::domain::outbox::{Channel, Message};

/// Deliveries in flight at once, across all workspaces.
pub const TOTAL: usize = 64;
/// Deliveries one workspace may have in flight.
pub const PER_WORKSPACE: usize = 16;
/// Deliveries one webhook, callback or Slack URL may have in flight.
pub const PER_TARGET: usize = 4;

#[derive(Default)]
pub struct Slots {
    total: usize,
    workspaces: HashMap<WorkspaceId, usize>,
    targets: HashMap<String, usize>,
    /// Message id → (workspace, target) of every message in flight.
    held: HashMap<i64, (WorkspaceId, Option<String>)>,
}

/// The target a message counts against; `None` for emails (no target cap).
fn target_key(m: &Message) -> Option<String> {
    (m.channel != Channel::Email).then(|| format!("{}:{}", m.channel.as_str(), m.target))
}

impl Slots {
    pub fn in_flight(&self, workspace_id: WorkspaceId) -> usize {
        self.workspaces.get(&workspace_id).copied().unwrap_or(0)
    }

    /// The workspace's messages in flight, and the targets at their cap: what a query for its
    /// next candidates can pass over.
    pub fn skip(&self, workspace_id: WorkspaceId) -> (Vec<i64>, Vec<String>) {
        let ids = self
            .held
            .iter()
            .filter(|(_, (ws, _))| *ws == workspace_id)
            .map(|(id, _)| *id)
            .collect();
        let targets = self
            .targets
            .iter()
            .filter(|(_, n)| **n >= PER_TARGET)
            .map(|(k, _)| k.clone())
            .collect();
        (ids, targets)
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
        let target_used = key
            .as_ref()
            .map_or(0, |k| self.targets.get(k).copied().unwrap_or(0));
        if self.is_full()
            || self.held.contains_key(&m.id)
            || self.in_flight(m.workspace_id) >= PER_WORKSPACE
            || target_used >= PER_TARGET
        {
            return false;
        }
        self.total += 1;
        *self.workspaces.entry(m.workspace_id).or_default() += 1;
        if let Some(k) = &key {
            *self.targets.entry(k.clone()).or_default() += 1;
        }
        self.held.insert(m.id, (m.workspace_id, key));
        true
    }

    pub fn release(&mut self, id: i64) {
        let Some((ws, key)) = self.held.remove(&id) else {
            return;
        };
        self.total -= 1;
        decrement(&mut self.workspaces, ws);
        if let Some(k) = key {
            decrement(&mut self.targets, k);
        }
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

    fn msg(id: i64, ws: i64, target: &str) -> Message {
        Message {
            id,
            msg_id: format!("msg_{id}"),
            workspace_id: WorkspaceId(ws),
            channel: Channel::Webhook,
            target: target.into(),
            endpoint_id: None,
            user_id: None,
            pause_id: None,
            event: crate::domain::event_type::EventType::PauseCreated,
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
        for id in 2..=PER_TARGET as i64 {
            assert!(s.try_take(&msg(id, 1, "a")));
        }
        assert!(!s.try_take(&msg(99, 1, "a")), "four per target");
        for id in 10..(10 + PER_WORKSPACE - PER_TARGET) as i64 {
            assert!(s.try_take(&msg(id, 1, &format!("t{id}"))));
        }
        assert_eq!(s.in_flight(WorkspaceId(1)), PER_WORKSPACE);
        assert!(!s.try_take(&msg(98, 1, "other")), "sixteen per workspace");
        s.release(1);
        assert!(s.try_take(&msg(99, 1, "a")));
        s.release(12345);
        assert_eq!(s.in_flight(WorkspaceId(1)), PER_WORKSPACE);
    }

    #[test]
    fn emails_have_no_target_cap() {
        let mut s = Slots::default();
        for id in 0..PER_WORKSPACE as i64 {
            let mut m = msg(id, 1, "olive@example.com");
            m.channel = Channel::Email;
            assert!(s.try_take(&m));
        }
    }

    #[test]
    fn workspaces_take_turns_until_the_total_is_reached() {
        let mut s = Slots::default();
        let queues: Vec<Vec<Message>> = (1..=6)
            .map(|ws| {
                (0..40)
                    .map(|i| msg(ws * 100 + i, ws, &format!("t{i}")))
                    .collect()
            })
            .collect();
        let taken = s.take_in_turns(queues);
        assert_eq!(taken.len(), TOTAL);
        for ws in 1..=6 {
            assert!(
                (10..=11).contains(&s.in_flight(WorkspaceId(ws))),
                "{}",
                s.in_flight(WorkspaceId(ws))
            );
        }
        assert!(s.is_full());
    }
}
