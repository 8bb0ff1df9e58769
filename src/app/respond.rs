//! A person's response to a pause, run on the writer. The rules are
//! [`domain::respond`](crate::domain::respond)'s; this only puts them in a transaction for
//! entry points that have nothing else to do in it (the email link's page re-checks its link in
//! the same transaction, so it calls the domain command itself).

use uuid::Uuid;

use crate::domain::audit::Actor;
use crate::domain::policy::remember::{self, Remember};
use crate::domain::respond::{self, RespondError, Responded, Responder, Response};
use crate::domain::{deciders, pauses};
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

/// As [`respond`], and once the approval is recorded, in the same transaction, the allow rule
/// that remembers it (see [`remember`](crate::domain::policy::remember)). What makes the
/// remembering impossible is checked before the response is recorded: a refusal writes nothing.
pub async fn respond_remembering(
    services: &Services,
    responder: Responder,
    watch_id: Uuid,
    response: Response,
    remembered: Remember,
) -> AppResult<Result<Responded, RespondError>> {
    let now = services.now();
    let actor = match responder {
        Responder::User { user_id, .. }
        | Responder::EmailLink { user_id, .. }
        | Responder::PushLink { user_id, .. } => Actor::User(user_id),
        Responder::ApiKey { key_id } => Actor::Key(key_id),
        Responder::Policy { .. } => Actor::System,
    };
    services
        .writer
        .run(move |ctx| {
            let who = deciders::active_responder(ctx.conn, now, responder)?;
            let pause = match who {
                Some(who) => pauses::get(ctx.conn, who.workspace_id, &watch_id)?,
                None => None,
            };
            if let Some(pause) = &pause {
                remember::check(pause, remembered)?;
            }
            remember::respond_remembering(
                ctx,
                now,
                (responder, actor),
                &watch_id,
                response,
                Some(remembered),
            )
        })
        .await
}
