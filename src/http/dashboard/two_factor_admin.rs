//! What owners decide about second factors: "Require two-factor sign-in" on the settings page
//! (admins see it, read-only) and resetting another person's second factor from the Users page
//! (for someone who lost their phone and their recovery codes).

use crate::db::sql::Connection;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::forms::{post_only, refuse, ManagerForm, NoFields};
use super::layout::redirect_with;
use super::session::SignedIn;
use crate::app::two_factor;
use crate::app::workspace_settings::{self, SettingsPatch};
use crate::domain::audit::Actor;
use crate::domain::identity::second_factor;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::users::{Role, User};
use crate::error::{AppError, AppResult, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(
        cfg,
        [
            ("/settings/two-factor", web::post().to(set_required)),
            ("/users/{id}/reset-two-factor", web::post().to(reset_user)),
        ],
    );
}

/// The settings page's section.
#[derive(Default)]
pub struct RequireView {
    pub on: bool,
    /// Owners change it; admins only see it.
    pub editable: bool,
}

impl RequireView {
    pub fn load(conn: &Connection, viewer: &User) -> AppResult<RequireView> {
        Ok(RequireView {
            on: second_factor::required(conn, viewer.workspace_id)?,
            editable: viewer.role == Role::Owner,
        })
    }
}

/// The users whose second factor an owner could reset (they have one).
pub fn with_factor(conn: &Connection, ws: WorkspaceId) -> AppResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM users u WHERE workspace_id = ?1
           AND (totp_confirmed_at IS NOT NULL
                OR EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id))",
    )?;
    let ids = stmt
        .query_map([ws], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

fn owner_only(signed: &SignedIn, what: &str) -> Result<(), PageError> {
    if signed.user().role == Role::Owner {
        return Ok(());
    }
    Err(AppError::Forbidden(format!("only an owner can {what}")).into())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RequireForm {
    /// "on" or "off".
    require: String,
}

pub async fn set_required(
    state: State,
    ManagerForm { signed, form }: ManagerForm<RequireForm>,
) -> Result<HttpResponse, PageError> {
    owner_only(&signed, "change whether two-factor sign-in is required")?;
    let on = match form.require.as_str() {
        "on" => true,
        "off" => false,
        _ => return refuse(&state, &signed, "/settings", invalid_choice()),
    };
    let user = signed.user();
    let patch = SettingsPatch {
        require_two_factor: Some(on),
        ..SettingsPatch::default()
    };
    let actor = Actor::User(user.id);
    workspace_settings::patch(&state.services, user.workspace_id, actor, patch).await?;
    let text = match on {
        true => {
            "Two-factor sign-in is now required: people without a second factor set one up at \
             their next sign-in."
        }
        false => "Two-factor sign-in is no longer required.",
    };
    Ok(redirect_with(&state, &signed, "/settings", "notice", text))
}

fn invalid_choice() -> AppError {
    AppError::invalid("require", "choose on or off")
}

pub async fn reset_user(
    state: State,
    ManagerForm { signed, .. }: ManagerForm<NoFields>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    owner_only(&signed, "reset a person's second factor")?;
    let target: UserId = path.parse().map_err(|_| {
        PageError::from(AppError::NotFound(format!(
            "there is no user {path} in this workspace"
        )))
    })?;
    let done = two_factor::reset_by_owner(&state.services, signed.user().clone(), target).await;
    match done {
        Ok((user, ended)) => {
            let text = format!(
                "The second factor of {} was reset: they sign in with their password alone \
                 next time{}.",
                user.email,
                match ended {
                    0 => String::new(),
                    1 => " (their one session was ended)".into(),
                    n => format!(" ({n} sessions were ended)"),
                }
            );
            Ok(redirect_with(&state, &signed, "/users", "notice", &text))
        }
        Err(e) => refuse(&state, &signed, "/users", e),
    }
}
