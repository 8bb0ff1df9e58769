//! One pause in full, in reading order: what is asked, the content to judge (context, plan,
//! questions, editable fields), the decision, then the timeline. The same partial is the body
//! of `/pauses/:watchId` and the right pane of the inbox (`/?pause=`, `/queue/pause/:watchId`),
//! so both always show the same thing.

use askama::Template;

use super::answer_form::QuestionsView;
use super::format::{human_duration, requested_by, shown, words, Shown};
use super::json_view;
use super::pause_extras::PauseExtras;
use super::pause_pane_data::PaneData;
use super::pause_policy::{decided_by_policy, risk_class, PolicyView};
use super::pause_votes::VotesView;
use super::plan_view::PlanView;
use super::session::SignedIn;
use super::zone::Zone;
use crate::domain::event_type::EventType;
use crate::domain::kind::Kind;
use crate::domain::pauses::{Pause, Status};
use crate::domain::policy::remember::MAX_DAYS;
use crate::domain::timeline::{self, Event};
use crate::domain::{rfc3339, Millis};
use crate::error::PageError;
use crate::http::State;

/// What the partial needs of the page around it, under the names `app.html` pages use, so the
/// shared includes (`pause_extras_*.html`, `question_fields.html`) read the same everywhere.
pub struct PaneLayout {
    pub csrf_token: String,
    pub zone: Zone,
}

/// Where the pane is shown, and what that changes.
pub struct Place {
    /// The reader's zone (the page's `layout.zone`).
    pub zone: Zone,
    /// Where a decision form sends the browser afterwards (a local path).
    pub next: String,
    /// In the inbox (else on the pause's own page).
    pub inbox: bool,
    /// The reader chose this pause: record that they viewed it (not for the first pending
    /// pause the inbox shows unasked).
    pub viewed: bool,
}

pub struct Step {
    pub at: String,
    /// Names people gave (keys, rules) are in it.
    pub text: Shown,
}

/// "Always allow `<tool>` for `<agent>`" on the approve form: an approval that names both.
pub struct RememberOffer {
    pub tool: Shown,
    pub agent: Shown,
    /// The longest a remembered decision may last, in days.
    pub max_days: i64,
}

impl RememberOffer {
    /// Offered for an approval that names both a tool and an agent (a rule needs both).
    pub fn of(p: &Pause) -> Option<RememberOffer> {
        match (p.kind, p.tool.as_deref(), p.agent.as_deref()) {
            (Kind::Approval, Some(tool), Some(agent)) => Some(RememberOffer {
                tool: shown(tool),
                agent: shown(agent),
                max_days: MAX_DAYS,
            }),
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "pause_pane.html")]
pub struct PausePane {
    pub layout: PaneLayout,
    /// In the inbox the action is a second-level heading (the page's is the queue's).
    pub inbox: bool,
    /// Where a decision form sends the browser afterwards (a local path).
    pub next: String,
    pub watch_id: String,
    pub action: Shown,
    pub status: &'static str,
    pub pending: bool,
    pub test: bool,
    pub test_mode: bool,
    pub requested_by: Shown,
    pub agent: Option<Shown>,
    /// `/agents/<name>`, the name percent-encoded.
    pub agent_href: Option<String>,
    pub created_at: String,
    pub age: String,
    pub expires_at: String,
    pub expires_at_ms: Millis,
    pub expires_in: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    /// Built by [`json_view::render`], which escapes every agent string.
    pub context_html: Option<String>,
    /// When retention purged the context (a context never sent is simply not shown).
    pub context_purged_at: Option<String>,
    pub metadata: Vec<(Shown, Shown)>,
    pub callback_url: Option<Shown>,
    /// Oldest first, one row per event.
    pub timeline: Vec<Step>,
    pub reason_required: bool,
    pub extras: PauseExtras,
    pub kind: &'static str,
    pub questions: Option<QuestionsView>,
    pub plan: Option<PlanView>,
    /// The status in words ("changes requested").
    pub status_label: String,
    /// `low` … `critical` and its badge's classes; none on pauses made before risks.
    pub risk: Option<(&'static str, &'static str)>,
    pub tool: Option<Shown>,
    /// What the decision policy said; none on pauses made before policies.
    pub policy: Option<PolicyView>,
    /// Shown instead of a person for a pause the policy decided.
    pub decided_by_policy: Option<Shown>,
    pub remember: Option<RememberOffer>,
    /// The routed group, the quorum's votes so far and the reader's own vote.
    pub votes: VotesView,
    /// Who was told of the pause, channel by channel.
    pub told: Vec<super::pause_told::ToldRow>,
    /// The second factor the decision needs first, when it needs step-up.
    pub step_up: Option<super::pause_step_up::StepUpView>,
}

fn describe(e: &Event) -> String {
    let details = || {
        e.details
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .unwrap_or_default()
    };
    match e.event {
        EventType::PauseExpired => e.event.label().into(),
        // Sent by Holdpoint itself, at the time the settings gave: no actor to name.
        EventType::PauseReminded => match details()["overdue"].as_bool() {
            Some(true) => format!("{}, past the deadline", e.event.label()),
            _ => e.event.label().into(),
        },
        EventType::PauseEscalated => match details()["escalateTo"].as_str() {
            Some(group) => format!("Escalated to group {group}"),
            None => "Escalated to the owners and admins".into(),
        },
        // "Executed, reported by key “billing-bot-7”".
        EventType::PauseOutcomeReported => {
            let status = e
                .details
                .as_deref()
                .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                .and_then(|d| d["status"].as_str().map(super::format::capitalise))
                .unwrap_or_else(|| "Outcome".into());
            format!("{status}, reported by {}", e.actor)
        }
        _ => format!("{} {}", e.event.label(), e.actor),
    }
}

/// A decision the policy made at creation is recorded as the system's: say which policy.
fn describe_in(p: &Pause, e: &Event) -> String {
    let done = match e.event {
        EventType::PauseApproved => "Approved",
        EventType::PauseRejected => "Rejected",
        _ => return describe(e),
    };
    match decided_by_policy(p) {
        Some(by) => format!("{done}. {by}"),
        None => describe(e),
    }
}

fn steps(p: &Pause, events: &[Event], now: Millis) -> Vec<(Millis, Step)> {
    let mut steps: Vec<(Millis, Step)> = events
        .iter()
        .map(|e| {
            let step = Step {
                at: rfc3339(e.at),
                text: shown(&describe_in(p, e)),
            };
            (e.at, step)
        })
        .collect();
    // Expired in the eyes of readers before the sweep has written it down.
    if p.status(now) == Status::Expired
        && !events.iter().any(|e| e.event == EventType::PauseExpired)
    {
        let step = Step {
            at: rfc3339(p.expires_at),
            text: shown("Expired without a decision"),
        };
        steps.push((p.expires_at, step));
    }
    // Oldest first everywhere; the sort is stable, so same-instant events keep their order.
    steps.sort_by_key(|(at, _)| *at);
    steps
}

fn metadata(p: &Pause) -> Vec<(Shown, Shown)> {
    p.metadata
        .as_deref()
        .and_then(|m| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(m).ok())
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    (shown(&k), shown(&v))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The agent's page; a space is `%20` (a `+` in a path is a plus sign).
pub fn agent_href(name: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("/agents/{}", encoded.replace('+', "%20"))
}

impl PausePane {
    /// The pane of `p` for the signed-in reader, shown at `place`.
    pub async fn load(
        state: &State,
        signed: &SignedIn,
        p: &Pause,
        place: Place,
    ) -> Result<PausePane, PageError> {
        let user = signed.user().clone();
        let now = state.now();
        let id = p.watch_id.to_string();
        let data = PaneData::read(state, &signed.session, p, now).await?;
        if place.viewed {
            let (ws_id, view_id) = (user.workspace_id, id.clone());
            state
                .writer
                .spawn(move |ctx| timeline::record_view(ctx.conn, now, ws_id, &view_id, user.id));
        }
        let status = p.status(now);
        let decider = p.decided_by.as_ref().map(|d| d.full_label());
        Ok(PausePane {
            layout: PaneLayout {
                csrf_token: signed.csrf_token(),
                zone: place.zone,
            },
            inbox: place.inbox,
            next: place.next,
            watch_id: id,
            status: status.as_str(),
            pending: status == Status::Pending,
            test: p.test,
            test_mode: signed.session.test_mode,
            requested_by: requested_by(p, &data.keys),
            agent: p.agent.as_deref().map(shown),
            agent_href: p.agent.as_deref().map(agent_href),
            created_at: rfc3339(p.created_at),
            age: human_duration(now - p.created_at),
            expires_at: rfc3339(p.expires_at),
            expires_at_ms: p.expires_at,
            expires_in: human_duration(p.expires_at - now),
            extras: PauseExtras::new(p, decider.as_deref(), now),
            decided_by: decider,
            decided_at: p.decided_at.map(rfc3339),
            reason: p.reason.clone(),
            context_html: p.context.as_deref().map(json_view::render),
            context_purged_at: p.context_purged_at.map(rfc3339),
            metadata: metadata(p),
            callback_url: p.callback_url.as_deref().map(shown),
            timeline: steps(p, &data.events, now)
                .into_iter()
                .map(|(_, s)| s)
                .collect(),
            reason_required: data.ws.reject_reason_required,
            kind: p.kind.as_str(),
            questions: QuestionsView::of(p.request_json.as_deref(), p.response_json.as_deref()),
            action: shown(&p.action),
            plan: data.plan,
            status_label: words(status.as_str()),
            risk: p.risk.map(|r| (r.as_str(), risk_class(r))),
            tool: p.tool.as_deref().map(shown),
            policy: p.policy.as_ref().map(PolicyView::of),
            decided_by_policy: decided_by_policy(p),
            remember: RememberOffer::of(p),
            votes: VotesView::of(p, user.id, now),
            told: data.told,
            step_up: data.step_up,
        })
    }
}
