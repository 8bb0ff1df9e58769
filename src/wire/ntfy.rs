//! The ntfy messages a pause causes, published as JSON to the server's root (`POST <server>/`
//! with `topic`, `title`, `message`, `priority`, `click`, `actions`): a notification when a
//! pause starts waiting for a person, and a follow-up when it is decided. A push to a person's
//! own topic may carry Approve and Reject buttons (ntfy `http` actions to `/n/:token`).
//! ntfy shows plain text, so agent text needs no escaping, only its bidi controls marked.

use serde_json::{json, Value};

use crate::domain::kind::Kind;
use crate::domain::pauses::{Pause, Status};
use crate::domain::policy::Risk;
use crate::domain::{text, Millis};
use crate::wire::slack::pause_url;

const ACTION_CHARS: usize = 1000;

fn shown(s: &str, max: usize) -> String {
    let s = text::mark_bidi(s);
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.into_owned(),
    }
}

/// ntfy's priorities: 1 min … 5 max; a pause without a risk is ntfy's default, 3.
pub fn priority(risk: Option<Risk>) -> u8 {
    match risk {
        Some(Risk::Low) => 2,
        Some(Risk::Medium) | None => 3,
        Some(Risk::High) => 4,
        Some(Risk::Critical) => 5,
    }
}

fn title(pause: &Pause) -> String {
    let needed = match pause.kind {
        Kind::Approval => "Approval needed",
        Kind::Question => "Answer needed",
        _ => "Plan to review",
    };
    match pause.risk {
        Some(risk) => format!("{needed} ({risk} risk)"),
        None => needed.to_string(),
    }
}

/// A new pause. `buttons`: the token of the person's push link, when the push carries them, and
/// whether Reject is among them.
pub fn pause_created(
    topic: &str,
    base_url: &str,
    pause: &Pause,
    buttons: Option<(&str, bool)>,
) -> String {
    let url = pause_url(base_url, pause);
    let mut actions =
        vec![json!({ "action": "view", "label": "Open", "url": url, "clear": false })];
    if let Some((token, reject)) = buttons {
        let offered = [("Approve", "approve", true), ("Reject", "reject", reject)];
        for (label, decision, _) in offered.into_iter().filter(|b| b.2) {
            actions.push(json!({
                "action": "http",
                "label": label,
                "url": format!("{base_url}/n/{token}?decision={decision}"),
                "method": "POST",
                "clear": true,
            }));
        }
    }
    json!({
        "topic": topic,
        "title": title(pause),
        "message": shown(&pause.action, ACTION_CHARS),
        "priority": priority(pause.risk),
        "click": url,
        "tags": ["hourglass_flowing_sand"],
        "actions": actions,
    })
    .to_string()
}

/// The pause was decided (or expired, or was cancelled): one line, low priority.
pub fn pause_decided(topic: &str, base_url: &str, pause: &Pause, now: Millis) -> String {
    let status = match pause.status(now) {
        Status::ChangesRequested => "sent back for changes",
        other => other.as_str(),
    };
    let by = pause
        .decided_by
        .as_ref()
        .map(|d| format!(" by {}", text::mark_bidi(&d.label())))
        .unwrap_or_default();
    let tag: Value = match pause.status(now) {
        Status::Approved | Status::Answered => json!(["white_check_mark"]),
        _ => json!(["x"]),
    };
    json!({
        "topic": topic,
        "title": format!("Request {status}{by}"),
        "message": shown(&pause.action, 200),
        "priority": 2,
        "click": pause_url(base_url, pause),
        "tags": tag,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_follows_risk() {
        assert_eq!(priority(Some(Risk::Low)), 2);
        assert_eq!(priority(Some(Risk::Medium)), 3);
        assert_eq!(priority(Some(Risk::High)), 4);
        assert_eq!(priority(Some(Risk::Critical)), 5);
        assert_eq!(priority(None), 3);
    }

    #[test]
    fn bidi_controls_are_marked() {
        assert_eq!(shown("a\u{202E}b", 10), "a[U+202E]b");
    }
}
