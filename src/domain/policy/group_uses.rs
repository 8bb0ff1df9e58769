//! Where an approver group is named: the policy settings (`routeTo` per risk, `escalateTo`),
//! the rules of either mode (`routeTo`) and pending pauses routed to it. A group that is named
//! cannot be deleted, and one the settings or a rule name cannot be renamed: either would leave
//! a route to nothing, which `route_for` would then have to guess about. The refusal names each
//! place, so the person knows what to change first.

use crate::db::sql::{params, Connection};

use super::approvals;
use crate::domain::ids::WorkspaceId;
use crate::error::{AppError, AppResult};

/// The settings' and rules' mentions of `name`, in words (`the decision policy's route for
/// critical`, `the live rule “Refunds”`).
pub fn routes_naming(conn: &Connection, ws: WorkspaceId, name: &str) -> AppResult<Vec<String>> {
    let s = approvals::get(conn, ws)?;
    let mut out: Vec<String> = s
        .route_to
        .iter()
        .filter(|(_, g)| g.as_deref() == Some(name))
        .map(|(risk, _)| format!("the decision policy's route for {risk} risk"))
        .collect();
    if s.escalate_to.as_deref() == Some(name) {
        out.push("the decision policy's escalation".into());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT is_test, name FROM policy_rules WHERE workspace_id = ?1 AND route_to = ?2
         ORDER BY is_test, id",
    )?;
    let rules = stmt
        .query_map(params![ws, name], |r| {
            Ok((r.get::<_, bool>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    out.extend(rules.into_iter().map(|(test, rule)| {
        let mode = if test { "test" } else { "live" };
        format!("the {mode} rule “{rule}”")
    }));
    Ok(out)
}

/// How many pending pauses (live and test) are routed to the group.
pub fn pending_pauses(conn: &Connection, group_id: i64) -> AppResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM pauses WHERE group_id = ?1 AND status = 'pending'")?
        .query_row([group_id], |r| r.get(0))?)
}

/// A 409 unless nothing names the group or waits on it.
pub fn check_delete(conn: &Connection, ws: WorkspaceId, name: &str, id: i64) -> AppResult<()> {
    let mut uses = routes_naming(conn, ws, name)?;
    match pending_pauses(conn, id)? {
        0 => {}
        1 => uses.push("1 pending pause routed to it".into()),
        n => uses.push(format!("{n} pending pauses routed to it")),
    }
    refuse(
        name,
        "deleted",
        &uses,
        "change those (and let its pauses be decided) first",
    )
}

/// A 409 if the settings or a rule name the group (pending pauses keep the name they had).
pub fn check_rename(conn: &Connection, ws: WorkspaceId, name: &str) -> AppResult<()> {
    let uses = routes_naming(conn, ws, name)?;
    refuse(name, "renamed", &uses, "route those to another group first")
}

fn refuse(name: &str, verb: &str, uses: &[String], then: &str) -> AppResult<()> {
    if uses.is_empty() {
        return Ok(());
    }
    Err(AppError::Conflict {
        detail: format!(
            "the group `{name}` cannot be {verb}: it is named by {}; {then}",
            uses.join(", ")
        ),
        current: None,
    })
}
