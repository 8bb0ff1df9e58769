//! The approvers' queue: pending pauses, oldest first. The page polls `/queue/items` for a
//! fresh server-rendered list, so new pauses appear without a reload (and without JS, a reload
//! shows them too).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::json_view;
use super::layout::{page, HasLayout, Layout};
use super::session::PageSession;
use crate::domain::pauses::{self, Pause, Status};
use crate::domain::{api_keys, rfc3339, text, Millis};
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
    pub action: String,
    pub requested_by: String,
    pub context_preview: String,
    pub created_at: String,
    pub age: String,
    pub expires_at: String,
    pub expires_at_ms: Millis,
    pub expires_in: String,
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

/// Key names by id, for "requested by".
pub fn key_labels(
    conn: &rusqlite::Connection,
    workspace_id: i64,
) -> Result<HashMap<i64, String>, PageError> {
    Ok(api_keys::list(conn, workspace_id)
        .map_err(PageError::App)?
        .into_iter()
        .map(|k| {
            let label = if k.name.is_empty() {
                format!("{}…", k.prefix)
            } else {
                k.name
            };
            (k.id, label)
        })
        .collect())
}

/// `key “deploy”`, or `deploy-bot (via key “deploy”)` when the agent sent `metadata.agent`.
/// "test key" is said of a test pause (made with a `hitl_test_` key) and of nothing else, not
/// because of what a key happens to be called. Bidi controls in the agent's name are marked.
pub fn requested_by(p: &Pause, keys: &HashMap<i64, String>) -> String {
    let kind = if p.test { "test key" } else { "key" };
    let key = match p.api_key_id.and_then(|id| keys.get(&id)) {
        Some(label) => format!("{kind} “{label}”"),
        None => format!("an unknown {kind}"),
    };
    let agent = p
        .metadata
        .as_deref()
        .and_then(|m| serde_json::from_str::<HashMap<String, String>>(m).ok())
        .and_then(|m| m.get("agent").cloned());
    let who = match agent {
        Some(a) => format!("{a} (via {key})"),
        None => key,
    };
    text::mark_bidi(&who).into_owned()
}

pub fn human_duration(ms: Millis) -> String {
    let s = (ms / 1000).max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        3600..=86399 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86400, (s % 86400) / 3600),
    }
}

fn load(state: &State, workspace_id: i64) -> Result<(Vec<QueueItem>, i64), PageError> {
    let conn = state.read()?;
    let now = state.now();
    let page = pauses::list(
        &conn,
        pauses::Scope::people(workspace_id),
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
            action: text::mark_bidi(&p.action).into_owned(),
            requested_by: requested_by(p, &keys),
            context_preview: json_view::preview(p.context.as_deref(), 140),
            created_at: rfc3339(p.created_at),
            age: human_duration(now - p.created_at),
            expires_at: rfc3339(p.expires_at),
            expires_at_ms: p.expires_at,
            expires_in: human_duration(p.expires_at - now),
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
    let (items, total) = load(&state, signed.user().workspace_id)?;
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
    let (items, total) = load(&state, signed.user().workspace_id)?;
    let body = QueueItems {
        csrf_token: signed.csrf_token(),
        items,
    }
    .render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-pending-count", total.to_string()))
        .body(body))
}
