//! One-time messages for the next page (a "flash"), carried in a cookie signed for the session,
//! and the redirects that set them. Shared by the dashboard and the API's form path; the
//! dashboard's layout reads and clears them.

use actix_web::cookie::Cookie;
use actix_web::HttpResponse;
use base64::Engine;

use super::auth::{sign_for, SignedIn};
use super::cookies::{build_cookie, session_cookie};
use crate::http::AppState;

pub(in crate::http) const FLASH: &str = "hp_flash";
/// Longest flash text, in characters: it travels in a cookie, and a proxy answers 502 to a
/// response whose headers are too large.
pub const MAX_FLASH_CHARS: usize = 500;

/// 303 to `to`, carrying a one-time message for the next page.
pub fn redirect_with(
    state: &AppState,
    signed: &SignedIn,
    to: &str,
    kind: &'static str,
    text: &str,
) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", to))
        .cookie(flash_cookie(state, &|d| signed.sign(d), kind, text))
        .finish()
}

/// As [`redirect_with`], into a session that has just replaced the request's: its cookie is
/// set, and the flash is signed for it (the old session no longer exists to read it).
pub fn redirect_into_session(
    state: &AppState,
    token: String,
    to: &str,
    kind: &'static str,
    text: &str,
) -> HttpResponse {
    let flash = flash_cookie(state, &|d| sign_for(&token, d), kind, text);
    HttpResponse::SeeOther()
        .insert_header(("location", to))
        .cookie(flash)
        .cookie(session_cookie(state, token))
        .finish()
}

/// The flash is signed with a key derived from the session, so nobody else can plant one.
/// Its text is cut to [`MAX_FLASH_CHARS`].
fn flash_cookie(
    state: &AppState,
    sign: &dyn Fn(&[u8]) -> String,
    kind: &'static str,
    text: &str,
) -> Cookie<'static> {
    let text = match text.char_indices().nth(MAX_FLASH_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    };
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{text}"));
    let mac = sign(payload.as_bytes());
    build_cookie(state, FLASH, format!("{payload}.{mac}"), 60_000)
}

/// Local paths only, so a `next` field cannot become an open redirect.
pub fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.chars().any(char::is_control)
}
