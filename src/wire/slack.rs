//! The Slack messages a pause causes, built in the transaction that queues them (so they show
//! the pause as it was at that moment; `wire::events` calls here for `domain::events`, the URLs
//! are made here): a Block Kit message when it is created, one line when
//! it is decided, expires or is cancelled.

use serde_json::{json, Value};

use crate::domain::pauses::{Pause, Status};
use crate::domain::{human_time_rfc, questions, rfc3339, text, Millis};

/// Context longer than this is cut (Slack refuses a section text over 3000 characters).
const CONTEXT_CHARS: usize = 500;
const ACTION_CHARS: usize = 2000;

/// Slack's mrkdwn treats only these three as control characters; bidi controls are marked
/// (see [`text::mark_bidi`]). Every agent text in a Slack message goes through here.
pub fn escape(s: &str) -> String {
    text::mark_bidi(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The page a person decides the pause on.
pub fn pause_url(base_url: &str, pause: &Pause) -> String {
    format!("{base_url}/pauses/{}", pause.watch_id)
}

/// The `pause.created` message: the action, a context summary, the expiry, and buttons.
///
/// Both buttons open the signed-in pause page rather than deciding anything: the one-click
/// email confirmation links are bound to one approver, and a Slack channel is shared, so a
/// click in Slack must not decide on anyone's behalf. The person decides on the page.
pub fn pause_created(base_url: &str, pause: &Pause) -> String {
    let action = escape(&truncate(&pause.action, ACTION_CHARS));
    let url = pause_url(base_url, pause);
    let expires = human_time_rfc(&rfc3339(pause.expires_at));
    let asked = questions::questions_of(pause.request_json.as_deref());
    let needed = match asked {
        Some(_) => "Answer needed",
        None => "Approval needed",
    };
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": needed } }),
        json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("*{action}*") } }),
    ];
    if let Some(asked) = &asked {
        let list: Vec<String> = asked
            .iter()
            .map(|q| format!("• {}", escape(&truncate(&q.question, 200))))
            .collect();
        blocks.push(
            json!({ "type": "section", "text": { "type": "mrkdwn", "text": list.join("\n") } }),
        );
    }
    if let Some(context) = &pause.context {
        let summary = escape(&truncate(context, CONTEXT_CHARS));
        blocks.push(json!({
            "type": "context",
            "elements": [{ "type": "mrkdwn", "text": summary }],
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": format!("Expires {expires}") }],
    }));
    let buttons = match asked {
        Some(_) => vec![button("Answer…", "answer", &url, "primary")],
        None => vec![
            button("Approve…", "approve", &url, "primary"),
            button("Reject…", "reject", &url, "danger"),
        ],
    };
    blocks.push(json!({ "type": "actions", "elements": buttons }));
    json!({ "text": format!("{needed}: {action}"), "blocks": blocks }).to_string()
}

fn button(label: &str, id: &str, url: &str, style: &str) -> Value {
    json!({
        "type": "button",
        "text": { "type": "plain_text", "text": label },
        "action_id": id,
        "url": url,
        "style": style,
    })
}

/// The line for a later event: a vote on a pause still waiting says where its quorum stands
/// (reminders and escalations have their own message, `slack_nudge`); anything else is its
/// decision.
pub fn follow_up(pause: &Pause, now: Millis) -> String {
    if pause.status(now) != Status::Pending {
        return pause_decided(pause, now);
    }
    let action = escape(&truncate(&pause.action, 200));
    let approvals = pause.votes.iter().filter(|v| v.approved).count();
    let tally = format!("{approvals} of {} approvals", pause.required_approvals);
    let voters: Vec<String> = pause.votes.iter().map(|v| escape(&v.by.label())).collect();
    let line = format!("*{action}*: {tally} so far");
    let by = match voters.is_empty() {
        true => String::new(),
        false => format!(", voted by {}", voters.join(", ")),
    };
    json!({ "text": format!("{line}{by}") }).to_string()
}

pub fn pause_decided(pause: &Pause, now: Millis) -> String {
    let action = escape(&truncate(&pause.action, 200));
    let status = match pause.status(now) {
        Status::ChangesRequested => "sent back for changes",
        other => other.as_str(),
    };
    let by = pause
        .decided_by
        .as_ref()
        .map(|d| format!(" by {}", escape(&d.label())))
        .unwrap_or_default();
    let reason = pause
        .reason
        .as_deref()
        .map(|r| format!(": {}", escape(&truncate(r, 500))))
        .unwrap_or_default();
    let answers = answers_line(pause);
    json!({ "text": format!("*{action}* was {status}{by}{reason}{answers}") }).to_string()
}

/// `: Which region? → eu; Which days? → Mon, Tue` for an answered question pause.
fn answers_line(pause: &Pause) -> String {
    let Some(serde_json::Value::Object(answers)) =
        questions::answers_of(pause.response_json.as_deref())
    else {
        return String::new();
    };
    let parts: Vec<String> = answers
        .iter()
        .map(|(q, a)| {
            let a = match a {
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.as_str().unwrap_or_default().to_string(),
            };
            format!(
                "{} → {}",
                escape(&truncate(q, 100)),
                escape(&truncate(&a, 200))
            )
        })
        .collect();
    format!(": {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_slack_control_characters_and_truncates_by_characters() {
        assert_eq!(escape("a <b> & c"), "a &lt;b&gt; &amp; c");
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("ab", 2), "ab");
    }
}
