//! A person's response to a pause, run on the writer. The rules are
//! [`domain::respond`](crate::domain::respond)'s; this only puts them in a transaction for
//! entry points that have nothing else to do in it (the email link's page re-checks its link in
//! the same transaction, so it calls the domain command itself).

use uuid::Uuid;

use crate::domain::respond::{self, RespondError, Responded, Responder, Response};
use crate::error::AppResult;
use crate::services::Services;

/// The recorded response, or why it was not recorded (nothing was written then). The outer
/// error is a failure of the database.
pub async fn respond(
    services: &Services,
    responder: Responder,
    watch_id: Uuid,
    response: Response,
) -> AppResult<Result<Responded, RespondError>> {
    let now = services.now();
    services
        .writer
        .run(move |ctx| respond::respond(ctx, now, responder, &watch_id, response))
        .await
}
