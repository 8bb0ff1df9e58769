//! `/groups`: owners and admins list the approver groups with their members and keys, create
//! one, change its members (one email per line) and delete it after a confirmation that needs
//! no script (`/groups?delete=<name>`, as the rules page does). Every change goes through
//! `app::groups`, as the API's do; a group still routed to is refused there, naming where.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::channels_form::ChannelsView;
use super::format::{shown, Shown};
use super::forms::{form_result, post_only, ManagerForm, NoFields};
use super::layout::{clear_flash, html, Layout};
use super::session::{ManagerSession, SignedIn};
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::channels::{self, Channels};
use crate::domain::policy::group_uses;
use crate::domain::policy::groups::{self, Group, GroupSpec};
use crate::error::PageError;
use crate::http::query::Query;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/groups")
            .route(web::get().to(list))
            .default_service(crate::http::only("GET")),
    );
    post_only(
        cfg,
        [
            ("/groups/new", web::post().to(create)),
            ("/groups/{name}/members", web::post().to(set_members)),
            ("/groups/{name}/delete", web::post().to(delete)),
        ],
    );
}

pub struct GroupRow {
    /// As stored, for form actions (names are `[a-z0-9_-]`: safe in a path).
    pub name: String,
    pub members: Vec<(Shown, Shown)>,
    /// The members' emails, one per line, for the edit box.
    pub emails: Shown,
    /// The keys holding `decide` given the group: `bot (hitl_live_ab12…)`.
    pub keys: Vec<Shown>,
    /// The group's channels form (`/groups/:name/channels`).
    pub channels: ChannelsView,
}

fn row(g: &Group, saved: Channels) -> GroupRow {
    let (prefix, action) = (
        format!("g-{}", g.name),
        format!("/groups/{}/channels", g.name),
    );
    let emails: Vec<&str> = g.members.iter().map(|m| m.email.as_str()).collect();
    GroupRow {
        name: g.name.clone(),
        members: g
            .members
            .iter()
            .map(|m| (shown(&m.name), shown(&m.email)))
            .collect(),
        emails: shown(&emails.join("\n")),
        keys: g
            .keys
            .iter()
            .map(|k| shown(&format!("{} ({}…)", k.name, k.prefix)))
            .collect(),
        channels: ChannelsView::of(&prefix, &action, true, &saved),
    }
}

#[derive(Template)]
#[template(path = "groups.html")]
pub struct GroupsPage {
    pub layout: Layout,
    pub groups: Vec<GroupRow>,
    pub max_name: usize,
    /// The group a delete link asked to confirm, and what still names it (which refuses it).
    pub confirm: Option<(String, Vec<Shown>)>,
}

pub async fn list(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let q = Query::parse(req.query_string())?;
    let ws = signed.user().workspace_id;
    let delete = q.get("delete")?.map(str::to_string);
    let (rows, confirm) = state
        .read_blocking(move |conn| {
            let found = groups::list(conn, ws)?;
            let confirm = match delete {
                None => None,
                Some(name) => {
                    found
                        .iter()
                        .find(|g| g.name == name)
                        .ok_or_else(|| groups::not_found(&name))?;
                    let uses = group_uses::routes_naming(conn, ws, &name)?;
                    Some((name, uses.iter().map(|u| shown(u)).collect()))
                }
            };
            let rows = found
                .iter()
                .map(|g| {
                    let saved = channels::group(conn, ws, &g.name)?.unwrap_or_default().1;
                    Ok(row(g, saved))
                })
                .collect::<Result<Vec<_>, PageError>>()?;
            Ok::<_, PageError>((rows, confirm))
        })
        .await?;
    let page = GroupsPage {
        layout: Layout::new(&req, &signed, "groups"),
        groups: rows,
        max_name: groups::MAX_NAME_CHARS,
        confirm,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    members: String,
}

fn emails(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn actor(signed: &SignedIn) -> Actor {
    Actor::User(signed.user().id)
}

pub async fn create(
    state: State,
    ManagerForm { signed, form }: ManagerForm<GroupForm>,
) -> Result<HttpResponse, PageError> {
    let spec = GroupSpec {
        name: form.name.trim().to_string(),
        members: emails(&form.members),
    };
    let ws = signed.user().workspace_id;
    let done = app::groups::create(&state.services, ws, actor(&signed), spec)
        .await
        .map(|g| {
            format!(
                "Created group “{}” with {} members.",
                g.name,
                g.members.len()
            )
        });
    form_result(&state, &signed, "/groups", done)
}

pub async fn set_members(
    state: State,
    ManagerForm { signed, form }: ManagerForm<GroupForm>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let patch = serde_json::json!({ "members": emails(&form.members) });
    let ws = signed.user().workspace_id;
    let done = app::groups::patch(
        &state.services,
        ws,
        actor(&signed),
        path.into_inner(),
        patch,
    )
    .await
    .map(|g| format!("Group “{}” now has {} members.", g.name, g.members.len()));
    form_result(&state, &signed, "/groups", done)
}

pub async fn delete(
    state: State,
    ManagerForm { signed, .. }: ManagerForm<NoFields>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let name = path.into_inner();
    let ws = signed.user().workspace_id;
    let done = app::groups::delete(&state.services, ws, actor(&signed), name.clone())
        .await
        .map(|()| format!("Deleted group “{name}”."));
    form_result(&state, &signed, "/groups", done)
}
