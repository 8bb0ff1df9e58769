//! Creating a pause. Everything that can refuse it (the plan's quota, the agent's and run's
//! state, a plan's revision, and the decision policy) is decided from what is stored before
//! anything is written, so a refused create leaves every table as it was without relying on the
//! caller to roll back. A pause the policy decides is inserted and decided in the same
//! transaction through the one [`respond`](super::respond::respond) command, so its response
//! row, audit row and events are the usual ones.

use crate::db::sql::params;
use uuid::Uuid;

use super::agents::{self, Fleet};
use super::audit::{Actor, Entry};
use super::error::DomainError;
use super::event_type::EventType;
use super::pauses::{NewPause, Pause, Status};
use super::policy::quorum::Routed;
use super::policy::{self, Outcome, PolicyVerdict};
use super::respond::{self, Responder, Response};
use super::{events, plans, quotas, workspaces, Millis};
use crate::db::WriteCtx;
use crate::domain::ids::PauseId;
use crate::error::{AppError, AppResult};

/// A new pause (decided already if the policy decided it) and the workspace's quota standing
/// once it was counted (None for a test key's pause).
pub struct Created {
    pub pause: Pause,
    pub quota: Option<quotas::QuotaState>,
}

/// Creates a pause, counting it against the plan unless it comes from a test key; the refusal
/// when the quota is used up (nothing was written then); the outer error is any other refusal
/// (nothing written either) or a failure of the database.
pub fn create(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    server_timeout: i64,
    p: NewPause,
) -> AppResult<Result<Created, DomainError>> {
    let conn = ctx.conn;
    let ws = workspaces::get(conn, p.workspace_id)?;
    let quota = match standing(conn, &ws, now, p.test)? {
        Ok(quota) => quota,
        Err(refused) => return Ok(Err(refused)),
    };
    let fleet = Fleet::new(ws.id, p.test);
    let (key, agent, run) = (p.api_key_id, p.agent.as_deref(), p.run.as_deref());
    agents::check_pause(conn, fleet, key, agent, run)?;
    let revised = (p.revises.as_ref())
        .map(|w| plans::revisable(conn, now, ws.id, p.test, w))
        .transpose()?;
    let routed = policy::quorum::route_for(conn, now, &p)?;
    // Nothing above wrote; nothing below refuses.
    if !p.test {
        quotas::count_one(conn, ws.id, now)?;
    }
    agents::on_pause(ctx, now, fleet, key, agent, run)?;
    if let Some(id) = revised {
        plans::mark_revised(ctx, id)?;
    }
    let timeout = p
        .timeout_secs
        .or(ws.default_timeout_secs)
        .unwrap_or(server_timeout);
    policy::rules::count_hits(ctx.conn, now, &routed.verdict)?;
    let pause = insert(ctx, now, now + timeout * 1000, p, revised, routed)?;
    super::reminders::arm(ctx.conn, &pause)?;
    let pause = match pause.policy.clone().filter(PolicyVerdict::decides) {
        Some(verdict) => decide(ctx, now, &pause, &verdict)?,
        None => pause,
    };
    Ok(Ok(Created { pause, quota }))
}

/// The workspace's standing once this pause is counted, or the refusal when the quota is used
/// up; None for a test pause, which is never counted. Reads only.
fn standing(
    conn: &crate::db::sql::Connection,
    ws: &workspaces::Workspace,
    now: Millis,
    test: bool,
) -> AppResult<Result<Option<quotas::QuotaState>, DomainError>> {
    if test {
        return Ok(Ok(None));
    }
    let billing_plan = workspaces::billing_plan(conn, &ws.billing_plan_id)?;
    let used = quotas::used(conn, ws.id, now)? + 1;
    if let Some(limit) = billing_plan.monthly_pauses.filter(|&limit| used > limit) {
        return Ok(Err(DomainError::QuotaExceeded {
            workspace_id: ws.id,
            billing_plan: billing_plan.id,
            limit,
            at: now,
            resets_at: quotas::next_month_start(now),
        }));
    }
    Ok(Ok(Some(quotas::QuotaState {
        limit: billing_plan.monthly_pauses,
        used,
        reset_secs: quotas::secs_until_next_month(now),
        window_secs: quotas::month_window_secs(now),
    })))
}

/// Inserts the pending pause with its verdict, arms its expiry and writes `pause.created`
/// (a pause the policy decides asks and tells no person: see `events::pause_event`).
fn insert(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    expires_at: Millis,
    p: NewPause,
    revised: Option<PauseId>,
    routed: Routed,
) -> AppResult<Pause> {
    let conn = ctx.conn;
    let watch_id = Uuid::now_v7();
    let policy_json = serde_json::to_string(&routed.verdict).map_err(anyhow::Error::from)?;
    let inserted_id: i64 = conn.prepare_cached(
        "INSERT INTO pauses (watch_id, workspace_id, api_key_id, is_test, status, action, context,
                             metadata, callback_url, created_at, expires_at, kind, request_json,
                             revises_id, agent, run, risk, tool, policy_json, group_id,
                             group_name, required_approvals, on_timeout)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                 ?16, ?17, ?18, ?19, ?20, ?21, ?22) RETURNING id",
    )?
    .query_row(params![
        &watch_id.as_bytes()[..],
        p.workspace_id,
        p.api_key_id,
        p.test,
        &p.action,
        &p.context,
        &p.metadata,
        &p.callback_url,
        now,
        expires_at,
        p.kind,
        &p.request_json,
        revised,
        &p.agent,
        &p.run,
        p.risk,
        &p.tool,
        policy_json,
        routed.group.as_ref().map(|g| g.0),
        routed.group.as_ref().map(|g| &g.1),
        routed.required,
        routed.on_timeout
    ], |r| r.get::<_, i64>(0))?;
    let id = PauseId(inserted_id);
    super::timers::arm(conn, id, super::timers::TimerKind::Expiry, expires_at)?;
    let key = p.api_key_id;
    let pause = inserted(p, id, watch_id, (now, expires_at), routed);
    let entry = Entry {
        workspace_id: Some(pause.workspace_id),
        actor: Actor::Key(key),
        event: EventType::PauseCreated,
        subject: Some(watch_id.to_string()),
        details: None,
    };
    events::pause_event(ctx, now, &pause, entry)?;
    Ok(pause)
}

/// The pause just inserted, built from what was inserted: re-reading the row cost the writer a
/// query per create.
fn inserted(
    p: NewPause,
    id: PauseId,
    watch_id: Uuid,
    (now, expires_at): (Millis, Millis),
    routed: Routed,
) -> Pause {
    Pause {
        id,
        watch_id,
        workspace_id: p.workspace_id,
        api_key_id: Some(p.api_key_id),
        test: p.test,
        stored_status: Status::Pending,
        action: p.action,
        context: p.context,
        metadata: p.metadata,
        callback_url: p.callback_url,
        created_at: now,
        expires_at,
        decided_at: None,
        decided_by: None,
        reason: None,
        version: 1,
        context_purged_at: None,
        kind: p.kind,
        request_json: p.request_json,
        revises: p.revises,
        revised_by: None,
        response_json: None,
        outcome: None,
        agent: p.agent,
        run: p.run,
        risk: Some(p.risk),
        tool: p.tool,
        policy: Some(routed.verdict),
        group_id: routed.group.as_ref().map(|g| g.0),
        group: routed.group.map(|g| g.1),
        required_approvals: routed.required,
        on_timeout: routed.on_timeout,
        escalated_at: None,
        votes: Vec::new(),
        receipt: None,
    }
}

/// Records the policy's decision on the pause just inserted, as any response is recorded. A
/// deny rule's note is the rejection's reason (its explanation when it has none).
fn decide(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    verdict: &PolicyVerdict,
) -> AppResult<Pause> {
    let response = match verdict.result {
        Outcome::Rejected => Response::new(false, Some(reason_of(ctx.conn, verdict)?)),
        _ => Response::new(true, None),
    };
    let responder = Responder::Policy {
        workspace_id: pause.workspace_id,
    };
    match respond::respond(ctx, now, responder, &pause.watch_id, response)? {
        Ok(done) => Ok(done.pause),
        Err(refused) => Err(AppError::Internal(anyhow::anyhow!(
            "the policy's decision on a new pause was refused: {refused:?}"
        ))),
    }
}

fn reason_of(conn: &crate::db::sql::Connection, verdict: &PolicyVerdict) -> AppResult<String> {
    let note: Option<String> = match verdict.rule_id {
        Some(id) => conn
            .prepare_cached("SELECT note FROM policy_rules WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?,
        None => None,
    };
    Ok(note.unwrap_or_else(|| verdict.explanation.clone()))
}
