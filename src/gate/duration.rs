//! `--timeout 30m`: the spans the gates take, checked against the API's limits before anything
//! is sent, so a typo is a usage error (exit 3) and never a pause with the wrong deadline.

/// The API's `timeoutSeconds` range (README: "Request body of `POST /api/pause`").
pub const MIN_TIMEOUT: u64 = 10;
pub const MAX_TIMEOUT: u64 = 2_592_000;

/// `N`, `Ns`, `Nm`, `Nh` or `Nd` in seconds, without a range check.
pub fn parse_span(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "`{text}` is not a duration: write N (seconds), Ns, Nm, Nh or Nd, e.g. 90s, 30m, 2h"
        )
    };
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        Some(_) => (text, 's'),
        None => return Err(bad()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{text}` is too long; the longest timeout is 30d"))
}

/// A pause's `timeoutSeconds`: a span within the API's 10 s to 30 days.
pub fn parse_timeout(text: &str) -> Result<u64, String> {
    let secs = parse_span(text)?;
    if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&secs) {
        return Err(format!(
            "`{text}` is {secs} s; a timeout must be from {MIN_TIMEOUT} s to {MAX_TIMEOUT} s (30d)"
        ));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_reads_as_seconds() {
        assert_eq!(parse_timeout("45"), Ok(45));
        assert_eq!(parse_timeout("45s"), Ok(45));
        assert_eq!(parse_timeout("30m"), Ok(1800));
        assert_eq!(parse_timeout("2h"), Ok(7200));
        assert_eq!(parse_timeout("1d"), Ok(86_400));
    }

    #[test]
    fn the_api_limits_are_accepted_and_one_past_them_refused() {
        assert_eq!(parse_timeout("10"), Ok(10));
        assert_eq!(parse_timeout("30d"), Ok(2_592_000));
        assert_eq!(parse_timeout("2592000s"), Ok(2_592_000));
        assert!(parse_timeout("9s").unwrap_err().contains("from 10 s"));
        assert!(parse_timeout("2592001")
            .unwrap_err()
            .contains("to 2592000 s"));
        assert!(parse_timeout("31d").is_err());
    }

    #[test]
    fn malformed_spans_are_refused_with_the_forms_that_work() {
        for bad in [
            "",
            "m",
            "5x",
            "1.5h",
            "-5m",
            "5 m",
            "5mm",
            "ten",
            "+5",
            "99999999999999999999d",
        ] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
        assert!(parse_timeout("5x")
            .unwrap_err()
            .contains("Ns, Nm, Nh or Nd"));
    }
}
