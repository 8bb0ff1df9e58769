//! Suggested allow rules: (tool, agent) pairs that people approved at least
//! [`MIN_APPROVALS`] times in the last [`WINDOW_DAYS`] days and never rejected. The rules page
//! offers each as a rule (`suggested:<tool>:<agent>`, in shadow mode if the user chooses);
//! a pair whose suggested rule exists, or that a rule names exactly (a remembered decision, a
//! rule written by hand), is not offered again.

use crate::db::sql::{params, Connection};

use super::rules::RuleSet;
use crate::domain::Millis;
use crate::error::AppResult;

pub const MIN_APPROVALS: i64 = 20;
pub const WINDOW_DAYS: i64 = 30;
/// Suggestions listed at most, most approved first.
const LISTED: i64 = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub tool: String,
    pub agent: String,
    pub approvals: i64,
}

impl Suggestion {
    /// The name of the rule the suggestion creates.
    pub fn rule_name(&self) -> String {
        format!("suggested:{}:{}", self.tool, self.agent)
    }
}

/// Decisions by people and keys count; decisions a policy made do not (they would suggest the
/// rule that made them).
pub fn suggestions(conn: &Connection, set: RuleSet, now: Millis) -> AppResult<Vec<Suggestion>> {
    let since = now - WINDOW_DAYS * 86_400_000;
    let (tool, agent) = conn.pick(
        (
            "json_extract(r.match_json, '$.tool')",
            "json_extract(r.match_json, '$.agent')",
        ),
        (
            "CAST(r.match_json AS jsonb) ->> 'tool'",
            "CAST(r.match_json AS jsonb) ->> 'agent'",
        ),
    );
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT p.tool, p.agent, count(*) AS n FROM pauses p
         WHERE p.workspace_id = ?1 AND p.is_test = ?2 AND p.tool IS NOT NULL
           AND p.agent IS NOT NULL AND p.decided_at >= ?3 AND p.decided_by_policy IS NULL
           AND p.status IN ('approved', 'rejected')
         GROUP BY p.tool, p.agent
         HAVING sum(CASE WHEN p.status = 'rejected' THEN 1 ELSE 0 END) = 0 AND count(*) >= ?4
            AND NOT EXISTS (SELECT 1 FROM policy_rules r WHERE r.workspace_id = ?1
                            AND r.is_test = ?2
                            AND (r.name = 'suggested:' || p.tool || ':' || p.agent
                                 OR ({tool} = p.tool AND {agent} = p.agent)))
         ORDER BY n DESC, p.tool, p.agent LIMIT ?5"
    ))?;
    let rows = stmt.query_map(
        params![set.workspace_id, set.test, since, MIN_APPROVALS, LISTED],
        |r| {
            Ok(Suggestion {
                tool: r.get(0)?,
                agent: r.get(1)?,
                approvals: r.get(2)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::WorkspaceId;

    const DAY: Millis = 86_400_000;

    fn decided(conn: &Connection, tool: &str, agent: &str, status: &str, at: Millis, n: usize) {
        for _ in 0..n {
            conn.execute(
                "INSERT INTO pauses (watch_id, workspace_id, status, action, created_at,
                                     expires_at, decided_at, tool, agent)
                 VALUES (randomblob(16), 1, ?1, 'a', ?2, ?2, ?2, ?3, ?4)",
                params![status, at, tool, agent],
            )
            .unwrap();
        }
    }

    /// A database with workspace 1 and nothing else.
    fn workspace_db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0)",
        )
        .unwrap();
        conn
    }

    #[test]
    fn pairs_approved_twenty_times_in_thirty_days_and_never_rejected_are_suggested() {
        let conn = workspace_db();
        let now = 100 * DAY;
        decided(&conn, "send_email", "mailer", "approved", now - DAY, 25);
        decided(&conn, "refund", "billing", "approved", now - DAY, 30);
        decided(&conn, "refund", "billing", "rejected", now - 2 * DAY, 1);
        decided(&conn, "deploy", "ci", "approved", now - 31 * DAY, 40);
        decided(&conn, "deploy", "ci", "approved", now - DAY, 19);
        let live = RuleSet {
            workspace_id: WorkspaceId(1),
            test: false,
        };
        let found = suggestions(&conn, live, now).unwrap();
        let want = Suggestion {
            tool: "send_email".into(),
            agent: "mailer".into(),
            approvals: 25,
        };
        assert_eq!(found, std::slice::from_ref(&want));
        conn.execute(
            "INSERT INTO policy_rules (workspace_id, name, effect, match_json, created_at,
                                       updated_at) VALUES (1, ?1, 'allow', '{}', 0, 0)",
            [want.rule_name()],
        )
        .unwrap();
        assert!(suggestions(&conn, live, now).unwrap().is_empty());
        let test = RuleSet { test: true, ..live };
        assert!(suggestions(&conn, test, now).unwrap().is_empty());
    }

    #[test]
    fn a_pair_a_rule_already_names_exactly_is_not_suggested_whatever_the_rule_is_called() {
        let conn = workspace_db();
        let now = 100 * DAY;
        decided(&conn, "send_email", "mailer", "approved", now - DAY, 20);
        decided(&conn, "refund", "billing", "approved", now - DAY, 20);
        let live = RuleSet {
            workspace_id: WorkspaceId(1),
            test: false,
        };
        let rule = |name: &str, matches: &str| {
            conn.execute(
                "INSERT INTO policy_rules (workspace_id, name, effect, match_json, created_at,
                                           updated_at) VALUES (1, ?1, 'allow', ?2, 0, 0)",
                [name, matches],
            )
            .unwrap();
        };
        rule(
            "remember:send_email:mailer:hitl_live_ab",
            r#"{"tool":"send_email","agent":"mailer"}"#,
        );
        // A glob that merely covers the pair is another rule: the pair is still suggested.
        rule("refunds", r#"{"tool":"refund*","agent":"billing"}"#);
        let found = suggestions(&conn, live, now).unwrap();
        let pairs: Vec<_> = found
            .iter()
            .map(|s| (s.tool.as_str(), s.agent.as_str()))
            .collect();
        assert_eq!(pairs, [("refund", "billing")]);
        let test = RuleSet { test: true, ..live };
        assert!(suggestions(&conn, test, now).unwrap().is_empty());
    }
}
