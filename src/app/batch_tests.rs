use super::*;

fn ids(n: usize) -> Vec<Uuid> {
    (0..n).map(|_| Uuid::new_v4()).collect()
}

#[test]
fn a_batch_takes_one_to_two_hundred_pauses() {
    assert_eq!(Batch::new(vec![], true, None), Err(BatchError::NoPauses));
    assert_eq!(Batch::new(ids(1), true, None).unwrap().watch_ids().len(), 1);
    assert_eq!(
        Batch::new(ids(200), true, None).unwrap().watch_ids().len(),
        200
    );
    assert_eq!(
        Batch::new(ids(201), true, None),
        Err(BatchError::TooMany(201))
    );
}

#[test]
fn a_repeated_pause_is_decided_once_in_the_order_first_given() {
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let batch = Batch::new(vec![b, a, b, a, b], false, None).unwrap();
    assert_eq!(batch.watch_ids(), &[b, a]);
}

#[test]
fn ids_are_counted_as_sent_so_repeats_count_against_the_limit() {
    let one = Uuid::new_v4();
    assert_eq!(
        Batch::new(vec![one; 201], true, None),
        Err(BatchError::TooMany(201))
    );
}

#[test]
fn the_reason_is_trimmed_and_limited_like_a_single_decisions() {
    let batch = Batch::new(ids(1), false, Some("  too risky \n".into())).unwrap();
    assert_eq!(batch.reason.as_deref(), Some("too risky"));
    let blank = Batch::new(ids(1), false, Some(" \u{200b} ".into())).unwrap();
    assert_eq!(blank.reason, None);
    let longest = "x".repeat(MAX_REASON_CHARS);
    assert!(Batch::new(ids(1), false, Some(longest.clone())).is_ok());
    assert_eq!(
        Batch::new(ids(1), false, Some(longest + "é")),
        Err(BatchError::ReasonTooLong)
    );
}

#[test]
fn refusals_say_why_in_words() {
    assert_eq!(
        Refusal::Question.to_string(),
        "questions are answered on their page"
    );
    assert_eq!(
        Refusal::Plan.to_string(),
        "plans are approved on their page"
    );
    assert_eq!(
        Refusal::ReasonRequired.to_string(),
        "a reason is required to reject this pause"
    );
    assert_eq!(Refusal::Rule("no".into()).to_string(), "no");
    assert!(BatchError::TooMany(201).to_string().contains("at most 200"));
}
