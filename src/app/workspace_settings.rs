//! The workspace's general settings as the API changes them: the settings page's own
//! validation and audited write (`workspaces::update_settings`), applied to the settings as
//! they stand so that a PATCH changes only what it names (the Slack URL is the channels API's).

use crate::domain::audit::Actor;
use crate::domain::identity::factor_admin;
use crate::domain::ids::WorkspaceId;
use crate::domain::workspaces::{self, SettingsChange, Workspace};
use crate::error::AppResult;
use crate::services::Services;

/// What a PATCH may change; `Some(None)` clears a number (the server's default timeout, keep
/// contexts forever).
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub name: Option<String>,
    pub default_timeout_secs: Option<Option<i64>>,
    pub reject_reason_required: Option<bool>,
    pub context_retention_days: Option<Option<i64>>,
    /// `requireTwoFactor` (owners only on the settings page; a live admin key by API).
    pub require_two_factor: Option<bool>,
}

/// Applies `patch` in one transaction; answers the workspace as it then stands.
pub async fn patch(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    patch: SettingsPatch,
) -> AppResult<Workspace> {
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let current = workspaces::get(ctx.conn, ws)?;
            let change = SettingsChange {
                name: patch.name.unwrap_or(current.name),
                default_timeout_secs: patch
                    .default_timeout_secs
                    .unwrap_or(current.default_timeout_secs),
                reject_reason_required: patch
                    .reject_reason_required
                    .unwrap_or(current.reject_reason_required),
                slack_webhook_url: current.slack_webhook_url,
                context_retention_days: patch
                    .context_retention_days
                    .unwrap_or(current.context_retention_days),
            };
            workspaces::update_settings(ctx.conn, now, actor, ws, change)?;
            if let Some(on) = patch.require_two_factor {
                factor_admin::set_required(ctx.conn, now, actor, ws, on)?;
            }
            workspaces::get(ctx.conn, ws)
        })
        .await
}
