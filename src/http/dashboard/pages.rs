//! The signed-in pages. For now: the queue of pending pauses with Approve / Reject.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::session::PageSession;
use crate::domain::pauses::{self, Status};
use crate::domain::{rfc3339, Millis};
use crate::error::PageError;
use crate::http::query::Query;
use crate::http::State;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub detail: &'a str,
}

pub struct QueueItem {
    pub watch_id: String,
    pub action: String,
    pub context_preview: String,
    pub created_at: String,
    pub expires_at: String,
    pub expires_in: String,
}

#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    pub layout: super::layout::Layout,
    pub notice: Option<&'static str>,
    pub items: Vec<QueueItem>,
    pub total: i64,
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "approved" => Some("Approved."),
        "rejected" => Some("Rejected."),
        "conflict" => {
            Some("That pause was already decided, cancelled or expired; nothing was changed.")
        }
        _ => None,
    }
}

pub fn preview(context: Option<&str>, max: usize) -> String {
    let text = context.unwrap_or("");
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
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

pub async fn index(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let user = &signed.session.user;
    let now = state.now();
    let page = pauses::list(
        &*state.read()?,
        user.workspace_id,
        Some(Status::Pending),
        100,
        0,
        now,
        true,
    )?;
    let items = page
        .items
        .iter()
        .map(|p| QueueItem {
            watch_id: p.watch_id.to_string(),
            action: p.action.clone(),
            context_preview: preview(p.context.as_deref(), 160),
            created_at: rfc3339(p.created_at),
            expires_at: rfc3339(p.expires_at),
            expires_in: human_duration(p.expires_at - now),
        })
        .collect();
    let q = Query::parse(req.query_string()).ok();
    let notice = notice_text(q.as_ref().and_then(|q| q.get("notice").ok().flatten()));
    let html = IndexPage {
        layout: super::layout::Layout::new(&req, &signed, "queue"),
        notice,
        items,
        total: page.total,
    }
    .render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(html))
}
