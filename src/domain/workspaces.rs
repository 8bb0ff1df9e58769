//! Workspaces and the billing plans they are on (the `plans` table: quotas and approver limits;
//! not to be confused with a plan put up for review, see `domain::plans`).

use crate::db::sql::{params, Connection, OptionalExtension};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::error::DomainError;
use super::event_type::EventType;
use super::Millis;
use crate::domain::ids::WorkspaceId;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub billing_plan_id: String,
    pub default_timeout_secs: Option<i64>,
    pub reject_reason_required: bool,
    pub created_at: Millis,
    /// Slack incoming webhook new pauses are announced on (see `notify::slack`).
    pub slack_webhook_url: Option<String>,
    /// Days after a decision before a pause's context is purged; None keeps it.
    pub context_retention_days: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct BillingPlan {
    pub id: String,
    /// None: unlimited.
    pub monthly_pauses: Option<i64>,
    pub max_approvers: Option<i64>,
}

pub fn billing_plan(conn: &Connection, billing_plan_id: &str) -> AppResult<BillingPlan> {
    conn.prepare_cached("SELECT id, monthly_pauses, max_approvers FROM plans WHERE id = ?1")?
        .query_row([billing_plan_id], |r| {
            Ok(BillingPlan {
                id: r.get(0)?,
                monthly_pauses: r.get(1)?,
                max_approvers: r.get(2)?,
            })
        })
        .optional()?
        .ok_or_else(|| {
            let known = billing_plan_ids(conn).unwrap_or_default().join(", ");
            AppError::invalid(
                "plan",
                format!("unknown plan `{billing_plan_id}`; known plans: {known}"),
            )
        })
}

pub fn billing_plan_ids(conn: &Connection) -> AppResult<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT id FROM plans ORDER BY monthly_pauses IS NULL, monthly_pauses")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

pub fn create(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    name: &str,
    billing_plan_id: &str,
) -> AppResult<WorkspaceId> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid(
            "name",
            "a workspace name has 1 to 200 characters",
        ));
    }
    billing_plan(conn, billing_plan_id)?;
    let inserted_id: i64 = conn.query_row(
        "INSERT INTO workspaces (name, plan_id, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        params![name, billing_plan_id, now],
        |r| r.get::<_, i64>(0),
    )?;
    let id = WorkspaceId(inserted_id);
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(id),
            actor,
            event: EventType::WorkspaceCreated,
            subject: Some(id.to_string()),
            details: Some(json!({ "name": name, "plan": billing_plan_id })),
        },
    )?;
    Ok(id)
}

pub fn get(conn: &Connection, id: WorkspaceId) -> AppResult<Workspace> {
    conn.prepare_cached(
        "SELECT id, name, plan_id, default_timeout_secs, reject_reason_required, created_at,
                slack_webhook_url, context_retention_days
         FROM workspaces WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(Workspace {
            id: r.get(0)?,
            name: r.get(1)?,
            billing_plan_id: r.get(2)?,
            default_timeout_secs: r.get(3)?,
            reject_reason_required: r.get(4)?,
            created_at: r.get(5)?,
            slack_webhook_url: r.get(6)?,
            context_retention_days: r.get(7)?,
        })
    })
    .optional()?
    .ok_or_else(|| AppError::NotFound(format!("no workspace with id {id}")))
}

pub fn list(conn: &Connection) -> AppResult<Vec<Workspace>> {
    let mut stmt = conn.prepare("SELECT id FROM workspaces ORDER BY id")?;
    let ids: Vec<WorkspaceId> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.into_iter().map(|id| get(conn, id)).collect()
}

pub fn set_billing_plan(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    id: WorkspaceId,
    billing_plan_id: &str,
) -> AppResult<()> {
    let ws = get(conn, id)?;
    billing_plan(conn, billing_plan_id)?;
    conn.execute(
        "UPDATE workspaces SET plan_id = ?1 WHERE id = ?2",
        params![billing_plan_id, id],
    )?;
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(id),
            actor,
            event: EventType::WorkspaceBillingPlanChanged,
            subject: Some(id.to_string()),
            details: Some(json!({ "from": ws.billing_plan_id, "to": billing_plan_id })),
        },
    )?;
    Ok(())
}

/// The plan of the workspace a fresh install creates. A self-hoster runs Holdpoint for their own
/// team, so quotas would only get in their way; the smaller plans are for operators who host
/// workspaces for other teams (`workspace create --plan`). Existing installs keep their plan.
pub const FIRST_RUN_BILLING_PLAN: &str = "pro";

/// The default workspace (the first one), created on an empty database.
pub fn ensure_default(conn: &Connection, now: Millis) -> AppResult<WorkspaceId> {
    let first: Option<WorkspaceId> =
        conn.query_row("SELECT min(id) FROM workspaces", [], |r| r.get(0))?;
    match first {
        Some(id) => Ok(id),
        None => create(conn, now, Actor::System, "Default", FIRST_RUN_BILLING_PLAN),
    }
}

/// The refusal of one more approver than the plan allows (worded by `crate::error`).
pub fn approver_limit_error(
    billing_plan: &BillingPlan,
    workspace_id: WorkspaceId,
    max: i64,
) -> AppError {
    DomainError::ApproverLimit {
        workspace_id,
        billing_plan: billing_plan.id.clone(),
        max,
    }
    .into()
}

/// Bounds of a default pause timeout; the same as the API's `timeoutSeconds`, so a workspace
/// default is always a value an agent could have asked for itself.
pub const MIN_TIMEOUT_SECS: i64 = 10;
pub const MAX_TIMEOUT_SECS: i64 = 2_592_000;

/// The settings an owner or admin edits on the settings page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsChange {
    pub name: String,
    /// None: the server's default applies.
    pub default_timeout_secs: Option<i64>,
    pub reject_reason_required: bool,
    /// None: no Slack notifications.
    pub slack_webhook_url: Option<String>,
    /// None: contexts are kept; see `retention`.
    pub context_retention_days: Option<i64>,
}

impl SettingsChange {
    fn of(ws: &Workspace) -> SettingsChange {
        SettingsChange {
            name: ws.name.clone(),
            default_timeout_secs: ws.default_timeout_secs,
            reject_reason_required: ws.reject_reason_required,
            slack_webhook_url: ws.slack_webhook_url.clone(),
            context_retention_days: ws.context_retention_days,
        }
    }

    /// The change with a trimmed name, or which field is out of bounds.
    fn validated(self) -> AppResult<SettingsChange> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid(
                "name",
                "a workspace name has 1 to 200 characters",
            ));
        }
        if let Some(t) = self.default_timeout_secs {
            if !(MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(&t) {
                return Err(AppError::invalid(
                    "default_timeout_secs",
                    format!(
                        "the default timeout is {MIN_TIMEOUT_SECS} to {MAX_TIMEOUT_SECS} seconds \
                         (30 days), or empty for the server's default"
                    ),
                ));
            }
        }
        if let Some(days) = self.context_retention_days {
            super::retention::check_days(days)?;
        }
        let slack_webhook_url = match self.slack_webhook_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(super::webhook_admin::validate_url(
                "slack_webhook_url",
                url,
                true,
            )?),
        };
        Ok(SettingsChange {
            name,
            slack_webhook_url,
            ..self
        })
    }

    fn to_json(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "default_timeout_secs": self.default_timeout_secs,
            "reject_reason_required": self.reject_reason_required,
            // Only whether it is set: the URL is a credential for the Slack channel.
            "slack": self.slack_webhook_url.is_some(),
            "context_retention_days": self.context_retention_days,
        })
    }
}

/// Validates and applies new settings with a `workspace.settings_changed` audit row (before and
/// after) in the same transaction. Returns false, writing nothing, when nothing changed.
pub fn update_settings(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    id: WorkspaceId,
    change: SettingsChange,
) -> AppResult<bool> {
    let change = change.validated()?;
    let before = SettingsChange::of(&get(conn, id)?);
    if before == change {
        return Ok(false);
    }
    conn.execute(
        "UPDATE workspaces SET name = ?1, default_timeout_secs = ?2, reject_reason_required = ?3,
                               slack_webhook_url = ?4, context_retention_days = ?5
         WHERE id = ?6",
        params![
            change.name,
            change.default_timeout_secs,
            change.reject_reason_required,
            change.slack_webhook_url,
            change.context_retention_days,
            id
        ],
    )?;
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(id),
            actor,
            event: EventType::WorkspaceSettingsChanged,
            subject: Some(id.to_string()),
            details: Some(json!({ "before": before.to_json(), "after": change.to_json() })),
        },
    )?;
    Ok(true)
}
