//! Changing a workspace's rules, shared by the rules API and the rules page: each change is one
//! writer job running the audited domain write (`domain::policy::rules_write`), so the API and
//! the page cannot drift apart in what they check, audit or restamp.

use serde_json::Value;

use crate::domain::audit::Actor;
use crate::domain::policy::rules::{self, RuleSet, StoredRule};
use crate::domain::policy::spec::{MatchSpec, RuleSpec};
use crate::domain::policy::suggest::Suggestion;
use crate::domain::policy::Effect;
use crate::error::AppResult;
use crate::services::Services;

/// Adds a rule; a duplicate name is a 409, a bad member a 422 naming it.
pub async fn create(
    services: &Services,
    set: RuleSet,
    actor: Actor,
    spec: RuleSpec,
) -> AppResult<StoredRule> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| rules::create(ctx, now, set, actor, spec))
        .await
}

/// Applies a JSON merge patch (turn on, shadow, disable, edit a member).
pub async fn update(
    services: &Services,
    set: RuleSet,
    actor: Actor,
    id: i64,
    patch: Value,
) -> AppResult<StoredRule> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| rules::update(ctx, now, set, actor, id, &patch))
        .await
}

/// Replaces a rule's spec as a whole (the page's edit form holds every member).
pub async fn replace(
    services: &Services,
    set: RuleSet,
    actor: Actor,
    id: i64,
    spec: RuleSpec,
) -> AppResult<StoredRule> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| rules::replace(ctx, now, set, actor, id, spec))
        .await
}

pub async fn delete(services: &Services, set: RuleSet, actor: Actor, id: i64) -> AppResult<()> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| rules::delete(ctx, now, set, actor, id))
        .await
}

/// Creates the allow rule a suggestion offers: named [`Suggestion::rule_name`] (which takes the
/// pair off the suggestions), matching exactly that tool and agent, in shadow mode if asked.
pub async fn create_from_suggestion(
    services: &Services,
    set: RuleSet,
    actor: Actor,
    suggestion: &Suggestion,
    shadow: bool,
) -> AppResult<StoredRule> {
    create(services, set, actor, suggested_spec(suggestion, shadow)).await
}

fn suggested_spec(s: &Suggestion, shadow: bool) -> RuleSpec {
    RuleSpec {
        name: s.rule_name(),
        effect: Effect::Allow,
        enabled: true,
        shadow,
        matches: MatchSpec {
            tool: literal(&s.tool),
            agent: Some(literal(&s.agent)),
            key_id: None,
            metadata: Default::default(),
            context: Default::default(),
        },
        max_risk: None,
        expires_at: None,
        route_to: None,
        note: Some(format!(
            "Suggested: approved {} times in {} days and never rejected",
            s.approvals,
            crate::domain::policy::suggest::WINDOW_DAYS
        )),
    }
}

/// A glob matching exactly `text`: every glob metacharacter escaped with a backslash.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Pattern;

    #[test]
    fn a_literal_glob_matches_exactly_its_text() {
        for text in ["send_email", "a*b", "x?[y]{z}", "back\\slash", "!bang"] {
            let p = Pattern::new(&literal(text)).unwrap();
            assert!(p.matches(text), "{text}");
            assert!(!p.matches(&format!("{text}x")), "{text}");
        }
        assert!(!Pattern::new(&literal("a*")).unwrap().matches("abc"));
    }
}
