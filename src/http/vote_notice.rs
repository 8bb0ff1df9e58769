//! What a person is told of a quorum in words, by the pages and by the API's answer to a
//! browser's form post alike: "1 of 2", and the message after an approval that did not decide.

use crate::domain::pauses::{Pause, Status};
use crate::domain::votes;
use crate::domain::{text, Millis};

/// "1 of 2": approvals so far of those required.
pub fn tally(p: &Pause) -> String {
    let approvals = p.votes.iter().filter(|v| v.approved).count();
    format!("{approvals} of {}", p.required_approvals)
}

/// What a person is told after an approval that was recorded but did not decide the pause
/// (`respond` answered with the pause still pending); None when it decided.
pub fn recorded(p: &Pause, now: Millis) -> Option<String> {
    if p.status(now) != Status::Pending || p.votes.is_empty() {
        return None;
    }
    let needed = votes::approvals_needed(p.required_approvals, &p.votes, true);
    let more = match needed {
        1 => "1 more approval".to_string(),
        n => format!("{n} more approvals"),
    };
    Some(format!(
        "Your approval is recorded: {}. “{}” needs {more}.",
        tally(p),
        text::mark_bidi(&p.action)
    ))
}
