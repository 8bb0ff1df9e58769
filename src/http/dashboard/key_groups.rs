//! The keys page's groups: an unrevoked key holding `decide` may be given approver groups, so
//! it votes on the pauses routed to them. Each key's groups show in its row; the row's "Groups"
//! menu is a form of one checkbox per group, through `app::groups::set_key_groups`.

use crate::db::sql::Connection;
use actix_web::{web, HttpResponse};

use super::forms::{form_result, post_only, ManagerForm};
use super::keys::KeyRow;
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::policy::{group_keys, groups};
use crate::error::{AppError, AppResult, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(cfg, [("/keys/{id}/groups", web::post().to(save))]);
}

/// Each row's groups; returns the workspace's group names, for the rows' forms.
pub fn fill(conn: &Connection, ws: WorkspaceId, rows: &mut [KeyRow]) -> AppResult<Vec<String>> {
    for row in rows.iter_mut() {
        row.groups = group_keys::key_groups(conn, row.id)?;
    }
    Ok(groups::list(conn, ws)?
        .into_iter()
        .map(|g| g.name)
        .collect())
}

pub async fn save(
    state: State,
    ManagerForm { signed, form }: ManagerForm<Vec<(String, String)>>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path.trim().parse::<ApiKeyId>().map_err(|_| {
        AppError::NotFound(format!("no API key with id `{path}` in this workspace"))
    })?;
    let names: Vec<String> = form
        .into_iter()
        .filter(|(k, v)| k == "group" && !v.trim().is_empty())
        .map(|(_, v)| v)
        .collect();
    let user = signed.user();
    let (ws, actor) = (user.workspace_id, Actor::User(user.id));
    let done = match app::groups::set_key_groups(&state.services, ws, actor, id, names).await {
        Ok(after) if after.is_empty() => Ok("The key is now in no approver group.".to_string()),
        Ok(after) => Ok(format!(
            "The key now votes on pauses routed to: {}.",
            after.join(", ")
        )),
        Err(e @ AppError::NotFound(_)) => return Err(e.into()),
        Err(e) => Err(e),
    };
    form_result(&state, &signed, "/keys", done)
}
