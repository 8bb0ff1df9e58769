//! A pause's votes: its approve and reject responses, one per decider (unique indexes on
//! `pause_responses`), oldest first. A pause needing one approval has at most one; a quorum
//! collects approvals until enough different deciders agreed, and one rejection ends it.

use rusqlite::{params, Connection};
use serde::Serialize;

use super::decided_by::DecidedBy;
use super::Millis;
use crate::domain::ids::{ApiKeyId, PauseId, UserId};
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub by: DecidedBy,
    pub approved: bool,
    /// None once retention purged it (or none was given).
    pub reason: Option<String>,
    pub at: Millis,
    pub user_id: Option<UserId>,
    pub key_id: Option<ApiKeyId>,
}

/// As the API shows a vote: `{"by", "approved", "reason", "at"}`.
#[derive(Debug, Serialize)]
pub struct VoteView<'a> {
    pub by: &'a DecidedBy,
    pub approved: bool,
    pub reason: Option<&'a str>,
    pub at: String,
}

impl Vote {
    pub fn view(&self) -> VoteView<'_> {
        VoteView {
            by: &self.by,
            approved: self.approved,
            reason: self.reason.as_deref(),
            at: super::rfc3339(self.at),
        }
    }
}

/// The votes as the pause's row carries them (a JSON array of arrays, see `pauses::SELECT`);
/// `policy` names the policy that decided it, for a policy's vote.
pub fn from_json(json: &str, policy: Option<String>) -> Vec<Vote> {
    type Row = (
        Flag,
        Option<String>,
        Millis,
        Option<UserId>,
        Option<ApiKeyId>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = serde_json::from_str(json).unwrap_or_default();
    rows.into_iter()
        .map(
            |(approved, reason, at, user_id, key_id, email, name, key_name, prefix)| {
                let by = match (email, prefix) {
                    (Some(email), _) => DecidedBy::User {
                        email,
                        name: name.unwrap_or_default(),
                    },
                    (None, Some(prefix)) => DecidedBy::Key {
                        name: key_name.unwrap_or_default(),
                        prefix,
                    },
                    (None, None) => DecidedBy::Policy {
                        name: policy.clone().unwrap_or_default(),
                    },
                };
                Vote {
                    by,
                    approved: approved.into(),
                    reason,
                    at,
                    user_id,
                    key_id,
                }
            },
        )
        .collect()
}

/// SQLite has no booleans: `r.kind = 'approve'` reaches the JSON as 1 or 0.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Int(i64),
}

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        match f {
            Flag::Bool(b) => b,
            Flag::Int(i) => i != 0,
        }
    }
}

/// Every vote on the pause, oldest first.
pub fn list(conn: &Connection, pause_id: PauseId) -> AppResult<Vec<Vote>> {
    let rows = conn
        .prepare_cached(
            "SELECT r.kind = 'approve', r.reason, r.created_at, r.user_id, r.api_key_id,
                    u.email, u.name, k.name, k.prefix, p.decided_by_policy
             FROM pause_responses r JOIN pauses p ON p.id = r.pause_id
             LEFT JOIN users u ON u.id = r.user_id
             LEFT JOIN api_keys k ON k.id = r.api_key_id
             WHERE r.pause_id = ?1 AND r.kind IN ('approve', 'reject') AND r.via != 'timeout'
             ORDER BY r.id",
        )?
        .query_map(params![pause_id], |r| {
            let by = match (
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(8)?,
            ) {
                (Some(email), _) => DecidedBy::User {
                    email,
                    name: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                },
                (None, Some(prefix)) => DecidedBy::Key {
                    name: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    prefix,
                },
                (None, None) => DecidedBy::Policy {
                    name: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
                },
            };
            Ok(Vote {
                by,
                approved: r.get(0)?,
                reason: r.get(1)?,
                at: r.get(2)?,
                user_id: r.get(3)?,
                key_id: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Approvals still needed: none once the pause left `pending`.
pub fn approvals_needed(required: u8, votes: &[Vote], pending: bool) -> u8 {
    if !pending {
        return 0;
    }
    let approvals = votes.iter().filter(|v| v.approved).count();
    required.saturating_sub(u8::try_from(approvals).unwrap_or(u8::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_read_from_the_row_take_sqlite_s_1_and_0_as_approve_and_reject() {
        let json = r#"[[1,"ok",5,3,null,"a@example.com","Ann",null,null],
                       [0,null,6,null,4,null,null,"bot","hitl_live_ab"]]"#;
        let votes = from_json(json, None);
        assert_eq!(votes.len(), 2);
        assert!(votes[0].approved && !votes[1].approved);
        assert_eq!(votes[1].key_id, Some(ApiKeyId(4)));
    }
}
