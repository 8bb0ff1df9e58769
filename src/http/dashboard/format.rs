//! How the dashboard pages show times, durations, who asked and domain messages: one place, so
//! every page says the same thing the same way.

use std::collections::HashMap;

use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::pauses::Pause;
use crate::domain::{api_keys, rfc3339, text, Millis};
use crate::error::PageError;

/// A time as RFC 3339 in UTC; pages show it in the reader's zone (`zone::Zone`).
#[derive(Clone)]
pub struct Stamp {
    pub iso: String,
}

pub fn stamp(ms: Millis) -> Stamp {
    Stamp { iso: rfc3339(ms) }
}

/// A stored status or event name as words: `changes_requested` → `changes requested`,
/// `pause.created` → `pause created`.
pub fn words(name: &str) -> String {
    name.replace(['_', '.'], " ")
}

/// The two largest units (`3m 20s`, `2d 4h`); a negative span reads as `0s`.
pub fn human_duration(ms: Millis) -> String {
    let s = (ms / 1000).max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        3600..=86399 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86400, (s % 86400) / 3600),
    }
}

/// Tenths of a second under a minute (decisions are often fast), else minutes and hours.
pub fn decision_time(ms: Option<Millis>) -> String {
    match ms {
        None => "—".into(),
        Some(ms) if ms < 60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        Some(ms) => human_duration(ms),
    }
}

/// Domain messages start lower-case to read well after a field name; a flash is a sentence.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Domain messages are lower-case clauses; a flash reads as a sentence.
pub fn sentence(text: &str) -> String {
    let mut out = capitalise(text);
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// Agent text as a page shows it: bidi controls marked (askama escapes the rest).
pub fn shown(s: &str) -> Shown {
    Shown::new(s)
}

/// Text an agent or a pause supplied, as a template field holds it: made only by [`Shown::new`],
/// which marks bidi controls, so a page struct whose fields are `Shown` cannot show the raw
/// form by mistake (askama escapes the rest when it prints it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown(String);

impl Shown {
    pub fn new(raw: &str) -> Shown {
        Shown(text::mark_bidi(raw).into_owned())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Key names by id, for "requested by".
pub fn key_labels(
    conn: &crate::db::sql::Connection,
    workspace_id: WorkspaceId,
) -> Result<HashMap<ApiKeyId, String>, PageError> {
    Ok(api_keys::list(conn, workspace_id)
        .map_err(PageError::App)?
        .into_iter()
        .map(|k| {
            let label = if k.name.is_empty() {
                format!("{}…", k.prefix)
            } else {
                k.name
            };
            (k.id, label)
        })
        .collect())
}

/// `key “deploy”`, or `deploy-bot (via key “deploy”)` when the agent sent `metadata.agent`.
/// "test key" is said of a test pause (made with a `hitl_test_` key) and of nothing else, not
/// because of what a key happens to be called. Bidi controls in the agent's name are marked.
pub fn requested_by(p: &Pause, keys: &HashMap<ApiKeyId, String>) -> Shown {
    let kind = if p.test { "test key" } else { "key" };
    let key = match p.api_key_id.and_then(|id| keys.get(&id)) {
        Some(label) => format!("{kind} “{label}”"),
        None => format!("an unknown {kind}"),
    };
    let agent = p
        .metadata
        .as_deref()
        .and_then(|m| serde_json::from_str::<HashMap<String, String>>(m).ok())
        .and_then(|m| m.get("agent").cloned());
    let who = match agent {
        Some(a) => format!("{a} (via {key})"),
        None => key,
    };
    shown(&who)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_times_read_as_seconds_or_longer_units() {
        assert_eq!(decision_time(None), "—");
        assert_eq!(decision_time(Some(1500)), "1.5s");
        assert_eq!(decision_time(Some(90_000)), "1m 30s");
    }

    #[test]
    fn a_domain_clause_reads_as_a_sentence_once() {
        assert_eq!(sentence("the name is empty"), "The name is empty.");
        assert_eq!(sentence("done!"), "Done!");
        assert_eq!(sentence(""), "");
        assert_eq!(capitalise("ünder"), "Ünder");
    }
}
