//! What the agent did after the decision: the key that created a decided pause reports once
//! that it executed, failed or skipped the action, so the trail reads "approved by Ann →
//! executed by billing-bot-7".
//!
//! Any decided pause takes a report, a rejected one too: an agent that skips after a rejection
//! says so, and one that executed anyway is recorded as having done it (that is exactly what
//! the trail is for). A pause nobody decided (pending, expired, cancelled) takes none.

use crate::db::sql::params;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::api_keys::AuthKey;
use super::audit::{Actor, Entry};
use super::event_type::EventType;
use super::pauses::{self, Pause, Scope, Status};
use super::sql_enum::sql_enum;
use super::{events, text, Millis};
use crate::db::WriteCtx;
use crate::error::AppResult;
use crate::waiters::Topic;

/// The longest `detail` an agent may report, in characters.
pub const MAX_DETAIL_CHARS: usize = 2000;

sql_enum! {
    /// What the agent did, as stored in `pauses.outcome_status`.
    pub enum OutcomeStatus {
        Executed => "executed",
        Failed => "failed",
        Skipped => "skipped",
    }
}

/// The key that reported, as the API shows a key (the shape of `decidedBy` for keys).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportingKey {
    /// Always `key`.
    #[schema(value_type = String)]
    pub r#type: &'static str,
    pub name: String,
    pub prefix: String,
}

/// A reported outcome, as the pause carries it.
#[derive(Debug, Clone)]
pub struct Reported {
    pub status: OutcomeStatus,
    pub detail: Option<String>,
    pub at: Millis,
    pub by: ReportingKey,
}

/// Why a report was not recorded. Nothing was written.
#[derive(Debug)]
pub enum ReportError {
    /// No such pause for this key (another workspace, or a live/test mismatch).
    NotFound,
    /// Another key of the workspace created the pause.
    NotCreator,
    /// Nobody decided the pause (yet): pending, expired or cancelled.
    NotDecided(Box<Pause>),
    /// An outcome was reported already.
    AlreadyReported(Box<Pause>),
    DetailTooLong,
}

/// Whether a person (or later a key or policy) decided the pause: every status but these.
pub fn decided(status: Status) -> bool {
    !matches!(
        status,
        Status::Pending | Status::Expired | Status::Cancelled
    )
}

/// Records the outcome with a compare-and-set on `outcome_status IS NULL`, bumps the version
/// (so long-polls on the ETag see it) and writes the `pause.outcome_reported` event.
pub fn report(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    key: &AuthKey,
    watch_id: &Uuid,
    status: OutcomeStatus,
    detail: Option<String>,
) -> AppResult<Result<Pause, ReportError>> {
    let detail = text::reason(detail.as_deref());
    if detail
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DETAIL_CHARS)
    {
        return Ok(Err(ReportError::DetailTooLong));
    }
    let Some(pause) = pauses::get_in(ctx.conn, Scope::key(key), watch_id)? else {
        return Ok(Err(ReportError::NotFound));
    };
    if pause.api_key_id != Some(key.id) {
        return Ok(Err(ReportError::NotCreator));
    }
    if pause.outcome.is_some() {
        return Ok(Err(ReportError::AlreadyReported(Box::new(pause))));
    }
    if !decided(pause.status(now)) {
        return Ok(Err(ReportError::NotDecided(Box::new(pause))));
    }
    let entry = Entry {
        workspace_id: Some(key.workspace_id),
        actor: Actor::Key(key.id),
        event: EventType::PauseOutcomeReported,
        subject: Some(watch_id.to_string()),
        // The decision it followed, so the trail's row reads on its own.
        details: Some(json!({
            "status": status,
            "detail": detail,
            "decision": pause.status(now),
        })),
    };
    let updated = ctx
        .conn
        .prepare_cached(
            "UPDATE pauses SET outcome_status = ?1, outcome_detail = ?2, outcome_at = ?3,
                 outcome_key_id = ?4, version = version + 1
             WHERE id = ?5 AND outcome_status IS NULL
               AND status NOT IN ('pending', 'expired', 'cancelled')",
        )?
        .execute(params![status, detail, now, key.id, pause.id])?;
    let Some(changed) = pauses::get_by_id(ctx.conn, pause.id)? else {
        return Ok(Err(ReportError::NotFound));
    };
    if updated == 0 {
        // Two reports raced: the other one is recorded.
        return Ok(Err(ReportError::AlreadyReported(Box::new(changed))));
    }
    events::pause_event(ctx, now, &changed, entry)?;
    ctx.wake(Topic::Pause(changed.id));
    Ok(Ok(changed))
}

/// The outcome's columns of [`pauses::SELECT`], from `first` on (status, detail, at, and the
/// reporting key's name and prefix).
pub(crate) fn from_row(
    r: &crate::db::sql::Row<'_>,
    first: usize,
) -> crate::db::sql::Result<Option<Reported>> {
    let Some(status) = r.get(first)? else {
        return Ok(None);
    };
    Ok(Some(Reported {
        status,
        detail: r.get(first + 1)?,
        at: r.get(first + 2)?,
        by: ReportingKey {
            r#type: "key",
            name: r.get::<_, Option<String>>(first + 3)?.unwrap_or_default(),
            prefix: r.get::<_, Option<String>>(first + 4)?.unwrap_or_default(),
        },
    }))
}
