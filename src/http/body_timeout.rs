//! A deadline for request bodies. actix's `client_request_timeout` covers only the request
//! head; a client that sends headers and then trickles or stalls the body would otherwise keep
//! its handler (and the connection) waiting forever. Every body is read through
//! [`DeadlinePayload`], so `read_body`, `web::Bytes` and `web::Form` all stop at the deadline,
//! and the answer becomes a problem+json 408 that closes the connection.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{header, ConnectionType};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use futures_util::Stream;

use crate::error::AppError;
use crate::http::AppState;

#[derive(Default)]
struct Progress {
    timed_out: AtomicBool,
    finished: AtomicBool,
}

/// The request payload, failing with `TimedOut` once the deadline has passed. The deadline is
/// checked before every read, so a steady trickle of bytes does not postpone it.
struct DeadlinePayload {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    progress: Arc<Progress>,
}

impl Stream for DeadlinePayload {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.progress.timed_out.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.progress.timed_out.store(true, Ordering::Relaxed);
            let err = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body timeout");
            return Poll::Ready(Some(Err(PayloadError::Io(err))));
        }
        let item = Pin::new(&mut this.inner).poll_next(cx);
        if let Poll::Ready(None) = item {
            this.progress.finished.store(true, Ordering::Relaxed);
        }
        item
    }
}

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// Middleware (via `from_fn`): puts the deadline on the body and turns a timed-out request's
/// answer, whatever the handler made of the error, into the 408.
pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.limits.body_timeout);
    let (Some(timeout), true) = (timeout, has_body(&req)) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let progress = Arc::new(Progress::default());
    let stream = DeadlinePayload {
        inner: req.take_payload(),
        deadline: Box::pin(tokio::time::sleep(timeout)),
        progress: progress.clone(),
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(stream),
    });
    let result = next.call(req).await;
    if progress.timed_out.load(Ordering::Relaxed) {
        let err = AppError::RequestTimeout(format!(
            "the request body did not arrive within {} s; send it again, in one go",
            timeout.as_secs()
        ));
        return match result {
            Ok(res) => {
                let (req, _) = res.into_parts();
                Ok(ServiceResponse::new(req, err.error_response()).map_into_right_body())
            }
            Err(_) => Err(err.into()),
        };
    }
    let mut res = result?.map_into_left_body();
    if !progress.finished.load(Ordering::Relaxed) {
        // Unread body bytes would be parsed as the next request; a slow sender would hold the
        // connection while they are drained. Close instead.
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(res)
}
