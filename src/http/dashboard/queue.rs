//! The approvers' queue: pending pauses, oldest first. The page polls `/queue/items` for a
//! fresh server-rendered list, so new pauses appear without a reload (and without JS, a reload
//! shows them too). Both list the session's mode only (live or test pauses, the "Test data"
//! switch); the list says which in `X-Mode`, so a page left open in the other mode reloads.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::format::{human_duration, key_labels, requested_by, shown, Shown};
use super::json_view;
use super::layout::{page, HasLayout, Layout};
use super::session::PageSession;
use crate::domain::ids::WorkspaceId;
use crate::domain::pauses::{self, Status};
use crate::domain::{plans, rfc3339, Millis};
use crate::error::PageError;
use crate::http::State;

/// The queue shows at most this many; the count in the heading is the full total.
const QUEUE_LIMIT: i64 = 200;

pub fn routes(cfg: &mut web::ServiceConfig) {
    for (path, route) in [
        ("/", web::get().to(index)),
        ("/queue/items", web::get().to(items)),
    ] {
        cfg.service(
            web::resource(path)
                .route(route)
                .default_service(crate::http::only("GET")),
        );
    }
}

pub struct QueueItem {
    pub watch_id: String,
    pub action: Shown,
    pub requested_by: Shown,
    pub context_preview: String,
    pub created_at: String,
    pub age: String,
    pub expires_at: String,
    pub expires_at_ms: Millis,
    pub expires_in: String,
    /// `approval`, `question` or `plan`: a question is answered on its page, not from the queue.
    pub kind: &'static str,
    /// A plan: its first characters as text, and plan buttons (feedback required to send back).
    pub plan_preview: Option<Shown>,
    /// The agent that asked, when the pause names one (a link to its page).
    pub agent: Option<String>,
}

#[derive(Template)]
#[template(path = "queue.html")]
pub struct QueuePage {
    pub layout: Layout,
    pub csrf_token: String,
    pub items: Vec<QueueItem>,
    pub total: i64,
}

impl HasLayout for QueuePage {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

#[derive(Template)]
#[template(path = "queue_items.html")]
pub struct QueueItems {
    pub csrf_token: String,
    pub items: Vec<QueueItem>,
}

/// The first `chars` characters of `text` on one line, with an ellipsis when cut.
fn preview(text: &str, chars: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(chars) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

fn load(
    state: &State,
    workspace_id: WorkspaceId,
    test: bool,
) -> Result<(Vec<QueueItem>, i64), PageError> {
    let conn = state.read()?;
    let now = state.now();
    let page = pauses::list(
        &conn,
        pauses::Scope::mode(workspace_id, test),
        Some(Status::Pending),
        QUEUE_LIMIT,
        0,
        now,
        true,
    )?;
    let keys = key_labels(&conn, workspace_id)?;
    let items = page
        .items
        .iter()
        .map(|p| QueueItem {
            watch_id: p.watch_id.to_string(),
            action: shown(&p.action),
            requested_by: requested_by(p, &keys),
            context_preview: json_view::preview(p.context.as_deref(), 140),
            created_at: rfc3339(p.created_at),
            age: human_duration(now - p.created_at),
            expires_at: rfc3339(p.expires_at),
            expires_at_ms: p.expires_at,
            expires_in: human_duration(p.expires_at - now),
            kind: p.kind.as_str(),
            plan_preview: plans::text(p).map(|t| shown(&preview(&t, 140))),
            agent: p.agent.clone(),
        })
        .collect();
    Ok((items, page.total))
}

pub async fn index(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let (items, total) = load(&state, signed.user().workspace_id, signed.session.test_mode)?;
    let layout = Layout::new(&req, &signed, "queue");
    page(
        &state,
        &QueuePage {
            csrf_token: layout.csrf_token.clone(),
            layout,
            items,
            total,
        },
    )
}

/// The list alone, with the pending count in `X-Pending-Count` for the tab title.
pub async fn items(state: State, session: PageSession) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let test = signed.session.test_mode;
    let (items, total) = load(&state, signed.user().workspace_id, test)?;
    let body = QueueItems {
        csrf_token: signed.csrf_token(),
        items,
    }
    .render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-pending-count", total.to_string()))
        .insert_header(("x-mode", if test { "test" } else { "live" }))
        .body(body))
}
