//! User email addresses: one plain address each, the unique sign-in name.

use crate::error::{AppError, AppResult};

pub const MAX_EMAIL: usize = 254;

/// One plain address (`name@example.com`), lower-cased, as the unique sign-in name. Parsed with
/// lettre's [`lettre::Address`]; display names, lists and quoted local parts are refused too
/// (each would let two accounts share one mailbox, or one row name several).
pub fn normalize_email(email: &str) -> AppResult<String> {
    let e = email.trim().to_lowercase();
    let refuse = |why: &str| {
        Err(AppError::invalid(
            "email",
            format!(
                "{} is not a plain email address: {why}",
                quoted(email.trim())
            ),
        ))
    };
    if e.len() > MAX_EMAIL {
        return Err(AppError::invalid(
            "email",
            format!("an email address has at most {MAX_EMAIL} characters"),
        ));
    }
    if e.contains(['<', '>']) {
        return refuse("enter the address alone, without a display name or angle brackets");
    }
    if e.contains([',', ';']) {
        return refuse("enter one address, not a list");
    }
    if e.contains('"') {
        return refuse("quoted local parts are not accepted; use an address like name@example.com");
    }
    let domain_ok = |d: &str| d.contains('.') && !d.starts_with('.') && !d.ends_with('.');
    match e.parse::<lettre::Address>() {
        Ok(a) if domain_ok(a.domain()) && !a.domain().starts_with('[') => Ok(e),
        _ => refuse("use the form name@example.com"),
    }
}

/// User input echoed in a message: in backticks, cut to 60 characters so a huge value cannot
/// blow up a page or a flash cookie.
pub fn quoted(input: &str) -> String {
    const MAX: usize = 60;
    match input.char_indices().nth(MAX) {
        Some((cut, _)) => format!("`{}…`", &input[..cut]),
        None => format!("`{input}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_pass_and_display_names_quotes_and_lists_do_not() {
        for ok in ["a@x.io", " First.Last+tag@Sub.Example.co ", "o'neil@x.io"] {
            assert_eq!(normalize_email(ok).unwrap(), ok.trim().to_lowercase());
        }
        for bad in [
            "<m3@y.io>",
            "Me <m3@y.io>",
            "\"m6\"@x.io",
            "a@x.io,b@y.io",
            "a@x.io;b@y.io",
            "a b@x.io",
            "a@localhost",
            "a@[127.0.0.1]",
            "@x.io",
            "a@",
            "a@@x.io",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn echoed_input_is_cut_to_60_characters() {
        let long = format!("<{}@x.io>", "é".repeat(100));
        let detail = normalize_email(&long).unwrap_err().detail();
        assert!(
            detail.starts_with(&format!("`<{}…`", "é".repeat(59))),
            "{detail}"
        );
        assert_eq!(quoted("abc"), "`abc`");
    }
}
