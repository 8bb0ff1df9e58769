//! Reading sent emails in tests: a real SMTP server (Debian's aiosmtpd) writing a Maildir,
//! the `.eml` files of the file transport, and a small MIME reader for both.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;

/// An aiosmtpd process on 127.0.0.1 that saves every message it accepts; killed on drop.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let port = free_port();
        let dir = tempfile::TempDir::new().unwrap();
        let maildir = dir.path().join("mail");
        let mut child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd runs (apt-get install python3-aiosmtpd)");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpSink { child, port, dir };
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "aiosmtpd did not start on port {port}: the email tests need Debian's \
             python3-aiosmtpd (`apt-get install python3-aiosmtpd`; ./test does it)"
        );
    }

    /// The URL for Holdpoint: plain SMTP, as a local relay would be.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        wait_for_files(&self.dir.path().join("mail/new"), n).await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `dir` holds at least `n` messages and returns them all, parsed.
pub async fn wait_for_files(dir: &Path, n: usize) -> Vec<Mail> {
    for _ in 0..400 {
        let files = list(dir);
        if files.len() >= n {
            return files
                .iter()
                .map(|f| Mail::parse(&std::fs::read_to_string(f).unwrap()))
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "expected {n} emails in {}, found {}",
        dir.display(),
        list(dir).len()
    );
}

pub fn list(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// One email: its top-level headers (unfolded) and its decoded text and HTML parts.
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    pub fn parse(raw: &str) -> Mail {
        let raw = raw.replace("\r\n", "\n");
        let (headers, body) = raw.split_once("\n\n").unwrap();
        let headers = headers.replace("\n ", " ").replace("\n\t", " ");
        let boundary = between(&headers, "boundary=\"", "\"").expect("a multipart email");
        let (mut text, mut html) = (String::new(), String::new());
        for part in body.split(&format!("--{boundary}")).skip(1) {
            let Some((h, b)) = part.trim_start_matches('\n').split_once("\n\n") else {
                continue;
            };
            let h = h.to_ascii_lowercase();
            let decoded = decode(&h, b.trim_end());
            if h.contains("text/html") {
                html = decoded;
            } else if h.contains("text/plain") {
                text = decoded;
            }
        }
        Mail {
            headers,
            text,
            html,
        }
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_default()
            .to_string()
    }

    /// The one-click URLs behind the Approve and Reject buttons, from the HTML part.
    pub fn buttons(&self) -> (String, String) {
        let links: Vec<String> = self
            .html
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|u| u.contains("/d/"))
            .map(str::to_string)
            .collect();
        assert_eq!(links.len(), 2, "two buttons in {}", self.html);
        (links[0].clone(), links[1].clone())
    }
}

/// The raw token in a one-click URL (`…/d/<token>?intent=…`).
pub fn token_of(url: &str) -> String {
    let last = url.rsplit('/').next().unwrap_or_default();
    last.split('?').next().unwrap_or_default().to_string()
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    Some(&s[i..i + s[i..].find(end)?])
}

fn decode(headers: &str, body: &str) -> String {
    if headers.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .unwrap();
        String::from_utf8(bytes).unwrap()
    } else if headers.contains("content-transfer-encoding: quoted-printable") {
        quoted_printable(body)
    } else {
        body.to_string()
    }
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
