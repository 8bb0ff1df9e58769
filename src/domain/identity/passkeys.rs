//! A person's passkeys (WebAuthn credentials), as second factor or whole sign-in. The credential
//! itself is stored as `webauthn-rs` serialises it (`passkey_json`); this module keeps it opaque.
//! Every query is scoped to its user: one person cannot list, use or remove another's passkey.

use crate::db::sql::{params, Connection, OptionalExtension};

use super::Millis;
use crate::domain::ids::UserId;
use crate::error::{AppError, AppResult};

/// How many passkeys one person may enrol.
pub const MAX_PER_USER: usize = 10;
/// The longest name a passkey may be given, in characters.
pub const MAX_NAME: usize = 60;

/// A passkey as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: i64,
    pub name: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
}

pub fn list(conn: &Connection, user: UserId) -> AppResult<Vec<Listed>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([user], |r| {
        Ok(Listed {
            id: r.get(0)?,
            name: r.get(1)?,
            created_at: r.get(2)?,
            last_used_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The stored credentials of `user` (`passkey_json`), for a ceremony.
pub fn credentials(conn: &Connection, user: UserId) -> AppResult<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT passkey_json FROM passkeys WHERE user_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([user], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The owner and stored credential of a credential id (a discoverable passkey's sign-in).
pub fn by_credential_id(
    conn: &Connection,
    credential_id: &[u8],
) -> AppResult<Option<(UserId, String)>> {
    Ok(conn
        .query_row(
            "SELECT user_id, passkey_json FROM passkeys WHERE credential_id = ?1",
            [credential_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// A name as typed: trimmed, control characters refused, at most [`MAX_NAME`] characters; empty
/// becomes "Passkey".
pub fn clean_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "a passkey's name is one line of text",
        ));
    }
    if name.chars().count() > MAX_NAME {
        return Err(AppError::invalid(
            "name",
            format!("a passkey's name is at most {MAX_NAME} characters"),
        ));
    }
    Ok(match name {
        "" => "Passkey".to_string(),
        n => n.to_string(),
    })
}

/// Stores a new passkey; refuses one past [`MAX_PER_USER`] and a credential already enrolled.
pub fn add(
    conn: &Connection,
    now: Millis,
    user: UserId,
    credential_id: &[u8],
    name: &str,
    passkey_json: &str,
) -> AppResult<i64> {
    if count(conn, user)? >= MAX_PER_USER {
        return Err(too_many());
    }
    let added: Option<i64> = conn
        .query_row(
            "INSERT INTO passkeys (user_id, credential_id, name, passkey_json, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (credential_id) DO NOTHING RETURNING id",
            params![user, credential_id, name, passkey_json, now],
            |r| r.get(0),
        )
        .optional()?;
    added.ok_or_else(|| AppError::Conflict {
        detail: "this passkey is already enrolled".into(),
        current: None,
    })
}

pub fn count(conn: &Connection, user: UserId) -> AppResult<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM passkeys WHERE user_id = ?1",
        [user],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

pub fn too_many() -> AppError {
    AppError::invalid(
        "passkey",
        format!("you have {MAX_PER_USER} passkeys, the most one may have: remove one first"),
    )
}

/// A passkey of `user` was just used: when, and its new signature counter (if it changed).
pub fn mark_used(
    conn: &Connection,
    now: Millis,
    user: UserId,
    credential_id: &[u8],
    updated_json: Option<&str>,
) -> AppResult<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "UPDATE passkeys SET last_used_at = ?1, passkey_json = coalesce(?2, passkey_json)
             WHERE user_id = ?3 AND credential_id = ?4 RETURNING id, name",
            params![now, updated_json, user, credential_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Removes the passkey `id` of `user`; its name, or `None` when `user` has no such passkey.
pub fn remove(conn: &Connection, user: UserId, id: i64) -> AppResult<Option<String>> {
    Ok(conn
        .query_row(
            "DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2 RETURNING name",
            params![id, user],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_one_trimmed_line_of_at_most_sixty_characters() {
        assert_eq!(clean_name("  Laptop  ").unwrap(), "Laptop");
        assert_eq!(clean_name("").unwrap(), "Passkey");
        assert!(clean_name(&"é".repeat(MAX_NAME)).is_ok());
        assert!(clean_name(&"é".repeat(MAX_NAME + 1)).is_err());
        assert!(clean_name("two\nlines").is_err());
    }
}
