//! The OpenAPI 3.1 document served at `/api/openapi.json`, generated from `#[utoipa::path]`
//! annotations on the handlers and `ToSchema` on the wire types. It is assembled from one part
//! per area, so each area's routes, bodies and problems are documented next to each other.

mod admin;
mod fleet;
mod links;
mod pauses;
mod policy;
mod service;

use utoipa::OpenApi;

/// The whole document: the parts merged into one.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = pauses::PausesDoc::openapi();
    doc.merge(service::ServiceDoc::openapi());
    doc.merge(fleet::FleetDoc::openapi());
    doc.merge(policy::PolicyDoc::openapi());
    doc.merge(admin::AdminDoc::openapi());
    links::add(&mut doc);
    doc
}
