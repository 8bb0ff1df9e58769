//! Step-up for critical decisions: which pauses need a recent second factor, and the two
//! workspace settings behind it (`stepUp`, `keysMayDecideCritical`). The rule is here once;
//! `respond` applies it to every responder, the pages and the push only ask it what to offer.

use crate::db::sql::{params, Connection};

use super::auth_context::STEP_UP_FRESH_MS;
use crate::domain::ids::WorkspaceId;
use crate::domain::pauses::Pause;
use crate::domain::policy::Risk;
use crate::error::AppResult;

/// The workspace's step-up settings, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepUpSettings {
    /// `stepUp` as set; `None` until an owner sets it, when it follows `require_two_factor`.
    pub step_up: Option<bool>,
    pub require_two_factor: bool,
    /// Whether API keys with `decide` may still decide a pause that needs step-up.
    pub keys_may_decide_critical: bool,
}

impl StepUpSettings {
    /// Whether step-up applies: as set, else on exactly when two-factor is required.
    pub fn on(&self) -> bool {
        self.step_up.unwrap_or(self.require_two_factor)
    }

    /// With the members a settings patch sent (absent ones unchanged).
    pub fn patched(self, step_up: Option<bool>, keys_may_decide_critical: Option<bool>) -> Self {
        StepUpSettings {
            step_up: step_up.or(self.step_up),
            keys_may_decide_critical: keys_may_decide_critical
                .unwrap_or(self.keys_may_decide_critical),
            ..self
        }
    }

    /// Whether `pause` needs step-up under these settings.
    pub fn pause_needs(&self, pause: &Pause) -> bool {
        needs_step_up(self.on(), pause.risk, pause.required_approvals)
    }
}

/// The one rule: with step-up on, a pause needs a recent second factor when its risk is
/// `critical` or it takes two approvals or more. A pause that sent no risk is not critical.
pub fn needs_step_up(on: bool, risk: Option<Risk>, required_approvals: u8) -> bool {
    on && (risk == Some(Risk::Critical) || required_approvals >= 2)
}

pub fn get(conn: &Connection, ws: WorkspaceId) -> AppResult<StepUpSettings> {
    Ok(conn
        .prepare_cached(
            "SELECT step_up, require_two_factor, keys_may_decide_critical
             FROM workspaces WHERE id = ?1",
        )?
        .query_row([ws], |r| {
            Ok(StepUpSettings {
                step_up: r.get(0)?,
                require_two_factor: r.get(1)?,
                keys_may_decide_critical: r.get(2)?,
            })
        })?)
}

/// Stores `stepUp` (once set it no longer follows `require_two_factor`) and
/// `keysMayDecideCritical`.
pub fn store(conn: &Connection, ws: WorkspaceId, s: &StepUpSettings) -> AppResult<()> {
    conn.prepare_cached(
        "UPDATE workspaces SET step_up = ?2, keys_may_decide_critical = ?3 WHERE id = ?1",
    )?
    .execute(params![ws, s.step_up, s.keys_may_decide_critical])?;
    Ok(())
}

/// Whether `pause` needs step-up in its workspace now.
pub fn pause_needs(conn: &Connection, pause: &Pause) -> AppResult<bool> {
    Ok(get(conn, pause.workspace_id)?.pause_needs(pause))
}

/// Where a person steps up for `watch_id`: its page, which asks for the factor in place.
pub fn step_up_path(watch_id: &uuid::Uuid) -> String {
    format!("/pauses/{watch_id}?step-up=1")
}

/// How long a step-up lasts, in minutes, for the words on pages and in problems.
pub const FRESH_MINUTES: i64 = STEP_UP_FRESH_MS / 60_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_critical_pause_or_a_quorum_needs_step_up_only_when_step_up_is_on() {
        assert!(needs_step_up(true, Some(Risk::Critical), 1));
        assert!(needs_step_up(true, Some(Risk::Low), 2));
        assert!(needs_step_up(true, None, 3));
        assert!(!needs_step_up(true, Some(Risk::High), 1));
        assert!(!needs_step_up(true, None, 1));
        assert!(!needs_step_up(false, Some(Risk::Critical), 5));
    }

    #[test]
    fn step_up_follows_required_two_factor_until_it_is_set() {
        let mut s = StepUpSettings {
            step_up: None,
            require_two_factor: true,
            keys_may_decide_critical: true,
        };
        assert!(s.on());
        s.require_two_factor = false;
        assert!(!s.on());
        s.step_up = Some(true);
        assert!(s.on());
        s.require_two_factor = true;
        s.step_up = Some(false);
        assert!(!s.on());
    }

    #[test]
    fn a_patch_replaces_what_it_sends_and_keeps_the_rest() {
        let s = StepUpSettings {
            step_up: None,
            require_two_factor: true,
            keys_may_decide_critical: true,
        };
        let both = s.patched(Some(false), Some(false));
        assert_eq!(
            (both.step_up, both.keys_may_decide_critical),
            (Some(false), false)
        );
        assert!(both.require_two_factor);
        let neither = both.patched(None, None);
        assert_eq!(neither, both);
    }

    #[test]
    fn the_step_up_page_is_the_pauses_own_asking_for_it_within_five_minutes() {
        let id = uuid::Uuid::nil();
        assert_eq!(
            step_up_path(&id),
            "/pauses/00000000-0000-0000-0000-000000000000?step-up=1"
        );
        assert_eq!(FRESH_MINUTES, 5);
    }

    #[test]
    fn the_settings_are_stored_and_read_back() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0);",
        )
        .unwrap();
        let ws = WorkspaceId(1);
        let fresh = get(&conn, ws).unwrap();
        assert_eq!(fresh.step_up, None);
        assert!(fresh.keys_may_decide_critical);
        let set = StepUpSettings {
            step_up: Some(true),
            keys_may_decide_critical: false,
            ..fresh
        };
        store(&conn, ws, &set).unwrap();
        assert_eq!(get(&conn, ws).unwrap(), set);
    }
}
