//! A test that cannot run here (not root, so no tmpfs; `HOLDPOINT_SKIP_BROWSER` or
//! `HOLDPOINT_SKIP_NODE` set) says so and passes on a developer's machine. Under `CI=true` a skip
//! would be a test that passes without testing, so it fails the run, unless its name is in
//! `ALLOWED_CI_SKIPS` (names separated by spaces or commas; `./test` exports it with the one
//! test that needs a container daemon).

/// What to do about a skip: print this line and pass, or fail with this message.
#[derive(Debug, PartialEq, Eq)]
pub enum SkipDecision {
    Skip(String),
    Fail(String),
}

/// The decision for skipping `name` (because `why`), given `CI` and `ALLOWED_CI_SKIPS` as the
/// environment has them. Pure, so its rules are tested without touching the environment.
pub fn decide_skip(
    name: &str,
    why: &str,
    ci: Option<&str>,
    allowed_ci_skips: Option<&str>,
) -> SkipDecision {
    let under_ci = ci.is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    if !under_ci {
        return SkipDecision::Skip(format!("SKIPPED {name}: {why}"));
    }
    let allowed = allowed_ci_skips
        .unwrap_or("")
        .split(|c: char| c == ',' || c.is_whitespace())
        .any(|n| n == name);
    if allowed {
        SkipDecision::Skip(format!(
            "SKIPPED {name}: {why} (allowed under CI by ALLOWED_CI_SKIPS)"
        ))
    } else {
        SkipDecision::Fail(format!(
            "{name} cannot run here ({why}), and under CI=true a skipped test fails the run: \
             make it runnable, or add `{name}` to ALLOWED_CI_SKIPS in ./test"
        ))
    }
}

/// Prints the skip's one line and returns (the caller then returns early), or panics under CI.
pub fn skip_or_fail(name: &str, why: &str) {
    let ci = std::env::var("CI").ok();
    let allowed = std::env::var("ALLOWED_CI_SKIPS").ok();
    match decide_skip(name, why, ci.as_deref(), allowed.as_deref()) {
        SkipDecision::Skip(line) => eprintln!("{line}"),
        SkipDecision::Fail(message) => panic!("{message}"),
    }
}

#[test]
fn a_skip_outside_ci_passes_with_one_line_naming_the_test() {
    for ci in [None, Some(""), Some("false")] {
        assert_eq!(
            decide_skip("log_sink", "needs root", ci, None),
            SkipDecision::Skip("SKIPPED log_sink: needs root".into())
        );
    }
}

#[test]
fn a_skip_under_ci_fails_the_run_when_its_name_is_not_allowed() {
    for allowed in [None, Some(""), Some("other_test"), Some("log_sink_full")] {
        let decision = decide_skip("log_sink", "needs root", Some("true"), allowed);
        let SkipDecision::Fail(message) = decision else {
            panic!("{allowed:?} let it skip");
        };
        assert!(message.contains("log_sink cannot run here (needs root)"));
        assert!(message.contains("ALLOWED_CI_SKIPS"));
    }
}

#[test]
fn a_skip_named_in_allowed_ci_skips_passes_under_ci_and_says_it_was_allowed() {
    for allowed in ["log_sink", "a, log_sink", "a log_sink b"] {
        assert_eq!(
            decide_skip("log_sink", "needs root", Some("true"), Some(allowed)),
            SkipDecision::Skip(
                "SKIPPED log_sink: needs root (allowed under CI by ALLOWED_CI_SKIPS)".into()
            )
        );
    }
}

#[test]
fn the_test_script_allows_only_the_docker_image_build_to_skip_under_ci() {
    let script = include_str!("../../test");
    assert!(
        script.contains(
            "export ALLOWED_CI_SKIPS=\"the_docker_image_builds_and_runs_as_a_non_root_user\""
        ),
        "./test must define the list, with the image build alone"
    );
}
