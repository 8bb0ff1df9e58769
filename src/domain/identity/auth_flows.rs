//! State a sign-in flow keeps between its requests (an OpenID Connect redirect's nonce and PKCE
//! verifier, a WebAuthn ceremony's challenge), in the database so any process can finish what
//! another started and a restart loses nothing. Found by the SHA-256 of a random handle, used
//! once, short-lived.

use crate::db::sql::{params, Connection, OptionalExtension};

use super::secrets::{random_token, sha256};
use super::Millis;
use crate::domain::ids::UserId;
use crate::error::AppResult;

/// What the flow is, so a handle made for one cannot finish another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    OidcSignIn,
    OidcStepUp,
    PasskeyRegister,
    PasskeySignIn,
    PasskeyStepUp,
}

impl FlowKind {
    fn as_str(self) -> &'static str {
        match self {
            FlowKind::OidcSignIn => "oidc_sign_in",
            FlowKind::OidcStepUp => "oidc_step_up",
            FlowKind::PasskeyRegister => "passkey_register",
            FlowKind::PasskeySignIn => "passkey_sign_in",
            FlowKind::PasskeyStepUp => "passkey_step_up",
        }
    }
}

/// A flow lasts at most this long (a person at the provider's sign-in page, or at a passkey
/// prompt).
pub const FLOW_TTL_MS: Millis = 10 * 60 * 1000;

/// Stores `data` and returns the handle (the OIDC `state`, or a cookie's value).
pub fn start(
    conn: &Connection,
    now: Millis,
    kind: FlowKind,
    user_id: Option<UserId>,
    data: &str,
) -> AppResult<String> {
    let handle = random_token(32);
    conn.execute(
        "INSERT INTO auth_flows (handle_hash, kind, user_id, data, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            &sha256(handle.as_bytes())[..],
            kind.as_str(),
            user_id,
            data,
            now,
            now + FLOW_TTL_MS
        ],
    )?;
    Ok(handle)
}

/// The flow behind `handle`, consumed: a second use of the same handle finds nothing. `None`
/// for an unknown, expired or other-kind handle.
pub fn take(
    conn: &Connection,
    now: Millis,
    kind: FlowKind,
    handle: &str,
) -> AppResult<Option<(Option<UserId>, String)>> {
    let hash = sha256(handle.as_bytes());
    let row: Option<(Option<UserId>, String, String, Millis)> = conn
        .query_row(
            "DELETE FROM auth_flows WHERE handle_hash = ?1
             RETURNING user_id, data, kind, expires_at",
            [&hash[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(row
        .filter(|(_, _, k, expires_at)| k == kind.as_str() && now < *expires_at)
        .map(|(user, data, _, _)| (user, data)))
}

/// Housekeeping: flows nobody finished.
pub fn purge_expired(conn: &Connection, now: Millis) -> crate::db::sql::Result<usize> {
    conn.execute("DELETE FROM auth_flows WHERE expires_at <= ?1", [now])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        conn
    }

    #[test]
    fn a_flow_is_found_once_by_its_handle_and_only_for_its_kind() {
        let conn = db();
        let h = start(&conn, 0, FlowKind::OidcSignIn, None, "{\"n\":1}").unwrap();
        assert!(take(&conn, 1, FlowKind::PasskeySignIn, &h)
            .unwrap()
            .is_none());
        let h = start(&conn, 0, FlowKind::OidcSignIn, None, "{\"n\":1}").unwrap();
        let (user, data) = take(&conn, 1, FlowKind::OidcSignIn, &h).unwrap().unwrap();
        assert_eq!((user, data.as_str()), (None, "{\"n\":1}"));
        assert!(take(&conn, 2, FlowKind::OidcSignIn, &h).unwrap().is_none());
    }

    #[test]
    fn housekeeping_purges_the_flows_past_their_end_and_keeps_the_rest() {
        let conn = db();
        let old = start(&conn, 0, FlowKind::OidcSignIn, None, "x").unwrap();
        let new = start(&conn, 1, FlowKind::OidcSignIn, None, "x").unwrap();
        assert_eq!(purge_expired(&conn, 600_000).unwrap(), 1);
        assert_eq!(purge_expired(&conn, 600_000).unwrap(), 0);
        assert!(take(&conn, 0, FlowKind::OidcSignIn, &old)
            .unwrap()
            .is_none());
        assert!(take(&conn, 0, FlowKind::OidcSignIn, &new)
            .unwrap()
            .is_some());
    }

    #[test]
    fn a_flow_lapses_after_ten_minutes() {
        let conn = db();
        // Ten minutes written out: the constant itself is under test.
        let h = start(&conn, 0, FlowKind::OidcSignIn, None, "x").unwrap();
        assert!(take(&conn, 600_000, FlowKind::OidcSignIn, &h)
            .unwrap()
            .is_none());
        let h = start(&conn, 0, FlowKind::OidcSignIn, None, "x").unwrap();
        assert!(take(&conn, 599_999, FlowKind::OidcSignIn, &h)
            .unwrap()
            .is_some());
    }
}
