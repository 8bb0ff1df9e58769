//! SQLite's `?` and `?N` placeholders as PostgreSQL's `$N`, so most statements are written once.

/// Rewrites placeholders outside string literals, quoted identifiers and comments. A bare `?`
/// takes the number after the largest used so far, as in SQLite; a `:name` takes one number
/// for all its uses, in order of first use, and the names are returned in that order.
pub fn placeholders(sql: &str) -> (String, Vec<String>) {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut names: Vec<String> = Vec::new();
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
            b':' if bytes.get(i + 1) == Some(&b':') => {
                out.push_str("::");
                i += 2;
            }
            b':' if bytes
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') =>
            {
                let len = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                let name = &sql[i..i + 1 + len];
                let n = match names.iter().position(|n| n == name) {
                    Some(at) => at + 1,
                    None => {
                        names.push(name.to_owned());
                        names.len()
                    }
                };
                out.push('$');
                out.push_str(&n.to_string());
                i += 1 + len;
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
    (out, names)
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
    fn placeholders(sql: &str) -> String {
        super::placeholders(sql).0
    }

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

    #[test]
    fn named_parameters_take_one_number_each_and_casts_stay() {
        let (sql, names) =
            super::placeholders("a = :ws AND (:ev IS NULL OR e = :ev) AND x::text = :ws");
        assert_eq!(sql, "a = $1 AND ($2 IS NULL OR e = $2) AND x::text = $1");
        assert_eq!(names, vec![":ws", ":ev"]);
    }
}
