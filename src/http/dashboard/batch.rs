//! `POST /queue/batch`: the queue's batch form (`watch_id` repeated, `decision=approve|reject`,
//! an optional `reason`) decides each selected pause through
//! [`app::batch`](crate::app::batch) and answers a page with one row per pause. A form that
//! cannot be a batch (no pause, too many, an id that is not one, an unknown decision, a reason
//! too long) is a 400 page with nothing decided; the CSRF token is checked before any of it.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use uuid::Uuid;

use super::format::{capitalise, shown, words, Shown};
use super::forms::{post_only, CsrfForm};
use super::layout::{page, HasLayout, Layout};
use crate::app::batch::{self, Approver, Batch, Outcome};
use crate::domain::pauses::{Pause, Status};
use crate::domain::rfc3339;
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(cfg, [("/queue/batch", web::post().to(submit))]);
}

/// One pause's row: what it asked (when it was found) and what became of it.
pub struct ResultRow {
    pub watch_id: String,
    pub action: Option<Shown>,
    /// What the summary counts it as, also its CSS modifier (`approved`, `not-allowed`, ...).
    pub category: &'static str,
    /// The badge's colour: the status classes the other pages use.
    pub class: &'static str,
    /// The badge's icon, so the outcome reads without its colour.
    pub icon: &'static str,
    /// "Approved", "Already rejected by ann@example.com", "Not allowed".
    pub outcome: Shown,
    /// When someone else decided it first.
    pub decided_at: Option<String>,
    /// Why it was left alone.
    pub why: Option<String>,
}

#[derive(Template)]
#[template(path = "batch_results.html")]
pub struct BatchResults {
    pub layout: Layout,
    /// "3 approved, 1 already decided".
    pub summary: String,
    pub rows: Vec<ResultRow>,
    /// `approve` or `reject`, what was asked of every row.
    pub decision: &'static str,
}

impl HasLayout for BatchResults {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

/// The form's fields, in the order sent (`watch_id` repeats).
type Fields = Vec<(String, String)>;

pub async fn submit(
    state: State,
    req: HttpRequest,
    CsrfForm { signed, form }: CsrfForm<Fields>,
) -> Result<HttpResponse, PageError> {
    let (batch, approve) = parse(form)?;
    let who = Approver {
        user_id: signed.user().id,
        workspace_id: signed.user().workspace_id,
        test: signed.session.test_mode,
        auth: signed.session.auth,
    };
    let rows = batch::decide(&state.services, who, batch).await?;
    let now = state.now();
    let rows: Vec<ResultRow> = rows.into_iter().map(|r| row(r, now)).collect();
    let view = BatchResults {
        layout: Layout::new(&req, &signed, "queue"),
        summary: summary(&rows),
        rows,
        decision: if approve { "approve" } else { "reject" },
    };
    page(&state, &view)
}

fn bad(detail: String) -> PageError {
    PageError::App(AppError::BadRequest(detail))
}

/// The batch the form asks for, or a 400 that says what to fix.
fn parse(fields: Fields) -> Result<(Batch, bool), PageError> {
    let mut ids: Vec<Uuid> = Vec::new();
    let (mut decision, mut reason) = (None, None);
    for (name, value) in fields {
        match name.as_str() {
            "watch_id" => ids.push(Uuid::try_parse(value.trim()).map_err(|_| {
                let start: String = value.chars().take(40).collect();
                bad(format!(
                    "“{}” is not a pause's id; nothing was decided.",
                    shown(&start)
                ))
            })?),
            "decision" => decision = Some(value),
            "reason" => reason = Some(value),
            _ => {}
        }
    }
    let approve = match decision.as_deref() {
        Some("approve") => true,
        Some("reject") => false,
        _ => {
            return Err(bad(
                "A batch decision is approve or reject; nothing was decided.".into(),
            ))
        }
    };
    let batch = Batch::new(ids, approve, reason).map_err(|e| {
        bad(format!(
            "{}; nothing was decided.",
            capitalise(&e.to_string())
        ))
    })?;
    Ok((batch, approve))
}

fn status_words(p: &Pause, now: i64) -> String {
    words(p.status(now).as_str())
}

fn row(r: batch::Row, now: i64) -> ResultRow {
    let (pause, category, outcome, why) = match r.outcome {
        Outcome::Decided(p) => {
            let category = match p.status(now) {
                Status::Rejected => "rejected",
                _ => "approved",
            };
            let text = capitalise(&status_words(&p, now));
            (Some(p), category, text, None)
        }
        Outcome::VoteRecorded(p) => {
            let text = format!("Vote recorded: {}", crate::http::vote_notice::tally(&p));
            (Some(p), "vote recorded", text, None)
        }
        Outcome::AlreadySettled(p) => {
            let by = p
                .decided_by
                .as_ref()
                .map(|d| format!(" by {}", d.full_label()))
                .unwrap_or_default();
            let text = format!("Already {}{by}", status_words(&p, now));
            (Some(p), "already decided", text, None)
        }
        Outcome::Expired(p) => (Some(p), "expired", "Expired".into(), None),
        // Left pending: its page asks for the second factor.
        Outcome::NotAllowed(p, batch::Refusal::StepUp) => (
            Some(p),
            "not allowed",
            "Needs step-up".into(),
            Some("Still pending: decide it on its page, with a second factor".into()),
        ),
        Outcome::NotAllowed(p, refusal) => (
            Some(p),
            "not allowed",
            "Not allowed".into(),
            Some(capitalise(&refusal.to_string())),
        ),
        Outcome::NotFound => (None, "not found", "Not found".into(), None),
    };
    let decided_at = pause
        .as_ref()
        .filter(|_| category == "already decided")
        .and_then(|p| p.decided_at.map(rfc3339));
    ResultRow {
        watch_id: r.watch_id.to_string(),
        action: pause.as_ref().map(|p| shown(&p.action)),
        category,
        class: match category {
            "approved" => "status-approved",
            "vote recorded" => "status-pending votes",
            "rejected" => "status-rejected",
            "not allowed" => "status-pending",
            _ => "status-expired",
        },
        icon: match category {
            "approved" => "✓",
            "vote recorded" => "✓",
            "rejected" => "✗",
            "not allowed" => "⊘",
            "expired" => "⌛",
            "not found" => "?",
            _ => "•",
        },
        outcome: shown(&outcome),
        decided_at,
        why,
    }
}

/// The order the summary counts rows in.
const CATEGORIES: [&str; 7] = [
    "approved",
    "vote recorded",
    "rejected",
    "already decided",
    "expired",
    "not allowed",
    "not found",
];

/// "3 approved, 1 already decided": each outcome that occurred, with its count.
fn summary(rows: &[ResultRow]) -> String {
    CATEGORIES
        .iter()
        .filter_map(|c| {
            let n = rows.iter().filter(|r| r.category == *c).count();
            let c = match (*c, n) {
                ("vote recorded", 2..) => "votes recorded",
                _ => c,
            };
            (n > 0).then(|| format!("{n} {c}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, value: &str) -> (String, String) {
        (name.into(), value.into())
    }

    #[test]
    fn the_summary_counts_each_outcome_that_occurred_in_a_fixed_order() {
        let r = |category| ResultRow {
            watch_id: String::new(),
            action: None,
            category,
            class: "",
            icon: "",
            outcome: shown(""),
            decided_at: None,
            why: None,
        };
        let rows = [
            r("already decided"),
            r("approved"),
            r("approved"),
            r("approved"),
        ];
        assert_eq!(summary(&rows), "3 approved, 1 already decided");
        let votes = [r("vote recorded"), r("approved"), r("vote recorded")];
        assert_eq!(summary(&votes), "1 approved, 2 votes recorded");
    }

    #[test]
    fn a_form_without_a_known_decision_is_refused() {
        let id = Uuid::new_v4().to_string();
        for decision in [None, Some("maybe"), Some("Approve")] {
            let mut form = vec![field("watch_id", &id)];
            form.extend(decision.map(|d| field("decision", d)));
            assert!(parse(form).is_err(), "{decision:?}");
        }
        let form = vec![field("watch_id", &id), field("decision", "reject")];
        assert!(!parse(form).unwrap().1);
    }
}
