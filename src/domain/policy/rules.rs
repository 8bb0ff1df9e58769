//! Rules as stored: one workspace's rules of one mode (live or test, like agents and pauses: a
//! rule made in test never decides a live pause). Every change writes its audit row in the same
//! transaction (run these in the writer); a refusal writes nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use super::spec::{self, RuleSpec};
use super::{PolicyVerdict, Rule};
use crate::db::WriteCtx;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::decided_by::DecidedBy;
use crate::domain::event_type::EventType;
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
    r.shadow_hits, u.email, u.name, k.name, k.prefix
    FROM policy_rules r LEFT JOIN users u ON u.id = r.created_by
    LEFT JOIN api_keys k ON k.id = r.created_by_key";

fn from_row(r: &Row<'_>) -> rusqlite::Result<StoredRule> {
    let bad = |e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, e.into())
    };
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

/// Compiled rule sets by workspace, mode and stamp (see [`load_cached`]).
type Cache = HashMap<(WorkspaceId, bool, i64), Arc<Vec<Rule>>>;
static CACHE: Mutex<Option<Cache>> = Mutex::new(None);
/// Rule sets kept at most; the cache is emptied past it rather than grown without bound.
const CACHED_SETS: usize = 1000;

/// As [`load_enabled`], from memory while the workspace's `rules_stamp` is the one they were
/// read under: every change to its rules replaces the stamp with a random number, so a stale
/// set (or another database's set with the same ids) is never used, and a create with 100
/// rules reads one integer instead of parsing and compiling every rule.
pub fn load_cached(conn: &Connection, set: RuleSet) -> AppResult<Arc<Vec<Rule>>> {
    let stamp: i64 = conn
        .prepare_cached("SELECT rules_stamp FROM workspaces WHERE id = ?1")?
        .query_row([set.workspace_id], |r| r.get(0))?;
    let key = (set.workspace_id, set.test, stamp);
    let lock = || CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = lock().as_ref().and_then(|c| c.get(&key).cloned()) {
        return Ok(found);
    }
    let rules = Arc::new(load_enabled(conn, set)?);
    // Stamp 0: the workspace's rules never changed (there are none); nothing worth keeping.
    if stamp != 0 {
        let mut guard = lock();
        let cache = guard.get_or_insert_with(HashMap::new);
        if cache.len() >= CACHED_SETS {
            cache.clear();
        }
        cache.insert(key, rules.clone());
    }
    Ok(rules)
}

/// Marks the workspace's rules changed (see [`load_cached`]).
fn restamp(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<()> {
    let stamp = rand::random::<i64>() | 1;
    conn.prepare_cached("UPDATE workspaces SET rules_stamp = ?2 WHERE id = ?1")?
        .execute(params![workspace_id, stamp])?;
    Ok(())
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

fn duplicate(name: &str) -> AppError {
    AppError::Conflict {
        detail: format!(
            "a rule named `{name}` already exists in this workspace; choose another name"
        ),
        current: None,
    }
}

fn name_taken(conn: &Connection, set: RuleSet, name: &str, except: i64) -> AppResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM policy_rules WHERE workspace_id = ?1 AND is_test = ?2
             AND name = ?3 AND id <> ?4)",
        )?
        .query_row(params![set.workspace_id, set.test, name, except], |r| {
            r.get(0)
        })?)
}

/// Every change: the stamp replaced (see [`load_cached`]), and the audit row.
fn audit_change(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    set: RuleSet,
    actor: Actor,
    event: EventType,
    id: i64,
    details: Value,
) -> AppResult<()> {
    restamp(ctx.conn, set.workspace_id)?;
    audit::record(
        ctx.conn,
        now,
        Entry {
            workspace_id: Some(set.workspace_id),
            actor,
            event,
            subject: Some(format!("rule {id}")),
            details: Some(details),
        },
    )?;
    Ok(())
}

/// Adds a rule; a name already used in the set is a 409, a bad member a 422 naming it.
pub fn create(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    set: RuleSet,
    actor: Actor,
    mut s: RuleSpec,
) -> AppResult<StoredRule> {
    let checked = spec::check(&s)?;
    s.name = checked.rule.name.clone();
    let conn = ctx.conn;
    if name_taken(conn, set, &s.name, 0)? {
        return Err(duplicate(&s.name));
    }
    let count: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM policy_rules WHERE workspace_id = ?1 AND is_test = ?2",
        )?
        .query_row(params![set.workspace_id, set.test], |r| r.get(0))?;
    if count >= MAX_RULES {
        return Err(AppError::invalid(
            "rule",
            format!("a workspace has at most {MAX_RULES} rules; delete one first"),
        ));
    }
    let (user, key) = match actor {
        Actor::User(u) => (Some(u), None),
        Actor::Key(k) => (None, Some(k)),
        _ => (None, None),
    };
    conn.prepare_cached(
        "INSERT INTO policy_rules (workspace_id, is_test, name, effect, enabled, shadow, match_json,
             max_risk, expires_at, note, created_by, created_by_key, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
    )?
    .execute(params![
        set.workspace_id, set.test, s.name, s.effect, s.enabled, s.shadow,
        serde_json::to_string(&s.matches).map_err(anyhow::Error::from)?,
        s.max_risk, checked.expires_at, checked.rule.note, user, key, now
    ])?;
    let id = conn.last_insert_rowid();
    let stored = get(conn, set, id)?.ok_or_else(|| not_found(id))?;
    let details = json!({ "rule": serde_json::to_value(&stored.spec).unwrap_or_default() });
    audit_change(ctx, now, set, actor, EventType::RuleCreated, id, details)?;
    Ok(stored)
}

/// Applies a JSON merge patch to a rule and checks the result as a whole.
pub fn update(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    set: RuleSet,
    actor: Actor,
    id: i64,
    patch: &Value,
) -> AppResult<StoredRule> {
    let before = get(ctx.conn, set, id)?.ok_or_else(|| not_found(id))?;
    let mut merged = serde_json::to_value(&before.spec).map_err(anyhow::Error::from)?;
    spec::merge_patch(&mut merged, patch);
    let s = spec::parse(merged)?;
    replace_spec(ctx, now, set, actor, before, s)
}

/// Replaces a rule's spec as a whole (an import, a renewed remembered decision).
pub fn replace(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    set: RuleSet,
    actor: Actor,
    id: i64,
    s: RuleSpec,
) -> AppResult<StoredRule> {
    let before = get(ctx.conn, set, id)?.ok_or_else(|| not_found(id))?;
    replace_spec(ctx, now, set, actor, before, s)
}

fn replace_spec(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    set: RuleSet,
    actor: Actor,
    before: StoredRule,
    s: RuleSpec,
) -> AppResult<StoredRule> {
    let (conn, id) = (ctx.conn, before.id);
    let checked = spec::check(&s)?;
    let name = checked.rule.name.clone();
    if name_taken(conn, set, &name, id)? {
        return Err(duplicate(&name));
    }
    conn.prepare_cached(
        "UPDATE policy_rules SET name = ?2, effect = ?3, enabled = ?4, shadow = ?5, match_json = ?6,
             max_risk = ?7, expires_at = ?8, note = ?9, updated_at = ?10 WHERE id = ?1",
    )?
    .execute(params![
        id,
        name,
        s.effect,
        s.enabled,
        s.shadow,
        serde_json::to_string(&s.matches).map_err(anyhow::Error::from)?,
        s.max_risk,
        checked.expires_at,
        checked.rule.note,
        now
    ])?;
    let after = get(conn, set, id)?.ok_or_else(|| not_found(id))?;
    let details = json!({
        "before": serde_json::to_value(&before.spec).unwrap_or_default(),
        "after": serde_json::to_value(&after.spec).unwrap_or_default(),
    });
    audit_change(ctx, now, set, actor, EventType::RuleChanged, id, details)?;
    Ok(after)
}

pub fn delete(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    set: RuleSet,
    actor: Actor,
    id: i64,
) -> AppResult<()> {
    let before = get(ctx.conn, set, id)?.ok_or_else(|| not_found(id))?;
    ctx.conn
        .prepare_cached("DELETE FROM policy_rules WHERE id = ?1")?
        .execute([id])?;
    let details = json!({ "rule": serde_json::to_value(&before.spec).unwrap_or_default() });
    audit_change(ctx, now, set, actor, EventType::RuleDeleted, id, details)
}
