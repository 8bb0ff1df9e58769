//! Ten single-use recovery codes (`xxxxx-xxxxx`), for a person who lost their authenticator.
//! Only their SHA-256 is kept; they are shown once, when made. Making a new set replaces the old.

use crate::db::sql::{params, Connection};
use rand::Rng;

use super::secrets::sha256;
use super::Millis;
use crate::domain::ids::UserId;
use crate::error::AppResult;

pub const COUNT: usize = 10;
/// No 0/o, 1/l/i: a code is read off paper.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

fn one() -> String {
    let mut rng = rand::rngs::OsRng;
    let mut pick = || ALPHABET[rng.gen_range(0..ALPHABET.len())] as char;
    let a: String = (0..5).map(|_| pick()).collect();
    let b: String = (0..5).map(|_| pick()).collect();
    format!("{a}-{b}")
}

/// What is hashed: lower case, no spaces, the dash optional when typed.
fn normalize(code: &str) -> String {
    let c: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if c.len() == 10 {
        format!("{}-{}", &c[..5], &c[5..])
    } else {
        c
    }
}

/// Replaces the user's codes with ten new ones and returns them (to show once).
pub fn generate(conn: &Connection, now: Millis, user_id: UserId) -> AppResult<Vec<String>> {
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    let codes: Vec<String> = (0..COUNT).map(|_| one()).collect();
    for code in &codes {
        conn.execute(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
            params![user_id, &sha256(code.as_bytes())[..], now],
        )?;
    }
    Ok(codes)
}

/// Uses up one code: `true` the first time a valid code of this user is given, then never again.
pub fn redeem(conn: &Connection, now: Millis, user_id: UserId, code: &str) -> AppResult<bool> {
    let hash = sha256(normalize(code).as_bytes());
    let n = conn.execute(
        "UPDATE recovery_codes SET used_at = ?1
         WHERE user_id = ?2 AND code_hash = ?3 AND used_at IS NULL",
        params![now, user_id, &hash[..]],
    )?;
    Ok(n == 1)
}

/// Codes left unused.
pub fn remaining(conn: &Connection, user_id: UserId) -> AppResult<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Removes them all (the second factor was turned off or reset).
pub fn remove(conn: &Connection, user_id: UserId) -> AppResult<()> {
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    Ok(())
}

/// Whether `code` looks like a recovery code rather than a 6-digit TOTP code.
pub fn looks_like(code: &str) -> bool {
    normalize(code).len() == 11
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        super::super::test_db::with(
            "INSERT INTO users (id, workspace_id, email, role, password_hash, created_at)
             VALUES (1, 1, 'a@example.com', 'owner', 'x', 0),
                    (2, 1, 'b@example.com', 'owner', 'x', 0);",
        )
    }

    #[test]
    fn ten_codes_of_the_form_xxxxx_dash_xxxxx_each_work_once() {
        let conn = db();
        let codes = generate(&conn, 0, UserId(1)).unwrap();
        assert_eq!(codes.len(), 10);
        assert!(codes
            .iter()
            .all(|c| c.len() == 11 && &c[5..6] == "-" && looks_like(c)));
        assert!(redeem(&conn, 1, UserId(1), &codes[0]).unwrap());
        assert!(
            !redeem(&conn, 2, UserId(1), &codes[0]).unwrap(),
            "used twice"
        );
        assert_eq!(remaining(&conn, UserId(1)).unwrap(), 9);
        let typed = codes[1].to_uppercase().replace('-', " ");
        assert!(redeem(&conn, 3, UserId(1), &typed).unwrap());
    }

    #[test]
    fn a_code_of_another_user_or_an_old_set_does_not_work() {
        let conn = db();
        let old = generate(&conn, 0, UserId(1)).unwrap();
        assert!(!redeem(&conn, 1, UserId(2), &old[0]).unwrap());
        generate(&conn, 1, UserId(1)).unwrap();
        assert!(!redeem(&conn, 2, UserId(1), &old[1]).unwrap());
        assert!(!looks_like("123456"));
    }
}
