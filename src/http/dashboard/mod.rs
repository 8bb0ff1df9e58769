//! Server-rendered pages for humans: sign-in and the approvers' queue.

pub mod account;
pub mod account_push;
pub mod account_sessions;
pub mod agent_actions;
pub mod agent_autonomy;
pub mod agent_page;
pub mod agents_page;
pub mod answer_form;
pub mod approval_settings;
pub mod audit;
pub mod audit_export;
pub mod audit_links;
pub mod batch;
pub mod channels_form;
pub mod format;
pub mod forms;
pub mod groups;
pub mod history;
pub mod inbox;
pub mod json_view;
pub mod key_groups;
mod key_try_it;
pub mod keys;
pub mod layout;
pub mod login;
pub mod login_factor;
pub mod mode;
pub mod one_click;
mod one_click_decide;
pub mod one_click_view;
pub mod pages;
pub mod passkeys;
pub mod password_off;
pub mod password_reset;
pub mod pause_extras;
pub mod pause_page;
pub mod pause_pane;
mod pause_pane_data;
pub mod pause_policy;
pub mod pause_step_up;
pub mod pause_told;
pub mod pause_votes;
pub mod plan_view;
pub mod policy_settings;
pub mod queue;
pub mod queue_filter;
pub mod queue_row;
pub mod rule_form;
pub mod rule_rows;
pub mod rule_values;
pub mod rules;
pub mod session;
pub mod settings;
pub mod setup;
pub mod signup;
pub mod sso;
pub mod step_up_settings;
pub mod throttle;
pub mod two_factor;
pub mod two_factor_admin;
pub mod usage;
pub mod user_actions;
pub mod users;
pub mod webhook_actions;
pub mod webhooks;
pub mod zone;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .route(web::get().to(login::form))
            .route(web::post().to(login::submit))
            .default_service(super::only("GET, POST")),
    )
    .service(
        web::resource("/logout")
            .route(web::post().to(login::logout))
            .default_service(super::only("POST")),
    )
    .configure(login_factor::routes)
    .configure(setup::routes)
    .configure(queue::routes)
    .configure(batch::routes)
    .configure(history::routes)
    .configure(agents_page::routes)
    .configure(agent_autonomy::routes)
    .configure(pause_page::routes)
    .configure(users::routes)
    .configure(account::routes)
    .configure(account_push::routes)
    .configure(account_sessions::routes)
    .configure(two_factor::routes)
    .configure(two_factor_admin::routes)
    .configure(passkeys::routes)
    .configure(signup::routes)
    .configure(sso::routes)
    .configure(password_reset::routes)
    .configure(keys::routes)
    .configure(rules::routes)
    .configure(groups::routes)
    .configure(settings::routes)
    .configure(channels_form::routes)
    .configure(policy_settings::routes)
    .configure(approval_settings::routes)
    .configure(step_up_settings::routes)
    .configure(usage::routes)
    .configure(audit::routes)
    .configure(webhooks::routes)
    .configure(mode::routes)
    .configure(one_click::routes);
}
