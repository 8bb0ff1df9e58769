//! What the policy reads for one new pause, read and evaluated with no write: the create
//! transaction calls [`verdict_for`] before it writes anything, and `explain` calls the same
//! function on a reader, so the two cannot disagree.

use std::collections::BTreeMap;

use crate::db::sql::{params, Connection, OptionalExtension};

use super::quorum::Quorum;
use super::rules::{self, RuleSet};
use super::{evaluate, settings, Caps, Facts, Outcome, PolicyVerdict};
use crate::domain::agents::{self, Control, Fleet};
use crate::domain::kind::Kind;
use crate::domain::pauses::NewPause;
use crate::domain::Millis;
use crate::error::AppResult;

/// The verdict for a new pause, with its route and quorum; `quorum` as [`quorum_for`] gave it.
pub fn verdict_for(
    conn: &Connection,
    now: Millis,
    p: &NewPause,
    quorum: &Quorum,
) -> AppResult<PolicyVerdict> {
    let fleet = Fleet::new(p.workspace_id, p.test);
    let settings = settings::get(conn, p.workspace_id)?;
    let (control, agent_level) = match p.agent.as_deref() {
        Some(name) => agent_row(conn, fleet, name)?,
        None => (None, None),
    };
    let facts = Facts {
        kind: p.kind,
        risk: p.risk,
        tool: p.tool.clone(),
        agent: p.agent.clone(),
        key_id: p.api_key_id,
        metadata: p
            .metadata
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default(),
        context: string_fields(p.context.as_deref()),
        stopped: agents::stopped_at(conn, fleet)?.is_some(),
        agent_paused: control == Some(Control::Paused),
        caps: Caps {
            key: settings::key_level(conn, p.api_key_id)?,
            agent: agent_level,
            request: p.autonomy_level,
        },
        required_approvals: quorum.required,
    };
    // Rules never apply to questions and plans: their rules need not even be read.
    let rules = match p.kind {
        Kind::Approval => rules::load_cached(
            conn,
            RuleSet {
                workspace_id: p.workspace_id,
                test: p.test,
            },
        )?,
        _ => Default::default(),
    };
    let mut verdict = evaluate(&facts, &rules, &settings, now);
    if verdict.result == Outcome::Wait && verdict.group.is_none() {
        verdict.group = quorum.settings.route_to.get(&p.risk).cloned().flatten();
    }
    if let Some(group) = &verdict.group {
        verdict.explanation.push_str(&match &verdict.routed_by {
            Some(rule) => format!(" Rule “{rule}” routes it to group `{group}`."),
            None => format!(
                " {}-risk pauses go to group `{group}`.",
                capitalized(p.risk.as_str())
            ),
        });
    }
    Ok(verdict)
}

fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The agent's control as a person set it, and its autonomy cap (None for a new agent).
fn agent_row(
    conn: &Connection,
    fleet: Fleet,
    name: &str,
) -> AppResult<(Option<Control>, Option<u8>)> {
    let row = conn
        .prepare_cached(
            "SELECT control, autonomy_level FROM agents
             WHERE workspace_id = ?1 AND is_test = ?2 AND name = ?3",
        )?
        .query_row(params![fleet.workspace_id, fleet.test, name], |r| {
            Ok((r.get::<_, Control>(0)?, r.get::<_, Option<u8>>(1)?))
        })
        .optional()?;
    Ok(row.map_or((None, None), |(c, l)| (Some(c), l)))
}

/// The top-level string members of a context object: what `match.context` globs read.
fn string_fields(context: Option<&str>) -> BTreeMap<String, String> {
    let Some(serde_json::Value::Object(map)) =
        context.and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
    else {
        return BTreeMap::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            _ => None,
        })
        .collect()
}
