//! `/keys`: owners and admins list, create and revoke the workspace's API keys. A new key is
//! shown exactly once, on the page answering the create form (never in a redirect or a flash,
//! which could be replayed from history); afterwards only its prefix is ever shown.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::format::{capitalise, sentence, stamp, Stamp};
use super::forms::{form_page, post_only, ManagerForm, NoFields};
use super::key_try_it::try_it;
use super::layout::{clear_flash, html, redirect_with, Layout};
use super::policy_settings::parse_cap;
use super::session::{ManagerSession, SignedIn};
use crate::app;
use crate::domain::api_keys::{self, KeyListing};
use crate::domain::audit::Actor;
use crate::domain::ids::ApiKeyId;
use crate::domain::scopes::{KeyScope, Scopes};
use crate::domain::Millis;
use crate::error::{AppError, PageError};
use crate::http::query::Query;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form_page(
        "/keys",
        web::get().to(list),
        web::post().to(create),
    ));
    post_only(cfg, [("/keys/{id}/revoke", web::post().to(revoke))]);
    super::key_groups::routes(cfg);
}

#[derive(Clone)]
pub struct KeyRow {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub test: bool,
    pub created_by: String,
    pub created_at: Stamp,
    pub last_used: Option<Stamp>,
    pub revoked: Option<Stamp>,
    /// Its last instant, and whether that has passed (set by [`list`], which knows the time).
    pub expires: Option<(Stamp, Millis)>,
    pub expired: bool,
    /// `pauses, decide`.
    pub scopes: String,
    /// The cap on the autonomy level, or `—`.
    pub cap: String,
    /// The approver groups it votes in (see `key_groups`), and whether it may be given any.
    pub groups: Vec<String>,
    pub can_group: bool,
}

impl From<KeyListing> for KeyRow {
    fn from(k: KeyListing) -> KeyRow {
        KeyRow {
            id: k.key.id,
            name: k.key.name,
            prefix: k.key.prefix,
            test: k.key.test,
            created_by: k.created_by_email.unwrap_or_else(|| "CLI".into()),
            created_at: stamp(k.key.created_at),
            last_used: k.key.last_used_at.map(stamp),
            revoked: k.key.revoked_at.map(stamp),
            expires: k.key.expires_at.map(|at| (stamp(at), at)),
            expired: false,
            scopes: scopes_text(k.key.scopes),
            cap: k.autonomy_level.map_or("—".into(), |l| l.to_string()),
            groups: Vec::new(),
            can_group: k.key.revoked_at.is_none() && k.key.scopes.has(KeyScope::Decide),
        }
    }
}

#[derive(Template)]
#[template(path = "keys.html")]
pub struct KeysPage {
    pub layout: Layout,
    pub keys: Vec<KeyRow>,
    /// The live key a revoke link asked to confirm (`/keys?revoke=<id>`).
    pub confirm: Option<KeyRow>,
    /// The create form's checkboxes: (scope, what it allows, checked by default).
    pub scope_choices: Vec<(&'static str, &'static str, bool)>,
    /// The workspace's approver groups, for each deciding key's groups form.
    pub groups: Vec<String>,
}

fn scopes_text(scopes: Scopes) -> String {
    scopes
        .iter()
        .map(KeyScope::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn scope_choices() -> Vec<(&'static str, &'static str, bool)> {
    KeyScope::ALL
        .iter()
        .map(|s| (s.as_str(), s.describe(), *s == KeyScope::Pauses))
        .collect()
}

#[derive(Template)]
#[template(path = "key_created.html")]
pub struct KeyCreatedPage {
    pub layout: Layout,
    pub name: String,
    pub key: String,
    pub test: bool,
    pub scopes: String,
    /// What the snippet does, and the snippet; none for a key with neither `pauses` nor `decide`.
    pub try_it: Option<(&'static str, String)>,
}

/// The keys and, for `?revoke=<id>`, a confirmation form for that key. An id that is not a
/// key of this workspace is a 404, the same as revoking it would be.
pub async fn list(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let q = Query::parse(req.query_string())?;
    let ws = signed.user().workspace_id;
    let (mut keys, groups) = state
        .read_blocking(move |conn| {
            let mut keys: Vec<KeyRow> = api_keys::list_with_creators(conn, ws)?
                .into_iter()
                .map(KeyRow::from)
                .collect();
            let groups = super::key_groups::fill(conn, ws, &mut keys)?;
            Ok::<_, AppError>((keys, groups))
        })
        .await?;
    let now = state.now();
    for k in &mut keys {
        k.expired = k.expires.as_ref().is_some_and(|(_, at)| now > *at);
    }
    let confirm = match q.get("revoke")? {
        None => None,
        Some(raw) => {
            let id = raw.trim().parse::<ApiKeyId>().ok();
            let key = keys
                .iter()
                .find(|k| Some(k.id) == id)
                .ok_or_else(|| not_found(raw))?;
            key.revoked.is_none().then(|| key.clone())
        }
    };
    let page = KeysPage {
        layout: Layout::new(&req, &signed, "keys"),
        keys,
        confirm,
        scope_choices: scope_choices(),
        groups,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

fn not_found(raw: &str) -> AppError {
    AppError::NotFound(format!("no API key with id `{raw}` in this workspace"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateForm {
    name: String,
    kind: String,
    // One checkbox per scope (a urlencoded form cannot repeat a field into a struct).
    scope_pauses: Option<String>,
    scope_decide: Option<String>,
    scope_agents: Option<String>,
    scope_admin: Option<String>,
    /// The autonomy cap, 0 to 100; empty for none.
    autonomy: String,
    /// `YYYY-MM-DD` (the date field), or `90d`; empty for a key that never expires.
    expires: String,
}

impl CreateForm {
    fn scopes(&self) -> Scopes {
        let ticked = [
            (KeyScope::Pauses, &self.scope_pauses),
            (KeyScope::Decide, &self.scope_decide),
            (KeyScope::Agents, &self.scope_agents),
            (KeyScope::Admin, &self.scope_admin),
        ];
        let chosen: Vec<KeyScope> = ticked
            .into_iter()
            .filter(|(_, v)| v.as_deref().is_some_and(|v| !v.is_empty()))
            .map(|(s, _)| s)
            .collect();
        Scopes::of(&chosen)
    }
}

/// Creates a key and answers with the only page that will ever show it in full.
pub async fn create(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, form }: ManagerForm<CreateForm>,
) -> Result<HttpResponse, PageError> {
    let back = |text: &str| Ok(redirect_with(&state, &signed, "/keys", "error", text));
    let test = match form.kind.as_str() {
        "live" => false,
        "test" => true,
        _ => return back("Choose whether the key is live or test."),
    };
    let name = form.name.trim().to_string();
    if name.is_empty() {
        return back("Give the key a name, so you can tell it apart later.");
    }
    let scopes = form.scopes();
    if scopes.is_empty() {
        return back("Choose at least one scope: what the key may do.");
    }
    let cap = match parse_cap("autonomy", &form.autonomy, "no key was created") {
        Ok(cap) => cap,
        Err(AppError::Invalid { detail, .. }) => return back(&sentence(&detail)),
        Err(e) => return Err(e.into()),
    };
    let expires_at = match app::keys::expiry_from_text(&form.expires, state.now()) {
        Ok(at) => at,
        Err(e) => return back(&format!("{} No key was created.", sentence(&e.detail()))),
    };
    let new = app::keys::NewKey {
        expires_at,
        name: name.clone(),
        test,
        scopes,
        cap,
        groups: Vec::new(),
    };
    let user = signed.user();
    let (actor, ws) = (Actor::User(user.id), user.workspace_id);
    let created = app::keys::create(&state.services, ws, (actor, None), new).await;
    let key = match created {
        Ok((_, key)) => key,
        Err(AppError::Invalid { detail, .. }) => return back(&capitalise(&detail)),
        Err(e) => return Err(e.into()),
    };
    let page = KeyCreatedPage {
        layout: Layout::new(&req, &signed, "keys"),
        try_it: try_it(&state.base_url(), &key, scopes),
        scopes: scopes_text(scopes),
        name,
        key,
        test,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

/// Revokes a key of this workspace; the API refuses it from the next request on.
pub async fn revoke(
    state: State,
    ManagerForm { signed, .. }: ManagerForm<NoFields>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path
        .trim()
        .parse::<ApiKeyId>()
        .map_err(|_| not_found(&path))?;
    let user = signed.user();
    let actor = Actor::User(user.id);
    let result = app::keys::revoke(&state.services, user.workspace_id, actor, id).await;
    // Revoked means revoked now, not when the cache would have expired.
    state.key_cache.clear();
    match result {
        Ok(()) => Ok(done(&state, &signed, id).await?),
        Err(AppError::Conflict { .. }) => Ok(redirect_with(
            &state,
            &signed,
            "/keys",
            "error",
            "That key was already revoked.",
        )),
        Err(e) => Err(e.into()),
    }
}

async fn done(state: &State, signed: &SignedIn, id: ApiKeyId) -> Result<HttpResponse, PageError> {
    let ws = signed.user().workspace_id;
    let key = state
        .read_blocking(move |conn| api_keys::list_with_creators(conn, ws))
        .await?
        .into_iter()
        .find(|k| k.key.id == id);
    let label = key
        .map(|k| format!("“{}” ({}…)", k.key.name, k.key.prefix))
        .unwrap_or_default();
    let text = format!("Revoked key {label}. Agents using it now get 401 Unauthorized.");
    Ok(redirect_with(state, signed, "/keys", "notice", &text))
}
