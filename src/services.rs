//! What background work needs from the running application, without the HTTP state: the
//! writer, the read pool, the clock, the waiters, the settings and a few shared handles. Jobs,
//! the outbox dispatcher and (later) the CLI or MCP take a `Services`; handlers get one from
//! [`crate::http::AppState::services`]. Every field is a cheap handle, so cloning is cheap.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::{Pool, Writer};
use crate::domain::clock::Clock;
use crate::domain::Millis;
use crate::error::AppError;
use crate::waiters::Waiters;

#[derive(Clone)]
pub struct Services {
    pub pool: Pool,
    pub writer: Writer<AppError>,
    pub waiters: Arc<Waiters>,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    /// Wakes the outbox dispatcher when a commit queued messages.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// The mail transport (SMTP or `.eml` files), built once at startup.
    pub mailer: Arc<crate::notify::mailer::Mailer>,
    /// Per-API-key and per-client-IP request budgets (housekeeping drops refilled buckets).
    pub rate_limits: Arc<crate::rate_limit::RateLimits>,
    /// Request and delivery counters for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl Services {
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    pub fn base_url(&self) -> String {
        self.settings.base_url()
    }

    /// Runs `f` with a pooled connection on a blocking thread: every read goes this way, so no
    /// query runs on an async worker (a blocking database client may not run there at all).
    pub async fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&crate::db::Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let read = move || f(&*pool.get().map_err(AppError::from)?);
        tokio::task::spawn_blocking(read)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("read task failed: {e}")))?
    }
}
