//! One pause in full: the action, the agent's context as a collapsible JSON tree, metadata, its
//! timeline, and the decision forms (or who decided, when and why).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::answer_form::QuestionsView;
use super::format::{human_duration, key_labels, requested_by, shown, Shown};
use super::json_view;
use super::layout::{page, HasLayout, Layout};
use super::pause_extras::PauseExtras;
use super::plan_view::PlanView;
use super::session::PageSession;
use crate::domain::event_type::EventType;
use crate::domain::pauses::{self, Pause, Status};
use crate::domain::timeline::{self, Event};
use crate::domain::{rfc3339, workspaces, Millis};
use crate::error::{AppError, PageError};
use crate::http::api::pauses::parse_watch_id;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/pauses/{watch_id}")
            .route(web::get().to(show))
            .default_service(crate::http::only("GET")),
    );
}

pub struct Step {
    pub at: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "pause.html")]
pub struct PausePage {
    pub layout: Layout,
    pub watch_id: String,
    pub action: Shown,
    pub status: &'static str,
    pub pending: bool,
    pub test: bool,
    pub requested_by: Shown,
    pub created_at: String,
    pub expires_at: String,
    pub expires_at_ms: Millis,
    pub expires_in: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    /// Built by [`json_view::render`], which escapes every agent string.
    pub context_html: Option<String>,
    /// When retention purged the context, instead of "the agent sent none".
    pub context_purged_at: Option<String>,
    pub metadata: Vec<(Shown, Shown)>,
    pub callback_url: Option<Shown>,
    pub timeline: Vec<Step>,
    pub reason_required: bool,
    pub extras: PauseExtras,
    pub kind: &'static str,
    /// A question pause's questions (an answer form while pending) and answers.
    pub questions: Option<QuestionsView>,
    /// For a plan: its Markdown, versions and diff (see `pause_plan.html`).
    pub plan: Option<PlanView>,
    /// The status in words ("changes requested").
    pub status_label: String,
}

impl HasLayout for PausePage {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

fn describe(e: &Event) -> String {
    match e.event {
        EventType::PauseExpired => e.event.label().into(),
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

fn steps(p: &Pause, events: &[Event], now: Millis) -> Vec<Step> {
    let mut steps: Vec<Step> = events
        .iter()
        .map(|e| Step {
            at: rfc3339(e.at),
            text: describe(e),
        })
        .collect();
    // Expired in the eyes of readers before the sweep has written it down.
    if p.status(now) == Status::Expired
        && !events.iter().any(|e| e.event == EventType::PauseExpired)
    {
        steps.push(Step {
            at: rfc3339(p.expires_at),
            text: "Expired without a decision".into(),
        });
    }
    steps
}

fn decider(p: &Pause) -> Option<String> {
    p.decided_by.as_ref().map(|d| d.full_label())
}

pub async fn show(
    state: State,
    session: PageSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let user = signed.user().clone();
    let watch_id = parse_watch_id(&path)?;
    let now = state.now();
    let conn = state.read()?;
    let p = pauses::get(&conn, user.workspace_id, &watch_id)?.ok_or_else(|| {
        PageError::App(AppError::NotFound("no such pause in your workspace".into()))
    })?;
    let id = p.watch_id.to_string();
    let events = timeline::for_pause(&conn, user.workspace_id, p.id, &id)?;
    let keys = key_labels(&conn, user.workspace_id)?;
    let ws = workspaces::get(&conn, user.workspace_id)?;
    let plan = PlanView::load(&conn, &p, now)?;
    drop(conn);
    let (ws_id, view_id) = (user.workspace_id, id.clone());
    state
        .writer
        .spawn(move |ctx| timeline::record_view(ctx.conn, now, ws_id, &view_id, user.id));
    let status = p.status(now);
    let metadata = p
        .metadata
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
        .unwrap_or_default();
    let view = PausePage {
        layout: Layout::new(&req, &signed, "queue"),
        watch_id: id,
        status: status.as_str(),
        pending: status == Status::Pending,
        test: p.test,
        requested_by: requested_by(&p, &keys),
        created_at: rfc3339(p.created_at),
        expires_at: rfc3339(p.expires_at),
        expires_at_ms: p.expires_at,
        expires_in: human_duration(p.expires_at - now),
        decided_by: decider(&p),
        decided_at: p.decided_at.map(rfc3339),
        reason: p.reason.clone(),
        context_html: p.context.as_deref().map(json_view::render),
        context_purged_at: p.context_purged_at.map(rfc3339),
        metadata,
        callback_url: p.callback_url.as_deref().map(shown),
        timeline: steps(&p, &events, now),
        reason_required: ws.reject_reason_required,
        extras: PauseExtras::new(&p, decider(&p).as_deref(), now),
        kind: p.kind.as_str(),
        questions: QuestionsView::of(p.request_json.as_deref(), p.response_json.as_deref()),
        action: shown(&p.action),
        plan,
        status_label: status.as_str().replace('_', " "),
    };
    page(&state, &view)
}
