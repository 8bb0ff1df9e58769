//! The HTTP server, assembled from actix-server and actix-http's HTTP/1 service (what
//! `HttpServer` does inside) so that every connection is read through [`conn::TimedIo`].

use std::fmt;
use std::net::TcpListener;
use std::time::Duration;

use actix_http::{HttpService, Request, Response};
use actix_service::{
    fn_service, map_config, IntoServiceFactory, ServiceFactory, ServiceFactoryExt,
};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, Service};
use actix_web::rt::net::TcpStream;

use super::conn::{self, PerIp, TimedIo};
use crate::config::Settings;

/// Idle connections are kept this long for the agent's next long-poll (which answers after up
/// to 55 s).
const KEEP_ALIVE: Duration = Duration::from_secs(75);

/// Serves `app` on `listener` with the settings' workers, header timeout and per-address cap.
/// On a graceful stop, idle connections close and requests in flight get up to 10 s.
pub fn run<F, I, S, B>(
    listener: TcpListener,
    settings: &Settings,
    app: F,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    let header_timeout = settings.limits.header_timeout;
    let per_ip = PerIp::new(
        settings.limits.max_connections_per_ip,
        &settings.limits.trusted_proxies,
    );
    let builder = actix_server::Server::build();
    let stopping = builder.graceful_shutdown_signal();
    let server = builder
        .workers(settings.workers)
        .shutdown_timeout(10)
        // Signals are ours (see `Application::run_until_stopped`) so waiters hear of shutdown
        // first.
        .disable_signals()
        .listen("holdpoint", listener, move || {
            let stopping = stopping.clone();
            let per_ip = per_ip.clone();
            let http = HttpService::<TimedIo, _, _>::build()
                .graceful_shutdown_signal(move || {
                    let stopping = stopping.clone();
                    async move { stopping.notified().await }
                })
                .keep_alive(KEEP_ALIVE)
                // The first request's head: actix answers a bare 408 and closes. Later heads
                // are timed by `TimedIo`; bodies by `body_timeout`.
                .client_request_timeout(header_timeout)
                .client_disconnect_timeout(Duration::from_secs(1))
                // A client that hangs up ends its request: the handler future is dropped, so a
                // parked long-poll gives its waiter slot back at once. (Clients that half-close
                // their side while awaiting an answer are not supported.)
                .h1_allow_half_closed(false)
                .local_addr(addr)
                .on_connect_ext(|io: &TimedIo, data| {
                    data.insert(io.phase());
                })
                .h1(map_config(
                    app()
                        .into_factory()
                        .map_err(|err| err.into().error_response()),
                    // Host and address only feed `url_for` and `ConnectionInfo` without a Host
                    // header; Holdpoint builds its links from the public URL instead.
                    |_| AppConfig::default(),
                ));
            fn_service(move |io: TcpStream| {
                let accepted = conn::accept(io, &per_ip, header_timeout)
                    .map_err(actix_http::error::DispatchError::Io);
                async move { accepted }
            })
            .and_then(http)
            .map_err(log_connection_error)
        })?
        .run();
    Ok(server)
}

/// A connection that ended badly is the client's doing (malformed request, head timeout,
/// reset, refused over the per-address cap): worth a debug line, not an error.
fn log_connection_error(err: actix_http::error::DispatchError) {
    tracing::debug!(error = %err, "client connection closed");
}

/// Keeps actix-http's own line for a connection's error (logged at ERROR for any malformed
/// request) out of the log, unless the operator's filter names actix-http; the same error is
/// logged at debug by [`log_connection_error`].
pub fn log_filter(filter: &str) -> String {
    if filter.contains("actix_http") {
        filter.to_string()
    } else if filter.trim().is_empty() {
        "actix_http::h1::dispatcher=off".into()
    } else {
        format!("{filter},actix_http::h1::dispatcher=off")
    }
}
