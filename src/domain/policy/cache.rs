//! The compiled rules of each workspace and mode, kept in memory: reading and compiling 100
//! rules on every create cost far more than evaluating them.

use std::sync::{Arc, Mutex};

use crate::db::sql::{params, Connection};

use super::bounded::Bounded;
use super::rules::{self, RuleSet};
use super::Rule;
use crate::domain::ids::WorkspaceId;
use crate::error::AppResult;

/// Compiled rule sets by workspace, mode and stamp (see [`load_cached`]).
type Cache = Bounded<(WorkspaceId, bool, i64), Arc<Vec<Rule>>>;
static CACHE: Mutex<Option<Cache>> = Mutex::new(None);
/// Rule sets kept at most.
const CACHED_SETS: usize = 1000;

/// As [`rules::load_enabled`], from memory while the workspace's `rules_stamp` is the one they were
/// read under: every change to its rules replaces the stamp with a random number, so a stale
/// set (or another database's set with the same ids) is never used, and a create with 100
/// rules reads one integer instead of parsing and compiling every rule.
pub fn load_cached(conn: &Connection, set: RuleSet) -> AppResult<Arc<Vec<Rule>>> {
    let stamp: i64 = conn
        .prepare_cached("SELECT rules_stamp FROM workspaces WHERE id = ?1")?
        .query_row([set.workspace_id], |r| r.get(0))?;
    // Stamp 0: the workspace's rules never changed, so it has none (every writer of
    // `policy_rules` restamps); no need to ask the table.
    if stamp == 0 {
        return Ok(Arc::new(Vec::new()));
    }
    let key = (set.workspace_id, set.test, stamp);
    let lock = || CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = lock().as_ref().and_then(|c| c.get(&key)) {
        return Ok(found);
    }
    let rules = Arc::new(rules::load_enabled(conn, set)?);
    lock()
        .get_or_insert_with(|| Bounded::new(CACHED_SETS))
        .keep(key, rules.clone());
    Ok(rules)
}

/// Marks the workspace's rules changed (see [`load_cached`]).
pub(super) fn restamp(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<()> {
    // Odd, so never 0: stamp 0 means "never changed, no rules" to `load_cached`.
    let stamp = rand::random::<i64>() | 1;
    conn.prepare_cached("UPDATE workspaces SET rules_stamp = ?2 WHERE id = ?1")?
        .execute(params![workspace_id, stamp])?;
    Ok(())
}
