//! The document's part for pauses: create, list, read, cancel, approve or reject, answer, outcome.

use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::OpenApi;

use crate::http::api::{answer, create, decide, outcome, pauses};

#[derive(OpenApi)]
#[openapi(
    paths(
        create::create,
        pauses::list,
        pauses::get,
        pauses::cancel,
        decide::approve,
        answer::answer,
        outcome::report,
    ),
    components(schemas(
        crate::wire::problem::ProblemBody,
        crate::wire::pause::SettlementView,
        crate::wire::pause::EventBody,
        crate::wire::pause::ReferenceEventBody,
    ))
)]
pub struct PausesDoc;

/// A decision's or an answer's `200`: the whole pause, or only its settlement for a key that
/// holds `decide` without `pauses` (reading a pause's context needs `pauses`).
pub struct Decided;

impl utoipa::PartialSchema for Decided {
    fn schema() -> RefOr<Schema> {
        AnyOfBuilder::new()
            .item(Ref::from_schema_name("Pause"))
            .item(Ref::from_schema_name("Settlement"))
            .into()
    }
}

impl utoipa::ToSchema for Decided {}
