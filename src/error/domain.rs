//! How the domain's refusals read on the wire: the one place their wording, status and
//! `Retry-After` are chosen.

use super::AppError;
use crate::domain::error::DomainError;
use crate::domain::ids::WorkspaceId;

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> AppError {
        match e {
            DomainError::QuotaExceeded {
                workspace_id,
                billing_plan,
                limit,
                at,
                resets_at,
            } => AppError::QuotaExceeded {
                detail: format!(
                    "this workspace has used its {limit} pauses for this month on the {billing_plan} \
                     plan; the quota resets at the start of next month (UTC), or {}",
                    billing_plan_change_hint(workspace_id)
                ),
                at,
                resets_at,
            },
            DomainError::ApproverLimit {
                workspace_id,
                billing_plan,
                max,
            } => AppError::Forbidden(format!(
                "the {billing_plan} plan allows {max} approver{}; this workspace has reached it. \
                 Disable a user on the Users page, or {}",
                if max == 1 { "" } else { "s" },
                billing_plan_change_hint(workspace_id)
            )),
        }
    }
}

/// How an operator lifts a plan limit, for the errors that hit one: people meeting a limit need
/// the way out, not only the fact.
fn billing_plan_change_hint(workspace_id: WorkspaceId) -> String {
    format!(
        "an operator moves the workspace to a larger plan with \
         `holdpoint workspace set-plan {workspace_id} pro` (plans: free, starter, pro)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approver_limit_reads_as_forbidden_with_the_way_out() {
        let e = AppError::from(DomainError::ApproverLimit {
            workspace_id: WorkspaceId(3),
            billing_plan: "free".into(),
            max: 1,
        });
        assert_eq!(e.problem(), crate::wire::ProblemType::Forbidden);
        assert_eq!(
            e.detail(),
            "the free plan allows 1 approver; this workspace has reached it. Disable a user on \
             the Users page, or an operator moves the workspace to a larger plan with \
             `holdpoint workspace set-plan 3 pro` (plans: free, starter, pro)"
        );
    }

    #[test]
    fn a_quota_refusal_says_when_the_month_turns() {
        let at = 1_764_547_200_000 - 3_600_500; // 1 h 0.5 s before 2025-12-01T00:00Z
        let e = AppError::from(DomainError::QuotaExceeded {
            workspace_id: WorkspaceId(1),
            billing_plan: "free".into(),
            limit: 50,
            at,
            resets_at: crate::domain::quotas::next_month_start(at),
        });
        assert_eq!(e.retry_after(), Some(3601));
        assert!(e
            .detail()
            .starts_with("this workspace has used its 50 pauses"));
    }
}
