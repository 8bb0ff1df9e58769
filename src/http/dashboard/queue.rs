//! The approvers' inbox: pending pauses, oldest first, as a dense list on the left and one pause
//! in full on the right (two panes from 1024 px; below, the list or the pause). The list polls
//! `/queue/items` for a fresh server-rendered copy, so new pauses appear without a reload (and
//! without JS, a reload shows them too). Both list the session's mode only (live or test
//! pauses, the "Test data" switch); the list says which in `X-Mode`, so a page left open in the
//! other mode reloads. `?kind=`, `?agent=` and `?mine=1` filter both.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::format::{key_labels, shown, Shown};
use super::inbox;
use super::layout::{page, reader_zone, HasLayout, Layout};
use super::queue_filter::QueueQuery;
use super::queue_row::item;
pub use super::queue_row::QueueItem;
use super::session::{PageSession, SignedIn};
use super::zone::Zone;
use crate::domain::queue;
use crate::error::PageError;
use crate::http::State;

/// The queue shows at most this many; the count in the heading is the full total.
pub const QUEUE_LIMIT: i64 = 200;

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
    cfg.configure(inbox::routes);
}

#[derive(Template)]
#[template(path = "queue.html")]
pub struct QueuePage {
    pub layout: Layout,
    pub csrf_token: String,
    pub items: Vec<QueueItem>,
    pub total: i64,
    /// `/queue/items` with the filters (and the selection).
    pub live: String,
    /// The filter form's current values, and the agents that have a pending pause.
    pub kind: &'static str,
    pub agent: String,
    /// `(value, label)`: the name as sent back, and as shown.
    pub agents: Vec<(String, Shown)>,
    /// The "Mine" box: only what the reader may still vote on.
    pub mine: bool,
    /// The agent filter's value is one of `agents` (else it is added as an option).
    pub agent_listed: bool,
    /// The filters as a query string, for the script's fetches.
    pub filters: String,
    /// What in the address was ignored.
    pub notes: Vec<String>,
    /// A pause is named in the address: on a narrow screen the pane is shown, not the list.
    pub has_pause: bool,
    /// Rendered by `inbox_pane.html`, which escapes every agent string.
    pub pane_html: String,
    /// The list is filtered (its empty state says so, and "Show all" appears).
    pub filtered: bool,
}

impl HasLayout for QueuePage {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

#[derive(Template)]
#[template(path = "queue_items.html")]
pub struct QueueItems {
    pub items: Vec<QueueItem>,
    /// Whether the list is filtered (its empty state says so).
    pub filtered: bool,
}

async fn load(
    state: &State,
    signed: &SignedIn,
    q: &QueueQuery,
    selected: Option<&str>,
    zone: &Zone,
) -> Result<(Vec<QueueItem>, i64), PageError> {
    let now = state.now();
    let ws = signed.user().workspace_id;
    let test = signed.session.test_mode;
    let filter = q.filter_for(signed.user().id);
    let (page, keys) = state
        .read_blocking(move |conn| {
            let page = queue::pending(conn, ws, test, &filter, QUEUE_LIMIT, now)?;
            Ok::<_, PageError>((page, key_labels(conn, ws)?))
        })
        .await?;
    let items = page
        .items
        .iter()
        .map(|p| item(p, &keys, q, selected, (zone, now)))
        .collect();
    Ok((items, page.total))
}

pub async fn index(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let q = QueueQuery::parse(req.query_string());
    if let (None, Some(after)) = (&q.pause, &q.after) {
        return Err(inbox::after(&state, &signed, &q, after).await);
    }
    let zone = reader_zone(&req, &signed);
    let (mut items, total) = load(&state, &signed, &q, q.pause.as_deref(), &zone).await?;
    // Without a choice, the pane shows the first pending pause, marked in the list.
    if q.pause.is_none() {
        if let Some(first) = items.first_mut() {
            first.selected = true;
        }
    }
    let selected = q
        .pause
        .clone()
        .or_else(|| items.first().map(|i| i.watch_id.clone()));
    let layout = Layout::new(&req, &signed, "queue");
    let zone = layout.zone.clone();
    let chose = q.pause.is_some();
    let (_, pane_html) = inbox::pane(&state, &signed, &q, zone, selected.as_deref(), chose).await?;
    let agents = pending_agents(&state, &signed).await?;
    let filters = q.filter_query();
    page(
        &state,
        &QueuePage {
            csrf_token: layout.csrf_token.clone(),
            layout,
            items,
            total,
            live: live_url(&filters, selected.as_deref()),
            kind: q.filter.kind.map_or("", |k| k.as_str()),
            agent: q.filter.agent.clone().unwrap_or_default(),
            mine: q.mine,
            agent_listed: q.filter.agent.as_ref().is_some_and(|a| agents.contains(a)),
            agents: agents.iter().map(|a| (a.clone(), shown(a))).collect(),
            notes: q.notes.clone(),
            has_pause: q.pause.is_some(),
            pane_html,
            filtered: !filters.is_empty(),
            filters,
        },
    )
}

/// The agents with pauses pending in the reader's mode, for the agent filter.
async fn pending_agents(state: &State, signed: &SignedIn) -> Result<Vec<String>, PageError> {
    let (ws, test, now) = (
        signed.user().workspace_id,
        signed.session.test_mode,
        state.now(),
    );
    Ok(state
        .read_blocking(move |conn| queue::pending_agents(conn, ws, test, now))
        .await?)
}

fn live_url(filters: &str, selected: Option<&str>) -> String {
    let mut url = "/queue/items".to_string();
    if !filters.is_empty() {
        url = format!("{url}?{filters}");
    }
    if let Some(id) = selected {
        let sep = if filters.is_empty() { '?' } else { '&' };
        url = format!("{url}{sep}pause={}", web_safe(id));
    }
    url
}

/// A watchId from the address, as it may appear in one.
fn web_safe(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// The list alone (filtered like the page, `?pause=` marking the selected row), with the
/// pending count in `X-Pending-Count` for the tab title.
pub async fn items(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let test = signed.session.test_mode;
    let q = QueueQuery::parse(req.query_string());
    let zone = reader_zone(&req, &signed);
    let (items, total) = load(&state, &signed, &q, q.pause.as_deref(), &zone).await?;
    let body = QueueItems {
        items,
        filtered: !q.filter_query().is_empty(),
    }
    .render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-pending-count", total.to_string()))
        .insert_header(("x-mode", if test { "test" } else { "live" }))
        .body(body))
}
