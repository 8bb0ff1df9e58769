//! `GET /.well-known/jwks.json`: the public keys that check decision receipts, for a service
//! that verifies them offline (it fetches this now and then and caches it).

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;

use crate::domain::receipts::jws::Jwk;
use crate::domain::receipts::keys;
use crate::error::AppError;
use crate::http::State;

/// A JSON Web Key Set (RFC 7517).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Jwks)]
pub struct JwksBody {
    /// The key that signs now first, then retired keys whose receipts may still be checked.
    pub keys: Vec<Jwk>,
}

/// Public: the keys are public, and a verifier has no Holdpoint key.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "service",
    operation_id = "jwks",
    responses(
        (status = 200, description = "The Ed25519 public keys that sign decision receipts (`kid` = RFC 7638 thumbprint): the signing key first, then retired keys for a day past the longest receipt lifetime. Cacheable for 5 minutes.",
            body = JwksBody, headers(("Cache-Control" = String, description = "`public, max-age=300`"))),
        (status = 503, description = "`unavailable`: the database does not answer.",
            body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(())
)]
pub async fn jwks(state: State) -> Result<HttpResponse, AppError> {
    let now = state.now();
    let keys = state
        .read_blocking(move |conn| keys::published(conn, now))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(JwksBody { keys }))
}
