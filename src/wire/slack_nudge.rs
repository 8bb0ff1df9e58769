//! The Slack messages of a reminder and an escalation (`pause.reminded`, `pause.escalated`):
//! like the message of a new pause, a Block Kit message with the action and a button to the
//! pause's page, saying where the vote stands (the group, "1 of 2 approvals so far" and who gave
//! them) and when it is due, or that it is overdue. Agent text is escaped by [`slack::escape`].

use serde_json::json;

use super::slack::{self, escape};
use crate::domain::event_type::EventType;
use crate::domain::pauses::Pause;
use crate::domain::{human_time_rfc, rfc3339, Millis};

const ACTION_CHARS: usize = 2000;

/// The message for `event` (a reminder or an escalation) about `pause`, as it stands at `now`.
pub fn pause_nudged(base_url: &str, pause: &Pause, event: EventType, now: Millis) -> String {
    let action: String = escape(&pause.action).chars().take(ACTION_CHARS).collect();
    let header = match event {
        EventType::PauseEscalated => "Escalated: still no decision",
        _ if pause.overdue(now) => "Reminder: past its deadline, still waiting",
        _ => "Reminder: still waiting for a decision",
    };
    let mut lines = vec![tally(pause)];
    if let Some(group) = &pause.group {
        lines.insert(0, format!("Approver group: *{}*", escape(group)));
    }
    let due = human_time_rfc(&rfc3339(pause.expires_at));
    lines.push(match pause.overdue(now) {
        true => format!("Was due {due}"),
        false => format!("Expires {due}"),
    });
    let url = slack::pause_url(base_url, pause);
    let blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": header } }),
        json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("*{action}*") } }),
        json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": lines.join("\n") }] }),
        json!({ "type": "actions", "elements": [{
            "type": "button",
            "text": { "type": "plain_text", "text": "Open…" },
            "action_id": "open",
            "url": url,
            "style": "primary",
        }] }),
    ];
    json!({ "text": format!("{header}: {action}"), "blocks": blocks }).to_string()
}

/// "1 of 2 approvals so far: ann@example.com".
fn tally(pause: &Pause) -> String {
    let approved: Vec<String> = pause
        .votes
        .iter()
        .filter(|v| v.approved)
        .map(|v| escape(&v.by.label()))
        .collect();
    let noun = match pause.required_approvals {
        1 => "approval",
        _ => "approvals",
    };
    let mut out = format!(
        "{} of {} {noun} so far",
        approved.len(),
        pause.required_approvals
    );
    if !approved.is_empty() {
        out.push_str(": ");
        out.push_str(&approved.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::decided_by::DecidedBy;
    use crate::domain::ids::{PauseId, WorkspaceId};
    use crate::domain::kind::Kind;
    use crate::domain::pauses::{OnTimeout, Status};
    use crate::domain::votes::Vote;

    fn pause(on_timeout: OnTimeout) -> Pause {
        Pause {
            id: PauseId(1),
            watch_id: uuid::Uuid::nil(),
            workspace_id: WorkspaceId(1),
            api_key_id: None,
            test: false,
            stored_status: Status::Pending,
            action: "Pay <b>&</b> \u{202E}now".into(),
            context: None,
            metadata: None,
            callback_url: None,
            created_at: 0,
            expires_at: 100_000,
            decided_at: None,
            decided_by: None,
            reason: None,
            version: 1,
            context_purged_at: None,
            kind: Kind::Approval,
            request_json: None,
            revises: None,
            revised_by: None,
            response_json: None,
            outcome: None,
            agent: None,
            run: None,
            risk: None,
            tool: None,
            policy: None,
            group_id: Some(1),
            group: Some("finance".into()),
            required_approvals: 2,
            on_timeout,
            escalated_at: None,
            votes: vec![Vote {
                by: DecidedBy::User {
                    email: "ann@example.com".into(),
                    name: "Ann".into(),
                },
                approved: true,
                reason: None,
                at: 1,
                user_id: None,
                key_id: None,
            }],
            receipt: None,
        }
    }

    fn text_of(message: &str) -> String {
        let v: serde_json::Value = serde_json::from_str(message).unwrap();
        v["blocks"].to_string()
    }

    #[test]
    fn a_reminder_says_where_the_vote_stands_with_the_agents_text_escaped() {
        let msg = pause_nudged(
            "https://h.example",
            &pause(OnTimeout::Expire),
            EventType::PauseReminded,
            50_000,
        );
        let blocks = text_of(&msg);
        assert!(
            blocks.contains("Reminder: still waiting for a decision"),
            "{blocks}"
        );
        assert!(
            blocks.contains("Pay &lt;b&gt;&amp;&lt;/b&gt; [U+202E]now"),
            "{blocks}"
        );
        assert!(!blocks.contains('\u{202E}'), "{blocks}");
        assert!(blocks.contains("Approver group: *finance*"), "{blocks}");
        assert!(
            blocks.contains("1 of 2 approvals so far: ann@example.com"),
            "{blocks}"
        );
        assert!(blocks.contains("https://h.example/pauses/00000000-0000-0000-0000-000000000000"));
    }

    #[test]
    fn an_escalation_and_an_overdue_reminder_say_so() {
        let p = pause(OnTimeout::Wait);
        let msg = pause_nudged("https://h", &p, EventType::PauseEscalated, 80_000);
        assert!(text_of(&msg).contains("Escalated: still no decision"));
        let msg = pause_nudged("https://h", &p, EventType::PauseReminded, 100_000);
        let blocks = text_of(&msg);
        assert!(blocks.contains("Reminder: past its deadline"), "{blocks}");
        assert!(blocks.contains("Was due"), "{blocks}");
    }
}
