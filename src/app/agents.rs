//! Agent controls that take more than one writer job: a cancel ends the agent's or run's
//! pending pauses in batches (each batch one short job, so other workspaces' writes go
//! between), and a delete is mark, batches, then removal. Shared by the API and the pages.

use crate::domain::agents::cancel::{self, Target};
use crate::domain::agents::control::Controller;
use crate::domain::agents::{remove, Fleet};
use crate::error::AppResult;
use crate::services::Services;

/// Cancels `target`'s pending pauses, one writer job per batch; their watch ids.
pub async fn cancel_all(
    services: &Services,
    target: Target,
    by: &Controller,
) -> AppResult<Vec<String>> {
    let mut done = Vec::new();
    loop {
        let (t, who, now) = (target.clone(), by.clone(), services.now());
        let ids = services
            .writer
            .run(move |ctx| cancel::batch(ctx, now, &t, &who))
            .await?;
        if ids.is_empty() {
            return Ok(done);
        }
        done.extend(ids);
    }
}

/// Deletes an agent: marked cancelled (new pauses naming it are refused), its pending pauses
/// cancelled in batches, then the agent with its history, guidance and pin removed.
pub async fn delete(
    services: &Services,
    fleet: Fleet,
    name: &str,
    by: &Controller,
) -> AppResult<()> {
    let (n, now) = (name.to_string(), services.now());
    let target = services
        .writer
        .run(move |ctx| remove::start_delete(ctx, now, fleet, &n))
        .await?;
    cancel_all(services, target, by).await?;
    let (n, who, now) = (name.to_string(), by.clone(), services.now());
    services
        .writer
        .run(move |ctx| remove::finish_delete(ctx, now, fleet, &n, &who))
        .await
}
