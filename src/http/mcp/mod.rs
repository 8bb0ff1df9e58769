//! The MCP server at `/mcp`: Streamable HTTP (rmcp, through rmcp-actix-web) on the same
//! listener as the API, stateless, so any process of a deployment answers any request. The
//! key is checked here, before rmcp sees the request, exactly as the API checks it (401/403
//! problem+json, the same rate limit); the tools then call the application layer.

mod handler;
mod results;
mod tools;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, Error, HttpMessage, ResponseError};
use rmcp_actix_web::transport::{LocalSessionManager, StreamableHttpService};

use super::api::auth::{self, NeedsScope, PausesScope};
use crate::config::Settings;
use crate::domain::api_keys::AuthKey;
use crate::http::AppState;
use crate::services::Services;

pub use handler::Holdpoint;

/// The path the server answers at.
pub const PATH: &str = "/mcp";

/// The MCP service, built once and cloned into every worker.
pub type Service = StreamableHttpService<Holdpoint, LocalSessionManager>;

/// Builds the service: stateless (no session is kept), JSON answers (a tool call is one
/// request and one answer), and the `Host` names a real deployment is reached under.
pub fn service(services: &Services) -> Service {
    let for_factory = services.clone();
    StreamableHttpService::builder()
        .service_factory(Arc::new(move || Ok(Holdpoint::new(for_factory.clone()))))
        .session_manager(Arc::new(LocalSessionManager::default()))
        .stateful_mode(false)
        .json_response(true)
        .max_request_body_bytes(super::MAX_BODY)
        .allowed_hosts(allowed_hosts(&services.settings))
        .on_request_fn(|req, extensions| {
            if let Some(key) = req.extensions().get::<AuthKey>() {
                extensions.insert(*key);
            }
        })
        .build()
}

/// Mounts the service at [`PATH`], behind the key check.
pub fn register(cfg: &mut web::ServiceConfig, service: Service) {
    cfg.service(service.scope_with_path(PATH).wrap(from_fn(authenticate)));
}

/// rmcp refuses a `Host` outside its list (a defence against DNS rebinding): loopback, the
/// public URL's host and the address the server is bound to, when it is a specific one.
pub fn allowed_hosts(settings: &Settings) -> Vec<String> {
    let public = settings.public_url.as_ref().and_then(|u| u.host_str());
    let public = public.map(|h| h.trim_matches(['[', ']']).to_string());
    let ip = settings.bind.ip();
    let bound = (!ip.is_unspecified()).then(|| ip.to_string());
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).into();
    for host in [public, bound].into_iter().flatten() {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// The API's key check for every request to `/mcp`: a valid key (401 otherwise, with
/// `WWW-Authenticate: Bearer`), counted against its rate limit (429), with the `pauses` scope
/// (403). The key rides on the request for the tools.
async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let checked = auth::authenticate(req.request()).await.and_then(|key| {
        let state = req
            .app_data::<web::Data<AppState>>()
            .expect("AppState is registered");
        auth::rate_limit(state, &key)?;
        PausesScope::check(&key)?;
        Ok(key)
    });
    match checked {
        Ok(key) => {
            req.extensions_mut().insert(key);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => Ok(req.into_response(e.error_response()).map_into_right_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(public_url: Option<&str>, bind: &str) -> Settings {
        let mut s = Settings::for_tests(std::env::temp_dir());
        s.public_url = public_url.map(|u| u.parse().unwrap());
        s.bind = bind.parse().unwrap();
        s
    }

    #[test]
    fn the_public_url_s_host_and_a_specific_bind_address_are_allowed_besides_loopback() {
        let hosts = allowed_hosts(&settings(
            Some("https://hp.example.com:8443/"),
            "10.0.0.5:80",
        ));
        assert_eq!(
            hosts,
            [
                "localhost",
                "127.0.0.1",
                "::1",
                "hp.example.com",
                "10.0.0.5"
            ]
        );
        let v6 = allowed_hosts(&settings(Some("http://[2001:db8::1]:8080"), "0.0.0.0:8080"));
        assert_eq!(v6, ["localhost", "127.0.0.1", "::1", "2001:db8::1"]);
    }
}
