//! Support for fault tests on the real binary: a server whose output goes wherever the test
//! says (a closed pipe, a full disk), and small tmpfs mounts for full-disk cases (root only).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::mail_support::free_port;
use crate::process::Server;

/// Starts `holdpoint serve` with its stdout and stderr as given, on a free loopback port, and
/// waits (bounded) until `/healthz` answers: the address cannot be read from its log.
pub async fn start_with_output(dir: &Path, stdout: Stdio, stderr: Stdio) -> Server {
    let base = format!("http://127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--bind", base.trim_start_matches("http://")])
        .env_remove("HOLDPOINT_PUBLIC_URL")
        .env_remove("HOLDPOINT_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap();
    let server = Server { child, base };
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let res = client.get(format!("{}/healthz", server.base)).send().await;
        if res.is_ok_and(|r| r.status() == 200) {
            return server;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the server never answered /healthz"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends SIGTERM and asserts the process exits within 10 s.
pub fn terminate_within_10_s(server: &mut Server) {
    server.signal("-TERM");
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A tmpfs of `size` (e.g. "64k") mounted on a fresh directory; unmounted when dropped.
pub struct Tmpfs {
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` (with the reason printed) when not root or when mounting fails; under CI that
    /// fails the test instead (see `skips`).
    pub fn mount(size: &str, test: &str) -> Option<Tmpfs> {
        if !is_root() {
            crate::skips::skip_or_fail(test, "mounting a small tmpfs needs root");
            return None;
        }
        let dir = tempfile::TempDir::new().unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs {
                path: dir.path().to_path_buf(),
                _dir: dir,
            }),
            other => {
                let why = format!("cannot mount a tmpfs: {other:?}");
                crate::skips::skip_or_fail(test, &why);
                None
            }
        }
    }

    /// Remounts read-only (or back to read-write).
    pub fn remount(&self, opts: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(&self.path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {opts} failed");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Writes zeros to `path` until the disk refuses (bounded by `max` bytes); returns the size.
pub fn fill(path: &Path, max: usize) -> usize {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 4096];
    let mut written = 0;
    while written < max {
        match f.write(&chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => written += n,
        }
    }
    let _ = f.sync_all();
    written
}
