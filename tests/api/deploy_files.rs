//! The files in `deploy/`: the systemd unit is what `systemd-analyze verify` accepts, hardened
//! and sized for the long-poll cap; the reverse proxies wait longer than the longest long-poll;
//! the Litestream sidecar replicates the database the image writes.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use holdpoint::config::{Cli, Command as Sub};
use holdpoint::http::api::pauses::MAX_WAIT_SECS;

fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// `Key=value` lines of a unit or env-style file, in order (a key may repeat).
fn directives(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn directive(text: &str, key: &str) -> Option<String> {
    directives(text)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// `systemd-analyze verify` on `unit` saved as holdpoint.service: its exit and what it said
/// about that unit (a unit it accepts gets no line; unknown keys and bad values only warn).
/// Lines about other units it loaded (the host's own) are not ours to judge.
fn verify(unit: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("holdpoint.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs (./test installs the systemd package)");
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = said.lines().filter(|l| l.contains("holdpoint")).collect();
    (out.status.success(), ours.join("\n"))
}

/// The shipped unit with `ExecStart` pointing at the binary these tests built.
fn unit_for_built_binary() -> String {
    let unit = repo_file("deploy/holdpoint.service");
    let built = env!("CARGO_BIN_EXE_holdpoint");
    let exec = directive(&unit, "ExecStart").expect("ExecStart");
    let args = exec.split_once(' ').map_or("", |(_, a)| a);
    unit.replace(
        &format!("ExecStart={exec}"),
        &format!("ExecStart={built} {args}"),
    )
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify_with_the_built_binary() {
    if which("systemd-analyze").is_none() {
        crate::skips::skip_or_fail(
            "the_systemd_unit_passes_systemd_analyze_verify_with_the_built_binary",
            "systemd-analyze is not installed (./test installs the systemd package)",
        );
        return;
    }
    let unit = unit_for_built_binary();
    assert!(unit.contains(env!("CARGO_BIN_EXE_holdpoint")));
    let (ok, said) = verify(&unit);
    assert!(ok && said.is_empty(), "systemd-analyze verify: {said}");
    // The check itself notices a broken unit: a bad value, an unknown key, a missing binary.
    let (_, said) = verify(&unit.replace("LimitNOFILE=65536", "LimitNOFILE=lots"));
    assert!(
        said.contains("LimitNOFILE") || said.contains("lots"),
        "{said}"
    );
    let (_, said) = verify(&unit.replace("NoNewPrivileges=", "NoNewPrivilege="));
    assert!(said.contains("NoNewPrivilege"), "{said}");
    let (ok, _) = verify(&unit.replace(env!("CARGO_BIN_EXE_holdpoint"), "/nonexistent/holdpoint"));
    assert!(!ok);
}

#[test]
fn the_systemd_unit_is_hardened_and_keeps_its_state_private() {
    let unit = repo_file("deploy/holdpoint.service");
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("StateDirectory", "holdpoint"),
        ("StateDirectoryMode", "0700"),
        ("UMask", "0077"),
        ("ProtectSystem", "strict"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("ProtectHome", "yes"),
        ("CapabilityBoundingSet", ""),
    ] {
        assert_eq!(directive(&unit, key).as_deref(), Some(value), "{key}");
    }
    // The data directory the server is told about is the state directory systemd makes.
    let env = directives(&unit)
        .into_iter()
        .filter(|(k, _)| k == "Environment")
        .map(|(_, v)| v)
        .collect::<Vec<_>>();
    assert!(
        env.contains(&"HOLDPOINT_DATA_DIR=/var/lib/holdpoint".to_string()),
        "{env:?}"
    );
    assert!(
        env.iter()
            .any(|e| e.starts_with("HOLDPOINT_BIND=127.0.0.1:")),
        "{env:?}"
    );
}

#[test]
fn the_systemd_unit_allows_a_file_descriptor_for_every_long_poll_and_more() {
    let unit = repo_file("deploy/holdpoint.service");
    let nofile: u64 = directive(&unit, "LimitNOFILE").unwrap().parse().unwrap();
    let Some(Sub::Serve(serve)) = Cli::try_parse_from(["holdpoint", "serve"]).unwrap().command
    else {
        panic!("serve expected");
    };
    // Every parked long-poll is a connection, and one address may hold 1,000 more than that;
    // the database, its WAL and outbound deliveries need descriptors besides.
    let waiters = serve.limits.max_waiters;
    assert!(
        nofile >= waiters + 1000 + 1024,
        "{nofile} for {waiters} waiters"
    );
}

#[test]
fn the_reverse_proxies_terminate_tls_and_wait_longer_than_the_longest_long_poll() {
    let nginx = repo_file("deploy/nginx.conf");
    assert!(nginx.contains("listen 443 ssl") && nginx.contains("ssl_certificate "));
    assert!(nginx.contains("return 301 https://"));
    assert!(nginx.contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"));
    for key in ["proxy_read_timeout", "proxy_send_timeout"] {
        assert!(
            seconds_after(&nginx, key) > MAX_WAIT_SECS + 10,
            "nginx {key}"
        );
    }
    let caddy = repo_file("deploy/Caddyfile");
    // A site address with a host name: Caddy gets the certificate and redirects HTTP itself.
    assert!(caddy
        .lines()
        .any(|l| l.starts_with("holdpoint.example.com {")));
    for key in ["response_header_timeout", "read_timeout"] {
        assert!(
            seconds_after(&caddy, key) > MAX_WAIT_SECS + 10,
            "Caddy {key}"
        );
    }
}

/// The seconds in `key 90s;` (nginx) or `key 90s` (Caddy).
fn seconds_after(text: &str, key: &str) -> u64 {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no {key}"));
    let value = line[key.len()..].trim().trim_end_matches(';');
    value
        .strip_suffix('s')
        .unwrap_or(value)
        .parse()
        .unwrap_or_else(|_| panic!("{line}"))
}

#[test]
fn the_litestream_sidecar_replicates_the_database_the_image_writes_as_its_user() {
    let dockerfile = repo_file("Dockerfile");
    let compose = repo_file("deploy/docker-compose.yml");
    let litestream = repo_file("deploy/litestream.yml");
    assert!(dockerfile.contains("HOLDPOINT_DATA_DIR=/data"));
    assert!(
        litestream.contains("- path: /data/holdpoint.db"),
        "{litestream}"
    );
    // Both services mount the one volume at /data, and Litestream runs as the image's user
    // (the database files are 0600).
    assert_eq!(
        compose.matches("- holdpoint-data:/data").count(),
        2,
        "{compose}"
    );
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .unwrap();
    assert!(
        compose.contains(&format!("user: \"{}\"", user.trim())),
        "{compose}"
    );
    assert!(compose.contains("./litestream.yml:/etc/litestream.yml:ro"));
    assert!(compose.contains("replicate"));
}

pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}
