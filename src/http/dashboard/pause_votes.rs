//! A quorum as the people deciding read it: the inbox row's marks ("1 of 2", "→ finance",
//! "overdue"), the pane's votes so far, and the message after an approval that did not decide.
//! Deciders' names and reasons are people's text, the group's name a workspace's: all [`Shown`].

use super::format::{shown, Shown};
use super::queue_row::RowBadge;
use crate::domain::ids::UserId;
use crate::domain::pauses::{Pause, Status};
use crate::domain::votes::{self, Vote};
use crate::domain::{rfc3339, Millis};

use crate::http::vote_notice::tally;

/// The inbox row's marks: the tally of a quorum, the group it is routed to, and "overdue" for a
/// pause that waits past its deadline.
pub fn row_badges(p: &Pause, now: Millis) -> Vec<RowBadge> {
    let mut badges = Vec::new();
    if p.required_approvals >= 2 {
        badges.push(RowBadge {
            class: "votes",
            text: shown(&tally(p)),
        });
    }
    if let Some(group) = &p.group {
        badges.push(RowBadge {
            class: "group",
            text: shown(&format!("→ {group}")),
        });
    }
    if p.overdue(now) {
        badges.push(RowBadge {
            class: "overdue tone-warn",
            text: shown("overdue"),
        });
    }
    badges
}

/// One vote in the pane.
pub struct VoteRow {
    pub who: Shown,
    pub approved: bool,
    pub reason: Option<Shown>,
    pub at: String,
}

impl VoteRow {
    fn of(v: &Vote) -> VoteRow {
        VoteRow {
            who: shown(&v.by.full_label()),
            approved: v.approved,
            reason: v.reason.as_deref().map(shown),
            at: rfc3339(v.at),
        }
    }
}

/// The pane's group and quorum: who voted how so far, and what is still needed.
pub struct VotesView {
    /// The approver group it is routed to.
    pub group: Option<Shown>,
    /// Two or more approvals are required: the votes are listed and counted.
    pub quorum: bool,
    /// "1 of 2".
    pub tally: String,
    /// Oldest first.
    pub rows: Vec<VoteRow>,
    /// Approvals still needed (0 once decided).
    pub needed: u8,
    /// The reader's own vote on it, if any (true: approved).
    pub mine: Option<bool>,
    /// Pending past its deadline, waiting (`onTimeout: wait`).
    pub overdue: bool,
}

impl VotesView {
    pub fn of(p: &Pause, reader: UserId, now: Millis) -> VotesView {
        let pending = p.status(now) == Status::Pending;
        VotesView {
            group: p.group.as_deref().map(shown),
            quorum: p.required_approvals >= 2,
            tally: tally(p),
            rows: p.votes.iter().map(VoteRow::of).collect(),
            needed: votes::approvals_needed(p.required_approvals, &p.votes, pending),
            mine: p
                .votes
                .iter()
                .find(|v| v.user_id == Some(reader))
                .map(|v| v.approved),
            overdue: p.overdue(now),
        }
    }

    /// "needs 1 more approval", "needs 2 more approvals".
    pub fn needs(&self) -> String {
        match self.needed {
            1 => "needs 1 more approval".into(),
            n => format!("needs {n} more approvals"),
        }
    }
}
