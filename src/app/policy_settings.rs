//! Changing the workspace's policy settings (the autonomy dial and its shadow mode): one use
//! case for `PATCH /api/policy/settings` and the settings page's "Decision policy" form, so
//! both merge, check and audit the same way.

use crate::domain::audit::Actor;
use crate::domain::ids::WorkspaceId;
use crate::domain::policy::settings::{self, SettingsPatch};
use crate::domain::policy::PolicySettings;
use crate::error::AppResult;
use crate::services::Services;

/// Merges `patch` into the workspace's settings on the writer (audited as
/// `policy.settings_changed`); an out-of-range level is `Invalid` and writes nothing.
pub async fn update(
    services: &Services,
    workspace_id: WorkspaceId,
    actor: Actor,
    patch: SettingsPatch,
) -> AppResult<PolicySettings> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| settings::update(ctx, now, workspace_id, actor, patch))
        .await
}
