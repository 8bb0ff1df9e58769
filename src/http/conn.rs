//! The connection level under actix: a deadline for every request head, and a cap on open
//! connections per client address.
//!
//! actix-http times only a connection's *first* request head; once a request has been answered,
//! the first byte of the next one clears the keep-alive timer and nothing bounds the rest, so a
//! client could trickle a later head a byte at a time and hold its connection forever. Every
//! connection is therefore read through [`TimedIo`]: between requests (idle keep-alive untouched)
//! the first byte read starts a `--header-timeout` deadline, and a read after it fails, which
//! ends the connection. [`mark_requests`] tells the connection when actix has parsed a head and
//! handed the request to the application (the head is complete: the deadline no longer applies;
//! bodies have their own, see `body_timeout`) and when the answer is ready (the next bytes
//! belong to the next head).

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::rt::net::TcpStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

pub use super::conn_cap::{IpSlot, PerIp};

/// Where a connection is between its requests, shared by [`TimedIo`] and [`mark_requests`]
/// (through actix's per-connection data).
#[derive(Clone, Default)]
pub struct HeadPhase(Rc<PhaseState>);

#[derive(Default)]
struct PhaseState {
    /// A request is with the application (its head is complete).
    in_request: Cell<bool>,
    /// Requests handed to the application so far: a deadline started for an earlier head is
    /// stale once this has moved on.
    started: Cell<u64>,
}

/// While alive, the connection's current request is with the application.
struct InRequest(HeadPhase);

impl Drop for InRequest {
    fn drop(&mut self) {
        (self.0).0.in_request.set(false);
    }
}

impl HeadPhase {
    fn start_request(&self) -> InRequest {
        self.0.in_request.set(true);
        self.0.started.set(self.0.started.get() + 1);
        InRequest(self.clone())
    }
}

/// Middleware (via `from_fn`, outermost): marks the connection as busy with a request from the
/// moment the application gets it until its response is ready (or the request is dropped).
pub async fn mark_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let busy = req
        .request()
        .conn_data::<HeadPhase>()
        .map(HeadPhase::start_request);
    let res = next.call(req).await;
    drop(busy);
    res
}

/// A TCP connection that times request heads (see the module docs) and holds its address's
/// place under the per-address cap.
pub struct TimedIo {
    io: TcpStream,
    phase: HeadPhase,
    header_timeout: Duration,
    /// The running head deadline and the request count it was started at.
    deadline: Option<(Pin<Box<Sleep>>, u64)>,
    _slot: Option<IpSlot>,
}

impl TimedIo {
    pub fn new(io: TcpStream, header_timeout: Duration, slot: Option<IpSlot>) -> Self {
        TimedIo {
            io,
            phase: HeadPhase::default(),
            header_timeout,
            deadline: None,
            _slot: slot,
        }
    }

    pub fn phase(&self) -> HeadPhase {
        self.phase.clone()
    }

    /// Fails once the current head's deadline has passed; drops a deadline whose head has
    /// since reached the application.
    fn check_deadline(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let state = &self.phase.0;
        let stale = |started| state.in_request.get() || state.started.get() != started;
        if let Some((sleep, started)) = &mut self.deadline {
            if stale(*started) {
                self.deadline = None;
            } else if sleep.as_mut().poll(cx).is_ready() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request head did not arrive within the header timeout",
                ));
            }
        }
        Ok(())
    }

    /// Bytes arrived between requests: the next head has begun, and its clock starts now.
    fn start_deadline(&mut self, cx: &mut Context<'_>) {
        let state = &self.phase.0;
        if self.deadline.is_some() || state.in_request.get() {
            return;
        }
        let mut sleep = Box::pin(tokio::time::sleep(self.header_timeout));
        // Registers the waker: the dispatcher is polled (and reads) when the time is up.
        let _ = sleep.as_mut().poll(cx);
        self.deadline = Some((sleep, state.started.get()));
    }
}

impl AsyncRead for TimedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        this.check_deadline(cx)?;
        let before = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.start_deadline(cx);
        }
        read
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Wraps an accepted connection, or refuses it when its address is at the cap.
pub fn accept(
    io: TcpStream,
    per_ip: &Arc<PerIp>,
    header_timeout: Duration,
) -> io::Result<(TimedIo, Option<SocketAddr>)> {
    let peer = io.peer_addr().ok();
    let slot = match peer.map(|p| per_ip.admit(p.ip())) {
        Some(Err(net)) => {
            return Err(io::Error::other(format!(
                "refused: {net} already has its maximum of {} connections open",
                per_ip.max()
            )))
        }
        Some(Ok(slot)) => slot,
        None => None,
    };
    Ok((TimedIo::new(io, header_timeout, slot), peer))
}
