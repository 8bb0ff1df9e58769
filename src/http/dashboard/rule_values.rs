//! The rule form's fields as typed, and how they become a [`RuleSpec`]: metadata and context
//! as one `key=value` line each, the key by id, the expiry as a day in the reader's zone (the
//! rule stops matching when that day ends there). A line the form cannot read is refused here,
//! naming the line; everything else is the domain's check.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use serde::Deserialize;

use super::format::{sentence, shown, Shown};
use super::rule_rows::millis;
use super::zone::Zone;
use crate::domain::ids::ApiKeyId;
use crate::domain::policy::rules::StoredRule;
use crate::domain::policy::spec::{MatchSpec, RuleSpec};
use crate::domain::policy::{Effect, Risk};
use crate::domain::rfc3339;

/// What the form holds, as typed (so a refusal can show it again).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RuleValues {
    pub name: String,
    /// `allow`, `deny` or `route`.
    pub effect: String,
    pub tool: String,
    pub agent: String,
    /// A key id, or empty for any key.
    pub key: String,
    pub metadata: String,
    pub context: String,
    /// `low`…`critical`, or empty for any risk.
    pub max_risk: String,
    /// `YYYY-MM-DD`, or empty for never.
    pub expires: String,
    pub note: String,
    /// The approver group it routes to, or empty for none.
    pub route_to: String,
    pub enabled: Option<String>,
    pub shadow: Option<String>,
}

/// Why the form was refused: the field (its input's name) and a sentence for the person.
pub struct FormError {
    pub field: &'static str,
    pub message: Shown,
    pub status: StatusCode,
}

impl FormError {
    pub fn invalid(field: &'static str, message: &str) -> FormError {
        FormError {
            field,
            message: shown(&sentence(message)),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The form field of a domain member (`match.context.command` → `context`).
    pub fn field_of(member: &str) -> &'static str {
        match member {
            "note" => "note",
            "maxRisk" => "max_risk",
            "expiresAt" => "expires",
            "match.tool" => "tool",
            "match.agent" => "agent",
            "match" => "metadata",
            "routeTo" => "route_to",
            m if m.starts_with("match.context") => "context",
            m if m.starts_with("match.metadata") => "metadata",
            _ => "name",
        }
    }
}

fn ticked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| !v.is_empty())
}

fn lines(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `key=value` lines; blank lines are skipped, a line without `=` or a repeated key refused.
fn pairs(field: &'static str, text: &str) -> Result<BTreeMap<String, String>, FormError> {
    let mut out = BTreeMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = |why: &str| FormError::invalid(field, &format!("line {}: {why}", n + 1));
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| bad("write it as name=value"))?;
        let k = k.trim();
        if k.is_empty() {
            return Err(bad("the name before `=` is empty"));
        }
        if out.insert(k.to_string(), v.trim().to_string()).is_some() {
            return Err(bad(&format!("`{k}` is already on an earlier line")));
        }
    }
    Ok(out)
}

impl RuleValues {
    pub fn new_rule() -> RuleValues {
        RuleValues {
            effect: "allow".into(),
            enabled: Some("on".into()),
            ..RuleValues::default()
        }
    }

    /// A stored rule's members, for its edit form.
    pub fn of(r: &StoredRule, zone: &Zone) -> RuleValues {
        let s = &r.spec;
        let on = |b: bool| b.then(|| "on".to_string());
        RuleValues {
            name: s.name.clone(),
            effect: s.effect.as_str().into(),
            tool: s.matches.tool.clone(),
            agent: s.matches.agent.clone().unwrap_or_default(),
            key: s.matches.key_id.map(|k| k.to_string()).unwrap_or_default(),
            metadata: lines(&s.matches.metadata),
            context: lines(&s.matches.context),
            max_risk: s.max_risk.map(|r| r.as_str().into()).unwrap_or_default(),
            expires: s
                .expires_at
                .as_deref()
                .map(|e| day(zone, e))
                .unwrap_or_default(),
            note: s.note.clone().unwrap_or_default(),
            route_to: s.route_to.clone().unwrap_or_default(),
            enabled: on(s.enabled),
            shadow: on(s.shadow),
        }
    }

    pub fn is(&self, field: &str, value: &str) -> bool {
        match field {
            "effect" => self.effect == value,
            "max_risk" => self.max_risk == value,
            "route_to" => self.route_to == value,
            _ => false,
        }
    }

    pub fn enabled_ticked(&self) -> bool {
        ticked(&self.enabled)
    }

    pub fn shadow_ticked(&self) -> bool {
        ticked(&self.shadow)
    }

    /// The spec the form describes. An unchanged expiry day of `before` keeps its exact time.
    /// The domain checks the route: deny with a group, route without one and an unknown group
    /// are refused there, naming `routeTo`.
    pub fn to_spec(&self, zone: &Zone, before: Option<&StoredRule>) -> Result<RuleSpec, FormError> {
        let effect = Effect::from_name(&self.effect)
            .ok_or_else(|| FormError::invalid("effect", "choose allow, deny or route"))?;
        let max_risk = match self.max_risk.as_str() {
            "" => None,
            r => Some(Risk::from_name(r).ok_or_else(|| {
                FormError::invalid("max_risk", "choose low, medium, high or critical")
            })?),
        };
        let key_id = match self.key.trim() {
            "" => None,
            k => Some(k.parse::<ApiKeyId>().map_err(|_| {
                FormError::invalid("key", "choose one of the listed keys, or any key")
            })?),
        };
        let agent = Some(self.agent.trim()).filter(|a| !a.is_empty());
        let note = Some(self.note.trim()).filter(|n| !n.is_empty());
        let route_to = Some(self.route_to.trim()).filter(|g| !g.is_empty());
        Ok(RuleSpec {
            name: self.name.clone(),
            effect,
            enabled: self.enabled_ticked(),
            shadow: self.shadow_ticked(),
            matches: MatchSpec {
                tool: self.tool.trim().to_string(),
                agent: agent.map(String::from),
                key_id,
                metadata: pairs("metadata", &self.metadata)?,
                context: pairs("context", &self.context)?,
            },
            max_risk,
            expires_at: self.expires_at(zone, before)?,
            note: note.map(String::from),
            route_to: route_to.map(String::from),
        })
    }

    fn expires_at(
        &self,
        zone: &Zone,
        before: Option<&StoredRule>,
    ) -> Result<Option<String>, FormError> {
        let typed = self.expires.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        let kept = before.and_then(|b| b.spec.expires_at.clone());
        if kept.as_deref().is_some_and(|e| day(zone, e) == typed) {
            return Ok(kept);
        }
        zone.day_end(typed)
            .map(|ms| Some(rfc3339(ms)))
            .ok_or_else(|| {
                FormError::invalid(
                    "expires",
                    "the expiry is a date like 2027-01-31, or empty for never",
                )
            })
    }
}

/// The day (`2027-01-31`) an expiry falls on in the reader's zone; the end of a day (midnight)
/// is shown as the day before, the last day the rule still matches.
fn day(zone: &Zone, rfc: &str) -> String {
    let at = millis(rfc).map_or(rfc.to_string(), |ms| rfc3339(ms - 1));
    zone.show(&at).chars().take(10).collect()
}
