//! First run: while the database has no user, `/setup` creates the first owner of the default
//! workspace and signs them in. Once anyone exists the page is gone (404) and cannot be replayed:
//! the "no user yet" check is repeated inside the writer's transaction.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::layout::parse_form;
use super::session::{self, session_cookie};
use crate::domain::audit::Actor;
use crate::domain::identity::auth_context::{AuthContext, AuthMethod};
use crate::domain::users::{self, NewUser, Role};
use crate::domain::{sessions, workspaces};
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/setup")
            .route(web::get().to(form))
            .route(web::post().to(submit))
            .default_service(crate::http::only("GET, POST")),
    );
}

#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage<'a> {
    pub csrf_token: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetupForm {
    email: String,
    name: String,
    password: String,
    password_confirm: String,
    csrf_token: String,
}

fn gone() -> PageError {
    PageError::App(AppError::NotFound(
        "Holdpoint is already set up; sign in instead.".into(),
    ))
}

fn render(
    state: &State,
    req: &HttpRequest,
    status: StatusCode,
    f: &SetupForm,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    session::anonymous_form_page(state, req, status, |token| {
        SetupPage {
            csrf_token: token,
            email: &f.email,
            name: &f.name,
            error,
        }
        .render()
    })
}

pub async fn form(state: State, req: HttpRequest) -> Result<HttpResponse, PageError> {
    if state.read_blocking(users::any_exists).await? {
        return Err(gone());
    }
    render(&state, &req, StatusCode::OK, &SetupForm::default(), None)
}

fn validate(f: &SetupForm) -> Result<(), AppError> {
    users::normalize_email(&f.email)?;
    if f.name.trim().is_empty() {
        return Err(AppError::invalid("name", "Please give your name."));
    }
    users::validate_password(&f.password)?;
    if f.password != f.password_confirm {
        return Err(AppError::invalid(
            "password_confirm",
            "The two passwords do not match.",
        ));
    }
    Ok(())
}

pub async fn submit(
    state: State,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    if state.read_blocking(users::any_exists).await? {
        return Err(gone());
    }
    let f: SetupForm = parse_form(&body)?;
    session::check_anonymous_form_token(&state, &req, &f.csrf_token)?;
    if let Err(e) = validate(&f) {
        // The domain's messages are lower-case clauses; this page's own are sentences.
        let detail = super::format::sentence(&e.detail());
        return render(
            &state,
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            &f,
            Some(&detail),
        );
    }
    let password = f.password.clone();
    let password_hash = state.passwords.hash(password).await?;
    let (email, name, now) = (f.email.clone(), f.name.trim().to_string(), state.now());
    let signup = AuthContext {
        method: AuthMethod::Signup,
        factor: None,
    };
    let session = crate::http::auth::new_session(&req, &state, signup);
    let token = state
        .writer
        .run(move |ctx| {
            if users::any_exists(ctx.conn)? {
                return Err(AppError::NotFound(
                    "Holdpoint is already set up; sign in instead.".into(),
                ));
            }
            let workspace_id = workspaces::ensure_default(ctx.conn, now)?;
            let new = NewUser {
                workspace_id,
                email: &email,
                name: &name,
                role: Role::Owner,
                password_hash: Some(password_hash),
                state: users::UserState::Active,
            };
            let user_id = users::add(ctx.conn, now, Actor::System, new)?;
            sessions::create(ctx.conn, now, user_id, &session)
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/"))
        .cookie(session_cookie(&state, token))
        .cookie(session::anonymous_form_token_removal(&state))
        .finish())
}
