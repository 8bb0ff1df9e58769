use super::*;

/// RFC 6238 appendix B's SHA-1 seed.
const RFC_SEED: &[u8] = b"12345678901234567890";

fn db_with_user() -> Connection {
    super::super::test_db::one_owner()
}

fn set_secret(conn: &Connection, secret: &[u8], confirmed: bool) {
    conn.execute(
        "UPDATE users SET totp_secret = ?1, totp_confirmed_at = ?2 WHERE id = 1",
        params![secret, confirmed.then_some(0)],
    )
    .unwrap();
}

#[test]
fn the_rfc_6238_sha1_test_vectors_are_reproduced_to_six_digits() {
    let t = totp(RFC_SEED, "a").unwrap();
    // Appendix B gives 8 digits; 6-digit codes are their last six.
    for (time, code) in [
        (59u64, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ] {
        assert_eq!(t.generate(time).to_string(), code[2..], "at {time}");
    }
}

#[test]
fn a_code_is_accepted_one_step_either_side_and_not_two() {
    let conn = db_with_user();
    set_secret(&conn, RFC_SEED, true);
    let t = totp(RFC_SEED, "a").unwrap();
    let now_s = 1_111_111_111u64;
    let now = now_s as i64 * 1000;
    let two_back = t.generate(now_s - 60).to_string();
    assert!(!verify(&conn, now, UserId(1), &two_back, false).unwrap());
    let one_back = t.generate(now_s - 30).to_string();
    assert!(verify(&conn, now, UserId(1), &one_back, false).unwrap());
    let one_ahead = t.generate(now_s + 30).to_string();
    assert!(verify(&conn, now, UserId(1), &one_ahead, false).unwrap());
    let two_ahead = t.generate(now_s + 60).to_string();
    assert!(!verify(&conn, now, UserId(1), &two_ahead, false).unwrap());
}

#[test]
fn a_code_is_accepted_once_and_an_earlier_step_after_it_never() {
    let conn = db_with_user();
    set_secret(&conn, RFC_SEED, true);
    let t = totp(RFC_SEED, "a").unwrap();
    let now_s = 2_000_000_000u64;
    let now = now_s as i64 * 1000;
    let code = t.generate(now_s).to_string();
    assert!(verify(&conn, now, UserId(1), &code, false).unwrap());
    assert!(
        !verify(&conn, now, UserId(1), &code, false).unwrap(),
        "replayed"
    );
    let earlier = t.generate(now_s - 30).to_string();
    assert!(!verify(&conn, now, UserId(1), &earlier, false).unwrap());
}

#[test]
fn a_pending_secret_is_only_good_for_confirming_and_confirming_turns_it_on() {
    let conn = db_with_user();
    set_secret(&conn, RFC_SEED, false);
    let t = totp(RFC_SEED, "a").unwrap();
    let now_s = 1_234_567_890u64;
    let now = now_s as i64 * 1000;
    let code = t.generate(now_s).to_string();
    assert!(!verify(&conn, now, UserId(1), &code, false).unwrap());
    assert!(!enabled(&conn, UserId(1)).unwrap());
    assert!(verify(&conn, now, UserId(1), &code, true).unwrap());
    assert!(enabled(&conn, UserId(1)).unwrap());
    let next = t.generate(now_s + 30).to_string();
    assert!(!verify(&conn, now + 30_000, UserId(1), &next, true).unwrap());
    assert!(verify(&conn, now + 30_000, UserId(1), &next, false).unwrap());
}

#[test]
fn enrolment_gives_an_otpauth_uri_with_the_issuer_and_a_base32_secret() {
    let conn = db_with_user();
    let e = begin(&conn, UserId(1), "a@example.com").unwrap();
    assert!(
        e.uri
            .starts_with("otpauth://totp/Holdpoint:a%40example.com?"),
        "{}",
        e.uri
    );
    assert!(e.uri.contains("issuer=Holdpoint"));
    assert_eq!(e.secret_base32.len(), 32);
    assert!(pending(&conn, UserId(1), "a@example.com")
        .unwrap()
        .is_some());
    remove(&conn, UserId(1)).unwrap();
    assert!(pending(&conn, UserId(1), "a@example.com")
        .unwrap()
        .is_none());
}

#[test]
fn a_user_without_a_secret_has_no_code_that_works() {
    let conn = db_with_user();
    assert!(!verify(&conn, 0, UserId(1), "000000", false).unwrap());
    assert!(!verify(&conn, 0, UserId(1), "000000", true).unwrap());
}
