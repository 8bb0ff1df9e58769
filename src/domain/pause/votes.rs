//! A pause's votes: its approve and reject responses, one per decider (unique indexes on
//! `pause_responses`), oldest first. A pause needing one approval has at most one; a quorum
//! collects approvals until enough different deciders agreed, and one rejection ends it.

use crate::db::sql::{params, Connection};
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Vote)]
pub struct VoteView<'a> {
    pub by: &'a DecidedBy,
    pub approved: bool,
    pub reason: Option<&'a str>,
    #[schema(format = DateTime)]
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
pub fn from_json(json: &str, policy: Option<String>) -> serde_json::Result<Vec<Vote>> {
    type Row = (
        i64,
        Option<String>,
        Millis,
        Option<UserId>,
        Option<ApiKeyId>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = serde_json::from_str(json)?;
    Ok(rows
        .into_iter()
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
                    approved: approved != 0,
                    reason,
                    at,
                    user_id,
                    key_id,
                }
            },
        )
        .collect())
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

    /// The row's JSON as SQLite writes it (booleans as 0/1): an unreadable array would read as
    /// no votes at all, so this pins the shape.
    #[test]
    fn votes_read_from_the_rows_json_with_each_kind_of_decider() {
        let json = r#"[[1,"ok",5,7,null,"ann@example.com","Ann",null,null],
                       [0,null,6,null,3,null,null,"ci","hitl_live_ab"],
                       [1,null,7,null,null,null,null,null,null]]"#;
        let votes = from_json(json, Some("small refunds".into())).unwrap();
        assert_eq!(votes.len(), 3);
        assert!(votes[0].approved && !votes[1].approved && votes[2].approved);
        assert_eq!(votes[0].user_id, Some(UserId(7)));
        assert_eq!(votes[0].by.email(), Some("ann@example.com"));
        assert_eq!(votes[1].key_id, Some(ApiKeyId(3)));
        assert_eq!(votes[1].by.label(), "key ci (hitl_live_ab…)");
        assert_eq!(votes[2].by.label(), "policy small refunds");
        assert_eq!((votes[0].reason.as_deref(), votes[0].at), (Some("ok"), 5));
    }

    #[test]
    fn an_unreadable_row_is_an_error_not_no_votes() {
        assert!(from_json("[[true]]", None).is_err());
    }

    #[test]
    fn approvals_needed_counts_approvals_only_and_none_once_decided() {
        let vote = |approved| Vote {
            by: DecidedBy::Policy { name: "x".into() },
            approved,
            reason: None,
            at: 0,
            user_id: None,
            key_id: None,
        };
        assert_eq!(approvals_needed(3, &[vote(true), vote(false)], true), 2);
        assert_eq!(approvals_needed(2, &[], true), 2);
        assert_eq!(approvals_needed(1, &[vote(true), vote(true)], true), 0);
        assert_eq!(approvals_needed(3, &[], false), 0);
    }
}
