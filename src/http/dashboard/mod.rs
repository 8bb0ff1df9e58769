//! Server-rendered pages for humans: sign-in and the approvers' queue.

pub mod account;
pub mod layout;
pub mod login;
pub mod pages;
pub mod session;
pub mod signup;
pub mod throttle;
pub mod user_actions;
pub mod users;

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
    .configure(users::routes)
    .configure(account::routes)
    .configure(signup::routes);
}
