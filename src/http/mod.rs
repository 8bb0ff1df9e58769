//! Routes, shared request helpers and the application state handed to every handler.

pub mod api;
pub mod auth;
pub mod body_timeout;
pub mod client_ip;
pub mod conn;
pub mod conn_cap;
pub mod cookies;
pub mod dashboard;
pub mod docs;
pub mod flash;
pub mod mcp;
pub mod observe;
pub mod page_limit;
pub mod query;
pub mod server;
pub mod static_files;
pub mod vote_notice;

use std::sync::Arc;

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// Largest request body accepted anywhere.
pub const MAX_BODY: usize = 256 * 1024;

/// What handlers share: the [`Services`] that background work uses too (reached through
/// `Deref`: `state.pool`, `state.writer`, `state.now()`…), plus what only requests need.
pub struct AppState {
    pub services: Services,
    pub login_throttle: dashboard::throttle::LoginThrottle,
    /// The password-hashing threads (argon2 needs ~19 MiB each, so there are few).
    pub passwords: Arc<crate::auth::password::Pool>,
    /// API keys looked up in the last second.
    pub key_cache: api::key_cache::KeyCache,
    /// The WebAuthn relying party, built once from the public URL (or why there is none).
    pub passkeys: crate::auth::passkey::RelyingParty,
    /// Answers the OpenAPI document does not list (recorded only with `check_openapi`).
    pub openapi_misses: api::openapi::check::Misses,
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.services
    }
}

impl AppState {
    /// The handles background work needs, for work moved off a worker.
    pub fn services(&self) -> Services {
        self.services.clone()
    }
}

pub type State = web::Data<AppState>;

/// Headers on every response. The CSP forbids inline script; pages load JS from /static only.
/// Behind an https public URL, browsers are also told to use https only (HSTS).
pub fn security_headers(settings: &Settings) -> DefaultHeaders {
    let headers = if settings.secure_cookies() {
        DefaultHeaders::new().add((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ))
}

/// The agent API comes first: actix tries routes in order, matching each `{param}` pattern with
/// a regex, and API requests are nearly all the traffic. `/n/{token}` (a phone push's button,
/// its token the only credential) is no part of the API's document, so not of its table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(api::routes::register)
        .service(
            web::resource("/n/{token}")
                .route(web::post().to(api::channels::press))
                .default_service(only("POST")),
        )
        .configure(docs::routes)
        .configure(dashboard::routes)
        .route("/static/{path:.*}", web::get().to(static_files::serve));
}

/// The 404 for any unknown path, as problem+json.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    AppError::NotFound(format!("no route for {} {}", req.method(), req.path())).error_response()
}

/// A default service answering 405 with the methods the resource does allow.
pub fn only(allow: &'static str) -> actix_web::Route {
    web::to(move |req: HttpRequest| async move {
        let mut res = method_not_allowed(req).await;
        res.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static(allow));
        res
    })
}

/// The 405 for a known path with the wrong method.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let body = crate::wire::ProblemBody::new(
        crate::wire::ProblemType::MethodNotAllowed,
        format!("{} is not allowed on {}", req.method(), req.path()),
    );
    HttpResponse::MethodNotAllowed()
        .content_type("application/problem+json")
        .body(serde_json::to_string(&body).unwrap_or_default())
}

/// Reads the body up to [`MAX_BODY`] bytes; more is a 413, before or after reading.
pub async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> AppResult<web::Bytes> {
    use futures_util::StreamExt;
    let too_large = || {
        AppError::PayloadTooLarge(format!(
            "the request body is over the {} KiB limit",
            MAX_BODY / 1024
        ))
    };
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
    {
        if len > MAX_BODY {
            return Err(too_large());
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        // A body timeout surfaces here too; the body-timeout middleware answers it with 408.
        let chunk = chunk
            .map_err(|e| AppError::BadRequest(format!("could not read the request body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The media type of the request without parameters, lower-cased ("" when absent).
pub fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Parses a whole JSON body. Syntax errors are 400; well-formed JSON of the wrong shape is 422
/// with the offending field named.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> AppResult<T> {
    // serde would read a struct from an array too; the contract is an object.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Ok(_) => AppError::invalid("body", "the request body must be a JSON object"),
                Err(e) => AppError::BadRequest(format!("malformed JSON: {e}")),
            },
        );
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(json_error)?;
    de.end()
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    use serde_json::error::Category;
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::BadRequest(format!("malformed JSON: {inner}"))
        }
        Category::Data => {
            // serde reports a missing or unknown field at the root, naming it in backticks.
            let field = if path == "." {
                inner
                    .to_string()
                    .split('`')
                    .nth(1)
                    .map(str::to_string)
                    .unwrap_or_else(|| "body".into())
            } else {
                path
            };
            AppError::invalid(field.clone(), data_error_detail(&field, &inner.to_string()))
        }
    }
}

/// serde's data errors speak Rust (`invalid type: string "x", expected i64 at line 1 column 35`);
/// a client needs the field's rule in the API's words, without a position in a body it wrote.
fn data_error_detail(field: &str, serde_msg: &str) -> String {
    let msg = serde_msg
        .rfind(" at line ")
        .map_or(serde_msg, |i| &serde_msg[..i]);
    let shape = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "));
    let Some((found, expected)) = shape else {
        return format!("{field}: {msg}");
    };
    let rule = match field {
        "timeoutSeconds" => format!(
            "a whole number of seconds from {} to {}",
            crate::domain::workspaces::MIN_TIMEOUT_SECS,
            crate::domain::workspaces::MAX_TIMEOUT_SECS
        ),
        _ => in_words(expected).to_string(),
    };
    let found = found.split([' ', '`', '"']).next().unwrap_or(found);
    let found = match found {
        "floating" => "a fractional number",
        "integer" => "an integer",
        "string" => "a string",
        "boolean" => "a boolean",
        "map" => "an object",
        "sequence" => "an array",
        "null" | "unit" => "null",
        other => other,
    };
    format!("`{field}` must be {rule} (got {found})")
}

fn in_words(expected: &str) -> &str {
    const UNSIGNED: [&str; 4] = ["u64", "u32", "usize", "u16"];
    if UNSIGNED.iter().any(|t| expected.contains(t)) {
        "a whole number, 0 or more"
    } else if expected.contains("i64") || expected.contains("i32") {
        "a whole number"
    } else if expected.contains("f64") || expected.contains("f32") {
        "a number"
    } else if expected.contains("boolean") {
        "true or false"
    } else if expected.contains("string") {
        "a string"
    } else if expected.contains("map") || expected.starts_with("struct") {
        "a JSON object"
    } else if expected.contains("sequence") {
        "a JSON array"
    } else {
        expected
    }
}
