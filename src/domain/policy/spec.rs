//! A rule as people write it: the editable members of the rules API's JSON (the same JSON a
//! rules export holds), checked and compiled into the [`Rule`] the engine reads. A PATCH is a
//! JSON merge patch (RFC 7396) over the stored spec, checked again as a whole.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Effect, Match, Pattern, Risk, Rule};
use crate::domain::ids::ApiKeyId;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_NOTE_CHARS: usize = 500;
const MAX_PAIRS: usize = 32;

/// The members a rule is written with; unknown members are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleSpec {
    pub name: String,
    pub effect: Effect,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub shadow: bool,
    #[serde(rename = "match")]
    pub matches: MatchSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_risk: Option<Risk>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// An approver group's name: what the rule matches and leaves waiting goes to that group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_to: Option<String>,
}

fn yes() -> bool {
    true
}

/// What a rule matches: the tool (a glob), and optionally the agent, the key, and members of
/// the pause's metadata and context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = RuleMatch)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MatchSpec {
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub key_id: Option<ApiKeyId>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, String>,
}

/// A checked spec: its rule as the engine reads it (id 0 until stored) and its expiry.
pub struct Checked {
    pub rule: Rule,
    pub expires_at: Option<Millis>,
}

/// Reads a spec from JSON, naming the offending member.
pub fn parse(value: Value) -> AppResult<RuleSpec> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "rule".into() } else { path };
        AppError::invalid(field, format!("the rule is not valid: {}", e.inner()))
    })
}

/// Checks every member and compiles the globs.
pub fn check(spec: &RuleSpec) -> AppResult<Checked> {
    let name = spec.name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            format!("a rule's name has 1 to {MAX_NAME_CHARS} characters, none of them control characters"),
        ));
    }
    if spec
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(AppError::invalid(
            "note",
            format!("a rule's note has at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    if spec.max_risk.is_some() && spec.effect == Effect::Deny {
        return Err(AppError::invalid(
            "maxRisk",
            "`maxRisk` is for allow rules: a deny rule refuses whatever the risk",
        ));
    }
    check_route(spec)?;
    let expires_at = spec.expires_at.as_deref().map(parse_time).transpose()?;
    let rule = Rule {
        id: 0,
        name: name.to_string(),
        effect: spec.effect,
        enabled: spec.enabled,
        shadow: spec.shadow,
        matches: compile(&spec.matches)?,
        max_risk: spec.max_risk,
        expires_at,
        note: spec.note.clone().filter(|n| !n.trim().is_empty()),
        route_to: spec.route_to.clone(),
    };
    Ok(Checked { rule, expires_at })
}

/// A deny rule decides, so it routes nothing; a route rule does nothing else. The group must
/// exist: that is checked where the rule is stored (`rules_write`), which reads the groups.
fn check_route(spec: &RuleSpec) -> AppResult<()> {
    match (spec.effect, &spec.route_to) {
        (Effect::Deny, Some(_)) => Err(AppError::invalid(
            "routeTo",
            "a deny rule rejects what it matches: it routes nothing",
        )),
        (Effect::Route, None) => Err(AppError::invalid(
            "routeTo",
            "a route rule needs `routeTo`, the approver group it sends pauses to",
        )),
        (Effect::Route, Some(_)) if spec.max_risk.is_some() => Err(AppError::invalid(
            "maxRisk",
            "`maxRisk` is for allow rules: a route rule routes whatever the risk",
        )),
        (_, Some(group)) => super::groups::check_name(group).map_err(|_| {
            AppError::invalid(
                "routeTo",
                format!("`{group}` is not an approver group's name"),
            )
        }),
        _ => Ok(()),
    }
}

fn parse_time(raw: &str) -> AppResult<Millis> {
    OffsetDateTime::parse(raw, &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as Millis)
        .map_err(|_| {
            AppError::invalid(
                "expiresAt",
                format!(
                    "`expiresAt` must be an RFC 3339 time like 2027-01-31T00:00:00Z (got `{raw}`)"
                ),
            )
        })
}

fn pattern(field: &str, text: &str) -> AppResult<Pattern> {
    Pattern::new(text).map_err(|e| AppError::invalid(field, e.0))
}

/// Compiles a match; a bad glob names its member (`match.tool`, `match.context.command`).
pub fn compile(m: &MatchSpec) -> AppResult<Match> {
    if m.metadata.len() > MAX_PAIRS || m.context.len() > MAX_PAIRS {
        return Err(AppError::invalid(
            "match",
            format!("`metadata` and `context` match at most {MAX_PAIRS} members each"),
        ));
    }
    let mut context = BTreeMap::new();
    for (k, glob) in &m.context {
        context.insert(k.clone(), pattern(&format!("match.context.{k}"), glob)?);
    }
    Ok(Match {
        tool: pattern("match.tool", &m.tool)?,
        agent: m
            .agent
            .as_deref()
            .map(|a| pattern("match.agent", a))
            .transpose()?,
        key_id: m.key_id,
        metadata: m.metadata.clone(),
        context,
    })
}

/// RFC 7396: members of `patch` replace those of `target`, `null` removes, objects merge.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let t = target.as_object_mut().expect("an object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// A patch member set to null is removed by the merge, so an unknown one would pass unseen
/// (Schemathesis found `{"x": null}` accepted): the patch laid over the rule with its nulls
/// kept must name only members a rule has.
pub fn unknown_members(rule: &Value, patch: &Value) -> AppResult<()> {
    fn overlay(target: &mut Value, patch: &Value) {
        match (target, patch) {
            (Value::Object(t), Value::Object(p)) => {
                for (k, v) in p {
                    overlay(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
            (t, p) => *t = p.clone(),
        }
    }
    let mut probe = rule.clone();
    overlay(&mut probe, patch);
    match parse(probe) {
        Err(e) if e.to_string().contains("unknown field") => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_naming_an_unknown_member_is_refused_even_with_null() {
        let rule = serde_json::json!({"name": "r", "effect": "allow", "match": {"tool": "x"}});
        for patch in [
            serde_json::json!({"nope": null}),
            serde_json::json!({"match": {"nope": null}}),
        ] {
            let err = unknown_members(&rule, &patch).unwrap_err();
            assert!(err.to_string().contains("unknown field `nope`"), "{err}");
        }
        let fine = serde_json::json!({"note": null, "enabled": null, "match": {"agent": null}});
        unknown_members(&rule, &fine).unwrap();
    }
    use serde_json::json;

    #[test]
    fn a_bad_glob_names_its_member() {
        let spec =
            parse(json!({"name": "x", "effect": "allow", "match": {"tool": "[a-"}})).unwrap();
        let err = check(&spec).err().unwrap();
        assert!(
            matches!(err, AppError::Invalid { ref field, .. } if field == "match.tool"),
            "{err:?}"
        );
        let spec = parse(json!({"name": "x", "effect": "allow",
            "match": {"tool": "a", "context": {"command": "{x"}}}))
        .unwrap();
        let err = check(&spec).err().unwrap();
        assert!(
            matches!(err, AppError::Invalid { ref field, .. } if field == "match.context.command")
        );
    }

    #[test]
    fn unknown_members_and_values_are_refused_by_name() {
        let err =
            parse(json!({"name": "x", "effect": "maybe", "match": {"tool": "a"}})).unwrap_err();
        assert!(
            matches!(err, AppError::Invalid { ref field, .. } if field == "effect"),
            "{err:?}"
        );
        let err = parse(json!({"name": "x", "effect": "allow", "match": {"tool": "a", "tol": 1}}))
            .unwrap_err();
        assert!(
            matches!(err, AppError::Invalid { ref field, .. } if field == "match.tol"),
            "{err:?}"
        );
    }

    #[test]
    fn a_merge_patch_replaces_merges_and_removes() {
        let mut v = json!({"name": "a", "note": "n", "match": {"tool": "t", "agent": "x"}});
        merge_patch(
            &mut v,
            &json!({"note": null, "match": {"agent": "y"}, "shadow": true}),
        );
        assert_eq!(
            v,
            json!({"name": "a", "match": {"tool": "t", "agent": "y"}, "shadow": true})
        );
    }
}
