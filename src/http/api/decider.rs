//! Who may decide a pause through the API: the one check that `/approve` (and `/answer`)
//! share. A signed-in person, whose CSRF token the handler checks with
//! [`Decider::check_csrf`] once it has read the body (a form carries the token there), or an
//! API key that may decide: one with the `decide` scope, or a test key, which may decide its own
//! test pauses without it (the deciding transaction checks which pause, see
//! [`crate::domain::deciders::key_may_decide`]).

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::auth::{authenticate, rate_limit};
use super::pauses::Shown;
use crate::domain::api_keys::AuthKey;
use crate::domain::ids::WorkspaceId;
use crate::domain::respond::{Responder, Via};
use crate::domain::scopes::KeyScope;
use crate::error::{AppError, AppResult};
use crate::http::auth::{self, SignedIn};
use crate::http::AppState;
use crate::services::Services;
use crate::{app, domain::identity::step_up};

/// What the key is refused without `decide`, in the 403's detail.
pub const DECIDING: &str = "approve, reject or answer pauses";

pub enum Decider {
    Person(SignedIn),
    Key(AuthKey),
}

impl Decider {
    /// A session must carry its CSRF token (header, or the form's field); a key has none to
    /// carry: a bearer token is not sent by a browser on its own.
    pub fn check_csrf(&self, req: &HttpRequest, form_field: Option<&str>) -> AppResult<()> {
        match self {
            Decider::Person(signed) => signed.check_csrf(req, form_field),
            Decider::Key(_) => Ok(()),
        }
    }

    /// The responder for [`crate::domain::respond::respond`]; `via` is how a person's answer
    /// came (a key's is always the API).
    pub fn responder(&self, via: Via) -> Responder {
        match self {
            Decider::Person(signed) => Responder::User {
                user_id: signed.user().id,
                via,
                auth: signed.session.auth,
            },
            Decider::Key(key) => Responder::ApiKey { key_id: key.id },
        }
    }

    /// As [`Self::responder`], after a second-factor code the form carried (the pause page's
    /// step-up field): a right one refreshes the session's factor, so the decision that follows
    /// in the same request may decide a pause that needs step-up. Without a code, unchanged.
    pub async fn responder_stepping_up(
        &self,
        services: &Services,
        via: Via,
        code: Option<String>,
    ) -> AppResult<Responder> {
        let code = code.filter(|c| !c.trim().is_empty());
        let (Decider::Person(signed), Some(code)) = (self, code) else {
            return Ok(self.responder(via));
        };
        let session = (
            signed.session.token_hash,
            signed.user().id,
            signed.session.auth,
        );
        let auth = app::step_up::confirm(services, session, code).await?;
        Ok(Responder::User {
            user_id: signed.user().id,
            via,
            auth,
        })
    }

    /// The workspace the decider belongs to.
    pub fn workspace_id(&self) -> WorkspaceId {
        match self {
            Decider::Person(signed) => signed.user().workspace_id,
            Decider::Key(key) => key.workspace_id,
        }
    }

    /// The key, when a key decides.
    pub fn key(&self) -> Option<&AuthKey> {
        match self {
            Decider::Person(_) => None,
            Decider::Key(key) => Some(key),
        }
    }

    /// A key that may decide but not read pauses learns who settled a pause and when, never
    /// its context: `decide` alone must not be a way around `pauses`.
    pub fn shown(&self) -> Shown {
        match self {
            Decider::Key(key) if !key.scopes.has(KeyScope::Pauses) => Shown::Settlement,
            _ => Shown::Full,
        }
    }

    /// Remembering a decision writes a rule (workspace configuration): only with an approval,
    /// by a signed-in person or a key with `decide` and `admin`.
    pub fn may_remember(&self, approved: bool) -> AppResult<()> {
        if let Some(key) = self.key() {
            super::auth::require(key, KeyScope::Admin, "remember a decision as a rule")?;
        }
        match approved {
            true => Ok(()),
            false => Err(AppError::invalid(
                "remember",
                "only an approval can be remembered (`approved: true`)",
            )),
        }
    }

    /// The session, for answers that go back to a page (a redirect with a message).
    pub fn session(&self) -> Option<&SignedIn> {
        match self {
            Decider::Person(signed) => Some(signed),
            Decider::Key(_) => None,
        }
    }
}

/// A session wins when a request carries both. A key is counted against its rate limit and
/// marked as used like on every other endpoint.
async fn identify(req: &HttpRequest) -> AppResult<Decider> {
    if let Some(signed) = auth::load(req).await? {
        return Ok(Decider::Person(signed));
    }
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return Err(AppError::BadToken(
            "Not signed in: deciding needs a signed-in dashboard session (the session cookie \
             from /login and its CSRF token in `X-CSRF-Token`) or an API key with the `decide` \
             scope as `Authorization: Bearer hitl_…`."
                .into(),
        ));
    }
    let key = authenticate(req).await?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered");
    rate_limit(state, &key)?;
    if !key.test {
        super::auth::require(&key, KeyScope::Decide, DECIDING)?;
    }
    Ok(Decider::Key(key))
}

impl FromRequest for Decider {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { identify(&req).await })
    }
}

/// `403` `/problems/step-up-required`, pointing at the pause's page, which asks for the factor.
pub fn step_up_required(watch_id: &str) -> AppError {
    AppError::StepUpRequired {
        detail: format!(
            "this pause needs step-up: deciding it needs a second factor used within the last \
             {} minutes. Open its page to confirm and decide",
            step_up::FRESH_MINUTES
        ),
        url: format!("/pauses/{watch_id}?step-up=1"),
    }
}
