//! The policy settings of part 2 (approver groups, quorum, reminders, escalation, timeouts),
//! kept apart from [`super::PolicySettings`], which the pure engine copies on every create.
//! Stored as one JSON object on the workspace (`workspaces.approval_settings`), read into this
//! typed struct with every default filled; checked as a whole before it is stored.

use std::collections::BTreeMap;

use crate::db::sql::{params, Connection};
use serde::{Deserialize, Serialize};

use super::groups;
use super::Risk;
use crate::domain::ids::WorkspaceId;
use crate::domain::receipts;
use crate::error::{AppError, AppResult};

/// The most approvals a pause can require.
pub const MAX_APPROVALS: u8 = 5;
/// The bounds of `remindAt` and `escalateAt`, fractions of a pause's timeout.
pub const MIN_AT: f64 = 0.05;
pub const MAX_AT: f64 = 0.95;

pub use crate::domain::pause::status::OnTimeout;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ApprovalSettings {
    /// The group a pause of each risk is routed to (a rule's `routeTo` wins).
    pub route_to: BTreeMap<Risk, Option<String>>,
    /// The least approvals a pause of each risk needs (a pause may ask for more).
    pub min_approvals: BTreeMap<Risk, u8>,
    /// The person who created the key that made a pause cannot vote on it.
    pub no_self_approval: bool,
    pub remind_at: f64,
    pub escalate_at: f64,
    /// Who is told at `escalateAt`; `None`: the owners and admins.
    pub escalate_to: Option<String>,
    pub on_timeout: OnTimeout,
    /// How long a decision receipt is valid (`exp` − `iat`), in seconds: 60 to 86400.
    pub receipt_ttl_seconds: u32,
}

impl Default for ApprovalSettings {
    fn default() -> Self {
        ApprovalSettings {
            route_to: BTreeMap::new(),
            min_approvals: BTreeMap::new(),
            no_self_approval: false,
            remind_at: 0.5,
            escalate_at: 0.8,
            escalate_to: None,
            on_timeout: OnTimeout::Expire,
            receipt_ttl_seconds: crate::domain::receipts::DEFAULT_TTL_SECS,
        }
    }
}

pub fn get(conn: &Connection, ws: WorkspaceId) -> AppResult<ApprovalSettings> {
    let text: String = conn
        .prepare_cached("SELECT approval_settings FROM workspaces WHERE id = ?1")?
        .query_row([ws], |r| r.get(0))?;
    serde_json::from_str(&text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored approval settings: {e}")))
}

/// Checks `s` as a whole (the groups it names must exist in the workspace), then stores it.
pub fn store(conn: &Connection, ws: WorkspaceId, s: &ApprovalSettings) -> AppResult<()> {
    check(conn, ws, s)?;
    let text = serde_json::to_string(s).map_err(|e| AppError::Internal(e.into()))?;
    conn.prepare_cached("UPDATE workspaces SET approval_settings = ?2 WHERE id = ?1")?
        .execute(params![ws, text])?;
    Ok(())
}

fn check(conn: &Connection, ws: WorkspaceId, s: &ApprovalSettings) -> AppResult<()> {
    if let Some((risk, n)) = s
        .min_approvals
        .iter()
        .find(|(_, n)| !(1..=MAX_APPROVALS).contains(*n))
    {
        return Err(AppError::invalid(
            "minApprovals",
            format!("`minApprovals.{risk}` is 1 to {MAX_APPROVALS} (got {n})"),
        ));
    }
    for (field, at) in [("remindAt", s.remind_at), ("escalateAt", s.escalate_at)] {
        if !(MIN_AT..=MAX_AT).contains(&at) {
            return Err(AppError::invalid(
                field,
                format!(
                    "`{field}` is a fraction of the timeout from {MIN_AT} to {MAX_AT} (got {at})"
                ),
            ));
        }
    }
    if s.remind_at >= s.escalate_at {
        return Err(AppError::invalid(
            "remindAt",
            "`remindAt` comes before `escalateAt`: remind first, then escalate",
        ));
    }
    let (min, max) = (receipts::MIN_TTL_SECS, receipts::MAX_TTL_SECS);
    if !(min..=max).contains(&s.receipt_ttl_seconds) {
        return Err(AppError::invalid(
            "receiptTtlSeconds",
            format!(
                "`receiptTtlSeconds` is {min} to {max} seconds (got {})",
                s.receipt_ttl_seconds
            ),
        ));
    }
    let routes = s
        .route_to
        .iter()
        .filter_map(|(risk, g)| Some((format!("routeTo.{risk}"), g.as_ref()?)));
    let escalation = s.escalate_to.iter().map(|g| ("escalateTo".to_string(), g));
    for (field, group) in routes.chain(escalation) {
        if groups::get(conn, ws, group)?.is_none() {
            return Err(AppError::invalid(
                field,
                format!("there is no approver group named `{group}` in this workspace"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "approvals_tests.rs"]
mod tests;
