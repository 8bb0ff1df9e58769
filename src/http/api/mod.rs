//! The agent-facing JSON API.

pub mod answer;
pub mod auth;
pub mod create;
pub mod create_body;
mod create_plan;
pub mod create_questions;
pub mod decide;
pub mod decide_extras;
pub mod decider;
pub mod health;
pub mod key_cache;
pub mod metrics;
pub mod outcome;
pub mod pauses;

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
}
