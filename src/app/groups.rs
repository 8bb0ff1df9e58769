//! Changing a workspace's approver groups (and the groups keys are given), shared by the
//! groups API, the groups page and the keys page: each change is one writer job running the
//! audited domain write.

use serde_json::Value;

use crate::domain::audit::Actor;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::policy::group_keys;
use crate::domain::policy::groups::{self, Group, GroupSpec};
use crate::error::{AppError, AppResult};
use crate::services::Services;

pub async fn create(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    spec: GroupSpec,
) -> AppResult<Group> {
    let now = s.now();
    s.writer
        .run(move |ctx| groups::create(ctx, now, ws, actor, spec))
        .await
}

/// Applies `{"name"?, "members"?}` to the group as it stands, in the same transaction.
pub async fn patch(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    name: String,
    patch: Value,
) -> AppResult<Group> {
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let current =
                groups::get(ctx.conn, ws, &name)?.ok_or_else(|| groups::not_found(&name))?;
            let mut whole = serde_json::json!({
                "name": current.name,
                "members": current.members.iter().map(|m| &m.email).collect::<Vec<_>>(),
            });
            let Value::Object(changes) = patch else {
                return Err(AppError::invalid(
                    "body",
                    "send a JSON object with `name` and/or `members`",
                ));
            };
            for (k, v) in changes {
                whole[k] = v;
            }
            let spec: GroupSpec = serde_json::from_value(whole)
                .map_err(|e| AppError::invalid("body", format!("not a group: {e}")))?;
            groups::replace(ctx, now, ws, actor, &name, spec)
        })
        .await
}

pub async fn delete(s: &Services, ws: WorkspaceId, actor: Actor, name: String) -> AppResult<()> {
    let now = s.now();
    s.writer
        .run(move |ctx| groups::delete(ctx, now, ws, actor, &name))
        .await
}

/// Gives a key holding `decide` the groups named (replacing its groups): the keys page, later
/// the keys API. Returns the key's groups after.
pub async fn set_key_groups(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    key: ApiKeyId,
    names: Vec<String>,
) -> AppResult<Vec<String>> {
    let now = s.now();
    s.writer
        .run(move |ctx| group_keys::set_key_groups(ctx, now, ws, actor, key, &names))
        .await
}
