//! The Agents page (the fleet, refreshed without a reload from `/agents/items` like the queue)
//! and one agent's page with its timeline: pauses, guidance, control actions and changes of
//! reported state (heartbeats that changed nothing are not kept, so they are summarised by
//! first and last seen).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use rusqlite::params;

use super::format::{human_duration, stamp, Stamp};
use super::layout::{page, HasLayout, Layout};
use super::session::PageSession;
use crate::domain::agents::{self, Agent, Control};
use crate::domain::ids::WorkspaceId;
use crate::domain::{guidance, Millis};
use crate::error::{AppError, PageError};
use crate::http::State;

/// The page shows at most this many agents (by name); the heading counts them all.
const FLEET_LIMIT: i64 = 200;
/// Entries on one agent's timeline.
const TIMELINE: i64 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    super::agent_actions::routes(cfg);
    for (path, route) in [
        ("/agents", web::get().to(index)),
        ("/agents/items", web::get().to(items)),
        ("/agents/{agent}", web::get().to(detail)),
    ] {
        cfg.service(
            web::resource(path)
                .route(route)
                .default_service(crate::http::only("GET")),
        );
    }
}

pub struct AgentRow {
    pub name: String,
    pub state: String,
    pub tool: String,
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
    fn new(a: &Agent, stopped: bool, pending: i64, now: Millis) -> AgentRow {
        AgentRow {
            name: a.name.clone(),
            state: a.state.map_or("—", |s| s.as_str()).to_string(),
            tool: a.tool.clone().unwrap_or_default(),
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
}

#[derive(Template)]
#[template(path = "agents.html")]
pub struct FleetPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub agents: Vec<AgentRow>,
    pub total: i64,
    pub stopped: Option<Stamp>,
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
    pub agents: Vec<AgentRow>,
    pub stopped: Option<Stamp>,
}

type Fleet = (Vec<AgentRow>, i64, Option<Stamp>);

fn load(state: &State, ws: WorkspaceId) -> Result<Fleet, PageError> {
    let conn = state.read()?;
    let now = state.now();
    let page = agents::list(&conn, ws, agents::Filter::default(), FLEET_LIMIT, 0, now)?;
    let rows = page
        .items
        .iter()
        .map(|(a, n)| AgentRow::new(a, page.stopped, *n, now))
        .collect();
    let stopped = agents::stopped_at(&conn, ws)?.map(stamp);
    Ok((rows, page.total, stopped))
}

pub async fn index(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let ws = signed.user().workspace_id;
    let (agents, total, stopped) = load(&state, ws)?;
    let pause_on_expiry = crate::domain::agent_expiry::enabled(&*state.read()?, ws)?;
    let layout = Layout::new(&req, &signed, "agents");
    let fleet = FleetPage {
        csrf_token: layout.csrf_token.clone(),
        layout,
        agents,
        total,
        stopped,
        pause_on_expiry,
    };
    page(&state, &fleet)
}

/// The fleet alone, for the page's refresh.
pub async fn items(state: State, session: PageSession) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let (agents, _, stopped) = load(&state, signed.user().workspace_id)?;
    let body = FleetItems {
        csrf_token: signed.csrf_token(),
        agents,
        stopped,
    };
    super::layout::html(&body)
}

/// One line of an agent's timeline.
pub struct Entry {
    pub at: Stamp,
    pub kind: &'static str,
    pub text: String,
    /// A pause's page.
    pub link: Option<String>,
}

#[derive(Template)]
#[template(path = "agent.html")]
pub struct AgentPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub agent: AgentRow,
    pub first_seen: Stamp,
    pub timeline: Vec<Entry>,
}

impl HasLayout for AgentPage {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

pub async fn detail(
    state: State,
    session: PageSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let ws = signed.user().workspace_id;
    let conn = state.read()?;
    let now = state.now();
    let agent = agents::validate_name("agent", &path)
        .ok()
        .and_then(|n| agents::get(&conn, ws, &n).transpose())
        .transpose()?
        .ok_or_else(|| AppError::NotFound(format!("there is no agent {} here", path.as_str())))?;
    let stopped = agents::stopped_at(&conn, ws)?.is_some();
    let pending = agents::pending_pauses(&conn, ws, &agent.name, now)?.len() as i64;
    let timeline = timeline(&conn, ws, &agent)?;
    let layout = Layout::new(&req, &signed, "agents");
    let body = AgentPage {
        csrf_token: layout.csrf_token.clone(),
        layout,
        first_seen: stamp(agent.first_seen_at),
        agent: AgentRow::new(&agent, stopped, pending, now),
        timeline,
    };
    page(&state, &body)
}

/// Pauses, guidance, control actions and state changes, newest first.
fn timeline(
    conn: &rusqlite::Connection,
    ws: WorkspaceId,
    a: &Agent,
) -> Result<Vec<Entry>, PageError> {
    let mut out: Vec<(Millis, Entry)> = Vec::new();
    let mut push = |at: Millis, kind, text: String, link| {
        let entry = Entry {
            at: stamp(at),
            kind,
            text,
            link,
        };
        out.push((at, entry));
    };
    for h in agents::history(conn, a.id, TIMELINE)? {
        let state = h.state.map_or("—", |s| s.as_str());
        let tool = h.tool.map(|t| format!(", tool {t}")).unwrap_or_default();
        let run = h.run.map(|r| format!(", run {r}")).unwrap_or_default();
        push(h.at, "state", format!("Reported {state}{tool}{run}"), None);
    }
    for g in guidance::recent(conn, a.id, TIMELINE)? {
        push(
            g.created_at,
            "guidance",
            format!("Guidance from {}: {}", g.from, g.message),
            None,
        );
    }
    let mut stmt = conn.prepare_cached(
        "SELECT l.at, l.event, coalesce(u.email, l.actor_type) FROM audit_log l
         LEFT JOIN users u ON l.actor_type = 'user' AND u.id = l.actor_id
         WHERE l.workspace_id = ?1 AND l.subject = ?2 AND l.event LIKE 'agent.%'
         ORDER BY l.id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![ws, a.name, TIMELINE], |r| {
        Ok((
            r.get::<_, Millis>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (at, event, by) = row?;
        let verb = event.strip_prefix("agent.").unwrap_or(&event);
        push(
            at,
            "control",
            format!("{} by {by}", super::format::capitalise(verb)),
            None,
        );
    }
    let mut stmt = conn.prepare_cached(
        "SELECT created_at, watch_id, action, status FROM pauses
         WHERE workspace_id = ?1 AND agent = ?2 ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![ws, a.name, TIMELINE], |r| {
        let w: [u8; 16] = r.get(1)?;
        Ok((
            r.get::<_, Millis>(0)?,
            uuid::Uuid::from_bytes(w),
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (at, watch, action, status) = row?;
        let text = format!("Asked “{action}” ({status})");
        push(at, "pause", text, Some(format!("/pauses/{watch}")));
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.0));
    Ok(out
        .into_iter()
        .take(TIMELINE as usize)
        .map(|(_, e)| e)
        .collect())
}
