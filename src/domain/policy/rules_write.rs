//! Changing a workspace's rules: every change is checked whole, writes its audit row in the
//! same transaction and replaces the rules' stamp (see `cache`); a refusal writes nothing.

use crate::db::sql::{params, Connection};
use serde_json::{json, Value};

use super::rules::{get, not_found, RuleSet, StoredRule, MAX_RULES};
use super::spec::{self, RuleSpec};
use crate::db::WriteCtx;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

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

/// Every change: the stamp replaced (see `cache::load_cached`), and the audit row.
fn audit_change(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    set: RuleSet,
    actor: Actor,
    event: EventType,
    id: i64,
    details: Value,
) -> AppResult<()> {
    super::cache::restamp(ctx.conn, set.workspace_id)?;
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
    route_exists(conn, set, &s)?;
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
    let inserted_id: i64 = conn.prepare_cached(
        "INSERT INTO policy_rules (workspace_id, is_test, name, effect, enabled, shadow, match_json,
             max_risk, expires_at, note, created_by, created_by_key, created_at, updated_at,
             route_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14) RETURNING id",
    )?
    .query_row(params![
        set.workspace_id, set.test, s.name, s.effect, s.enabled, s.shadow,
        serde_json::to_string(&s.matches).map_err(anyhow::Error::from)?,
        s.max_risk, checked.expires_at, checked.rule.note, user, key, now, s.route_to
    ], |r| r.get::<_, i64>(0))?;
    let id = inserted_id;
    let stored = get(conn, set, id)?.ok_or_else(|| not_found(id))?;
    let details = json!({ "rule": serde_json::to_value(&stored.spec).unwrap_or_default() });
    audit_change(ctx, now, set, actor, EventType::RuleCreated, id, details)?;
    Ok(stored)
}

/// A rule's `routeTo` names a group of the workspace.
fn route_exists(conn: &crate::db::sql::Connection, set: RuleSet, s: &RuleSpec) -> AppResult<()> {
    match &s.route_to {
        Some(g) if super::groups::get(conn, set.workspace_id, g)?.is_none() => Err(
            AppError::invalid("routeTo", format!("there is no approver group `{g}`")),
        ),
        _ => Ok(()),
    }
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
    spec::unknown_members(&merged, patch)?;
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
    route_exists(conn, set, &s)?;
    let name = checked.rule.name.clone();
    if name_taken(conn, set, &name, id)? {
        return Err(duplicate(&name));
    }
    conn.prepare_cached(
        "UPDATE policy_rules SET name = ?2, effect = ?3, enabled = ?4, shadow = ?5, match_json = ?6,
             max_risk = ?7, expires_at = ?8, note = ?9, updated_at = ?10, route_to = ?11
         WHERE id = ?1",
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
        now,
        s.route_to
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
