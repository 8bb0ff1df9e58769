//! Rules as code: importing a rules export (`{"rules": [...]}`, each item as the rules API
//! shows it). All or nothing: every item is checked before anything is written, and the
//! caller's transaction holds every change; each change is audited like one made by the API.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::rules::{self, RuleSet};
use super::spec::{self, RuleSpec};
use crate::db::WriteCtx;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// Members an export shows that are not the rule's to set.
const READ_ONLY: [&str; 7] = [
    "id",
    "createdBy",
    "createdAt",
    "updatedAt",
    "hits",
    "lastHitAt",
    "shadowHits",
];

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
}

/// The specs of an export, checked; errors name the item (`rules[2].match.tool`).
pub fn parse(value: &Value) -> AppResult<Vec<RuleSpec>> {
    let items = value
        .get("rules")
        .unwrap_or(value)
        .as_array()
        .ok_or_else(|| AppError::invalid("rules", "expected {\"rules\": [...]} or an array"))?;
    let mut names = BTreeSet::new();
    let mut specs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |e: AppError| match e {
            AppError::Invalid { field, detail } => {
                AppError::invalid(format!("rules[{i}].{field}"), detail)
            }
            other => other,
        };
        let mut item = item.clone();
        if let Value::Object(m) = &mut item {
            m.retain(|k, v| !READ_ONLY.contains(&k.as_str()) && !v.is_null());
        }
        let s = spec::parse(item).map_err(at)?;
        let name = spec::check(&s).map_err(at)?.rule.name;
        if !names.insert(name.clone()) {
            return Err(AppError::invalid(
                format!("rules[{i}].name"),
                format!("the file names `{name}` twice"),
            ));
        }
        specs.push(s);
    }
    Ok(specs)
}

/// Adds the file's new rules, replaces those whose name exists, and with `replace` deletes
/// the others. A refusal returns the error; the caller's transaction then writes nothing.
pub fn import(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    set: RuleSet,
    actor: Actor,
    value: &Value,
    replace: bool,
) -> AppResult<Imported> {
    let specs = parse(value)?;
    let existing = rules::list(ctx.conn, set)?;
    let mut done = Imported::default();
    let named: BTreeSet<String> = specs.iter().map(|s| s.name.trim().to_string()).collect();
    if replace {
        for old in existing.iter().filter(|r| !named.contains(&r.spec.name)) {
            rules::delete(ctx, now, set, actor, old.id)?;
            done.deleted += 1;
        }
    }
    for s in specs {
        match existing.iter().find(|r| r.spec.name == s.name.trim()) {
            Some(old) => {
                rules::replace(ctx, now, set, actor, old.id, s)?;
                done.updated += 1;
            }
            None => {
                rules::create(ctx, now, set, actor, s)?;
                done.created += 1;
            }
        }
    }
    let details = json!({"created": done.created, "updated": done.updated,
                         "deleted": done.deleted, "test": set.test});
    audit::record(
        ctx.conn,
        now,
        Entry {
            workspace_id: Some(set.workspace_id),
            actor,
            event: EventType::RulesImported,
            subject: None,
            details: Some(details),
        },
    )?;
    Ok(done)
}
