//! The create body's parsing: context nesting and what cannot be read back.

use super::*;

#[test]
fn nesting_depth_ignores_brackets_inside_strings() {
    assert_eq!(nesting_depth(r#"{"a":"[[[{{{\"[["}"#), 1);
    assert_eq!(nesting_depth(r#"[[1],[[2]]]"#), 3);
    assert_eq!(nesting_depth("1"), 0);
}

#[test]
fn contexts_that_cannot_be_read_back_are_refused() {
    let deep = format!("{}1{}", "[".repeat(65), "]".repeat(65));
    for ctx in [deep.as_str(), r#"{"n":1e400}"#, r#""\ud800""#] {
        let body = format!(r#"{{"action":"a","context":{ctx}}}"#);
        let err = parse_create_request(body.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, AppError::Invalid { field, .. } if field == "context"),
            "{ctx}: {err:?}"
        );
    }
    let ok = format!("{}1{}", "[".repeat(64), "]".repeat(64));
    let body = format!(r#"{{"action":"a","context":{ok}}}"#);
    assert_eq!(
        parse_create_request(body.as_bytes()).unwrap().context,
        Some(ok)
    );
}
