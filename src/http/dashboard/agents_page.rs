//! The Agents page: the fleet of the session's mode (live, or test with Test data on), what
//! needs a person first (pending pauses, then paused or cancelled agents, then the rest, each
//! by last seen), 50 a page, searchable by name, run or tool, and refreshed without a reload
//! from `/agents/items` like the queue. One agent's page is [`super::agent_page`].

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::format::{human_duration, stamp, Shown, Stamp};
use super::layout::{page, reader_zone, HasLayout, Layout};
use super::session::{PageSession, SignedIn};
use super::zone::Zone;
use crate::domain::agents::{self, Agent, Control, Fleet};
use crate::domain::Millis;
use crate::error::PageError;
use crate::http::query::Query;
use crate::http::State;

/// Agents on one page of the fleet.
pub const PAGE_SIZE: i64 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    super::agent_actions::routes(cfg);
    for (path, route) in [
        ("/agents", web::get().to(index)),
        ("/agents/items", web::get().to(items)),
        ("/agents/{agent}", web::get().to(super::agent_page::detail)),
    ] {
        cfg.service(
            web::resource(path)
                .route(route)
                .default_service(crate::http::only("GET")),
        );
    }
}

/// The session's fleet: its workspace, in its Test data mode.
pub fn fleet_of(signed: &SignedIn) -> Fleet {
    Fleet::new(signed.user().workspace_id, signed.session.test_mode)
}

pub struct AgentRow {
    /// Names are `[A-Za-z0-9._:-]` (checked when made): safe in a path and an id.
    pub name: String,
    pub state: &'static str,
    pub tool: Shown,
    /// 0 to 100, or None when the agent never reported one.
    pub progress: Option<i64>,
    pub run: String,
    /// What the agent reads (`paused` under the stop), and whether a person paused it.
    pub control: &'static str,
    pub own_control: &'static str,
    pub last_seen: Stamp,
    pub last_seen_ago: String,
    pub pending: i64,
}

impl AgentRow {
    pub fn new(a: &Agent, stopped: bool, pending: i64, now: Millis) -> AgentRow {
        AgentRow {
            name: a.name.clone(),
            state: a.state.map_or("—", |s| s.as_str()),
            tool: Shown::new(a.tool.as_deref().unwrap_or_default()),
            progress: a.progress,
            run: a.run.clone().unwrap_or_default(),
            control: a.effective(stopped).as_str(),
            own_control: a.control.as_str(),
            last_seen: stamp(a.last_seen_at),
            last_seen_ago: human_duration(now - a.last_seen_at),
            pending,
        }
    }

    pub fn cancelled(&self) -> bool {
        self.own_control == Control::Cancelled.as_str()
    }

    pub fn paused_by_hand(&self) -> bool {
        self.own_control == Control::Paused.as_str()
    }

    /// The control as the fleet table words it: `stopped` when only the emergency stop pauses
    /// it, else running, paused or cancelled (the CSS gives each a colour and an icon).
    pub fn shown_control(&self) -> &'static str {
        match (self.own_control, self.control) {
            ("running", "paused") => "stopped",
            _ => self.control,
        }
    }
}

/// What the page was asked for: a search and a page number.
#[derive(Default)]
pub struct Wanted {
    pub q: String,
    pub page: i64,
}

impl Wanted {
    fn read(req: &HttpRequest) -> Wanted {
        let q = Query::parse(req.query_string()).ok();
        let q = q.as_ref();
        Wanted {
            q: q.and_then(|q| q.get("q").ok().flatten())
                .unwrap_or_default()
                .trim()
                .to_string(),
            page: q
                .and_then(|q| q.int("page", 1, 1_000_000, 1).ok())
                .unwrap_or(1),
        }
    }

    /// `/agents…?q=&page=`, for links and the refresh.
    pub fn url(&self, base: &str, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        match pairs.is_empty() {
            true => base.to_string(),
            false => format!(
                "{base}?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "agents.html")]
pub struct FleetPage {
    pub layout: Layout,
    pub wanted: Wanted,
    /// [`FleetItems`], rendered (the same markup the refresh fetches).
    pub items_html: String,
    /// Agents of the mode that match the search.
    pub total: i64,
    /// Whether an expired pause pauses its agent (shown to owners and admins).
    pub pause_on_expiry: bool,
}

impl HasLayout for FleetPage {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

#[derive(Template)]
#[template(path = "agents_items.html")]
pub struct FleetItems {
    pub csrf_token: String,
    /// The reader's time zone (the fragment has no layout of its own).
    pub zone: Zone,
    pub agents: Vec<AgentRow>,
    pub stopped: Option<Stamp>,
    pub searching: bool,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// "51–100 of 230", when there is more than one page.
    pub range: String,
}

async fn load(
    state: &State,
    signed: &SignedIn,
    wanted: &Wanted,
    zone: Zone,
) -> Result<(FleetItems, i64), PageError> {
    let (now, fleet) = (state.now(), fleet_of(signed));
    let filter = agents::Filter {
        q: Some(wanted.q.clone()),
        ..Default::default()
    };
    let offset = (wanted.page - 1) * PAGE_SIZE;
    let order = agents::Order::Attention;
    let page = state
        .read_blocking(move |conn| {
            agents::list(conn, fleet, &filter, order, (PAGE_SIZE, offset), now)
        })
        .await?;
    let rows: Vec<AgentRow> = (page.items.iter())
        .map(|(a, n)| AgentRow::new(a, page.stopped(), *n, now))
        .collect();
    let shown_to = offset + rows.len() as i64;
    let items = FleetItems {
        csrf_token: signed.csrf_token(),
        zone,
        stopped: page.stopped_at.map(stamp),
        searching: !wanted.q.is_empty(),
        prev: (wanted.page > 1).then(|| wanted.url("/agents", wanted.page - 1)),
        next: (shown_to < page.total).then(|| wanted.url("/agents", wanted.page + 1)),
        range: match page.total > PAGE_SIZE {
            true => format!(
                "{}–{shown_to} of {}",
                (offset + 1).min(shown_to),
                page.total
            ),
            false => String::new(),
        },
        agents: rows,
    };
    Ok((items, page.total))
}

pub async fn index(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let wanted = Wanted::read(&req);
    let layout = Layout::new(&req, &signed, "agents");
    let (items, total) = load(&state, &signed, &wanted, layout.zone.clone()).await?;
    let ws = signed.user().workspace_id;
    let pause_on_expiry = state
        .read_blocking(move |conn| agents::expiry::enabled(conn, ws))
        .await?;
    let fleet = FleetPage {
        layout,
        wanted,
        items_html: items.render()?,
        total,
        pause_on_expiry,
    };
    page(&state, &fleet)
}

/// The fleet alone, for the page's refresh (same search and page as the page).
pub async fn items(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let zone = reader_zone(&req, &signed);
    let (items, _) = load(&state, &signed, &Wanted::read(&req), zone).await?;
    let mode = fleet_of(&signed).mode();
    let mut res = super::layout::html(&items)?;
    res.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("x-mode"),
        actix_web::http::header::HeaderValue::from_static(mode),
    );
    Ok(res)
}
