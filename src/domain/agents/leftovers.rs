//! Cancels cut short: an agent or run is marked cancelled in one writer job and its pauses are
//! cancelled in later ones, so a restart in between leaves pauses pending that should not be.
//! Housekeeping finds them (pending pauses of an agent that is still cancelled, or of a
//! cancelled run, asked before the cancel) and ends them as the cancel would have.

use crate::db::sql::{params, Connection};

use crate::db::WriteCtx;
use crate::domain::audit::Actor;
use crate::domain::ids::PauseId;
use crate::domain::pauses;
use crate::domain::Millis;
use crate::error::AppResult;

/// What one housekeeping round reads (and then cancels, one writer job).
pub const BATCH: i64 = super::cancel::BATCH;

/// The ids of up to [`BATCH`] such pauses, read outside the writer.
pub fn find(conn: &Connection, now: Millis) -> AppResult<Vec<PauseId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id FROM pauses p
         WHERE p.status = 'pending' AND (p.expires_at > ?1 OR p.on_timeout = 'wait') AND (
            EXISTS (SELECT 1 FROM agents a WHERE a.workspace_id = p.workspace_id
                    AND a.is_test = p.is_test AND a.name = p.agent AND a.control = 'cancelled'
                    AND p.created_at <= a.control_changed_at)
            OR EXISTS (SELECT 1 FROM cancelled_runs c WHERE c.workspace_id = p.workspace_id
                    AND c.is_test = p.is_test AND c.run = p.run AND p.created_at <= c.cancelled_at
                    AND (c.agent_id IS NULL OR c.agent_id = (SELECT a.id FROM agents a
                         WHERE a.workspace_id = p.workspace_id AND a.is_test = p.is_test
                         AND a.name = p.agent))))
         ORDER BY p.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, BATCH], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Cancels the pauses `find` read, each as the cancel would have (a compare-and-set: one that
/// was decided meanwhile is left as it is). Returns how many it cancelled.
pub fn finish(ctx: &mut WriteCtx<'_>, now: Millis, ids: &[PauseId]) -> AppResult<usize> {
    let mut done = 0;
    for id in ids {
        let Some(p) = pauses::get_by_id(ctx.conn, *id)? else {
            continue;
        };
        if super::cancel::cancel_one(ctx, now, &p, Actor::System, "an interrupted cancel")? {
            done += 1;
        }
    }
    Ok(done)
}
