//! A plan on its pause page: the Markdown rendered safely, the chain of its versions, and a
//! line diff against the version it revises. Every agent string is escaped: the Markdown by
//! [`markdown::to_html`], the diff's lines by askama.

use similar::{ChangeTag, TextDiff};

use crate::domain::pauses::Pause;
use crate::domain::{plans, text, Millis};
use crate::error::AppResult;
use crate::http::dashboard::format::{shown, Shown};
use crate::markdown;

pub struct PlanView {
    /// Built by [`markdown::to_html`].
    pub html: String,
    /// Oldest first; one entry when the plan was never revised.
    pub versions: Vec<Version>,
    /// This version's number (1-based).
    pub number: usize,
    /// Lines against the previous version, when there is one.
    pub diff: Option<Vec<DiffLine>>,
    /// The feedback the previous version got when it was sent back, shown above the diff.
    pub feedback: Option<Shown>,
}

pub struct Version {
    pub number: usize,
    pub watch_id: String,
    pub status: &'static str,
    pub current: bool,
}

pub struct DiffLine {
    /// `add`, `del` or `same`: the CSS class `diff-…`.
    pub class: &'static str,
    pub sign: char,
    pub text: String,
}

impl PlanView {
    /// None for a pause that is not a plan.
    pub fn load(
        conn: &crate::db::sql::Connection,
        pause: &Pause,
        now: Millis,
    ) -> AppResult<Option<Self>> {
        let Some(plan) = plans::text(pause) else {
            return Ok(None);
        };
        let chain = plans::chain(conn, pause)?;
        let position = chain.iter().position(|p| p.id == pause.id).unwrap_or(0);
        let diff = position
            .checked_sub(1)
            .and_then(|i| plans::text(&chain[i]))
            .map(|before| diff_lines(&text::mark_bidi(&before), &text::mark_bidi(&plan)));
        let feedback = position
            .checked_sub(1)
            .and_then(|i| chain[i].reason.as_deref())
            .map(shown);
        let versions = chain
            .iter()
            .enumerate()
            .map(|(i, p)| Version {
                number: i + 1,
                watch_id: p.watch_id.to_string(),
                status: p.status(now).as_str(),
                current: p.id == pause.id,
            })
            .collect();
        Ok(Some(PlanView {
            html: markdown::to_html(&text::mark_bidi(&plan)),
            versions,
            number: position + 1,
            diff,
            feedback,
        }))
    }
}

/// Every line of `after`, and those of `before` it dropped, marked as added, removed or kept.
pub fn diff_lines(before: &str, after: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(before, after)
        .iter_all_changes()
        .map(|change| {
            let (class, sign) = match change.tag() {
                ChangeTag::Insert => ("add", '+'),
                ChangeTag::Delete => ("del", '-'),
                ChangeTag::Equal => ("same", ' '),
            };
            DiffLine {
                class,
                sign,
                text: change.value().trim_end_matches(['\n', '\r']).to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_is_one_removal_and_one_addition() {
        let lines = diff_lines("a\nb\nc\n", "a\nB\nc\nd");
        let shown: Vec<String> = lines
            .iter()
            .map(|l| format!("{}{}", l.sign, l.text))
            .collect();
        assert_eq!(shown, [" a", "-b", "+B", " c", "+d"]);
    }
}
