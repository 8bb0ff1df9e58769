//! The agent-facing JSON API.

pub mod agent_approve;
pub mod agent_controls;
pub mod agents;
pub mod answer;
pub mod auth;
pub mod channels;
pub mod create;
pub mod create_body;
mod create_plan;
pub mod create_questions;
pub mod decide;
pub mod decide_extras;
mod decide_form;
pub mod decider;
pub mod groups;
pub mod health;
pub mod key_cache;
pub mod keys;
pub mod metrics;
mod nullable;
pub mod openapi;
pub mod outcome;
pub mod pauses;
pub mod policy;
pub mod webhooks;
pub mod workspace;

use actix_web::web;

use super::only;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/pause")
            .route(web::post().to(create::create))
            .route(web::get().to(pauses::list))
            .default_service(only("GET, POST")),
    )
    .service(
        web::resource("/api/pause/{watch_id}")
            .route(web::get().to(pauses::get))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/api/pause/{watch_id}/cancel")
            .route(web::post().to(pauses::cancel))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/api/pause/{watch_id}/approve")
            .route(web::post().to(decide::approve))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/api/pause/{watch_id}/answer")
            .route(web::post().to(answer::answer))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/api/pause/{watch_id}/outcome")
            .route(web::post().to(outcome::report))
            .default_service(only("POST")),
    );
    agent_routes(cfg);
    policy_routes(cfg);
    channels::routes(cfg);
    admin_routes(cfg);
}

/// The workspace administered by API (issue 20): webhooks, keys, audit, settings, users.
fn admin_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/webhooks")
            .route(web::get().to(webhooks::list))
            .route(web::post().to(webhooks::create))
            .default_service(only("GET, POST")),
    )
    .service(
        web::resource("/api/webhooks/{id}")
            .route(web::get().to(webhooks::get))
            .route(web::patch().to(webhooks::patch))
            .route(web::delete().to(webhooks::delete))
            .default_service(only("GET, PATCH, DELETE")),
    )
    .service(
        web::resource("/api/webhooks/{id}/test")
            .route(web::post().to(webhooks::test))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/api/keys")
            .route(web::get().to(keys::list))
            .route(web::post().to(keys::create))
            .default_service(only("GET, POST")),
    )
    .service(
        web::resource("/api/keys/{id}")
            .route(web::get().to(keys::get))
            .route(web::patch().to(keys::patch))
            .route(web::delete().to(keys::delete))
            .default_service(only("GET, PATCH, DELETE")),
    )
    .service(
        web::resource("/api/audit")
            .route(web::get().to(workspace::audit))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/api/settings")
            .route(web::get().to(workspace::get_settings))
            .route(web::patch().to(workspace::patch_settings))
            .default_service(only("GET, PATCH")),
    )
    .service(
        web::resource("/api/users")
            .route(web::get().to(workspace::users))
            .default_service(only("GET")),
    );
}

/// Decision policies: explain, settings and rules.
fn policy_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/policy/explain")
            .route(web::post().to(policy::explain))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/api/policy/settings")
            .route(web::get().to(policy::get_settings))
            .route(web::patch().to(policy::patch_settings))
            .default_service(only("GET, PATCH")),
    )
    .service(
        web::resource("/api/rules")
            .route(web::get().to(policy::list_rules))
            .route(web::post().to(policy::create_rule))
            .default_service(only("GET, POST")),
    )
    .service(
        web::resource("/api/rules/{id}")
            .route(web::get().to(policy::get_rule))
            .route(web::patch().to(policy::patch_rule))
            .route(web::delete().to(policy::delete_rule))
            .default_service(only("GET, PATCH, DELETE")),
    )
    .service(
        web::resource("/api/groups")
            .route(web::get().to(groups::list))
            .route(web::post().to(groups::create))
            .default_service(only("GET, POST")),
    )
    .service(
        web::resource("/api/groups/{name}")
            .route(web::get().to(groups::get))
            .route(web::patch().to(groups::patch))
            .route(web::delete().to(groups::delete))
            .default_service(only("GET, PATCH, DELETE")),
    );
}

/// The agents API. The two workspace-wide actions come before `/api/agents/{agent}`, so an
/// agent cannot be read under the name `stop-all` or `resume-all` (its checkpoint still works).
fn agent_routes(cfg: &mut web::ServiceConfig) {
    let post = |path: &str, route: actix_web::Route| {
        web::resource(path.to_string())
            .route(route)
            .default_service(only("POST"))
    };
    cfg.service(
        web::resource("/api/agents")
            .route(web::get().to(agents::list))
            .default_service(only("GET")),
    )
    .service(post(
        "/api/agents/stop-all",
        web::post().to(agent_controls::stop_all),
    ))
    .service(post(
        "/api/agents/resume-all",
        web::post().to(agent_controls::resume_all),
    ))
    .service(
        web::resource("/api/agents/{agent}")
            .route(web::get().to(agents::get))
            .route(web::delete().to(agent_controls::delete))
            .default_service(only("GET, DELETE")),
    )
    .service(
        web::resource("/api/agents/{agent}/control")
            .route(web::get().to(agents::control))
            .default_service(only("GET")),
    )
    .service(post(
        "/api/agents/{agent}/heartbeat",
        web::post().to(agents::heartbeat),
    ))
    .service(post(
        "/api/agents/{agent}/pause",
        web::post().to(agent_controls::pause),
    ))
    .service(post(
        "/api/agents/{agent}/resume",
        web::post().to(agent_controls::resume),
    ))
    .service(post(
        "/api/agents/{agent}/cancel",
        web::post().to(agent_controls::cancel),
    ))
    .service(post(
        "/api/agents/{agent}/guide",
        web::post().to(agent_controls::guide),
    ))
    .service(post(
        "/api/agents/{agent}/approve/{watch_id}",
        web::post().to(agent_approve::approve),
    ))
    .service(post(
        "/api/runs/{run}/cancel",
        web::post().to(agent_controls::cancel_run),
    ));
}
