//! What people do to agents: pause, resume, cancel, guide; cancel a run; the workspace's
//! emergency stop. Each change is audited with who did it, sent to the webhooks that subscribe
//! to it, and wakes the agent's parked checkpoint calls, in the transaction that makes it.

use rusqlite::params;
use serde_json::json;

use super::agents::{self, Agent, Control};
use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::guidance::{self, Guidance};
use super::outbox::{self, Channel, NewMessage};
use super::pauses::{self, Outcome, Pause};
use super::{webhooks, Millis};
use crate::db::WriteCtx;
use crate::domain::ids::WorkspaceId;
use crate::error::{AppError, AppResult};
use crate::waiters::Topic;
use crate::wire::agent::{AgentEventBody, AgentEventData};

/// Who acts, for the audit log (`actor`) and for the agent and webhooks (`label`).
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: Actor,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pause,
    Resume,
    Cancel,
}

/// Pauses, resumes or cancels the agent. Asking for the control it already has changes and
/// records nothing; pausing or resuming a cancelled agent is a conflict (it runs again only
/// when it starts a new run). Cancelling ends its current run and cancels its pending pauses.
pub fn set_control(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    name: &str,
    action: Action,
    who: &Who,
) -> AppResult<Agent> {
    let agent = agents::require(ctx.conn, ws, name)?;
    let (target, event) = match action {
        Action::Pause => (Control::Paused, EventType::AgentPaused),
        Action::Resume => (Control::Running, EventType::AgentResumed),
        Action::Cancel => (Control::Cancelled, EventType::AgentCancelled),
    };
    if agent.control == target {
        return Ok(agent);
    }
    if agent.control == Control::Cancelled {
        return Err(cancelled_conflict(name));
    }
    write_control(ctx, now, &agent, target)?;
    let mut cancelled = None;
    if action == Action::Cancel {
        if let Some(run) = &agent.run {
            ctx.conn
                .prepare_cached(
                    "INSERT INTO cancelled_runs (workspace_id, run, agent_id, cancelled_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![ws, run, agent.id, now])?;
        }
        let sql = format!(
            "{} WHERE p.workspace_id = ?1 AND p.agent = ?2",
            pauses::SELECT
        );
        cancelled = Some(cancel_pending(ctx, now, &sql, ws, name, who)?);
    }
    let after = agents::require(ctx.conn, ws, name)?;
    agent_event(ctx, now, &after, event, who, None, cancelled)?;
    Ok(after)
}

fn cancelled_conflict(name: &str) -> AppError {
    AppError::Conflict {
        detail: format!(
            "agent `{name}` was cancelled; it runs again when it starts a new run (a pause or \
             heartbeat with a new `run`)"
        ),
        current: None,
    }
}

pub(super) fn write_control(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    a: &Agent,
    c: Control,
) -> AppResult<()> {
    ctx.conn
        .prepare_cached("UPDATE agents SET control = ?2, control_changed_at = ?3 WHERE id = ?1")?
        .execute(params![a.id, c, now])?;
    ctx.wake(Topic::Agent(a.id));
    Ok(())
}

/// Cancels the pending pauses `sql` selects (`?1` the workspace, `?2` the agent or run) through
/// the same path as an agent's own cancel. Returns their watch ids.
fn cancel_pending(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    sql: &str,
    ws: WorkspaceId,
    name: &str,
    who: &Who,
) -> AppResult<Vec<String>> {
    let pending: Vec<Pause> = ctx
        .conn
        .prepare_cached(&format!("{sql} AND p.status = 'pending' ORDER BY p.id"))?
        .query_map(params![ws, name], pauses::from_row)?
        .collect::<Result<_, _>>()?;
    let mut ids = Vec::new();
    for p in pending {
        let entry = Entry {
            workspace_id: Some(ws),
            actor: who.actor,
            event: EventType::PauseCancelled,
            subject: Some(p.watch_id.to_string()),
            details: Some(json!({ "agent": p.agent, "run": p.run, "cancelledWith": "agent" })),
        };
        if let Outcome::Changed(c) = pauses::cancel_as(ctx, now, &p, entry)? {
            ids.push(c.watch_id.to_string());
        }
    }
    Ok(ids)
}

/// Sends the agent a message (to a running or paused agent, not a cancelled one).
pub fn guide(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    name: &str,
    message: &str,
    who: &Who,
) -> AppResult<(Agent, Guidance)> {
    let agent = agents::require(ctx.conn, ws, name)?;
    if agent.control == Control::Cancelled {
        return Err(cancelled_conflict(name));
    }
    let g = guidance::add(ctx.conn, now, &agent, message, &who.label)?;
    ctx.wake(Topic::Agent(agent.id));
    let after = agents::require(ctx.conn, ws, name)?;
    agent_event(
        ctx,
        now,
        &after,
        EventType::AgentGuided,
        who,
        Some(&g),
        None,
    )?;
    Ok((after, g))
}

/// What cancelling a run ended.
#[derive(Debug, Clone, Default)]
pub struct RunCancelled {
    pub pauses: Vec<String>,
    pub agents: Vec<String>,
}

/// Cancels a run for every agent: its pending pauses, and the agents now running it. Later
/// pauses and heartbeats of the run are refused. A run no pause or agent ever named is 404.
pub fn cancel_run(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    run: &str,
    who: &Who,
) -> AppResult<RunCancelled> {
    let conn = ctx.conn;
    let known: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM pauses WHERE workspace_id = ?1 AND run = ?2)
             OR EXISTS (SELECT 1 FROM agents WHERE workspace_id = ?1 AND run = ?2)",
        )?
        .query_row(params![ws, run], |r| r.get(0))?;
    if !known {
        return Err(AppError::NotFound(format!(
            "no pause or agent named run `{run}` in this workspace"
        )));
    }
    if !agents::run_cancelled(conn, ws, run, None)? {
        conn.prepare_cached(
            "INSERT INTO cancelled_runs (workspace_id, run, agent_id, cancelled_at)
             VALUES (?1, ?2, NULL, ?3)",
        )?
        .execute(params![ws, run, now])?;
    }
    let sql = format!(
        "{} WHERE p.workspace_id = ?1 AND p.run = ?2",
        pauses::SELECT
    );
    let mut done = RunCancelled {
        pauses: cancel_pending(ctx, now, &sql, ws, run, who)?,
        agents: Vec::new(),
    };
    let running: Vec<Agent> = ctx
        .conn
        .prepare_cached(&format!(
            "{} WHERE workspace_id = ?1 AND run = ?2 AND control <> 'cancelled' ORDER BY id",
            agents::SELECT
        ))?
        .query_map(params![ws, run], agents::from_row)?
        .collect::<Result<_, _>>()?;
    for a in running {
        write_control(ctx, now, &a, Control::Cancelled)?;
        let after = agents::require(ctx.conn, ws, &a.name)?;
        agent_event(ctx, now, &after, EventType::AgentCancelled, who, None, None)?;
        done.agents.push(a.name);
    }
    Ok(done)
}

/// Pulls (`on`) or lifts the workspace's emergency stop; returns when it was pulled, if on.
/// Every parked request of the workspace is woken by this one commit.
pub fn set_stop(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    on: bool,
    who: &Who,
) -> AppResult<Option<Millis>> {
    let was = agents::stopped_at(ctx.conn, ws)?;
    if was.is_some() == on {
        return Ok(was);
    }
    let at = on.then_some(now);
    ctx.conn
        .prepare_cached("UPDATE workspaces SET agents_stopped_at = ?2 WHERE id = ?1")?
        .execute(params![ws, at])?;
    let event = if on {
        EventType::AgentsStopped
    } else {
        EventType::AgentsResumed
    };
    let entry = Entry {
        workspace_id: Some(ws),
        actor: who.actor,
        event,
        subject: None,
        details: None,
    };
    audit::record(ctx.conn, now, entry)?;
    ctx.wake(Topic::Workspace(ws));
    Ok(at)
}

/// The audit row (subject: the agent's name) and one webhook message per subscribed endpoint.
pub(super) fn agent_event(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    agent: &Agent,
    event: EventType,
    who: &Who,
    guidance: Option<&Guidance>,
    cancelled_pauses: Option<Vec<String>>,
) -> AppResult<()> {
    let ws = agent.workspace_id;
    let details = json!({
        "run": agent.run,
        "guidance": guidance.map(|g| g.seq),
        "cancelledPauses": cancelled_pauses,
    });
    let entry = Entry {
        workspace_id: Some(ws),
        actor: who.actor,
        event,
        subject: Some(agent.name.clone()),
        details: Some(details),
    };
    audit::record(ctx.conn, now, entry)?;
    // A person's control is live data, whichever key the agent reports with.
    let endpoints = webhooks::subscribed(ctx.conn, ws, event, false)?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let stopped = agents::stopped_at(ctx.conn, ws)?.is_some();
    let pending = agents::pending_pauses(ctx.conn, ws, &agent.name, now)?.len() as i64;
    let data = AgentEventData {
        agent: agent.view(stopped, pending),
        by: &who.label,
        guidance: guidance.map(Guidance::view),
        cancelled_pauses,
    };
    let body = AgentEventBody::render(event, now, data);
    for ep in endpoints {
        let message = NewMessage {
            workspace_id: ws,
            channel: Channel::Webhook,
            target: &ep.url,
            endpoint_id: Some(ep.id),
            user_id: None,
            pause_id: None,
            event,
            payload: &body,
        };
        outbox::enqueue(ctx, now, message)?;
    }
    Ok(())
}
