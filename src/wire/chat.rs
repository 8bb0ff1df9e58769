//! The Microsoft Teams and Discord messages a pause causes, built when they are queued (like
//! Slack's): a card or embed for a new pause with a link to its page, one line when it is
//! decided. Teams takes a Workflows webhook's `{"type": "message", "attachments": [an Adaptive
//! Card]}`; Discord an incoming webhook's `{"content", "embeds": [...]}`. Both render a subset
//! of Markdown, so agent text has its Markdown characters escaped (and bidi controls marked);
//! Discord is also told to ping nobody, whatever the text says (`@everyone`).

use serde_json::{json, Value};

use crate::domain::kind::Kind;
use crate::domain::pauses::{Pause, Status};
use crate::domain::policy::Risk;
use crate::domain::{human_time_rfc, rfc3339, text, Millis};
use crate::wire::slack::pause_url;

/// Backslash before every character either service reads as Markdown.
pub fn escape(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len());
    for (n, c) in s.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if "\\*_~`|>[]()#-+!<".contains(c) {
            out.push('\\');
        }
        // A bidi control becomes its visible marker (not escaped: it links nowhere).
        out.push_str(&text::mark_bidi(c.encode_utf8(&mut [0; 4])));
    }
    out
}

fn needed(pause: &Pause) -> String {
    let what = match pause.kind {
        Kind::Approval => "Approval needed",
        Kind::Question => "Answer needed",
        _ => "Plan to review",
    };
    match pause.risk {
        Some(r) => format!("{what} ({r} risk)"),
        None => what.to_string(),
    }
}

fn decided_line(pause: &Pause, now: Millis) -> String {
    let status = match pause.status(now) {
        Status::ChangesRequested => "sent back for changes",
        other => other.as_str(),
    };
    let by = pause
        .decided_by
        .as_ref()
        .map(|d| format!(" by {}", escape(&d.label(), 200)))
        .unwrap_or_default();
    format!("{} was {status}{by}", escape(&pause.action, 200))
}

/// A Workflows webhook message with one Adaptive Card.
fn teams_card(body: Vec<Value>, url: &str) -> String {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": [{ "type": "Action.OpenUrl", "title": "Open in Holdpoint", "url": url }],
            },
        }],
    })
    .to_string()
}

pub fn teams_created(base_url: &str, pause: &Pause) -> String {
    let expires = human_time_rfc(&rfc3339(pause.expires_at));
    let body = vec![
        json!({ "type": "TextBlock", "text": needed(pause), "weight": "Bolder", "size": "Medium" }),
        json!({ "type": "TextBlock", "text": escape(&pause.action, 2000), "wrap": true }),
        json!({ "type": "FactSet", "facts": [{ "title": "Expires", "value": expires }] }),
    ];
    teams_card(body, &pause_url(base_url, pause))
}

pub fn teams_decided(base_url: &str, pause: &Pause, now: Millis) -> String {
    let body = vec![json!({ "type": "TextBlock", "text": decided_line(pause, now), "wrap": true })];
    teams_card(body, &pause_url(base_url, pause))
}

/// The embed's colour: green to red with the risk.
fn colour(risk: Option<Risk>) -> u32 {
    match risk {
        Some(Risk::Low) => 0x2e7d32,
        Some(Risk::Medium) | None => 0xf9a825,
        Some(Risk::High) => 0xef6c00,
        Some(Risk::Critical) => 0xc62828,
    }
}

pub fn discord_created(base_url: &str, pause: &Pause) -> String {
    let expires = human_time_rfc(&rfc3339(pause.expires_at));
    json!({
        "content": needed(pause),
        "embeds": [{
            "title": needed(pause),
            "description": escape(&pause.action, 2000),
            "url": pause_url(base_url, pause),
            "color": colour(pause.risk),
            "fields": [{ "name": "Expires", "value": expires, "inline": true }],
        }],
        "allowed_mentions": { "parse": [] },
    })
    .to_string()
}

pub fn discord_decided(base_url: &str, pause: &Pause, now: Millis) -> String {
    json!({
        "content": decided_line(pause, now),
        "embeds": [{ "title": "Open in Holdpoint", "url": pause_url(base_url, pause) }],
        "allowed_mentions": { "parse": [] },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_escaped_bidi_marked_and_long_text_cut() {
        assert_eq!(escape("**bold** [x](y)", 100), r"\*\*bold\*\* \[x\]\(y\)");
        assert_eq!(escape("a\u{202E}b", 100), "a[U+202E]b");
        assert_eq!(escape("abcdef", 3), "abc…");
    }
}
