//! Pauses: an agent's request for a human decision.
//!
//! A pause is `pending` until a human decides it, the agent cancels it, or it expires. Every
//! change is a compare-and-set on `status = 'pending'`, so a pause is decided at most once.
//! A pending pause past `expires_at` already *reads* as expired, before the sweep writes it.

use crate::db::sql::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::kind::Kind;
use super::policy::{PolicyVerdict, Risk};
use super::Millis;

// Listing and the expiry sweep live in their own modules; callers keep using `pauses::…`.
pub use super::decided_by::DecidedBy;
pub use super::expiry::expire_due;
pub use super::history::{list, Page, Scope};
pub use super::status::{OnTimeout, Status};
pub(crate) use super::transition::transition;
pub use super::transition::{cancel, cancel_as, Transition};

/// The policy name a timed-out rejection is decided by (`decidedBy.name`).
pub const TIMEOUT_DECIDER: &str = "timeout";
/// The reason a timed-out rejection gives.
pub const TIMED_OUT: &str = "timed out";
use crate::domain::ids::{ApiKeyId, PauseId, WorkspaceId};
use crate::error::{AppError, AppResult};

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
    /// Decision policies: what the agent said of the action (None on pauses made before them),
    /// and the verdict the policy gave at creation (`policy`; None before them).
    pub risk: Option<Risk>,
    pub tool: Option<String>,
    pub policy: Option<PolicyVerdict>,
    /// The approver group it was routed to (its id while the group exists, and its name).
    pub group_id: Option<i64>,
    pub group: Option<String>,
    /// Different deciders' approvals it takes (1 to 5; 1 before quorums).
    pub required_approvals: u8,
    /// What it becomes at its deadline.
    pub on_timeout: OnTimeout,
    /// When its escalation went out (the escalation group may vote from then on).
    pub escalated_at: Option<Millis>,
    /// Its approve and reject votes, oldest first (read with the row).
    pub votes: Vec<super::votes::Vote>,
    /// The signed decision receipt, made once in the deciding transaction (see
    /// [`crate::domain::receipts`]); None until decided, and for statuses that carry none.
    pub receipt: Option<String>,
}

impl Pause {
    /// The status as of `now`: a pending pause past its expiry is already expired.
    pub fn status(&self, now: Millis) -> Status {
        super::status::effective(self.stored_status, self.expires_at, self.on_timeout, now)
    }

    /// Pending past its deadline because its `onTimeout` is `wait`.
    pub fn overdue(&self, now: Millis) -> bool {
        super::status::overdue(self.stored_status, self.expires_at, self.on_timeout, now)
    }

    /// Decided by a policy at creation: no person is asked or told (no email, Slack or push).
    pub fn policy_decided(&self) -> bool {
        self.policy.as_ref().is_some_and(PolicyVerdict::decides)
    }

    /// Changes whenever what an agent reads changes (including the virtual expiry, and once
    /// when a waiting pause becomes overdue).
    pub fn etag(&self, now: Millis) -> String {
        let overdue = if self.overdue(now) { "-overdue" } else { "" };
        format!(
            "\"{}-{}{overdue}\"",
            self.version,
            self.status(now).as_str()
        )
    }
}

/// The ETag of a just-created pause (version 1, pending), as [`Pause::etag`] computes it.
pub const INITIAL_ETAG: &str = "\"1-pending\"";

const SELECT: &str =
    "SELECT p.id, p.watch_id, p.workspace_id, p.api_key_id, p.is_test, p.status,
    p.action, p.context, p.metadata, p.callback_url, p.created_at, p.expires_at, p.decided_at,
    u.email, u.name, p.reason, p.version, p.context_purged_at, p.kind, p.request_json,
    (SELECT r.watch_id FROM pauses r WHERE r.id = p.revises_id),
    (SELECT n.watch_id FROM pauses n WHERE n.revises_id = p.id),
    p.response_json, p.outcome_status, p.outcome_detail, p.outcome_at, ok.name, ok.prefix,
    dk.name, dk.prefix, p.agent, p.run, p.risk, p.tool, p.policy_json, p.decided_by_policy,
    p.group_id, COALESCE((SELECT g.name FROM approver_groups g WHERE g.id = p.group_id), p.group_name),
    p.required_approvals, p.on_timeout, p.escalated_at,
    (SELECT json_group_array(json_array(v.approved, v.reason, v.created_at, v.user_id,
        v.api_key_id, v.email, v.name, v.key_name, v.prefix))
     FROM (SELECT CASE WHEN r.kind = 'approve' THEN 1 ELSE 0 END AS approved, r.reason, r.created_at, r.user_id,
             r.api_key_id, vu.email, vu.name, vk.name AS key_name, vk.prefix
           FROM pause_responses r LEFT JOIN users vu ON vu.id = r.user_id
           LEFT JOIN api_keys vk ON vk.id = r.api_key_id
           WHERE r.pause_id = p.id AND r.kind IN ('approve', 'reject') AND r.via != 'timeout'
           ORDER BY r.id) v),
    p.receipt
    FROM pauses p LEFT JOIN users u ON u.id = p.decided_by
    LEFT JOIN api_keys ok ON ok.id = p.outcome_key_id
    LEFT JOIN api_keys dk ON dk.id = p.decided_by_key";

static SELECT_PG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::db::sql::twin(
        SELECT,
        &[
            (
                "(SELECT json_group_array(json_array(",
                "(SELECT coalesce(json_agg(json_build_array(",
            ),
            (
                "v.key_name, v.prefix))",
                "v.key_name, v.prefix)), '[]')::text",
            ),
        ],
    )
});

/// [`SELECT`] for this connection's engine.
pub(crate) fn select(conn: &Connection) -> &'static str {
    conn.pick(SELECT, &SELECT_PG)
}

pub(crate) fn from_row(r: &Row<'_>) -> crate::db::sql::Result<Pause> {
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
        decided_by: match (email, key_prefix, r.get::<_, Option<String>>(35)?) {
            (Some(email), _, _) => Some(DecidedBy::User {
                email,
                name: r.get(14).unwrap_or_default(),
            }),
            (None, Some(prefix), _) => Some(DecidedBy::Key {
                name: r.get(28).unwrap_or_default(),
                prefix,
            }),
            (None, None, Some(name)) => Some(DecidedBy::Policy { name }),
            (None, None, None) => None,
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
        risk: r.get(32)?,
        tool: r.get(33)?,
        // Written by this server from a `PolicyVerdict`; unreadable JSON would be a bug, and
        // shows as no verdict rather than failing every read of the pause.
        policy: r
            .get::<_, Option<String>>(34)?
            .and_then(|j| serde_json::from_str(&j).ok()),
        group_id: r.get(36)?,
        group: r.get(37)?,
        required_approvals: r.get(38)?,
        on_timeout: r.get(39)?,
        escalated_at: r.get(40)?,
        // Written by the query above: unreadable would be a bug, and fails the read.
        votes: super::votes::from_json(&r.get::<_, String>(41)?, r.get(35)?)
            .map_err(|e| crate::db::sql::Error::Conversion(format!("column 41: {e}")))?,
        receipt: r.get(42)?,
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
    pub risk: Risk,
    pub tool: Option<String>,
    /// The request's cap on the autonomy level.
    pub autonomy_level: Option<u8>,
    /// Approvals asked for (the workspace's minimum for the risk may raise it).
    pub required_approvals: Option<u8>,
    /// None: the policy settings' `onTimeout`.
    pub on_timeout: Option<OnTimeout>,
}

// Creating one (quota, agent checks, policy, insert) is `pause_create`'s.
pub use super::pause_create::{create, Created};

pub fn get_by_id(conn: &Connection, id: PauseId) -> AppResult<Option<Pause>> {
    let select = select(conn);
    Ok(conn
        .prepare_cached(&format!("{select} WHERE p.id = ?1"))?
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
    let select = select(conn);
    let found = conn
        .prepare_cached(&format!(
            "{select} WHERE p.watch_id = ?1 AND p.workspace_id = ?2"
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
