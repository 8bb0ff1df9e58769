//! Pages shared by every part of the dashboard.

use askama::Template;

/// The readable page behind every [`crate::error::PageError`].
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub detail: &'a str,
}
