//! One agent's page (of the session's mode): its state, controls, pin and delete for owners and
//! admins, and its timeline: pauses, guidance, control actions and changes of reported state
//! (heartbeats that changed nothing are not kept, so they are summarised by first and last
//! seen). Every agent-supplied text reaches the template as [`Shown`].

use crate::db::sql::params;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::agents_page::{fleet_of, AgentRow};
use super::format::{stamp, Shown, Stamp};
use super::layout::{page, HasLayout, Layout};
use super::session::PageSession;
use crate::domain::agents::{self, guidance, pin, Agent, Fleet};
use crate::domain::event_type::EventType;
use crate::domain::policy;
use crate::domain::Millis;
use crate::error::{AppError, PageError};
use crate::http::State;

/// Entries on one agent's timeline.
const TIMELINE: i64 = 50;

/// One line of an agent's timeline.
pub struct Entry {
    pub at: Stamp,
    pub kind: &'static str,
    pub text: Shown,
    /// A pause's page.
    pub link: Option<String>,
}

/// A key the agent may be pinned to, for the owner's select.
pub struct KeyChoice {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "agent.html")]
pub struct AgentPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub agent: AgentRow,
    pub first_seen: Stamp,
    pub timeline: Vec<Entry>,
    /// "name (hitl_live_abc…)" of the key it is pinned to.
    pub pinned: Option<String>,
    pub keys: Vec<KeyChoice>,
    /// The agent's cap on the autonomy level, if it has one.
    pub autonomy: Option<u8>,
    /// The workspace's level, for saying what applies.
    pub workspace_level: u8,
}

impl HasLayout for AgentPage {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

fn no_such_agent(fleet: Fleet, name: &str) -> AppError {
    AppError::NotFound(format!(
        "there is no {} agent {} here",
        fleet.mode(),
        Shown::new(name)
    ))
}

pub async fn detail(
    state: State,
    session: PageSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let (fleet, now, name) = (fleet_of(&signed), state.now(), path.into_inner());
    let layout = Layout::new(&req, &signed, "agents");
    let body = state
        .read_blocking(move |conn| {
            let agent = agents::validate_name("agent", &name)
                .ok()
                .and_then(|n| agents::get(conn, fleet, &n).transpose())
                .transpose()?
                .ok_or_else(|| no_such_agent(fleet, &name))?;
            let stopped = agents::stopped_at(conn, fleet)?.is_some();
            let pending = agents::pending_count(conn, fleet, &agent.name, now)?;
            let timeline = timeline(conn, &agent)?;
            let pinned =
                pin::pinned_key(conn, &agent)?.map(|k| format!("{} ({}…)", k.name, k.prefix));
            let keys = pin::candidates(conn, fleet)?
                .into_iter()
                .map(|k| KeyChoice {
                    id: k.id.0,
                    label: format!("{} ({}…)", k.name, k.prefix),
                    selected: agent.pinned_key_id == Some(k.id),
                })
                .collect();
            let autonomy = policy::settings::agent_level(conn, fleet, &agent.name)?;
            let workspace_level = policy::settings::get(conn, fleet.workspace_id)?.autonomy_level;
            Ok::<_, PageError>(AgentPage {
                csrf_token: layout.csrf_token.clone(),
                layout,
                first_seen: stamp(agent.first_seen_at),
                agent: AgentRow::new(&agent, stopped, pending, now),
                timeline,
                pinned,
                keys,
                autonomy,
                workspace_level,
            })
        })
        .await?;
    page(&state, &body)
}

/// Pauses, guidance, control actions and state changes of the agent's mode, newest first.
fn timeline(conn: &crate::db::sql::Connection, a: &Agent) -> Result<Vec<Entry>, PageError> {
    let mut out: Vec<(Millis, Entry)> = Vec::new();
    let mut push = |at: Millis, kind, text: String, link| {
        let text = Shown::new(&text);
        out.push((
            at,
            Entry {
                at: stamp(at),
                kind,
                text,
                link,
            },
        ));
    };
    for h in agents::history(conn, a, TIMELINE)? {
        let state = h.state.map_or("—", |s| s.as_str());
        let tool = h.tool.map(|t| format!(", tool {t}")).unwrap_or_default();
        let run = h.run.map(|r| format!(", run {r}")).unwrap_or_default();
        push(h.at, "state", format!("Reported {state}{tool}{run}"), None);
    }
    for g in guidance::recent(conn, a, TIMELINE)? {
        let text = format!("Guidance from {}: {}", g.from, g.message);
        push(g.created_at, "guidance", text, None);
    }
    for (at, event, by) in controls(conn, a)? {
        let verb = event
            .as_str()
            .strip_prefix("agent.")
            .unwrap_or(event.as_str());
        let text = format!("{} by {by}", super::format::capitalise(verb));
        push(at, "control", text, None);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT created_at, watch_id, action, status FROM pauses
         WHERE workspace_id = ?1 AND is_test = ?2 AND agent = ?3 ORDER BY id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![a.workspace_id, a.test, a.name, TIMELINE], |r| {
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

/// The audit log's control events of this agent (in its mode), newest first: (at, event, by).
fn controls(
    conn: &crate::db::sql::Connection,
    a: &Agent,
) -> Result<Vec<(Millis, EventType, String)>, PageError> {
    let events = [
        EventType::AgentPaused,
        EventType::AgentResumed,
        EventType::AgentCancelled,
        EventType::AgentGuided,
        EventType::AgentPinned,
        EventType::AgentUnpinned,
    ];
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    let (events_in, mode) = conn.pick(
        (
            "SELECT value FROM json_each(?3)",
            "json_extract(l.details, '$.mode')",
        ),
        (
            "SELECT jsonb_array_elements_text(CAST(?3 AS jsonb))",
            "CAST(l.details AS jsonb) ->> 'mode'",
        ),
    );
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT l.at, l.event, coalesce(u.email, 'API key ' || k.name, l.actor_type)
         FROM audit_log l
         LEFT JOIN users u ON l.actor_type = 'user' AND u.id = l.actor_id
         LEFT JOIN api_keys k ON l.actor_type = 'key' AND k.id = l.actor_id
         WHERE l.workspace_id = ?1 AND l.subject = ?2
           AND l.event IN ({events_in})
           AND coalesce({mode}, 'live') = ?4
         ORDER BY l.id DESC LIMIT ?5"
    ))?;
    let json = serde_json::to_string(&names).unwrap_or_default();
    let mode = a.fleet().mode();
    let rows = stmt.query_map(params![a.workspace_id, a.name, json, mode, TIMELINE], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
