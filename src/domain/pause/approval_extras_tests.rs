use super::*;

#[test]
fn editable_keys_must_be_top_level_keys_of_an_object_context() {
    let ctx = Some(r#"{"to":"a","body":{"x":1}}"#);
    assert!(validate_editable(vec!["to".into(), "body".into()], ctx).is_ok());
    assert!(validate_editable(vec!["x".into()], ctx).is_err());
    assert!(validate_editable(vec!["to".into()], Some("[1]")).is_err());
    assert!(validate_editable(vec!["to".into()], None).is_err());
}

#[test]
fn depth_counts_containers_only() {
    assert_eq!(depth(&json!(1)), 0);
    assert_eq!(depth(&json!({"a": [1, [2]]})), 3);
}
