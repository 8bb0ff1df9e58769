//! The Dockerfile, linted here since these machines have no container daemon: every
//! `COPY --from` names a stage defined before it, the image runs as a non-root user, checks its
//! health on /readyz and keeps the data directory in a volume. Where a daemon answers, the image
//! is built and run as well (the one test `ALLOWED_CI_SKIPS` lets skip under CI).

use std::path::Path;
use std::process::Command;

/// What is wrong with a Dockerfile, one message per problem; empty when nothing is.
pub fn lint(dockerfile: &str) -> Vec<String> {
    let lines = instructions(dockerfile);
    let mut problems = Vec::new();
    let mut stages: Vec<String> = Vec::new();
    let (mut user, mut healthcheck, mut volume, mut data_dir) = (None, false, None, None);
    for (word, rest) in &lines {
        match word.as_str() {
            "FROM" => {
                (user, healthcheck) = (None, false);
                let parts: Vec<&str> = rest.split_whitespace().collect();
                if let [_, as_, name] = parts[..] {
                    if as_.eq_ignore_ascii_case("as") {
                        stages.push(name.to_lowercase());
                    }
                }
            }
            "COPY" => {
                let from = rest
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("--from="));
                if let Some(from) = from {
                    if !stages.contains(&from.to_lowercase()) {
                        problems.push(format!("COPY --from={from} names no earlier stage"));
                    }
                }
            }
            "USER" => user = Some(rest.trim().to_string()),
            "HEALTHCHECK" => healthcheck = rest.contains("/readyz"),
            "VOLUME" => volume = Some(rest.clone()),
            "ENV" => {
                let dir = rest
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("HOLDPOINT_DATA_DIR="));
                data_dir = dir.map(str::to_string).or(data_dir);
            }
            _ => {}
        }
    }
    match user.as_deref().map(|u| u.split(':').next().unwrap_or("")) {
        None => problems.push("the final stage sets no USER: the image runs as root".into()),
        Some("root" | "0") => problems.push("the final USER is root".into()),
        Some(_) => {}
    }
    if !healthcheck {
        problems.push("the final stage has no HEALTHCHECK on /readyz".into());
    }
    match (data_dir, volume) {
        (Some(dir), Some(v)) if v.contains(&format!("\"{dir}\"")) || v.trim() == dir => {}
        (dir, v) => problems.push(format!(
            "the data directory {dir:?} is not the VOLUME {v:?}"
        )),
    }
    problems
}

/// Instructions as (upper-case word, the rest), with `\` continuations joined and comments out.
fn instructions(dockerfile: &str) -> Vec<(String, String)> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.trim().split_once(char::is_whitespace) {
            Some((w, rest)) => (w.to_uppercase(), rest.trim().to_string()),
            None => (l.trim().to_uppercase(), String::new()),
        })
        .collect()
}

fn dockerfile() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap()
}

#[test]
fn the_dockerfile_copies_only_from_earlier_stages_and_runs_as_non_root_with_a_health_check() {
    let text = dockerfile();
    assert_eq!(lint(&text), Vec::<String>::new());
    let stages = instructions(&text)
        .iter()
        .filter(|(w, _)| w == "FROM")
        .count();
    assert!(
        stages >= 2,
        "a multi-stage build: the toolchain stays out of the image"
    );
    // The runtime is a small base, not the build image.
    let last_from = instructions(&text)
        .into_iter()
        .rfind(|(w, _)| w == "FROM")
        .unwrap()
        .1;
    assert!(last_from.contains("distroless"), "{last_from}");
}

#[test]
fn the_lint_finds_each_mistake_it_is_there_for() {
    let good = dockerfile();
    let cases = [
        (
            good.replace("COPY --from=busybox ", "COPY --from=busybux "),
            "busybux names no",
        ),
        (
            good.replace("FROM busybox:1.36-musl AS busybox", ""),
            "busybox names no",
        ),
        (
            good.replace("USER 65532:65532", "USER root"),
            "final USER is root",
        ),
        (
            good.replace("USER 65532:65532", "USER 0:0"),
            "final USER is root",
        ),
        (good.replace("USER 65532:65532", ""), "runs as root"),
        (
            good.replace("HEALTHCHECK", "# HEALTHCHECK"),
            "no HEALTHCHECK",
        ),
        (
            good.replace("VOLUME [\"/data\"]", "VOLUME [\"/srv\"]"),
            "is not the VOLUME",
        ),
        (good.replace("VOLUME [\"/data\"]", ""), "is not the VOLUME"),
    ];
    for (broken, expected) in cases {
        assert_ne!(broken, good, "{expected}: the case changes nothing");
        let problems = lint(&broken);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected}: {problems:?}"
        );
    }
    // A USER in an earlier stage does not count for the image.
    let early_user = "FROM a AS b\nUSER 1000\nFROM c\nENV HOLDPOINT_DATA_DIR=/d\nVOLUME /d\n\
                      HEALTHCHECK CMD x /readyz\n";
    assert!(lint(early_user).iter().any(|p| p.contains("no USER")));
}

#[test]
fn the_docker_image_builds_and_runs_as_a_non_root_user() {
    let name = "the_docker_image_builds_and_runs_as_a_non_root_user";
    let daemon = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output();
    if !daemon.is_ok_and(|o| o.status.success()) {
        crate::skips::skip_or_fail(name, "no docker daemon answers");
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let tag = "holdpoint-test:latest";
    let built = Command::new("docker")
        .args(["build", "-q", "-t", tag, root])
        .status()
        .unwrap();
    assert!(built.success(), "docker build");
    let run = |args: &[&str]| {
        let out = Command::new("docker").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let version = run(&["run", "--rm", tag, "--version"]);
    assert!(version.starts_with("holdpoint "), "{version}");
    let user = run(&["image", "inspect", "-f", "{{.Config.User}}", tag]);
    assert!(
        !user.is_empty() && !user.starts_with("root") && !user.starts_with('0'),
        "{user}"
    );
    let volumes = run(&["image", "inspect", "-f", "{{json .Config.Volumes}}", tag]);
    assert!(volumes.contains("/data"), "{volumes}");
}
