//! `/rules/new` and `/rules/:id/edit`: one form for every member of a rule. What was typed is
//! read into a spec here (lines, the key, the expiry day in the reader's zone) and checked by
//! the domain as the API's JSON is; a refusal re-renders the form with the typed values and the
//! message beside its field, and writes nothing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::format::{sentence, shown, Shown};
use super::forms::{form_page, ManagerForm};
use super::layout::{clear_flash, html_status, redirect_with, Layout};
use super::rule_values::{FormError, RuleValues};
use super::rules::{actor, rule_set};
use super::session::{ManagerSession, SignedIn};
use crate::app;
use crate::domain::api_keys;
use crate::domain::policy::groups;
use crate::domain::policy::rules::{self, StoredRule};
use crate::domain::policy::spec::RuleSpec;
use crate::domain::policy::spec::{MAX_NAME_CHARS, MAX_NOTE_CHARS};
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form_page(
        "/rules/new",
        web::get().to(new_form),
        web::post().to(create),
    ));
    cfg.service(form_page(
        "/rules/{id}/edit",
        web::get().to(edit_form),
        web::post().to(save),
    ));
}

/// A key the rule may be limited to: (id, label, selected).
pub struct KeyChoice {
    pub id: String,
    pub label: Shown,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "rule_form.html")]
pub struct RuleFormPage {
    pub layout: Layout,
    /// The rule being edited; `None` for a new one.
    pub id: Option<i64>,
    pub values: RuleValues,
    pub keys: Vec<KeyChoice>,
    /// The workspace's approver groups, for `routeTo`.
    pub groups: Vec<String>,
    pub error: Option<FormError>,
    pub max_name: usize,
    pub max_note: usize,
}

impl RuleFormPage {
    /// The message for `field`, if the error is about it.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/rules/{id}/edit"),
            None => "/rules/new".into(),
        }
    }
}

async fn render(
    state: &State,
    req: &HttpRequest,
    signed: &SignedIn,
    id: Option<i64>,
    values: RuleValues,
    error: Option<FormError>,
) -> Result<HttpResponse, PageError> {
    let (set, chosen) = (rule_set(signed), values.key.clone());
    let (groups, keys) = state
        .read_blocking(move |conn| {
            let groups = groups::list(conn, set.workspace_id)?
                .into_iter()
                .map(|g| g.name)
                .collect();
            let keys = api_keys::list(conn, set.workspace_id)?
                .into_iter()
                .filter(|k| {
                    k.test == set.test && (k.revoked_at.is_none() || chosen == k.id.to_string())
                })
                .map(|k| KeyChoice {
                    selected: chosen == k.id.to_string(),
                    label: shown(&format!("{} ({}…)", k.name, k.prefix)),
                    id: k.id.to_string(),
                })
                .collect();
            Ok::<_, AppError>((groups, keys))
        })
        .await?;
    let status = match &error {
        None => StatusCode::OK,
        Some(e) => e.status,
    };
    let page = RuleFormPage {
        layout: Layout::new(req, signed, "rules"),
        id,
        values,
        keys,
        groups,
        error,
        max_name: MAX_NAME_CHARS,
        max_note: MAX_NOTE_CHARS,
    };
    Ok(clear_flash(
        state,
        &page.layout,
        html_status(status, &page)?,
    ))
}

pub async fn new_form(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    render(&state, &req, &signed, None, RuleValues::new_rule(), None).await
}

pub async fn create(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, form }: ManagerForm<RuleValues>,
) -> Result<HttpResponse, PageError> {
    let zone = super::layout::reader_zone(&req, &signed);
    let spec = match form.to_spec(&zone, None) {
        Ok(spec) => spec,
        Err(e) => return render(&state, &req, &signed, None, form, Some(e)).await,
    };
    if let Some(e) = foreign_key(&state, &signed, &spec).await? {
        return render(&state, &req, &signed, None, form, Some(e)).await;
    }
    match app::rules::create(&state, rule_set(&signed), actor(&signed), spec).await {
        Ok(r) => done(&state, &signed, &r, "Created"),
        Err(e) => refused(&state, &req, &signed, None, form, e).await,
    }
}

/// A key of another mode (or workspace) would make a rule that matches nothing: refused.
async fn foreign_key(
    state: &State,
    signed: &SignedIn,
    spec: &RuleSpec,
) -> Result<Option<FormError>, PageError> {
    let Some(id) = spec.matches.key_id else {
        return Ok(None);
    };
    let set = rule_set(signed);
    let ours = state
        .read_blocking(move |conn| api_keys::list(conn, set.workspace_id))
        .await?
        .iter()
        .any(|k| k.id == id && k.test == set.test);
    Ok((!ours).then(|| FormError::invalid("key", "choose one of the listed keys, or any key")))
}

async fn stored(state: &State, signed: &SignedIn, raw: &str) -> Result<StoredRule, PageError> {
    let (id, set) = (raw.trim().parse::<i64>().unwrap_or(0), rule_set(signed));
    let rule = state.read_blocking(move |conn| rules::get(conn, set, id));
    Ok(rule.await?.ok_or_else(|| rules::not_found(id))?)
}

pub async fn edit_form(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let rule = stored(&state, &signed, &path).await?;
    let zone = super::layout::reader_zone(&req, &signed);
    let values = RuleValues::of(&rule, &zone);
    render(&state, &req, &signed, Some(rule.id), values, None).await
}

pub async fn save(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, form }: ManagerForm<RuleValues>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let before = stored(&state, &signed, &path).await?;
    let zone = super::layout::reader_zone(&req, &signed);
    let id = Some(before.id);
    let spec = match form.to_spec(&zone, Some(&before)) {
        Ok(spec) => spec,
        Err(e) => return render(&state, &req, &signed, id, form, Some(e)).await,
    };
    if let Some(e) = foreign_key(&state, &signed, &spec).await? {
        return render(&state, &req, &signed, id, form, Some(e)).await;
    }
    let (set, who) = (rule_set(&signed), actor(&signed));
    match app::rules::replace(&state, set, who, before.id, spec).await {
        Ok(r) => done(&state, &signed, &r, "Saved"),
        Err(e) => refused(&state, &req, &signed, id, form, e).await,
    }
}

fn done(
    state: &State,
    signed: &SignedIn,
    r: &StoredRule,
    verb: &str,
) -> Result<HttpResponse, PageError> {
    let text = format!("{verb} rule “{}”.", shown(&r.spec.name));
    let to = format!("/rules#rule-{}", r.id);
    Ok(redirect_with(state, signed, &to, "notice", &text))
}

/// The domain's refusal beside the field it names; anything else is an error page.
async fn refused(
    state: &State,
    req: &HttpRequest,
    signed: &SignedIn,
    id: Option<i64>,
    form: RuleValues,
    err: AppError,
) -> Result<HttpResponse, PageError> {
    let error = match err {
        AppError::Invalid { field, detail } => FormError {
            field: FormError::field_of(&field),
            message: shown(&sentence(&detail)),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        },
        AppError::Conflict { detail, .. } => FormError {
            field: "name",
            message: shown(&sentence(&detail)),
            status: StatusCode::CONFLICT,
        },
        e => return Err(e.into()),
    };
    render(state, req, signed, id, form, Some(error)).await
}
