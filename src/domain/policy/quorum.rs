//! What a new pause needs besides the verdict: how many different deciders must approve it,
//! the group it goes to, and what its deadline means. Read before anything is written, so a
//! refusal (a quorum nobody can reach) leaves every table as it was; `explain` reads the same.

use crate::db::sql::{params, Connection};

use super::approvals::{self, ApprovalSettings, MAX_APPROVALS};
use super::PolicyVerdict;
use crate::domain::kind::Kind;
use crate::domain::pause::status::OnTimeout;
use crate::domain::pauses::NewPause;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// The approvals a pause needs and what its deadline means, before routing.
#[derive(Debug, Clone)]
pub struct Quorum {
    pub settings: ApprovalSettings,
    pub required: u8,
    pub on_timeout: OnTimeout,
}

/// The verdict with what the pause stores besides it.
#[derive(Debug, Clone)]
pub struct Routed {
    pub verdict: PolicyVerdict,
    pub required: u8,
    pub on_timeout: OnTimeout,
    /// The group's id and name, when routed.
    pub group: Option<(i64, String)>,
}

/// The larger of the pause's `requiredApprovals` and the workspace's minimum for its risk;
/// questions and plans take one answer, so asking them for more is refused.
pub fn quorum_for(conn: &Connection, p: &NewPause) -> AppResult<Quorum> {
    let settings = approvals::get(conn, p.workspace_id)?;
    let asked = p.required_approvals.unwrap_or(1);
    if !(1..=MAX_APPROVALS).contains(&asked) {
        return Err(AppError::invalid(
            "requiredApprovals",
            format!("`requiredApprovals` is 1 to {MAX_APPROVALS}"),
        ));
    }
    let required = match p.kind {
        Kind::Approval => asked.max(settings.min_approvals.get(&p.risk).copied().unwrap_or(1)),
        _ if asked > 1 => {
            return Err(AppError::invalid(
                "requiredApprovals",
                format!("a {} takes one answer: `requiredApprovals` is 1", p.kind),
            ))
        }
        _ => 1,
    };
    Ok(Quorum {
        on_timeout: p.on_timeout.unwrap_or(settings.on_timeout),
        settings,
        required,
    })
}

/// The policy's verdict for `p`, routed, with its quorum checked against who may decide.
pub fn route_for(conn: &Connection, now: Millis, p: &NewPause) -> AppResult<Routed> {
    let quorum = quorum_for(conn, p)?;
    let verdict = super::load::verdict_for(conn, now, p, &quorum)?;
    let group = match &verdict.group {
        Some(name) => Some((group_id(conn, p, name)?, name.clone())),
        None => None,
    };
    if !verdict.decides() && (group.is_some() || quorum.required > 1) {
        let can = eligible(conn, p, group.as_ref().map(|g| g.0))?;
        if i64::from(quorum.required) > can {
            return Err(AppError::invalid(
                "requiredApprovals",
                too_many(&quorum, &group, can),
            ));
        }
    }
    Ok(Routed {
        verdict,
        required: quorum.required,
        on_timeout: quorum.on_timeout,
        group,
    })
}

fn too_many(q: &Quorum, group: &Option<(i64, String)>, can: i64) -> String {
    let who = match group {
        Some((_, name)) => format!("group `{name}` has"),
        None => "the workspace has".into(),
    };
    let n = q.required;
    let s = if n == 1 { "" } else { "s" };
    format!(
        "this pause needs {n} approval{s} from different deciders, and {who} {can} who may decide"
    )
}

/// A route names a group by name; a route to a group deleted since is refused, not ignored.
fn group_id(conn: &Connection, p: &NewPause, name: &str) -> AppResult<i64> {
    use crate::db::sql::OptionalExtension;
    conn.prepare_cached("SELECT id FROM approver_groups WHERE workspace_id = ?1 AND name = ?2")?
        .query_row(params![p.workspace_id, name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            AppError::invalid(
                "group",
                format!("the route names group `{name}`, which no longer exists"),
            )
        })
}

/// How many different deciders could approve `p`: the active people (of the group, when
/// routed), the keys of its mode holding `decide` (given the group, when routed), and a test
/// pause's own key, which may decide it.
fn eligible(conn: &Connection, p: &NewPause, group: Option<i64>) -> AppResult<i64> {
    let people: i64 = match group {
        Some(g) => conn
            .prepare_cached(
                "SELECT count(*) FROM approver_group_members m JOIN users u ON u.id = m.user_id
                 WHERE m.group_id = ?1 AND u.state = 'active'",
            )?
            .query_row([g], |r| r.get(0))?,
        None => conn
            .prepare_cached(
                "SELECT count(*) FROM users
                 WHERE workspace_id = ?1 AND state = 'active'",
            )?
            .query_row([p.workspace_id], |r| r.get(0))?,
    };
    let keys: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM api_keys k
             WHERE k.workspace_id = ?1 AND k.is_test = ?2 AND k.revoked_at IS NULL
               AND (' ' || k.scopes || ' ') LIKE '% decide %' AND k.id != ?3
               AND (CAST(?4 AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM approver_group_keys gk
                                         WHERE gk.group_id = ?4 AND gk.api_key_id = k.id))",
        )?
        .query_row(params![p.workspace_id, p.test, p.api_key_id, group], |r| {
            r.get(0)
        })?;
    Ok(people + keys + i64::from(p.test))
}
