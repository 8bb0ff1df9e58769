//! The plan members of the `POST /api/pause` body (`kind`, `plan`, `revises`): which go
//! together, and the plan's size. Whether `revises` names a plan that may be revised is the
//! database's to say, at creation (`domain::plans::revisable`).

use uuid::Uuid;

use crate::domain::kind::Kind;
use crate::domain::plans::MAX_PLAN_BYTES;
use crate::error::{AppError, AppResult};

pub(super) fn parse_kind(raw: Option<&str>) -> AppResult<Kind> {
    let Some(raw) = raw else {
        return Ok(Kind::Approval);
    };
    Kind::from_name(raw).ok_or_else(|| {
        AppError::invalid(
            "kind",
            format!("`kind` must be `approval`, `question` or `plan` (got `{raw}`)"),
        )
    })
}

/// `plan` comes exactly with kind `plan`, and `revises` only with it.
pub(super) fn validate_plan(
    kind: Kind,
    plan: Option<String>,
    revises: Option<String>,
) -> AppResult<(Option<String>, Option<Uuid>)> {
    let is_plan = kind == Kind::Plan;
    let plan = match plan {
        Some(_) if !is_plan => {
            return Err(AppError::invalid(
                "plan",
                format!("`plan` is only for kind `plan` (this pause is kind `{kind}`)"),
            ))
        }
        None if is_plan => {
            return Err(AppError::invalid(
                "plan",
                "kind `plan` needs `plan`: the plan to review, in Markdown",
            ))
        }
        plan => plan,
    };
    if let Some(p) = &plan {
        if p.trim().is_empty() || p.len() > MAX_PLAN_BYTES || p.contains('\0') {
            return Err(AppError::invalid(
                "plan",
                format!(
                    "`plan` must be 1 byte to {} KiB of Markdown, not blank, without NUL \
                     characters (got {} bytes)",
                    MAX_PLAN_BYTES / 1024,
                    p.len()
                ),
            ));
        }
    }
    let revises = match revises {
        Some(_) if !is_plan => {
            return Err(AppError::invalid(
                "revises",
                format!("`revises` is only for kind `plan` (this pause is kind `{kind}`)"),
            ))
        }
        Some(r) => Some(Uuid::parse_str(r.trim()).map_err(|_| {
            AppError::invalid(
                "revises",
                "`revises` must be the watchId of an earlier plan",
            )
        })?),
        None => None,
    };
    Ok((plan, revises))
}
