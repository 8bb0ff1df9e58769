//! API keys, shared by the keys page and `/api/keys`: making a key (with its cap and groups in
//! the same transaction, so no key exists uncapped for a moment), changing its name, cap and
//! groups, and revoking it. Each is one writer job running the audited domain writes.

use crate::domain::api_keys;
use crate::domain::audit::Actor;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::key_admin;
pub use crate::domain::key_admin::{details, list, KeyDetails};
use crate::domain::policy::{self, group_keys};
use crate::domain::scopes::Scopes;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// A key to make.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub test: bool,
    pub scopes: Scopes,
    pub cap: Option<u8>,
    pub groups: Vec<String>,
}

/// 403 for a scope `granter` does not hold itself: a key given `admin` could otherwise make
/// itself a key that decides, so no key hands out more than it has. People (the keys page) are
/// owners or admins and may grant every scope (`granter` None).
pub fn check_grant(granter: Option<Scopes>, wanted: Scopes) -> AppResult<()> {
    let Some(held) = granter else {
        return Ok(());
    };
    match wanted.iter().find(|s| !held.has(*s)) {
        None => Ok(()),
        Some(missing) => Err(AppError::Forbidden(format!(
            "this API key does not hold the `{missing}` scope, so it cannot give it to a new \
             key: a key never grants more than it holds"
        ))),
    }
}

/// Makes a key; answers it (with its groups) and the whole key, to be shown once.
pub async fn create(
    s: &Services,
    ws: WorkspaceId,
    (actor, granter): (Actor, Option<Scopes>),
    new: NewKey,
) -> AppResult<(KeyDetails, String)> {
    if new.name.trim().is_empty() {
        return Err(AppError::invalid(
            "name",
            "give the key a name, so you can tell it apart later",
        ));
    }
    check_grant(granter, new.scopes)?;
    check_cap(new.cap)?;
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let (id, key) = api_keys::create_with_scopes(
                ctx.conn, now, actor, ws, &new.name, new.test, new.scopes,
            )?;
            policy::settings::set_key_level(ctx.conn, id, new.cap)?;
            if !new.groups.is_empty() {
                group_keys::set_key_groups(ctx, now, ws, actor, id, &new.groups)?;
            }
            Ok((details(ctx.conn, ws, id)?, key))
        })
        .await
}

fn check_cap(cap: Option<u8>) -> AppResult<()> {
    match cap.is_some_and(|c| c > policy::MAX_LEVEL) {
        true => Err(AppError::invalid(
            "autonomyLevel",
            format!(
                "the autonomy cap is a whole number from 0 to {}, or null for none",
                policy::MAX_LEVEL
            ),
        )),
        false => Ok(()),
    }
}

/// What a PATCH may change; `cap` Some(None) clears it.
#[derive(Debug, Clone, Default)]
pub struct KeyPatch {
    pub name: Option<String>,
    pub cap: Option<Option<u8>>,
    pub groups: Option<Vec<String>>,
}

/// Applies `patch` to an unrevoked key in one transaction.
pub async fn change(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    id: ApiKeyId,
    patch: KeyPatch,
) -> AppResult<KeyDetails> {
    if let Some(cap) = patch.cap {
        check_cap(cap)?;
    }
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let before = details(ctx.conn, ws, id)?.listing;
            if let Some(name) = &patch.name {
                key_admin::rename(ctx.conn, now, actor, &before.key, name)?;
            }
            if let Some(cap) = patch.cap {
                key_admin::set_cap(ctx.conn, now, actor, &before, cap)?;
            }
            if let Some(groups) = &patch.groups {
                group_keys::set_key_groups(ctx, now, ws, actor, id, groups)?;
            }
            details(ctx.conn, ws, id)
        })
        .await
}

/// Revokes a key of the workspace; it stops working from the next request (the cache of
/// valid keys is the caller's to clear).
pub async fn revoke(s: &Services, ws: WorkspaceId, actor: Actor, id: ApiKeyId) -> AppResult<()> {
    let now = s.now();
    s.writer
        .run(move |ctx| api_keys::revoke(ctx.conn, now, actor, id, Some(ws)))
        .await
}
