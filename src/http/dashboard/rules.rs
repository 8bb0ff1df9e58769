//! `/rules`: owners and admins list the rules of the mode they are viewing (live or test) with
//! what each matched and would have matched in shadow mode, turn them on, into shadow mode or
//! off, delete them (after a confirmation that needs no script), and create the allow rules the
//! suggestions offer. Every change goes through `app::rules`, as the API's do.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use super::format::{shown, Shown};
use super::forms::{form_result, post_only, refuse, ManagerForm, NoFields};
use super::layout::{clear_flash, html, Layout};
use super::rule_form;
use super::rule_rows::{millis, rule_row, KeyNames, RuleRow};
use super::session::{ManagerSession, SignedIn};
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::policy::rules::{self, RuleSet};
use crate::domain::policy::suggest::{self, Suggestion};
use crate::error::{AppError, PageError};
use crate::http::query::Query;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rules")
            .route(web::get().to(list))
            .default_service(crate::http::only("GET")),
    );
    rule_form::routes(cfg);
    post_only(
        cfg,
        [
            ("/rules/suggestions", web::post().to(suggested)),
            ("/rules/{id}/state", web::post().to(set_state)),
            ("/rules/{id}/delete", web::post().to(delete)),
        ],
    );
}

/// The rules of the mode this session views.
pub fn rule_set(signed: &SignedIn) -> RuleSet {
    RuleSet {
        workspace_id: signed.user().workspace_id,
        test: signed.session.test_mode,
    }
}

pub fn actor(signed: &SignedIn) -> Actor {
    Actor::User(signed.user().id)
}

pub struct SuggestionRow {
    pub tool: Shown,
    pub agent: Shown,
    /// As stored, for the form's hidden fields (never shown as text).
    pub raw_tool: String,
    pub raw_agent: String,
    pub approvals: i64,
    pub rule_name: Shown,
}

#[derive(Template)]
#[template(path = "rules.html")]
pub struct RulesPage {
    pub layout: Layout,
    pub rules: Vec<RuleRow>,
    pub suggestions: Vec<SuggestionRow>,
    /// The rule a delete link asked to confirm (`/rules?delete=<id>`).
    pub confirm: Option<RuleRow>,
    pub min_approvals: i64,
    pub window_days: i64,
}

/// The list, the suggestions and, for `?delete=<id>`, the confirmation of that rule's delete.
pub async fn list(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let q = Query::parse(req.query_string())?;
    let (set, now) = (rule_set(&signed), state.now());
    let (stored, found, names) = state
        .read_blocking(move |conn| {
            let names = KeyNames::load(conn, set.workspace_id)?;
            Ok::<_, AppError>((
                rules::list(conn, set)?,
                suggest::suggestions(conn, set, now)?,
                names,
            ))
        })
        .await?;
    let rows: Vec<RuleRow> = stored.iter().map(|r| rule_row(r, now, &names)).collect();
    let confirm = match q.get("delete")? {
        None => None,
        Some(raw) => {
            let id = raw.trim().parse::<i64>().ok();
            let row = rows.iter().find(|r| Some(r.id) == id);
            Some(
                row.cloned()
                    .ok_or_else(|| rules::not_found(id.unwrap_or(0)))?,
            )
        }
    };
    let page = RulesPage {
        layout: Layout::new(&req, &signed, "rules"),
        rules: rows,
        suggestions: found.iter().map(suggestion_row).collect(),
        confirm,
        min_approvals: suggest::MIN_APPROVALS,
        window_days: suggest::WINDOW_DAYS,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

fn suggestion_row(s: &Suggestion) -> SuggestionRow {
    SuggestionRow {
        tool: shown(&s.tool),
        agent: shown(&s.agent),
        raw_tool: s.tool.clone(),
        raw_agent: s.agent.clone(),
        approvals: s.approvals,
        rule_name: shown(&s.rule_name()),
    }
}

fn rule_id(raw: &str) -> Result<i64, PageError> {
    match raw.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(rules::not_found(0).into()),
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    /// `on`, `shadow` or `off`.
    #[serde(default)]
    state: String,
}

/// Turns a rule on, into shadow mode, or off: a merge patch of `enabled` and `shadow`.
pub async fn set_state(
    state: State,
    ManagerForm { signed, form }: ManagerForm<StateForm>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = rule_id(&path)?;
    let (patch, word) = match form.state.as_str() {
        "on" => (
            json!({"enabled": true, "shadow": false}),
            "is on: it decides",
        ),
        "shadow" => (
            json!({"enabled": true, "shadow": true}),
            "is in shadow mode: it counts what it would decide and decides nothing",
        ),
        "off" => (json!({"enabled": false}), "is disabled"),
        other => {
            let detail = format!("a rule's state is `on`, `shadow` or `off`, not `{other}`");
            return Err(AppError::BadRequest(detail).into());
        }
    };
    let now = state.now();
    let done = app::rules::update(&state, rule_set(&signed), actor(&signed), id, patch)
        .await
        .map(|r| {
            let expired = r
                .spec
                .expires_at
                .as_deref()
                .and_then(millis)
                .is_some_and(|e| e <= now);
            let name = shown(&r.spec.name);
            match expired && form.state != "off" {
                true => {
                    format!("Rule “{name}” {word} once its expiry is moved on: it has expired.")
                }
                false => format!("Rule “{name}” {word}."),
            }
        });
    form_result(&state, &signed, "/rules", done)
}

pub async fn delete(
    state: State,
    ManagerForm { signed, .. }: ManagerForm<NoFields>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = rule_id(&path)?;
    let set = rule_set(&signed);
    let name = state
        .read_blocking(move |conn| rules::get(conn, set, id))
        .await?
        .ok_or_else(|| rules::not_found(id))?
        .spec
        .name;
    let done = app::rules::delete(&state, set, actor(&signed), id)
        .await
        .map(|()| format!("Deleted rule “{}”.", shown(&name)));
    form_result(&state, &signed, "/rules", done)
}

#[derive(Deserialize)]
pub struct SuggestionForm {
    #[serde(default)]
    tool: String,
    #[serde(default)]
    agent: String,
    /// The "start in shadow mode" checkbox: present when ticked.
    shadow: Option<String>,
}

/// Creates the rule a suggestion offers, if it is still offered.
pub async fn suggested(
    state: State,
    ManagerForm { signed, form }: ManagerForm<SuggestionForm>,
) -> Result<HttpResponse, PageError> {
    let set = rule_set(&signed);
    let now = state.now();
    let offered = state
        .read_blocking(move |conn| suggest::suggestions(conn, set, now))
        .await?
        .into_iter()
        .find(|s| s.tool == form.tool && s.agent == form.agent);
    let Some(suggestion) = offered else {
        let gone = AppError::Conflict {
            detail: "that suggestion is no longer offered: its rule exists or the pair was \
                     rejected since"
                .into(),
            current: None,
        };
        return refuse(&state, &signed, "/rules", gone);
    };
    let shadow = form.shadow.is_some_and(|v| !v.is_empty());
    let done = app::rules::create_from_suggestion(&state, set, actor(&signed), &suggestion, shadow)
        .await
        .map(|r| created_text(&r.spec.name, shadow));
    form_result(&state, &signed, "/rules", done)
}

fn created_text(name: &str, shadow: bool) -> String {
    let name = shown(name);
    match shadow {
        true => format!(
            "Created rule “{name}” in shadow mode: it counts what it would approve and approves \
             nothing until you turn it on."
        ),
        false => format!("Created rule “{name}”: it approves from the next pause on."),
    }
}
