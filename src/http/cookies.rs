//! Cookie names and attributes, shared by the API's session path and the dashboard.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};

use crate::domain::sessions::ABSOLUTE_MS;
use crate::http::AppState;

/// `__Host-` binds the cookie to this exact origin, but browsers accept it only with Secure.
pub fn cookie_name(state: &AppState, base: &'static str) -> String {
    if state.settings.secure_cookies() {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

pub fn build_cookie(
    state: &AppState,
    base: &'static str,
    value: String,
    max_age_ms: i64,
) -> Cookie<'static> {
    Cookie::build(cookie_name(state, base), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies())
        .max_age(CookieDuration::milliseconds(max_age_ms))
        .finish()
}

pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    build_cookie(state, "hp_session", token, ABSOLUTE_MS)
}

pub fn removal_cookie(state: &AppState, base: &'static str) -> Cookie<'static> {
    let mut c = build_cookie(state, base, String::new(), 0);
    c.make_removal();
    c
}
