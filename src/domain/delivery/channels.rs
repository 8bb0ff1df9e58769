//! Where a workspace's and each approver group's notifications go besides email: Slack, phone
//! push through ntfy, Microsoft Teams and Discord, and up to which risk a push to a person's own
//! topic carries Approve and Reject buttons. One model for the API, the settings page and the
//! groups page. A routed pause follows its group: a group's channel of a kind, when set, takes
//! the place of the workspace's (see [`for_pause`]).
//!
//! The workspace's Slack URL stays where it always was (`workspaces.slack_webhook_url`, also
//! edited with the other settings) and is read through as the `slack` entry; the rest is one JSON
//! column (0025). URLs and the ntfy token are credentials: they are stored (they must be sent)
//! but never shown back nor written to the audit log.

use crate::db::sql::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::Millis;
use crate::domain::ids::WorkspaceId;
use crate::domain::policy::Risk;
use crate::error::{AppError, AppResult};

#[path = "channels_patch.rs"]
mod patch;
pub use patch::{apply, check_topic, MAX_TOKEN_CHARS, MAX_TOPIC_CHARS};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlChannel {
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ntfy {
    /// The server, e.g. `https://ntfy.sh`; messages are published to it as JSON.
    pub url: String,
    pub topic: String,
    /// An access token sent as `Authorization: Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The channels of a workspace or of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channels {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<UrlChannel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntfy: Option<Ntfy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<UrlChannel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discord: Option<UrlChannel>,
    /// Pushes to a person's topic carry buttons only below this risk.
    #[serde(default = "default_max_risk")]
    pub ntfy_buttons_max_risk: Risk,
}

fn default_max_risk() -> Risk {
    Risk::Critical
}

impl Default for Channels {
    fn default() -> Self {
        Channels {
            slack: None,
            ntfy: None,
            teams: None,
            discord: None,
            ntfy_buttons_max_risk: default_max_risk(),
        }
    }
}

/// Whose channels: the workspace's, or one approver group's (by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Workspace,
    Group(String),
}

fn parse(stored: &str) -> Channels {
    // Written only by `update`, so it parses; an unreadable value means no channels rather
    // than a workspace whose pauses cannot be created.
    serde_json::from_str(stored).unwrap_or_default()
}

pub fn workspace(conn: &Connection, ws: WorkspaceId) -> AppResult<Channels> {
    let (stored, slack): (String, Option<String>) = conn
        .prepare_cached("SELECT channels, slack_webhook_url FROM workspaces WHERE id = ?1")?
        .query_row([ws], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(Channels {
        slack: slack.map(|url| UrlChannel { url }),
        ..parse(&stored)
    })
}

/// The group's id and channels; None when the workspace has no such group.
pub fn group(conn: &Connection, ws: WorkspaceId, name: &str) -> AppResult<Option<(i64, Channels)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, channels FROM approver_groups WHERE workspace_id = ?1 AND name = ?2",
        )?
        .query_row(params![ws, name], |r| {
            Ok((r.get(0)?, r.get::<_, String>(1)?))
        })
        .optional()?
        .map(|(id, stored)| (id, parse(&stored))))
}

fn group_by_id(conn: &Connection, id: i64) -> AppResult<Option<Channels>> {
    Ok(conn
        .prepare_cached("SELECT channels FROM approver_groups WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, String>(0))
        .optional()?
        .map(|s| parse(&s)))
}

pub fn get(conn: &Connection, ws: WorkspaceId, scope: &Scope) -> AppResult<Channels> {
    match scope {
        Scope::Workspace => workspace(conn, ws),
        Scope::Group(name) => Ok(group(conn, ws, name)?
            .ok_or_else(|| crate::domain::policy::groups::not_found(name))?
            .1),
    }
}

/// The channels a pause routed to `group_id` (or to nobody) goes to: each kind from the group
/// when it has one, else the workspace's; buttons up to the stricter of the two limits.
pub fn for_pause(conn: &Connection, ws: WorkspaceId, group_id: Option<i64>) -> AppResult<Channels> {
    let workspace = workspace(conn, ws)?;
    let Some(group) = group_id
        .map(|id| group_by_id(conn, id))
        .transpose()?
        .flatten()
    else {
        return Ok(workspace);
    };
    let limit = |a: Risk, b: Risk| if a.rank() <= b.rank() { a } else { b };
    Ok(Channels {
        slack: group.slack.or(workspace.slack),
        ntfy: group.ntfy.or(workspace.ntfy),
        teams: group.teams.or(workspace.teams),
        discord: group.discord.or(workspace.discord),
        ntfy_buttons_max_risk: limit(group.ntfy_buttons_max_risk, workspace.ntfy_buttons_max_risk),
    })
}

/// Every channel URL configured anywhere, as `(where, url)` with `where` like
/// `workspace 1 ntfy.url` or `group finance slack.url`: what an operator's configuration check
/// (`holdpoint doctor`) runs through the private-address guard without sending anything.
pub fn all_urls(conn: &Connection) -> AppResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    let ids: Vec<WorkspaceId> = conn
        .prepare("SELECT id FROM workspaces ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for ws in ids {
        push_urls(&mut out, &format!("workspace {ws}"), &workspace(conn, ws)?);
        let groups: Vec<(String, String)> = conn
            .prepare(
                "SELECT name, channels FROM approver_groups WHERE workspace_id = ?1 ORDER BY name",
            )?
            .query_map([ws], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (name, stored) in groups {
            push_urls(
                &mut out,
                &format!("workspace {ws} group {name}"),
                &parse(&stored),
            );
        }
    }
    Ok(out)
}

fn push_urls(out: &mut Vec<(String, String)>, place: &str, c: &Channels) {
    let urls = [
        ("slack.url", c.slack.as_ref().map(|u| &u.url)),
        ("ntfy.url", c.ntfy.as_ref().map(|n| &n.url)),
        ("teams.url", c.teams.as_ref().map(|u| &u.url)),
        ("discord.url", c.discord.as_ref().map(|u| &u.url)),
    ];
    for (field, url) in urls {
        if let Some(url) = url {
            out.push((format!("{place} {field}"), url.clone()));
        }
    }
}

/// What the audit log keeps of channels: which are set, the topic, the limit; no credential.
fn summary(c: &Channels) -> Value {
    json!({
        "slack": c.slack.is_some(),
        "ntfy": c.ntfy.as_ref().map(|n| json!({ "topic": n.topic, "token": n.token.is_some() })),
        "teams": c.teams.is_some(),
        "discord": c.discord.is_some(),
        "ntfyButtonsMaxRisk": c.ntfy_buttons_max_risk,
    })
}

/// Applies a JSON merge of `changes` (see [`apply`]) to the scope's channels and records one
/// `channels.changed` audit row, in the caller's transaction. Returns the channels as they now
/// stand; nothing is written when nothing changed.
pub fn update(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    ws: WorkspaceId,
    scope: &Scope,
    changes: &Value,
    allow_private: bool,
) -> AppResult<Channels> {
    let before = get(conn, ws, scope)?;
    let after = apply(&before, changes, allow_private)?;
    if after == before {
        return Ok(after);
    }
    let subject = match scope {
        Scope::Workspace => {
            let rest = Channels {
                slack: None,
                ..after.clone()
            };
            conn.execute(
                "UPDATE workspaces SET channels = ?1, slack_webhook_url = ?2 WHERE id = ?3",
                params![to_stored(&rest)?, after.slack.as_ref().map(|s| &s.url), ws],
            )?;
            ws.to_string()
        }
        Scope::Group(name) => {
            conn.execute(
                "UPDATE approver_groups SET channels = ?1 WHERE workspace_id = ?2 AND name = ?3",
                params![to_stored(&after)?, ws, name],
            )?;
            format!("group:{name}")
        }
    };
    let entry = Entry {
        workspace_id: Some(ws),
        actor,
        event: EventType::ChannelsChanged,
        subject: Some(subject),
        details: Some(json!({ "before": summary(&before), "after": summary(&after) })),
    };
    audit::record(conn, now, entry)?;
    Ok(after)
}

fn to_stored(c: &Channels) -> AppResult<String> {
    serde_json::to_string(c).map_err(|e| AppError::Internal(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_configured_url_is_listed_with_where_it_is_set() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, plan_id, created_at, slack_webhook_url, channels)
             VALUES (1, 'W', 'pro', 0, 'https://hooks.slack.com/x',
                     '{\"ntfy\": {\"url\": \"https://ntfy.sh\", \"topic\": \"t\"}}');
             INSERT INTO approver_groups (workspace_id, name, created_at, channels)
             VALUES (1, 'sre', 0, '{\"discord\": {\"url\": \"https://discord.com/api/webhooks/1/x\"}}');",
        )
        .unwrap();
        let got = all_urls(&conn).unwrap();
        let places: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            places,
            [
                "workspace 1 slack.url",
                "workspace 1 ntfy.url",
                "workspace 1 group sre discord.url"
            ]
        );
    }
}
