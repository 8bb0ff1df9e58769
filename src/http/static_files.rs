//! Files under `static/`, embedded in the binary and served with an ETag.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// A short content hash for cache-busting URLs (`/static/app.css?v=…`).
pub fn version(path: &str) -> String {
    Assets::get(path)
        .map(|f| hex::encode(&f.metadata.sha256_hash()[..6]))
        .unwrap_or_default()
}

pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let file =
        Assets::get(&path).ok_or_else(|| AppError::NotFound(format!("no static file `{path}`")))?;
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let cache = if req.query_string().starts_with("v=") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish());
    }
    let mime = mime_guess::from_path(path.as_str()).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .content_type(mime.as_ref())
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(file.data.into_owned()))
}
