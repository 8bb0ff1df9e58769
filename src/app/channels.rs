//! Changing channels (the workspace's or a group's) and a person's own push topic, shared by the
//! channels API, the settings page, the groups page and the account page: each change is one
//! writer job running the audited domain write.

use serde_json::Value;

use crate::domain::audit::Actor;
use crate::domain::channels::{self, Channels, Scope};
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::users;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// Applies `changes` (a JSON merge, see `domain::channels::apply`) and answers the channels as
/// they now stand.
pub async fn update(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    scope: Scope,
    changes: Value,
) -> AppResult<Channels> {
    let now = s.now();
    let allow_private = s.settings.webhook_allow_private;
    s.writer
        .run(move |ctx| channels::update(ctx.conn, now, actor, ws, &scope, &changes, allow_private))
        .await
}

/// Sets (or, blank, clears) the signed-in person's own ntfy topic. Returns whether it changed.
pub async fn set_push_topic(s: &Services, user_id: UserId, topic: String) -> AppResult<bool> {
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let user = users::get(ctx.conn, user_id)?
                .ok_or_else(|| AppError::NotFound("no such user".into()))?;
            crate::domain::notifications::set_user_topic(ctx.conn, now, &user, Some(&topic))
        })
        .await
}
