//! Pauses: an agent's request for a human decision.
//!
//! A pause is `pending` until a human decides it, the agent cancels it, or it expires. Every
//! change is a compare-and-set on `status = 'pending'`, so a pause is decided at most once.
//! A pending pause past `expires_at` already *reads* as expired, before the sweep writes it.

use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::api_keys::AuthKey;
use super::audit::{Actor, Entry};
use super::error::DomainError;
use super::event_type::EventType;
use super::events;
use super::kind::Kind;
use super::{quotas, workspaces, Millis};

// Listing and the expiry sweep live in their own modules; callers keep using `pauses::…`.
pub use super::decided_by::DecidedBy;
pub use super::expiry::expire_due;
pub use super::history::{list, Page, Scope};
pub use super::status::Status;
use crate::db::WriteCtx;
use crate::domain::ids::{ApiKeyId, PauseId, WorkspaceId};
use crate::error::{AppError, AppResult};
use crate::waiters::Topic;

#[derive(Debug, Clone)]
pub struct Pause {
    pub id: PauseId,
    pub watch_id: Uuid,
    pub workspace_id: WorkspaceId,
    pub api_key_id: Option<ApiKeyId>,
    pub test: bool,
    /// As stored; see [`Pause::status`] for what readers see.
    pub stored_status: Status,
    pub action: String,
    pub context: Option<String>,
    pub metadata: Option<String>,
    pub callback_url: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub decided_at: Option<Millis>,
    pub decided_by: Option<DecidedBy>,
    pub reason: Option<String>,
    pub version: i64,
    /// Set when retention purged the context (see `retention`): `context` is then None.
    pub context_purged_at: Option<Millis>,
    pub kind: Kind,
    /// What was asked beyond the action, as JSON: each kind owns its members (`plan`,
    /// `editable`, ...).
    pub request_json: Option<String>,
    /// The plan this one revises, and the plan that revised this one (see `plans`).
    pub revises: Option<Uuid>,
    pub revised_by: Option<Uuid>,
    /// A JSON object with what was answered (`answers`, `edits`, `rejectOption`, ...); None
    /// until then.
    pub response_json: Option<String>,
    /// What the agent reported doing after the decision.
    pub outcome: Option<super::outcomes::Reported>,
    /// The agent that asked and its run, when the pause names them (see `agents`).
    pub agent: Option<String>,
    pub run: Option<String>,
}

impl Pause {
    /// The status as of `now`: a pending pause past its expiry is already expired.
    pub fn status(&self, now: Millis) -> Status {
        super::status::effective(self.stored_status, self.expires_at, now)
    }

    /// Changes whenever what an agent reads changes (including the virtual expiry).
    pub fn etag(&self, now: Millis) -> String {
        format!("\"{}-{}\"", self.version, self.status(now).as_str())
    }
}

/// The ETag of a just-created pause (version 1, pending), as [`Pause::etag`] computes it.
pub const INITIAL_ETAG: &str = "\"1-pending\"";

pub(crate) const SELECT: &str =
    "SELECT p.id, p.watch_id, p.workspace_id, p.api_key_id, p.is_test, p.status,
    p.action, p.context, p.metadata, p.callback_url, p.created_at, p.expires_at, p.decided_at,
    u.email, u.name, p.reason, p.version, p.context_purged_at, p.kind, p.request_json,
    (SELECT r.watch_id FROM pauses r WHERE r.id = p.revises_id),
    (SELECT n.watch_id FROM pauses n WHERE n.revises_id = p.id),
    p.response_json, p.outcome_status, p.outcome_detail, p.outcome_at, ok.name, ok.prefix,
    dk.name, dk.prefix, p.agent, p.run
    FROM pauses p LEFT JOIN users u ON u.id = p.decided_by
    LEFT JOIN api_keys ok ON ok.id = p.outcome_key_id
    LEFT JOIN api_keys dk ON dk.id = p.decided_by_key";

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Pause> {
    let watch: [u8; 16] = r.get(1)?;
    let email: Option<String> = r.get(13)?;
    // The deciding key's name and prefix come last (columns 28 and 29), after the outcome's.
    let key_prefix: Option<String> = r.get(29)?;
    Ok(Pause {
        id: r.get(0)?,
        watch_id: Uuid::from_bytes(watch),
        workspace_id: r.get(2)?,
        api_key_id: r.get(3)?,
        test: r.get(4)?,
        stored_status: r.get(5)?,
        action: r.get(6)?,
        context: r.get(7)?,
        metadata: r.get(8)?,
        callback_url: r.get(9)?,
        created_at: r.get(10)?,
        expires_at: r.get(11)?,
        decided_at: r.get(12)?,
        decided_by: match (email, key_prefix) {
            (Some(email), _) => Some(DecidedBy::User {
                email,
                name: r.get(14).unwrap_or_default(),
            }),
            (None, Some(prefix)) => Some(DecidedBy::Key {
                name: r.get(28).unwrap_or_default(),
                prefix,
            }),
            (None, None) => None,
        },
        reason: r.get(15)?,
        version: r.get(16)?,
        context_purged_at: r.get(17)?,
        kind: r.get(18)?,
        request_json: r.get(19)?,
        revises: r.get::<_, Option<[u8; 16]>>(20)?.map(Uuid::from_bytes),
        revised_by: r.get::<_, Option<[u8; 16]>>(21)?.map(Uuid::from_bytes),
        response_json: r.get(22)?,
        outcome: super::outcomes::from_row(r, 23)?,
        agent: r.get(30)?,
        run: r.get(31)?,
    })
}

/// A validated request to create a pause.
#[derive(Debug, Clone)]
pub struct NewPause {
    pub workspace_id: WorkspaceId,
    pub api_key_id: ApiKeyId,
    pub test: bool,
    pub action: String,
    pub context: Option<String>,
    pub metadata: Option<String>,
    pub callback_url: Option<String>,
    /// None: the workspace's default, else the server's.
    pub timeout_secs: Option<i64>,
    pub kind: Kind,
    /// See [`Pause::request_json`].
    pub request_json: Option<String>,
    /// A plan's previous version, as the agent named it (checked at creation: `plans`).
    pub revises: Option<Uuid>,
    /// Validated names (see [`super::agents::validate_name`]).
    pub agent: Option<String>,
    pub run: Option<String>,
}

/// Creates a pause, counting it against the plan unless it comes from a test key. Returns the
/// workspace's quota standing when the pause was counted (for the `RateLimit` headers, so the
/// handler need not read it again), or the refusal when the quota is used up (nothing was
/// written then); the outer error is a failure of the database.
pub fn create(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    server_timeout: i64,
    p: NewPause,
) -> AppResult<Result<(Pause, Option<quotas::QuotaState>), DomainError>> {
    let conn = ctx.conn;
    let ws = workspaces::get(conn, p.workspace_id)?;
    let mut quota = None;
    if !p.test {
        let billing_plan = workspaces::billing_plan(conn, &ws.billing_plan_id)?;
        let used = quotas::count_one(conn, ws.id, now)?;
        quota = Some(quotas::QuotaState {
            limit: billing_plan.monthly_pauses,
            used,
            reset_secs: quotas::secs_until_next_month(now),
            window_secs: quotas::month_window_secs(now),
        });
        if let Some(limit) = billing_plan.monthly_pauses.filter(|&limit| used > limit) {
            return Ok(Err(DomainError::QuotaExceeded {
                workspace_id: ws.id,
                billing_plan: billing_plan.id,
                limit,
                at: now,
                resets_at: quotas::next_month_start(now),
            }));
        }
    }
    let fleet = super::agents::Fleet::new(ws.id, p.test);
    let (agent, run) = (p.agent.as_deref(), p.run.as_deref());
    super::agents::on_pause(ctx, now, fleet, p.api_key_id, agent, run)?;
    let timeout = p
        .timeout_secs
        .or(ws.default_timeout_secs)
        .unwrap_or(server_timeout);
    let expires_at = now + timeout * 1000;
    let revised = (p.revises.as_ref())
        .map(|w| super::plans::revisable(ctx, now, p.workspace_id, p.test, w))
        .transpose()?;
    let conn = ctx.conn;
    let watch_id = Uuid::now_v7();
    conn.prepare_cached(
        "INSERT INTO pauses (watch_id, workspace_id, api_key_id, is_test, status, action, context,
                             metadata, callback_url, created_at, expires_at, kind, request_json,
                             revises_id, agent, run)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        &watch_id.as_bytes()[..],
        ws.id,
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
        &p.run
    ])?;
    let id = PauseId(conn.last_insert_rowid());
    super::timers::arm(conn, id, super::timers::TimerKind::Expiry, expires_at)?;
    // Built from what was just inserted: re-reading the row cost the writer a query per create.
    let pause = Pause {
        id,
        watch_id,
        workspace_id: ws.id,
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
    };
    let entry = Entry {
        workspace_id: Some(ws.id),
        actor: Actor::Key(p.api_key_id),
        event: EventType::PauseCreated,
        subject: Some(watch_id.to_string()),
        details: None,
    };
    events::pause_event(ctx, now, &pause, entry)?;
    Ok(Ok((pause, quota)))
}

pub fn get_by_id(conn: &Connection, id: PauseId) -> AppResult<Option<Pause>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE p.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// A pause of this workspace; another workspace's pause does not exist for the caller.
pub fn get(
    conn: &Connection,
    workspace_id: WorkspaceId,
    watch_id: &Uuid,
) -> AppResult<Option<Pause>> {
    get_in(conn, Scope::people(workspace_id), watch_id)
}

/// A pause the caller may see: outside its [`Scope`] a pause does not exist for it.
pub fn get_in(conn: &Connection, scope: Scope, watch_id: &Uuid) -> AppResult<Option<Pause>> {
    let found = conn
        .prepare_cached(&format!(
            "{SELECT} WHERE p.watch_id = ?1 AND p.workspace_id = ?2"
        ))?
        .query_row(
            params![&watch_id.as_bytes()[..], scope.workspace_id],
            from_row,
        )
        .optional()?;
    Ok(found.filter(|p| scope.test.is_none_or(|test| p.test == test)))
}

pub fn not_found(watch_id: &str) -> AppError {
    AppError::NotFound(format!(
        "no pause with watchId `{watch_id}` in this workspace"
    ))
}

/// What a compare-and-set change produced: the changed pause, or the pause as it already stood.
pub enum Transition {
    Changed(Pause),
    AlreadyFinal(Pause),
}

/// An agent withdraws a pending pause of its key's kind (a test key only test pauses).
pub fn cancel(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    key: &AuthKey,
    watch_id: &Uuid,
) -> AppResult<Transition> {
    let entry = Entry {
        workspace_id: Some(key.workspace_id),
        actor: Actor::Key(key.id),
        event: EventType::PauseCancelled,
        subject: Some(watch_id.to_string()),
        details: None,
    };
    let pause = get_in(ctx.conn, Scope::key(key), watch_id)?
        .ok_or_else(|| not_found(&watch_id.to_string()))?;
    cancel_as(ctx, now, &pause, entry)
}

/// Cancels a pending pause read in this transaction, recording `entry` (who cancelled it: the
/// agent, or a person cancelling the agent's run).
pub fn cancel_as(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    entry: Entry,
) -> AppResult<Transition> {
    transition(ctx, now, pause, entry, |conn, id| {
        conn.prepare_cached(
            "UPDATE pauses SET status = 'cancelled', decided_at = ?1, version = version + 1
             WHERE id = ?2 AND status = 'pending' AND expires_at > ?1",
        )?
        .execute(params![now, id])
    })
}

/// Compare-and-set on `pause`, read in this transaction: `update` must touch no row unless the
/// pause is still pending. The event (audit row, messages) is written, and the pause's timers
/// disarmed, only when it did.
pub(crate) fn transition(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    entry: Entry,
    update: impl FnOnce(&Connection, PauseId) -> rusqlite::Result<usize>,
) -> AppResult<Transition> {
    let conn = ctx.conn;
    let gone = || not_found(&pause.watch_id.to_string());
    if update(conn, pause.id)? == 0 {
        return Ok(Transition::AlreadyFinal(pause.clone()));
    }
    super::timers::disarm_all(conn, pause.id)?;
    let changed = get_by_id(conn, pause.id)?.ok_or_else(gone)?;
    events::pause_event(ctx, now, &changed, entry)?;
    ctx.wake(Topic::Pause(pause.id));
    Ok(Transition::Changed(changed))
}
