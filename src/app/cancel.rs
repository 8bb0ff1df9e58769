//! An agent withdraws its pending pause: `POST /api/pause/:watchId/cancel` and the MCP
//! `tasks/cancel` (a task is a pause) both come here.

use uuid::Uuid;

use crate::domain::api_keys::AuthKey;
use crate::domain::pauses::{self, Transition};
use crate::error::AppResult;
use crate::services::Services;

/// Cancels the pause if it is still pending; a pause of the key's other mode (test or live)
/// is not found, as one that does not exist.
pub async fn cancel(services: &Services, key: &AuthKey, watch_id: &Uuid) -> AppResult<Transition> {
    let (key, watch_id, now) = (*key, *watch_id, services.now());
    services
        .writer
        .run(move |ctx| pauses::cancel(ctx, now, &key, &watch_id))
        .await
}
