//! The append-only audit log. Every state change writes its row here inside the same
//! transaction; triggers in the schema refuse UPDATE and DELETE on the table.

use crate::db::sql::{params, Connection};
use serde_json::Value;

use super::event_type::EventType;
use super::users::User;
use super::Millis;
use crate::domain::ids::{ApiKeyId, UserId, WorkspaceId};

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Key(ApiKeyId),
    User(UserId),
    /// The server itself (expiry sweep, first-run setup).
    System,
    /// An operator at the command line.
    Cli,
}

impl Actor {
    fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Actor::Key(id) => ("key", Some(id.0)),
            Actor::User(id) => ("user", Some(id.0)),
            Actor::System => ("system", None),
            Actor::Cli => ("cli", None),
        }
    }
}

pub struct Entry {
    pub workspace_id: Option<WorkspaceId>,
    pub actor: Actor,
    pub event: EventType,
    pub subject: Option<String>,
    pub details: Option<Value>,
}

impl Entry {
    /// What a user did to their own account (signed in or out, accepted an invite, changed a
    /// preference): the user is both the actor and the subject.
    pub fn by_user_on_self(user: &User, event: EventType, details: Option<Value>) -> Entry {
        Entry {
            workspace_id: Some(user.workspace_id),
            actor: Actor::User(user.id),
            event,
            subject: Some(user.id.to_string()),
            details,
        }
    }

    /// A sign-in that failed: the system records it, on the user it was for when one is known
    /// (password and passkey sign-ins alike).
    pub fn sign_in_failed(user: Option<&User>, details: Value) -> Entry {
        Entry {
            workspace_id: user.map(|u| u.workspace_id),
            actor: Actor::System,
            event: EventType::AuthSignInFailed,
            subject: user.map(|u| u.id.to_string()),
            details: Some(details),
        }
    }
}

pub fn record(conn: &Connection, now: Millis, e: Entry) -> crate::db::sql::Result<()> {
    let (actor_type, actor_id) = e.actor.parts();
    conn.prepare_cached(
        "INSERT INTO audit_log (workspace_id, at, actor_type, actor_id, event, subject, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.workspace_id,
        now,
        actor_type,
        actor_id,
        e.event,
        e.subject,
        e.details.map(|d| d.to_string())
    ])?;
    Ok(())
}

/// A row as logged. Its `event` stays text: the log keeps whatever an older or newer version
/// wrote, and the page shows and filters it as such.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: Millis,
    pub actor_type: String,
    pub actor_id: Option<i64>,
    pub event: String,
    pub subject: Option<String>,
    pub details: Option<String>,
}

/// The newest rows of a workspace, newest first.
pub fn recent(
    conn: &Connection,
    workspace_id: WorkspaceId,
    limit: i64,
) -> crate::db::sql::Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor_type, actor_id, event, subject, details FROM audit_log
         WHERE workspace_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![workspace_id, limit], row)?;
    rows.collect()
}

/// Events the audit page offers as filters even before they first occur in a workspace.
pub const KNOWN_EVENTS: &[EventType] = &[
    EventType::AuthSignedIn,
    EventType::AuthSignedOut,
    EventType::AuthSignInFailed,
    // Identity: wrong second-factor codes, refused single sign-ons, factors reset, sessions
    // ended by someone, keys about to expire.
    EventType::AuthSecondFactorFailed,
    EventType::AuthSsoFailed,
    EventType::UserTwoFactorReset,
    EventType::AuthSessionsEnded,
    EventType::KeyCreated,
    EventType::KeyRevoked,
    EventType::KeyExpiryWarned,
    EventType::PauseCreated,
    EventType::PauseApproved,
    EventType::PauseRejected,
    EventType::PauseAnswered,
    EventType::PauseChangesRequested,
    EventType::PauseCancelled,
    EventType::PauseExpired,
    EventType::PauseContextPurged,
    EventType::PauseOutcomeReported,
    EventType::UserAdded,
    EventType::UserNotificationsChanged,
    EventType::WorkspaceCreated,
    EventType::WorkspaceBillingPlanChanged,
    EventType::WorkspaceSettingsChanged,
    EventType::AgentPaused,
    EventType::AgentResumed,
    EventType::AgentCancelled,
    EventType::AgentGuided,
    EventType::AgentsStopped,
    EventType::AgentsResumed,
];

/// Actor types as stored in `audit_log.actor_type`.
pub const ACTOR_TYPES: &[&str] = &["user", "key", "system", "cli"];

/// Which rows of one workspace's log to show. Every field narrows; the default shows all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub event: Option<String>,
    pub actor_type: Option<String>,
    pub actor_id: Option<i64>,
    /// Inclusive lower bound on `at`.
    pub from: Option<Millis>,
    /// Exclusive upper bound on `at`.
    pub until: Option<Millis>,
}

impl Filter {
    /// Reads an actor as typed on the page: `user:7`, `key:3`, or a bare type (`system`, `cli`,
    /// `user`, `key`). None means "not an actor in this form" (the caller may try an email).
    pub fn parse_actor(text: &str) -> Option<(String, Option<i64>)> {
        let text = text.trim().to_ascii_lowercase();
        let (kind, id) = match text.split_once(':') {
            Some((k, id)) => (k.trim().to_string(), Some(id.trim().parse::<i64>().ok()?)),
            None => (text, None),
        };
        let known = ACTOR_TYPES.contains(&kind.as_str());
        let id_allowed = id.is_none() || matches!(kind.as_str(), "user" | "key");
        (known && id_allowed).then_some((kind, id))
    }
}

/// The filter's WHERE clause: constant SQL, every value bound as a parameter. Optional values
/// are `NULL` and switch their condition off; the time bounds always apply so the
/// `(workspace_id, at)` index serves the range.
const FILTERED: &str = "FROM audit_log WHERE workspace_id = :ws AND at >= :from AND at < :until
    AND (CAST(:event AS TEXT) IS NULL OR event = :event)
    AND (CAST(:actor_type AS TEXT) IS NULL OR actor_type = :actor_type)
    AND (CAST(:actor_id AS BIGINT) IS NULL OR actor_id = :actor_id)";

fn filter_params<'a>(
    ws: &'a WorkspaceId,
    f: &'a Filter,
    from: &'a i64,
    until: &'a i64,
) -> [(&'static str, &'a dyn crate::db::sql::ToSql); 6] {
    [
        (":ws", ws),
        (":from", from),
        (":until", until),
        (":event", &f.event),
        (":actor_type", &f.actor_type),
        (":actor_id", &f.actor_id),
    ]
}

/// One page of a workspace's filtered log, newest first. `limit` -1 means all rows.
pub fn search(
    conn: &Connection,
    workspace_id: WorkspaceId,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> crate::db::sql::Result<Vec<AuditRow>> {
    let (from, until) = (f.from.unwrap_or(i64::MIN), f.until.unwrap_or(i64::MAX));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, at, actor_type, actor_id, event, subject, details {FILTERED}
         ORDER BY at DESC, id DESC LIMIT :limit OFFSET :offset"
    ))?;
    let mut params = filter_params(&workspace_id, f, &from, &until).to_vec();
    params.push((":limit", &limit));
    params.push((":offset", &offset));
    let rows = stmt.query_map(params.as_slice(), row)?;
    rows.collect()
}

/// Up to `limit` filtered rows that come after `after` (an `(at, id)` already read) in the
/// log's order, newest first. An export walks every row with it in short reads, so a slow
/// download holds no connection or read snapshot between them.
pub fn search_after(
    conn: &Connection,
    workspace_id: WorkspaceId,
    f: &Filter,
    after: Option<(Millis, i64)>,
    limit: i64,
) -> crate::db::sql::Result<Vec<AuditRow>> {
    let (at, id) = after.unwrap_or((i64::MAX, i64::MAX));
    let from = f.from.unwrap_or(i64::MIN);
    // The bound narrows the index range; the row-value comparison breaks ties on `at`.
    let until = f.until.unwrap_or(i64::MAX).min(at.saturating_add(1));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, at, actor_type, actor_id, event, subject, details {FILTERED}
         AND (at, id) < (:after_at, :after_id) ORDER BY at DESC, id DESC LIMIT :limit"
    ))?;
    let mut params = filter_params(&workspace_id, f, &from, &until).to_vec();
    params.extend([
        (":after_at", &at as &dyn crate::db::sql::ToSql),
        (":after_id", &id),
        (":limit", &limit),
    ]);
    let rows = stmt.query_map(params.as_slice(), row)?;
    rows.collect()
}

fn row(r: &crate::db::sql::Row<'_>) -> crate::db::sql::Result<AuditRow> {
    Ok(AuditRow {
        id: r.get(0)?,
        at: r.get(1)?,
        actor_type: r.get(2)?,
        actor_id: r.get(3)?,
        event: r.get(4)?,
        subject: r.get(5)?,
        details: r.get(6)?,
    })
}

/// How many rows the filter matches, for pagination.
pub fn count(
    conn: &Connection,
    workspace_id: WorkspaceId,
    f: &Filter,
) -> crate::db::sql::Result<i64> {
    let (from, until) = (f.from.unwrap_or(i64::MIN), f.until.unwrap_or(i64::MAX));
    conn.prepare_cached(&format!("SELECT count(*) {FILTERED}"))?
        .query_row(
            filter_params(&workspace_id, f, &from, &until).as_slice(),
            |r| r.get(0),
        )
}

/// The events to offer as filters: the known ones plus any others this workspace has logged.
pub fn events(conn: &Connection, workspace_id: WorkspaceId) -> crate::db::sql::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT event FROM audit_log WHERE workspace_id = ?1")?;
    let mut all: Vec<String> = KNOWN_EVENTS.iter().map(|e| e.to_string()).collect();
    for event in stmt.query_map([workspace_id], |r| r.get::<_, String>(0))? {
        all.push(event?);
    }
    all.sort();
    all.dedup();
    Ok(all)
}

/// Readable names for the actors of one workspace: user emails and key names with prefixes.
/// Only this workspace's users and keys are loaded, so no other workspace's names can leak.
#[derive(Debug, Default)]
pub struct ActorNames {
    pub users: std::collections::BTreeMap<i64, String>,
    pub keys: std::collections::BTreeMap<i64, String>,
}

impl ActorNames {
    pub fn load(
        conn: &Connection,
        workspace_id: WorkspaceId,
    ) -> crate::db::sql::Result<ActorNames> {
        let mut names = ActorNames::default();
        let mut users =
            conn.prepare_cached("SELECT id, email FROM users WHERE workspace_id = ?1")?;
        for row in users.query_map([workspace_id], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let (id, email) = row?;
            names.users.insert(id, email);
        }
        let mut keys =
            conn.prepare_cached("SELECT id, name, prefix FROM api_keys WHERE workspace_id = ?1")?;
        for row in keys.query_map([workspace_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (id, name, prefix) = row?;
            let label = if name.is_empty() {
                format!("key {prefix}…")
            } else {
                format!("key “{name}” ({prefix}…)")
            };
            names.keys.insert(id, label);
        }
        Ok(names)
    }

    /// `owner@example.com`, `key “deploy bot” (hitl_live_abc123…)`, `system`, `CLI`.
    pub fn label(&self, actor_type: &str, actor_id: Option<i64>) -> String {
        let known = match (actor_type, actor_id) {
            ("user", Some(id)) => self.users.get(&id).cloned(),
            ("key", Some(id)) => self.keys.get(&id).cloned(),
            ("cli", _) => Some("CLI".to_string()),
            _ => None,
        };
        known.unwrap_or_else(|| match actor_id {
            Some(id) => format!("{actor_type}:{id}"),
            None => actor_type.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_read_as_type_and_optional_id() {
        assert_eq!(
            Filter::parse_actor("user:7"),
            Some(("user".into(), Some(7)))
        );
        assert_eq!(
            Filter::parse_actor(" Key : 3 "),
            Some(("key".into(), Some(3)))
        );
        assert_eq!(Filter::parse_actor("system"), Some(("system".into(), None)));
        assert_eq!(Filter::parse_actor("cli"), Some(("cli".into(), None)));
        assert_eq!(Filter::parse_actor("system:1"), None);
        assert_eq!(Filter::parse_actor("user:abc"), None);
        assert_eq!(Filter::parse_actor("robot"), None);
    }
}
