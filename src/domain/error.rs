//! Refusals the domain decides on and the edge words: the domain says which limit was met and
//! the facts behind it; `crate::error` turns them into problem+json (status, `Retry-After`,
//! the operator's way out) in one place. [`super::respond::RespondError`] is the same idea for
//! responses.

use super::ids::WorkspaceId;
use super::Millis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// The plan's monthly pause quota is used up, as of `at`, until `resets_at`.
    QuotaExceeded {
        workspace_id: WorkspaceId,
        billing_plan: String,
        limit: i64,
        at: Millis,
        resets_at: Millis,
    },
    /// The workspace already has as many active approvers as its plan allows.
    ApproverLimit {
        workspace_id: WorkspaceId,
        billing_plan: String,
        max: i64,
    },
}
