//! Every route of the JSON API and of the service (health, metrics, problem pages), declared
//! once. The table registers them, one resource per path whose 405 names the path's methods,
//! and is the list that the OpenAPI drift test reads: actix cannot list its routes at run time.

use actix_web::http::Method;
use actix_web::web;

use super::{
    agent_approve, agent_controls, agents, answer, channels, create, decide, fleet, groups, health,
    jwks, keys, metrics, openapi, outcome, pauses, policy, webhooks, workspace,
};
use crate::http::only;

/// One method on one path, written as the router's pattern (`/api/pause/{watch_id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

/// `path { METHOD => handler, ... }` rows, in the order actix tries them: the first row whose
/// pattern matches wins, so a fixed path comes before a `{param}` one that would match it too.
macro_rules! route_table {
    ($($path:literal { $first:ident => $first_handler:path $(, $method:ident => $handler:path)* $(,)? })*) => {
        /// Every route, in registration order.
        pub const ROUTES: &[Route] = &[
            $(
                Route { method: stringify!($first), path: $path },
                $(Route { method: stringify!($method), path: $path },)*
            )*
        ];

        /// Registers the table: a wrong method on a known path is a 405 naming the right ones.
        pub fn register(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        .route(web::route().method(Method::$first).to($first_handler))
                        $(.route(web::route().method(Method::$method).to($handler)))*
                        .default_service(only(concat!(
                            stringify!($first) $(, ", ", stringify!($method))*
                        ))),
                );
            )*
        }
    };
}

route_table! {
    "/api/pause" { GET => pauses::list, POST => create::create }
    "/api/pause/{watch_id}" { GET => pauses::get }
    "/api/pause/{watch_id}/cancel" { POST => pauses::cancel }
    "/api/pause/{watch_id}/approve" { POST => decide::approve }
    "/api/pause/{watch_id}/answer" { POST => answer::answer }
    "/api/pause/{watch_id}/outcome" { POST => outcome::report }

    "/api/agents" { GET => fleet::list }
    // The two workspace-wide actions come before `/api/agents/{agent}`, so an agent cannot be
    // read under the name `stop-all` or `resume-all` (its checkpoint still works).
    "/api/agents/stop-all" { POST => agent_controls::stop_all }
    "/api/agents/resume-all" { POST => agent_controls::resume_all }
    "/api/agents/{agent}" { GET => fleet::get, DELETE => agent_controls::delete }
    "/api/agents/{agent}/control" { GET => agents::control }
    "/api/agents/{agent}/heartbeat" { POST => agents::heartbeat }
    "/api/agents/{agent}/pause" { POST => agent_controls::pause }
    "/api/agents/{agent}/resume" { POST => agent_controls::resume }
    "/api/agents/{agent}/cancel" { POST => agent_controls::cancel }
    "/api/agents/{agent}/guide" { POST => agent_controls::guide }
    "/api/agents/{agent}/approve/{watch_id}" { POST => agent_approve::approve }
    "/api/runs/{run}/cancel" { POST => agent_controls::cancel_run }

    "/api/policy/explain" { POST => policy::explain }
    "/api/policy/settings" { GET => policy::get_settings, PATCH => policy::patch_settings }
    "/api/rules" { GET => policy::list_rules, POST => policy::create_rule }
    "/api/rules/{id}" {
        GET => policy::get_rule, PATCH => policy::patch_rule, DELETE => policy::delete_rule
    }
    "/api/groups" { GET => groups::list, POST => groups::create }
    "/api/groups/{name}" { GET => groups::get, PATCH => groups::patch, DELETE => groups::delete }

    "/api/channels" { GET => channels::get_workspace, PATCH => channels::patch_workspace }
    "/api/groups/{name}/channels" { GET => channels::get_group, PATCH => channels::patch_group }

    "/api/webhooks" { GET => webhooks::list, POST => webhooks::create }
    "/api/webhooks/{id}" { GET => webhooks::get, PATCH => webhooks::patch, DELETE => webhooks::delete }
    "/api/webhooks/{id}/test" { POST => webhooks::test }
    "/api/keys" { GET => keys::list, POST => keys::create }
    "/api/keys/{id}" { GET => keys::get, PATCH => keys::patch, DELETE => keys::delete }
    "/api/audit" { GET => workspace::audit }
    "/api/settings" { GET => workspace::get_settings, PATCH => workspace::patch_settings }
    "/api/users" { GET => workspace::users }

    "/api/openapi.json" { GET => openapi::serve }
    "/healthz" { GET => health::healthz }
    "/readyz" { GET => health::readyz }
    "/.well-known/jwks.json" { GET => jwks::jwks }
    "/metrics" { GET => metrics::metrics }
    "/problems/{slug}" { GET => health::problem_doc }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path in two rows would be two resources, the second one unreachable.
    #[test]
    fn each_path_is_declared_in_one_row() {
        for (i, a) in ROUTES.iter().enumerate() {
            let later = ROUTES[i + 1..].iter().position(|b| b.path == a.path);
            let contiguous =
                later.is_none_or(|j| ROUTES[i + 1..=i + j].iter().all(|b| b.path == a.path));
            assert!(contiguous, "{} is declared in two rows", a.path);
            assert!(!ROUTES[i + 1..].contains(a), "{a:?} is declared twice");
        }
    }
}
