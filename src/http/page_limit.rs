//! The per-client-IP limit on pages that need no account (see [`crate::rate_limit`]); the
//! client's address is [`client_ip`]'s.

use actix_web::HttpRequest;

pub use crate::http::client_ip::client_ip;

use crate::error::{AppError, PageError};
use crate::http::State;
use crate::rate_limit::PageGroup;

/// Counts this request against its client's budget for `page`; over it, a 429 page with
/// `Retry-After`.
pub fn check(state: &State, req: &HttpRequest, page: PageGroup) -> Result<(), PageError> {
    let Some(ip) = client_ip(req, &state.settings.limits) else {
        return Ok(());
    };
    state.rate_limits.check_page(page, ip).map_err(|wait| {
        let what = match page {
            PageGroup::SignIn => "sign-in attempts",
            PageGroup::OneClick => "requests for email links and push buttons",
            PageGroup::SecondFactor => "sign-in codes",
        };
        PageError::App(AppError::TooManyRequests {
            detail: format!(
                "Too many {what} from your network. Please wait {wait} second{} and try again.",
                if wait == 1 { "" } else { "s" }
            ),
            retry_after: wait,
        })
    })
}
