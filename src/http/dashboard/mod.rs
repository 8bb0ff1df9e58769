//! Server-rendered pages for humans: sign-in and the approvers' queue.

pub mod audit;
pub mod audit_export;
pub mod keys;
pub mod layout;
pub mod login;
pub mod pages;
pub mod session;
pub mod settings;
pub mod throttle;
pub mod usage;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .route(web::get().to(login::form))
            .route(web::post().to(login::submit))
            .default_service(super::only("GET, POST")),
    )
    .route("/logout", web::post().to(login::logout))
    .route("/", web::get().to(pages::index))
    .configure(keys::routes)
    .configure(settings::routes)
    .configure(usage::routes)
    .configure(audit::routes);
}
