//! Where an audit row's actor and subject link to: the row of the user or key on its page, the
//! pause, the agent, the webhook endpoint, the workspace's settings.

/// The acting user's or key's row (`/users#user-3`, `/keys#key-2`); the system and the CLI have
/// no page.
pub fn actor_href(actor_type: &str, actor_id: Option<i64>) -> Option<String> {
    match (actor_type, actor_id) {
        ("user", Some(id)) => Some(format!("/users#user-{id}")),
        ("key", Some(id)) => Some(format!("/keys#key-{id}")),
        _ => None,
    }
}

/// The page of an audit row's subject. The event's family says what the subject is: a pause's
/// watch id, a user's or key's id, an agent's name, `webhook:<id>`; a workspace (the subject of
/// `workspace.*` and fleet-wide `agents.*` rows) is the settings page.
pub fn subject_href(event: &str, subject: &str) -> Option<String> {
    let family = event.split('.').next().unwrap_or_default();
    let safe = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b))
    };
    if !safe(subject) {
        return None;
    }
    Some(match family {
        "pause" => format!("/pauses/{subject}"),
        "user" | "auth" => format!("/users#user-{subject}"),
        "key" => format!("/keys#key-{subject}"),
        "agent" => format!("/agents/{subject}"),
        "webhook" => format!("/webhooks/{}", subject.strip_prefix("webhook:")?),
        "workspace" | "agents" => "/settings".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_links_to_the_page_its_event_family_names() {
        assert_eq!(
            subject_href("pause.created", "01a2-b").as_deref(),
            Some("/pauses/01a2-b")
        );
        assert_eq!(
            subject_href("auth.signed_in", "3").as_deref(),
            Some("/users#user-3")
        );
        assert_eq!(
            subject_href("key.revoked", "2").as_deref(),
            Some("/keys#key-2")
        );
        assert_eq!(
            subject_href("agent.paused", "scout-1").as_deref(),
            Some("/agents/scout-1")
        );
        assert_eq!(
            subject_href("webhook.rotated", "webhook:4").as_deref(),
            Some("/webhooks/4")
        );
        assert_eq!(
            subject_href("workspace.created", "1").as_deref(),
            Some("/settings")
        );
        assert_eq!(
            subject_href("webhook.rotated", "4"),
            None,
            "not the webhook:<id> form"
        );
        assert_eq!(subject_href("test.note", "x"), None, "an unknown family");
        assert_eq!(
            subject_href("pause.created", "../admin"),
            None,
            "not a path"
        );
    }

    #[test]
    fn users_and_keys_act_from_their_rows_and_the_system_has_no_page() {
        assert_eq!(
            actor_href("user", Some(3)).as_deref(),
            Some("/users#user-3")
        );
        assert_eq!(actor_href("key", Some(2)).as_deref(), Some("/keys#key-2"));
        assert_eq!(actor_href("system", None), None);
        assert_eq!(actor_href("cli", None), None);
    }
}
