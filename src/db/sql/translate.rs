//! SQLite's `?` and `?N` placeholders as PostgreSQL's `$N`, so most statements are written once.

/// Rewrites placeholders outside string literals, quoted identifiers and comments. A bare `?`
/// takes the number after the largest used so far, as in SQLite.
pub fn placeholders(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let (mut i, mut largest) = (0, 0usize);
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' => {
                let end = closing(bytes, i + 1, c);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'?' => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let n = if digits == 0 {
                    largest + 1
                } else {
                    sql[i + 1..i + 1 + digits].parse().unwrap_or(0)
                };
                largest = largest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
                i += 1 + digits;
            }
            _ => {
                let len = utf8_len(c);
                out.push_str(&sql[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// The index just past the quote closing one opened before `from` (a doubled quote escapes).
fn closing(bytes: &[u8], mut from: usize, quote: u8) -> usize {
    while from < bytes.len() {
        if bytes[from] == quote {
            if bytes.get(from + 1) == Some(&quote) {
                from += 2;
                continue;
            }
            return from + 1;
        }
        from += 1;
    }
    bytes.len()
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn numbered_and_bare_placeholders_become_dollar_numbers() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?2 AND c = ?1 AND d = ?"),
            "SELECT a FROM t WHERE b = $2 AND c = $1 AND d = $3"
        );
        assert_eq!(placeholders("VALUES (?, ?, ?)"), "VALUES ($1, $2, $3)");
    }

    #[test]
    fn question_marks_in_strings_identifiers_and_comments_stay() {
        assert_eq!(
            placeholders("SELECT 'a?''?b', \"q?\" -- why?\n FROM t WHERE x = ?1"),
            "SELECT 'a?''?b', \"q?\" -- why?\n FROM t WHERE x = $1"
        );
        assert_eq!(placeholders("SELECT 'é?' || ?1"), "SELECT 'é?' || $1");
    }
}
