//! What people do to agents: pause, resume, cancel, guide; the emergency stop of a fleet. Each
//! change is audited with who did it, sent to the webhooks that subscribe to it (test agents'
//! events only to endpoints that opted in to test events, as for pauses), and wakes the agent's
//! parked checkpoint calls, in the transaction that makes it. Cancelling ends pauses in batches
//! (see [`super::cancel`]).

use crate::db::sql::params;
use serde_json::json;

use super::cancel::Target;
use super::guidance::{self, Guidance};
use super::{Agent, AgentState, Control, Fleet};
use crate::db::WriteCtx;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::outbox::{self, Channel, NewMessage, Payload};
use crate::domain::{webhooks, Millis};
use crate::error::{AppError, AppResult};
use crate::waiters::Topic;

/// Who acts on an agent, for the audit log (`actor`) and for the agent and webhooks (`label`).
#[derive(Debug, Clone)]
pub struct Controller {
    pub actor: Actor,
    pub label: String,
}

impl Controller {
    /// A key acting on an agent pinned to another key is refused (a person never is).
    fn check_pin(&self, agent: &Agent) -> AppResult<()> {
        match self.actor {
            Actor::Key(id) => agent.check_pin(id),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pause,
    Resume,
    Cancel,
}

/// What a control change did; a cancel leaves `to_cancel` for the caller to end in batches.
pub struct Controlled {
    pub agent: Agent,
    pub to_cancel: Option<Target>,
}

/// Pauses, resumes or cancels the agent. Asking for the control it already has changes and
/// records nothing (a second cancel still hands back its pauses, so it finishes a cancel that
/// was cut short); pausing or resuming a cancelled agent is a conflict (it runs again only
/// when it starts a new run). Cancelling ends its current run; its pending pauses are then
/// cancelled by the caller, batch by batch.
pub fn set_control(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    name: &str,
    action: Action,
    by: &Controller,
) -> AppResult<Controlled> {
    let agent = super::require(ctx.conn, fleet, name)?;
    by.check_pin(&agent)?;
    let (target, event) = match action {
        Action::Pause => (Control::Paused, EventType::AgentPaused),
        Action::Resume => (Control::Running, EventType::AgentResumed),
        Action::Cancel => (Control::Cancelled, EventType::AgentCancelled),
    };
    let to_cancel = (action == Action::Cancel)
        .then(|| Target::agent(ctx.conn, &agent))
        .transpose()?;
    if agent.control == target {
        return Ok(Controlled { agent, to_cancel });
    }
    if agent.control == Control::Cancelled {
        return Err(cancelled_conflict(name));
    }
    write_control(ctx, now, &agent, target)?;
    let mut cancelled = None;
    if action == Action::Cancel {
        if let Some(run) = &agent.run {
            super::cancel::mark_run(ctx.conn, now, fleet, run, Some(agent.id))?;
        }
        cancelled = (to_cancel.as_ref())
            .map(|t| t.pending_ids(ctx.conn, now))
            .transpose()?;
    }
    let after = super::require(ctx.conn, fleet, name)?;
    agent_event(ctx, now, &after, event, by, None, cancelled)?;
    Ok(Controlled {
        agent: after,
        to_cancel,
    })
}

pub(super) fn cancelled_conflict(name: &str) -> AppError {
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

/// Sends the agent a message (to a running or paused agent, not a cancelled one).
pub fn guide(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    name: &str,
    message: &str,
    by: &Controller,
) -> AppResult<(Agent, Guidance)> {
    let agent = super::require(ctx.conn, fleet, name)?;
    by.check_pin(&agent)?;
    if agent.control == Control::Cancelled {
        return Err(cancelled_conflict(name));
    }
    let g = guidance::add(ctx.conn, now, &agent, message, &by.label)?;
    ctx.wake(Topic::Agent(agent.id));
    let after = super::require(ctx.conn, fleet, name)?;
    let event = EventType::AgentGuided;
    agent_event(ctx, now, &after, event, by, Some(&g), None)?;
    Ok((after, g))
}

/// Pulls (`on`) or lifts the fleet's emergency stop; returns when it was pulled, if on. Every
/// parked request of the workspace is woken by this one commit (each reads its own mode).
pub fn set_stop(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    on: bool,
    by: &Controller,
) -> AppResult<Option<Millis>> {
    let was = super::stopped_at(ctx.conn, fleet)?;
    if was.is_some() == on {
        return Ok(was);
    }
    let at = on.then_some(now);
    ctx.conn
        .prepare_cached(
            "UPDATE workspaces SET
                agents_stopped_at = CASE WHEN ?2 THEN agents_stopped_at ELSE ?3 END,
                test_agents_stopped_at = CASE WHEN ?2 THEN ?3 ELSE test_agents_stopped_at END
             WHERE id = ?1",
        )?
        .execute(params![fleet.workspace_id, fleet.test, at])?;
    let event = match on {
        true => EventType::AgentsStopped,
        false => EventType::AgentsResumed,
    };
    let entry = Entry {
        workspace_id: Some(fleet.workspace_id),
        actor: by.actor,
        event,
        subject: None,
        details: Some(json!({ "mode": fleet.mode() })),
    };
    audit::record(ctx.conn, now, entry)?;
    ctx.wake(Topic::Workspace(fleet.workspace_id));
    Ok(at)
}

/// An `agent.*` event as the domain describes it; `wire::events` renders its payload (the agent
/// as the API shows it, who acted, the guidance sent, the pauses a cancel ended).
pub struct AgentEvent<'a> {
    pub event: EventType,
    pub at: Millis,
    pub agent: &'a Agent,
    /// Whether the agent's mode is stopped, and its pending pauses, as they now stand.
    pub stopped: bool,
    pub pending_pauses: i64,
    pub by: &'a str,
    pub guidance: Option<&'a Guidance>,
    pub cancelled_pauses: Option<Vec<String>>,
}

/// The audit row (subject: the agent's name; details: its mode) and one webhook message per
/// subscribed endpoint (for a test agent, only those that opted in to test events).
pub(super) fn agent_event(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    agent: &Agent,
    event: EventType,
    by: &Controller,
    guidance: Option<&Guidance>,
    cancelled_pauses: Option<Vec<String>>,
) -> AppResult<()> {
    let ws = agent.workspace_id;
    let details = json!({
        "mode": agent.fleet().mode(),
        "run": agent.run,
        "guidance": guidance.map(|g| g.seq),
        "cancelledPauses": cancelled_pauses,
    });
    let entry = Entry {
        workspace_id: Some(ws),
        actor: by.actor,
        event,
        subject: Some(agent.name.clone()),
        details: Some(details),
    };
    audit::record(ctx.conn, now, entry)?;
    let told = (event, by.label.as_str());
    queue_webhooks(ctx, now, agent, told, guidance, cancelled_pauses)
}

/// What a heartbeat's new state tells the endpoints subscribed to the reference docs' names:
/// `task.complete` or `agent.error` (webhooks only: the agent's history records the change).
pub(super) fn state_reported(ctx: &mut WriteCtx<'_>, now: Millis, agent: &Agent) -> AppResult<()> {
    let event = match agent.state {
        Some(AgentState::Complete) => EventType::TaskComplete,
        Some(AgentState::Error) => EventType::AgentError,
        _ => return Ok(()),
    };
    queue_webhooks(ctx, now, agent, (event, &agent.name), None, None)
}

/// One webhook message per endpoint subscribed to `event` (for a test agent, only those that
/// opted in to test events); `by` is who acted.
fn queue_webhooks(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    agent: &Agent,
    (event, by): (EventType, &str),
    guidance: Option<&Guidance>,
    cancelled_pauses: Option<Vec<String>>,
) -> AppResult<()> {
    let ws = agent.workspace_id;
    if !event.webhooks_may_subscribe() {
        return Ok(());
    }
    let endpoints = webhooks::subscribed(ctx.conn, ws, event, agent.test)?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let described = AgentEvent {
        event,
        at: now,
        agent,
        stopped: super::stopped_at(ctx.conn, agent.fleet())?.is_some(),
        pending_pauses: super::pending_count(ctx.conn, agent.fleet(), &agent.name, now)?,
        by,
        guidance,
        cancelled_pauses,
    };
    let body = described.payload().map_err(anyhow::Error::from)?;
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
