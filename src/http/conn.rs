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
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::rt::net::TcpStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

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

/// Open connections per client network (an IPv4 address or an IPv6 /64), shared by all
/// workers. Without it one address could take every connection the workers accept.
pub struct PerIp {
    max: usize,
    trusted: Vec<IpAddr>,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerIp {
    /// `max` 0 turns the cap off; `trusted` peers (reverse proxies) are never capped.
    pub fn new(max: usize, trusted: &[IpAddr]) -> Arc<Self> {
        Arc::new(PerIp {
            max,
            trusted: trusted.iter().map(IpAddr::to_canonical).collect(),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more connection from `peer` (`Ok(None)`: not counted), or `Err` with
    /// the network that is at the cap.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Option<IpSlot>, IpAddr> {
        let peer = peer.to_canonical();
        if self.max == 0 || self.trusted.contains(&peer) {
            return Ok(None);
        }
        let net = crate::rate_limit::network_of(peer);
        let mut open = self.open.lock().expect("per-ip lock");
        let count = open.entry(net).or_insert(0);
        if *count >= self.max {
            return Err(net);
        }
        *count += 1;
        Ok(Some(IpSlot {
            counter: self.clone(),
            net,
        }))
    }

    /// Connections currently counted for `peer`'s network.
    pub fn open(&self, peer: IpAddr) -> usize {
        let net = crate::rate_limit::network_of(peer.to_canonical());
        let open = self.open.lock().expect("per-ip lock");
        open.get(&net).copied().unwrap_or(0)
    }
}

/// One counted connection; dropping it (the connection ends) gives the place back.
pub struct IpSlot {
    counter: Arc<PerIp>,
    net: IpAddr,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.counter.open.lock().expect("per-ip lock");
        if let Some(count) = open.get_mut(&self.net) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.net);
            }
        }
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
                per_ip.max
            )))
        }
        Some(Ok(slot)) => slot,
        None => None,
    };
    Ok((TimedIo::new(io, header_timeout, slot), peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_cap_and_a_place_back_when_a_connection_ends() {
        let per_ip = PerIp::new(2, &[]);
        let peer: IpAddr = "192.0.2.7".parse().unwrap();
        let first = per_ip.admit(peer).unwrap();
        let _second = per_ip.admit(peer).unwrap();
        assert_eq!(per_ip.admit(peer).err(), Some(peer));
        assert!(per_ip.admit("192.0.2.8".parse().unwrap()).is_ok());
        drop(first);
        assert_eq!(per_ip.open(peer), 1);
        assert!(per_ip.admit(peer).is_ok());
    }

    #[test]
    fn one_ipv6_network_shares_one_cap_and_trusted_proxies_have_none() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let per_ip = PerIp::new(1, &[proxy]);
        let _held = per_ip.admit("2001:db8::1".parse().unwrap()).unwrap();
        assert!(per_ip.admit("2001:db8::2".parse().unwrap()).is_err());
        assert!(per_ip.admit("2001:db8:0:1::1".parse().unwrap()).is_ok());
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(matches!(per_ip.admit(proxy), Ok(None)));
            assert!(matches!(per_ip.admit(mapped), Ok(None)));
        }
    }

    #[test]
    fn a_cap_of_zero_counts_nothing() {
        let per_ip = PerIp::new(0, &[]);
        assert!(matches!(
            per_ip.admit("192.0.2.7".parse().unwrap()),
            Ok(None)
        ));
    }
}
