//! What every signed-in page shares: the layout (nav, CSRF meta tag, asset URLs), one-time flash
//! messages, and helpers to render templates and read forms with readable errors.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use base64::Engine;
use serde::de::DeserializeOwned;

use super::session::SignedIn;
use super::zone::{Zone, TZ_COOKIE};
use crate::domain::display::Theme;
use crate::domain::secrets::ct_eq;
use crate::error::{AppError, PageError};
use crate::http::cookies::{cookie_name, removal_cookie};
use crate::http::flash::FLASH;
pub use crate::http::flash::{
    is_local_path, redirect_into_session, redirect_with, MAX_FLASH_CHARS,
};
use crate::http::{static_files, AppState};

#[derive(Debug, Clone)]
pub struct Flash {
    /// "notice" or "error"; also the CSS class.
    pub kind: &'static str,
    pub text: String,
}

pub struct Layout {
    pub csrf_token: String,
    pub user_email: String,
    pub user_name: String,
    pub can_manage: bool,
    /// The nav entry to mark as current.
    pub active: &'static str,
    pub flash: Option<Flash>,
    /// The "Test data" switch: this session sees test pauses only (else live ones only).
    pub test_mode: bool,
    /// This page's path and query, where the switch brings the browser back to.
    pub here: String,
    /// The zone this reader's times are shown in.
    pub zone: super::zone::Zone,
    /// `light` or `dark` when the user chose one (rendered as `<html data-theme>`); `None`
    /// follows the browser's `prefers-color-scheme`.
    pub theme: Option<&'static str>,
}

impl Layout {
    pub fn new(req: &HttpRequest, signed: &SignedIn, active: &'static str) -> Layout {
        let user = &signed.session.user;
        Layout {
            csrf_token: signed.csrf_token(),
            user_email: user.email.clone(),
            user_name: user.name.clone(),
            can_manage: user.role.can_manage(),
            active,
            flash: take_flash(req, signed),
            test_mode: signed.session.test_mode,
            here: here(req, active),
            zone: reader_zone(req, signed),
            theme: match user.display.theme {
                Theme::System => None,
                t => Some(t.as_str()),
            },
        }
    }

    pub fn css(&self) -> String {
        asset("app.css")
    }

    pub fn js(&self) -> String {
        asset("app.js")
    }
}

/// The account's time zone, else the one the browser reported in the `tz` cookie, else UTC.
pub fn reader_zone(req: &HttpRequest, signed: &SignedIn) -> Zone {
    let cookie = req.cookie(TZ_COOKIE);
    Zone::pick(
        signed.session.user.display.time_zone.as_deref(),
        cookie.as_ref().map(|c| c.value()),
    )
}

/// Where the Test data switch returns to: this page, or for a page that answers a form (a POST
/// address cannot be loaded again) the page of its nav entry.
fn here(req: &HttpRequest, active: &str) -> String {
    if req.method() == actix_web::http::Method::GET {
        return req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
    }
    match active {
        "queue" => "/".to_string(),
        nav => format!("/{nav}"),
    }
}

/// `/static/<file>?v=<content hash>`: cached for a year, busted by any change.
pub fn asset(file: &str) -> String {
    format!("/static/{file}?v={}", static_files::version(file))
}

/// 200 with the rendered page, never cached (pages show live workspace data).
pub fn html(page: &impl Template) -> Result<HttpResponse, PageError> {
    html_status(actix_web::http::StatusCode::OK, page)
}

pub fn html_status(
    status: actix_web::http::StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(page.render()?))
}

fn take_flash(req: &HttpRequest, signed: &SignedIn) -> Option<Flash> {
    let state = req.app_data::<actix_web::web::Data<AppState>>()?;
    let cookie = req.cookie(&cookie_name(state, FLASH))?;
    let (payload, mac) = cookie.value().split_once('.')?;
    if !ct_eq(signed.sign(payload.as_bytes()).as_bytes(), mac.as_bytes()) {
        return None;
    }
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (kind, text) = text.split_once(':')?;
    let kind = if kind == "error" { "error" } else { "notice" };
    Some(Flash {
        kind,
        text: text.to_string(),
    })
}

/// Appends the cookie that clears a consumed flash.
pub fn clear_flash(state: &AppState, layout: &Layout, res: HttpResponse) -> HttpResponse {
    clear_flash_if(state, layout.flash.is_some(), res)
}

pub fn clear_flash_if(state: &AppState, shown: bool, mut res: HttpResponse) -> HttpResponse {
    if shown {
        let _ = res.add_cookie(&removal_cookie(state, FLASH));
    }
    res
}

/// Renders a signed-in page and clears the flash it showed.
pub fn page(
    state: &AppState,
    page: &(impl Template + HasLayout),
) -> Result<HttpResponse, PageError> {
    Ok(clear_flash_if(
        state,
        page.layout().flash.is_some(),
        html(page)?,
    ))
}

/// Pages built on `app.html` expose their layout.
pub trait HasLayout {
    fn layout(&self) -> &Layout;
}

/// Reads an urlencoded form; a malformed one is a readable 400 page. A signed-in user's form is
/// read by [`super::forms::SessionForm`], which checks its CSRF token too; this is for the
/// forms that have no session behind them (setup, sign-up, the email link's page).
pub(super) fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, PageError> {
    serde_urlencoded::from_bytes(body).map_err(|e| {
        PageError::App(AppError::BadRequest(format!(
            "the form could not be read: {e}"
        )))
    })
}
