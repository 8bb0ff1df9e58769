//! Who was told of a pause: the outbox's messages about its creation, read back for the pause
//! page, channel by channel (emails, Slack, ntfy topics and people's own topics, Teams,
//! Discord), with how each delivery stands. Webhooks are for machines and have their own page.

use crate::db::sql::{Connection, Row};

use super::event_type::EventType;
use super::outbox::{Channel, DeliveryState};
use crate::domain::ids::PauseId;
use crate::error::AppResult;

/// One message about a new pause.
#[derive(Debug, Clone)]
pub struct Told {
    pub channel: Channel,
    /// The person it went to (an email, a person's own ntfy topic), by name or email.
    pub person: Option<String>,
    /// The ntfy topic of a shared topic.
    pub topic: Option<String>,
    pub state: DeliveryState,
    /// Why it was not sent, for a skipped one (the last attempt's note).
    pub note: Option<String>,
}

fn from_row(r: &Row<'_>) -> crate::db::sql::Result<Told> {
    Ok(Told {
        channel: r.get(0)?,
        person: r.get(1)?,
        topic: r.get(2)?,
        state: r.get(3)?,
        note: r.get(4)?,
    })
}

/// The messages queued when `pause_id` was created, people first, in the order they were queued.
pub fn of_pause(conn: &Connection, pause_id: PauseId) -> AppResult<Vec<Told>> {
    let topic = conn.pick(
        "json_extract(o.payload, '$.topic')",
        "CAST(o.payload AS jsonb) ->> 'topic'",
    );
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT o.channel,
                CASE WHEN o.user_id IS NULL THEN NULL
                     ELSE coalesce(nullif(u.name, ''), u.email) END,
                CASE WHEN o.channel = 'ntfy' AND o.user_id IS NULL
                     THEN {topic} END,
                o.state,
                CASE WHEN o.state = 'delivered' THEN
                    (SELECT a.error FROM outbox_attempts a WHERE a.outbox_id = o.id
                     AND a.outcome = 'skipped' ORDER BY a.id DESC LIMIT 1)
                     ELSE o.last_error END
         FROM outbox o LEFT JOIN users u ON u.id = o.user_id
         WHERE o.pause_id = ?1 AND o.event = ?2 AND o.channel != 'webhook'
         ORDER BY o.id"
    ))?;
    let rows = stmt
        .query_map(
            crate::db::sql::params![pause_id, EventType::PauseCreated],
            from_row,
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
