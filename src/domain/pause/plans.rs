//! Plan review: an agent shows its plan (Markdown) before acting; a person approves it or sends
//! it back with feedback (`changes_requested`), and the agent submits its next version as a new
//! plan pause that `revises` the previous one. The versions form a line (a plan is revised at
//! most once), read here as a chain for the pause page.

use crate::db::sql::params;
use serde_json::json;
use uuid::Uuid;

use super::history::Scope;
use super::ids::{PauseId, WorkspaceId};
use super::kind::Kind;
use super::pauses::{self, Pause, Status};
use super::Millis;
use crate::db::WriteCtx;
use crate::error::{AppError, AppResult};
use crate::waiters::Topic;

/// The largest plan, in bytes of UTF-8.
pub const MAX_PLAN_BYTES: usize = 32 * 1024;

/// The plan's member of `pauses.request_json`.
pub fn request_json(plan: &str) -> String {
    json!({ "plan": plan }).to_string()
}

/// The Markdown of a plan pause; None for other kinds.
pub fn text(pause: &Pause) -> Option<String> {
    if pause.kind != Kind::Plan {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(pause.request_json.as_deref()?).ok()?;
    v.get("plan")?.as_str().map(str::to_string)
}

/// Checks that `watch_id` names a plan a new version may revise, and returns its id: a plan of
/// this workspace and of the creating key's kind (test or live: the sandbox rule), no longer
/// pending, not yet revised. A pause of another workspace or of the other kind reads exactly as
/// one that does not exist. Reads only: [`mark_revised`] writes, once nothing can refuse.
pub fn revisable(
    conn: &crate::db::sql::Connection,
    now: Millis,
    workspace_id: WorkspaceId,
    test: bool,
    watch_id: &Uuid,
) -> AppResult<PauseId> {
    let bad = |why: String| AppError::invalid("revises", why);
    let scope = Scope {
        workspace_id,
        test: Some(test),
    };
    let Some(old) = pauses::get_in(conn, scope, watch_id)? else {
        return Err(bad(format!(
            "`revises`: no plan with watchId `{watch_id}` in this workspace"
        )));
    };
    if old.kind != Kind::Plan {
        return Err(bad(format!(
            "`revises` must name a plan; `{watch_id}` is a pause of kind `{}`",
            old.kind
        )));
    }
    if old.status(now) == Status::Pending {
        return Err(bad(format!(
            "`revises`: the plan `{watch_id}` is still pending; a plan is revised once it is \
             decided (changes requested), expired or cancelled"
        )));
    }
    if let Some(newer) = old.revised_by {
        return Err(bad(format!(
            "`revises`: the plan `{watch_id}` was already revised by `{newer}`; revise the \
             latest version"
        )));
    }
    Ok(old.id)
}

/// Records that the plan `id` (checked by [`revisable`]) has a new version: its `revisedBy`
/// appears, so its version (and ETag) changes and its waiters are woken.
pub fn mark_revised(ctx: &mut WriteCtx<'_>, id: PauseId) -> AppResult<()> {
    ctx.conn
        .prepare_cached("UPDATE pauses SET version = version + 1 WHERE id = ?1")?
        .execute(params![id])?;
    ctx.wake(Topic::Pause(id));
    Ok(())
}

/// Every version of the plan `pause` belongs to, oldest first (`pause` included).
pub fn chain(conn: &crate::db::sql::Connection, pause: &Pause) -> AppResult<Vec<Pause>> {
    if pause.kind != Kind::Plan || (pause.revises.is_none() && pause.revised_by.is_none()) {
        return Ok(vec![pause.clone()]);
    }
    let select = pauses::select(conn);
    let sql = format!(
        "WITH RECURSIVE
           back(id, prev) AS (
             SELECT id, revises_id FROM pauses WHERE id = ?1
             UNION SELECT q.id, q.revises_id FROM pauses q JOIN back b ON q.id = b.prev),
           fwd(id) AS (
             SELECT id FROM pauses WHERE id = ?1
             UNION SELECT q.id FROM pauses q JOIN fwd f ON q.revises_id = f.id)
         {select} WHERE p.workspace_id = ?2
           AND p.id IN (SELECT id FROM back UNION SELECT id FROM fwd)
         ORDER BY p.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![pause.id, pause.workspace_id], pauses::from_row)?;
    Ok(rows.collect::<crate::db::sql::Result<_>>()?)
}
