//! The contract check that the test server turns on (`Settings::check_openapi`): every answer
//! to a route of the table must have its status listed for that route in the document. A
//! response that is not is recorded, and the test harness fails the test that caused it, so
//! the whole API suite proves the documented statuses.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::http::api::routes::ROUTES;
use crate::http::AppState;

/// Paths of the table whose routes are documented by a part that is not merged yet: their
/// answers are not checked. Empty it once every part is in.
pub const NOT_YET_DOCUMENTED: &[&str] = &[];

/// The answers seen that the document does not list, one line each.
#[derive(Default)]
pub struct Misses(Mutex<Vec<String>>);

impl Misses {
    /// Empties the list, returning what it held.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn record(&self, miss: String) {
        let mut misses = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !misses.contains(&miss) {
            misses.push(miss);
        }
    }
}

/// `(METHOD, path) → statuses` as the document lists them.
pub fn documented() -> &'static HashMap<(String, String), HashSet<String>> {
    static STATUSES: OnceLock<HashMap<(String, String), HashSet<String>>> = OnceLock::new();
    STATUSES.get_or_init(|| {
        let doc: serde_json::Value =
            serde_json::from_str(super::json()).expect("the document is JSON");
        let mut out = HashMap::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let statuses = op["responses"]
                    .as_object()
                    .map(|r| r.keys().cloned().collect())
                    .unwrap_or_default();
                out.insert((method.to_uppercase(), path.clone()), statuses);
            }
        }
        out
    })
}

/// Why an answer is not in the document, if it is not. A method the path does not accept
/// (405) and a path outside the table (404) are the same on every path, and the document says
/// so once in its description: they are not checked per route.
pub fn undocumented(method: &str, pattern: &str, status: u16) -> Option<String> {
    let route = ROUTES
        .iter()
        .find(|r| r.method == method && r.path == pattern)?;
    if NOT_YET_DOCUMENTED.contains(&route.path) {
        return None;
    }
    let at = format!("{method} {pattern}");
    match documented().get(&(method.to_string(), pattern.to_string())) {
        None => Some(format!(
            "{at} is a route of the table but not in the OpenAPI document"
        )),
        Some(statuses) if !statuses.contains(&status.to_string()) => Some(format!(
            "{at} answered {status}, a status its OpenAPI operation does not list"
        )),
        Some(_) => None,
    }
}

/// The middleware: looks each answer up once it is made.
pub async fn check(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let res = next.call(req).await?;
    let request = res.request();
    if let Some(pattern) = request.match_pattern() {
        let method = request.method().as_str();
        if let Some(miss) = undocumented(method, &pattern, res.status().as_u16()) {
            if let Some(state) = request.app_data::<web::Data<AppState>>() {
                state.openapi_misses.record(miss);
            }
        }
    }
    Ok(res)
}
