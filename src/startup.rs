//! Builds the application the same way for production and tests: open the database, migrate,
//! start the writer, bind the listener (port 0 allowed), and run background tasks.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Condition};
use actix_web::{web, App};

use crate::config::Settings;
use crate::db::{self, Writer};
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::ids::WorkspaceId;
use crate::domain::{users, workspaces};
use crate::error::AppError;
use crate::http::{self, AppState};
use crate::jobs;
use crate::notify::mailer::Mailer;
use crate::rate_limit::RateLimits;
use crate::services::Services;
use crate::waiters::{Topic, Waiters};

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

/// Opens the database (migrated, with the default workspace and a signing key) and the read
/// pool. On a thread of its own: PostgreSQL's blocking client may not run on the async
/// runtime's thread this is called from.
fn open_database(settings: &Settings, now: i64) -> anyhow::Result<(db::Connection, db::Pool)> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let target = settings.database();
            let conn = target.open_and_migrate(settings.synchronous)?;
            let default_ws = workspaces::ensure_default(&conn, now)?;
            crate::domain::receipts::keys::ensure(&conn, now)?;
            if !users::any_exists(&conn)? {
                announce_first_run(settings, default_ws);
            }
            let pool = target.open_pool(settings.synchronous, settings.workers as u32 * 2 + 2)?;
            Ok((conn, pool))
        })
        .join()
        .map_err(|_| anyhow::anyhow!("opening the database panicked"))?
    })
}

impl Application {
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock))
    }

    pub fn build_with_clock(mut settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        settings.limits.check().map_err(anyhow::Error::msg)?;
        let listener =
            listen(settings.bind).map_err(|e| crate::config::listen_failed(settings.bind, &e))?;
        settings.bind = listener.local_addr()?;
        let (conn, pool) = open_database(&settings, clock.now())?;
        let waiters = Waiters::new(
            settings.limits.max_waiters,
            settings.limits.max_waiters_per_key,
        );
        let wake = waiters.clone();
        let outbox_wake = Arc::new(tokio::sync::Notify::new());
        let dispatcher_wake = outbox_wake.clone();
        let on_commit = Arc::new(move |topics: &[Topic], outbox: bool| {
            wake.wake(topics);
            if outbox {
                dispatcher_wake.notify_one();
            }
        });
        let mailer = Mailer::new(
            settings.smtp_url.as_ref(),
            &settings.smtp_from,
            &settings.data_dir,
        )?;
        tracing::info!(transport = %mailer.describe(), "notification emails");
        let (writer, _thread) = Writer::start(conn, settings.base_url(), on_commit);
        if let db::Target::Sqlite(path) = settings.database() {
            db::start_checkpointer(&path, settings.synchronous, &writer)?;
        }
        let services = Services {
            pool,
            writer,
            waiters,
            settings: Arc::new(settings.clone()),
            clock: clock.clone(),
            outbox_wake,
            mailer: Arc::new(mailer),
            rate_limits: Arc::new(RateLimits::new(&settings.limits, clock.clone())),
            metrics: Arc::default(),
        };
        let passkeys = crate::auth::passkey::RelyingParty::from_public_url(&settings.base_url());
        if let (true, Some(why)) = (settings.passkey_login, passkeys.unavailable()) {
            tracing::warn!("--passkey-login is on but {why}");
        }
        let state = web::Data::new(AppState {
            services,
            login_throttle: Default::default(),
            passwords: crate::auth::password::Pool::start(settings.hash_threads)?,
            key_cache: Default::default(),
            passkeys,
            openapi_misses: Default::default(),
        });
        let port = settings.bind.port();
        let server = run_server(listener, state.clone(), &settings)?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Stops the server (gracefully with `true`).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Runs until SIGTERM or Ctrl-C (or [`Application::handle`] stops it). On a signal, parked
    /// long-polls answer with the current state first, then in-flight requests get up to 10 s.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let services = self.state.services();
        let jobs = jobs::start(services.clone(), jobs::schedule(&services));
        let dispatcher = tokio::spawn(crate::notify::dispatcher::run(services));
        let (handle, state) = (self.server.handle(), self.state.clone());
        let signals = tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down: answering waiters, finishing requests");
            state.waiters.shut_down();
            handle.stop(true).await;
        });
        let result = self.server.await;
        jobs.iter().for_each(|j| j.abort());
        dispatcher.abort();
        signals.abort();
        result
    }
}

fn run_server(
    listener: TcpListener,
    state: web::Data<AppState>,
    settings: &Settings,
) -> std::io::Result<Server> {
    let mcp = http::mcp::service(&state.services);
    let app = move || {
        let mcp = mcp.clone();
        App::new()
            .app_data(state.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(http::MAX_BODY)
                    .error_handler(|e, _| {
                        AppError::BadRequest(format!("malformed form body: {e}")).into()
                    }),
            )
            .app_data(
                web::PathConfig::default()
                    .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
            )
            .wrap(from_fn(http::body_timeout::enforce))
            // Tests only: every answer's status must be in the OpenAPI document (408s too).
            .wrap(Condition::new(
                state.settings.check_openapi,
                from_fn(http::api::openapi::check::check),
            ))
            .wrap(http::security_headers(&state.settings))
            // Ids, the access log and metrics see every response, 404s included.
            .wrap(from_fn(http::observe::observe))
            // Outermost: tells the connection when a request's head is in (see `http::conn`).
            .wrap(from_fn(http::conn::mark_requests))
            .configure(http::routes)
            .configure(|cfg| http::mcp::register(cfg, mcp))
            .default_service(web::to(http::not_found))
    };
    http::server::run(listener, settings, app)
}

/// A listening socket with a deep accept queue: thousands of agents may (re)connect their
/// long-polls at once, and std's default backlog of 128 would drop their SYNs.
fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(4096)?;
    Ok(socket.into())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Until someone can sign in, tell the operator how to get there.
fn announce_first_run(settings: &Settings, workspace_id: WorkspaceId) {
    let dir = if settings.data_dir == std::path::Path::new("./data") {
        String::new()
    } else {
        format!(" --data-dir {}", settings.data_dir.display())
    };
    // Never `eprintln!`: it panics when stderr is closed (`holdpoint serve 2>&1 | head -1`).
    crate::telemetry::say(&format!(
        "\nHoldpoint: database {db} has no user yet. The default workspace has id {workspace_id}.\n\
         Open {url}/setup in a browser to create the first owner, or from a shell:\n\
         \n    holdpoint{dir} user add --workspace {workspace_id} --email you@example.com --role owner\n\
         \nThen create an API key for your agent (on the API keys page, or):\n\
         \n    holdpoint{dir} key create --workspace {workspace_id} --name my-agent\n\
         \n`holdpoint` is this binary ({exe}): run it by that path, put it on your PATH with\n\
         `cargo install --path .` in the source tree, or use `cargo run --release -- ARGS`.\n",
        db = settings.database_path().display(),
        url = settings.base_url(),
        exe = std::env::current_exe().map_or("target/release/holdpoint".into(), |p| p.display().to_string()),
    ));
}
