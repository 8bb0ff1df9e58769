//! Rules as stored: one workspace's rules of one mode (live or test, like agents and pauses: a
//! rule made in test never decides a live pause), read for the API and for the engine.

use crate::db::sql::{params, Connection, OptionalExtension, Row};

pub use super::cache::load_cached;
use super::spec::{self, RuleSpec};
use super::{PolicyVerdict, Rule};
use crate::domain::decided_by::DecidedBy;
use crate::domain::ids::WorkspaceId;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// Rules per workspace and mode: evaluating them is on every create's path.
pub const MAX_RULES: i64 = 500;

/// One workspace's rules of one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSet {
    pub workspace_id: WorkspaceId,
    pub test: bool,
}

/// A rule with what the API shows beside its spec.
#[derive(Debug, Clone)]
pub struct StoredRule {
    pub id: i64,
    pub spec: RuleSpec,
    pub created_by: Option<DecidedBy>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub hits: i64,
    pub last_hit_at: Option<Millis>,
    pub shadow_hits: i64,
}

const SELECT: &str = "SELECT r.id, r.name, r.effect, r.enabled, r.shadow, r.match_json,
    r.max_risk, r.expires_at, r.note, r.created_at, r.updated_at, r.hits, r.last_hit_at,
    r.shadow_hits, u.email, u.name, k.name, k.prefix, r.route_to
    FROM policy_rules r LEFT JOIN users u ON u.id = r.created_by
    LEFT JOIN api_keys k ON k.id = r.created_by_key";

fn from_row(r: &Row<'_>) -> crate::db::sql::Result<StoredRule> {
    let bad = |e: serde_json::Error| crate::db::sql::Error::Conversion(format!("column 5: {e}"));
    let matches = serde_json::from_str(&r.get::<_, String>(5)?).map_err(bad)?;
    let created_by = match (r.get::<_, Option<String>>(14)?, r.get(17)?) {
        (Some(email), _) => Some(DecidedBy::User {
            email,
            name: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
        }),
        (None, Some(prefix)) => Some(DecidedBy::Key {
            name: r.get::<_, Option<String>>(16)?.unwrap_or_default(),
            prefix,
        }),
        (None, None) => None,
    };
    Ok(StoredRule {
        id: r.get(0)?,
        spec: RuleSpec {
            name: r.get(1)?,
            effect: r.get(2)?,
            enabled: r.get(3)?,
            shadow: r.get(4)?,
            matches,
            max_risk: r.get(6)?,
            expires_at: r.get::<_, Option<Millis>>(7)?.map(crate::domain::rfc3339),
            note: r.get(8)?,
            route_to: r.get(18)?,
        },
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        hits: r.get(11)?,
        last_hit_at: r.get(12)?,
        shadow_hits: r.get(13)?,
        created_by,
    })
}

/// Every rule of the set, oldest first.
pub fn list(conn: &Connection, set: RuleSet) -> AppResult<Vec<StoredRule>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE r.workspace_id = ?1 AND r.is_test = ?2 ORDER BY r.id"
    ))?;
    let rows = stmt.query_map(params![set.workspace_id, set.test], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, set: RuleSet, id: i64) -> AppResult<Option<StoredRule>> {
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT} WHERE r.id = ?1 AND r.workspace_id = ?2 AND r.is_test = ?3"
        ))?
        .query_row(params![id, set.workspace_id, set.test], from_row)
        .optional()?)
}

pub fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no rule with id {id} in this workspace"))
}

/// The enabled rules of the set, compiled for [`super::evaluate`]. A stored rule that no longer
/// compiles (its globs were checked when written) is left out and logged, never guessed at.
pub fn load_enabled(conn: &Connection, set: RuleSet) -> AppResult<Vec<Rule>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE r.workspace_id = ?1 AND r.is_test = ?2 AND r.enabled = 1 ORDER BY r.id"
    ))?;
    let mut rules = Vec::new();
    for stored in stmt.query_map(params![set.workspace_id, set.test], from_row)? {
        let stored = stored?;
        match spec::check(&stored.spec) {
            Ok(checked) => rules.push(Rule {
                id: stored.id,
                ..checked.rule
            }),
            Err(e) => {
                tracing::warn!(rule = stored.id, error = %e, "a stored rule does not compile")
            }
        }
    }
    Ok(rules)
}

/// Counts the deciding rule's hit and every matching shadow rule's shadow hit.
pub fn count_hits(conn: &Connection, now: Millis, verdict: &PolicyVerdict) -> AppResult<()> {
    if let Some(id) = verdict.rule_id {
        conn.prepare_cached(
            "UPDATE policy_rules SET hits = hits + 1, last_hit_at = ?2 WHERE id = ?1",
        )?
        .execute(params![id, now])?;
    }
    for id in &verdict.shadow_rule_ids {
        conn.prepare_cached("UPDATE policy_rules SET shadow_hits = shadow_hits + 1 WHERE id = ?1")?
            .execute(params![id])?;
    }
    Ok(())
}

// Changing rules (each change audited) is `rules_write`'s.
pub use super::rules_write::{create, delete, replace, update};
