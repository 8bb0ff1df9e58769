//! Who is deciding a pause, as read inside the deciding transaction ([`ActiveResponder`]), and
//! the separation of duties between API keys: a key never decides a pause it created itself (a
//! test key deciding its own test pauses is the one exception, so agent developers can script
//! both sides of a test), and live and test never meet.

use crate::db::sql::Connection;

use super::api_keys::{self, AuthKey};
use super::audit::Actor;
use super::ids::{UserId, WorkspaceId};
use super::pauses::Pause;
use super::respond::{RespondError, Responder};
use super::scopes::KeyScope;
use super::users;
use super::Millis;
use crate::error::AppResult;

/// The responder as it stands in the transaction: a person whose account is enabled, or a key
/// not revoked, of `workspace_id`.
#[derive(Debug, Clone, Copy)]
pub struct ActiveResponder {
    pub workspace_id: WorkspaceId,
    pub user_id: Option<UserId>,
    pub key: Option<AuthKey>,
}

impl ActiveResponder {
    pub fn actor(&self) -> Actor {
        match (self.user_id, self.key) {
            (Some(id), _) => Actor::User(id),
            (None, Some(key)) => Actor::Key(key.id),
            (None, None) => Actor::System,
        }
    }
}

/// Reads the responder; a disabled account or a revoked or expired key is None (nothing is
/// recorded). The key was checked when the request came in; checked again here, at commit time,
/// a key that expires while its request waits for the writer decides nothing.
pub fn active_responder(
    conn: &Connection,
    now: Millis,
    responder: Responder,
) -> AppResult<Option<ActiveResponder>> {
    Ok(match responder {
        Responder::User { user_id, .. }
        | Responder::EmailLink { user_id, .. }
        | Responder::PushLink { user_id, .. } => users::get(conn, user_id)?
            .filter(|u| !u.disabled)
            .map(|u| ActiveResponder {
                workspace_id: u.workspace_id,
                user_id: Some(u.id),
                key: None,
            }),
        Responder::Policy { workspace_id } => Some(ActiveResponder {
            workspace_id,
            user_id: None,
            key: None,
        }),
        Responder::ApiKey { key_id } => api_keys::live_by_id(conn, key_id)?
            .filter(|k| !k.expired(now))
            .map(|k| ActiveResponder {
                workspace_id: k.workspace_id,
                user_id: None,
                key: Some(k),
            }),
    })
}

/// May `key` decide `pause`? A pause of the other mode (live/test) is not there for the key,
/// as for a pause that does not exist; its own pause only if both are test; any other pause
/// only with the `decide` scope.
pub fn key_may_decide(key: &AuthKey, pause: &Pause) -> Result<(), RespondError> {
    if key.test != pause.test {
        return Err(RespondError::NotFound);
    }
    if pause.api_key_id == Some(key.id) {
        return match key.test {
            true => Ok(()),
            false => Err(RespondError::SelfDecision),
        };
    }
    match key.scopes.has(KeyScope::Decide) {
        true => Ok(()),
        false => Err(RespondError::InsufficientScope(KeyScope::Decide)),
    }
}

/// May the policy give `response` to `pause`? Only what the verdict stored with the pause
/// decided: a policy never decides a pause it let wait, nor differently from its verdict.
pub fn policy_may_decide(pause: &Pause, response: &super::response::Response) -> bool {
    use super::policy::Outcome;
    use super::response::Response;
    matches!(
        (pause.policy.as_ref().map(|v| v.result), response),
        (Some(Outcome::Approved), Response::Approve { .. })
            | (Some(Outcome::Rejected), Response::Reject { .. })
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity::test_db;
    use crate::domain::ids::ApiKeyId;

    fn key_expiring_at(at: Option<Millis>) -> (Connection, ApiKeyId) {
        let conn = test_db::with(&format!(
            "INSERT INTO api_keys (id, workspace_id, name, prefix, key_hash, created_at, scopes,
                                   expires_at)
             VALUES (7, 1, 'k', 'hitl_live_ab', x'00', 0, 'decide', {});",
            at.map_or("NULL".into(), |a| a.to_string())
        ));
        (conn, ApiKeyId(7))
    }

    #[test]
    fn a_key_decides_up_to_its_expiry_and_not_a_millisecond_after_it() {
        let (conn, key) = key_expiring_at(Some(1_000));
        let who = |now| active_responder(&conn, now, Responder::ApiKey { key_id: key }).unwrap();
        assert_eq!(who(1_000).and_then(|w| w.key).map(|k| k.id), Some(key));
        assert!(who(1_001).is_none());
    }

    #[test]
    fn a_key_without_an_expiry_decides_at_any_time() {
        let (conn, key) = key_expiring_at(None);
        let who = active_responder(&conn, i64::MAX, Responder::ApiKey { key_id: key }).unwrap();
        assert!(who.is_some());
    }
}
