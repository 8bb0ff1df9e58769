//! A pause's story, told from its audit rows and its responses: created, viewed, decided or
//! expired.

use crate::db::sql::{params, Connection};

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::Millis;
use crate::domain::ids::{PauseId, UserId, WorkspaceId};
use crate::error::AppResult;

#[derive(Debug, Clone)]
pub struct Event {
    pub at: Millis,
    pub event: EventType,
    /// Who, in words: an email, a key's name, "Holdpoint" or "CLI".
    pub actor: String,
    pub details: Option<String>,
}

/// Decisions and votes come from the pause's responses (one row each, see `respond`); the rest from its
/// audit rows, less the decisions' own rows so each is told once. A response sorts after audit
/// rows of the same millisecond: a pause is decided after it was requested and viewed, even
/// under a test's frozen clock. Event names are bound (?4..?7) from `EventType`, never spelled.
const FOR_PAUSE: &str = "
    SELECT at, event, actor_type, email, key_name, key_prefix, details FROM (
        SELECT a.at, 0 AS rank, a.id, a.event, a.actor_type, u.email, k.name AS key_name,
               k.prefix AS key_prefix, a.details
        FROM audit_log a
        LEFT JOIN users u ON a.actor_type = 'user' AND u.id = a.actor_id
        LEFT JOIN api_keys k ON a.actor_type = 'key' AND k.id = a.actor_id
        WHERE a.subject = ?1 AND a.workspace_id = ?2
          AND a.event NOT IN (?4, ?5, ?6, ?7, ?8)
        UNION ALL
        SELECT r.created_at, 1, r.id,
               CASE r.kind
                   WHEN 'approve' THEN CASE WHEN p.status = 'approved' AND r.id = (
                       SELECT max(l.id) FROM pause_responses l WHERE l.pause_id = ?3) THEN ?4
                       ELSE ?8 END
                   WHEN 'reject' THEN ?5 WHEN 'answer' THEN ?6
                   WHEN 'request_changes' THEN ?7 END,
               r.responder_type, u.email, k.name, k.prefix,
               json_object('reason', r.reason, 'via', r.via)
        FROM pause_responses r JOIN pauses p ON p.id = r.pause_id
        LEFT JOIN users u ON u.id = r.user_id
        LEFT JOIN api_keys k ON k.id = r.api_key_id
        WHERE r.pause_id = ?3
    ) AS events ORDER BY at, rank, id";

static FOR_PAUSE_PG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::db::sql::twin(
        FOR_PAUSE,
        &[(
            "json_object('reason', r.reason, 'via', r.via)",
            "json_build_object('reason', r.reason, 'via', r.via)::text",
        )],
    )
});

/// The events a response is told as, in the order `FOR_PAUSE` binds them: an approval that
/// did not decide (a quorum's earlier ones, or any while the pause is still pending) is a vote.
const DECISIONS: [EventType; 5] = [
    EventType::PauseApproved,
    EventType::PauseRejected,
    EventType::PauseAnswered,
    EventType::PauseChangesRequested,
    EventType::PauseVoted,
];

pub fn for_pause(
    conn: &Connection,
    workspace_id: WorkspaceId,
    pause_id: PauseId,
    watch_id: &str,
) -> AppResult<Vec<Event>> {
    let mut stmt = conn.prepare_cached(conn.pick(FOR_PAUSE, &FOR_PAUSE_PG))?;
    let [approved, rejected, answered, changes, voted] = DECISIONS;
    let bound = params![
        watch_id,
        workspace_id,
        pause_id,
        approved,
        rejected,
        answered,
        changes,
        voted
    ];
    let rows = stmt.query_map(bound, |r| {
        let actor_type: String = r.get(2)?;
        let actor = match actor_type.as_str() {
            "user" => r
                .get::<_, Option<String>>(3)?
                .unwrap_or_else(|| "a deleted user".into()),
            "key" => {
                let name: Option<String> = r.get(4)?;
                let prefix: Option<String> = r.get(5)?;
                match (name.filter(|n| !n.is_empty()), prefix) {
                    (Some(n), _) => format!("key “{n}”"),
                    (None, Some(p)) => format!("key {p}…"),
                    _ => "an API key".into(),
                }
            }
            "cli" => "CLI".into(),
            _ => "Holdpoint".into(),
        };
        Ok(Event {
            at: r.get(0)?,
            event: r.get(1)?,
            actor,
            details: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records the first time each user opens a pause (later views add nothing).
pub fn record_view(
    conn: &Connection,
    now: Millis,
    workspace_id: WorkspaceId,
    watch_id: &str,
    user_id: UserId,
) -> AppResult<()> {
    let seen: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE subject = ?1 AND event = ?3
             AND actor_type = 'user' AND actor_id = ?2)",
        )?
        .query_row(params![watch_id, user_id, EventType::PauseViewed], |r| {
            r.get(0)
        })?;
    if !seen {
        audit::record(
            conn,
            now,
            Entry {
                workspace_id: Some(workspace_id),
                actor: Actor::User(user_id),
                event: EventType::PauseViewed,
                subject: Some(watch_id.to_string()),
                details: None,
            },
        )?;
    }
    Ok(())
}
