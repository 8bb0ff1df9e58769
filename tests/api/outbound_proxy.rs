//! Deliveries and proxies, on the real binary: proxy variables in the environment are ignored
//! (a proxy would resolve names itself and skip the private-address check); an explicit
//! `HOLDPOINT_OUTBOUND_PROXY` gets requests for host names, never for literal private addresses.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use holdpoint::config::Synchronous;
use holdpoint::domain::webhooks;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::process::{key_create, query, wait_until, Server};
use crate::webhooks::Receiver;

/// A tiny forward proxy on 127.0.0.1 for plain-HTTP requests in absolute form. It records every
/// request target it is asked for, and forwards only to loopback hosts (anything else gets 502).
struct Proxy {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let asked: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = asked.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(forward(client, log.clone()));
            }
        });
        Proxy { url, asked, task }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

async fn forward(mut client: TcpStream, log: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16_384 {
        if client.read(&mut byte).await.unwrap_or(0) == 0 {
            log.lock().unwrap().push("(connected, no request)".into());
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    log.lock().unwrap().push(target.to_string());
    let Ok(url) = url::Url::parse(target) else {
        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        return;
    };
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
    let upstream = match loopback {
        true => TcpStream::connect(("127.0.0.1", url.port().unwrap_or(80)))
            .await
            .ok(),
        false => None,
    };
    let Some(mut upstream) = upstream else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    let rest = head.split_once("\r\n").map_or("", |(_, r)| r);
    let origin_form = format!("{method} {} HTTP/1.1\r\n{rest}", url.path());
    if upstream.write_all(origin_form.as_bytes()).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}

/// A data directory with an API key and one endpoint per URL (for `pause.created`).
fn prepare(dir: &Path, urls: &[&str]) -> String {
    let key = key_create(dir);
    let conn = holdpoint::db::open(&dir.join("holdpoint.db"), Synchronous::Normal).unwrap();
    holdpoint::db::with_transaction(&conn, |ctx| -> holdpoint::error::AppResult<()> {
        for url in urls {
            webhooks::create(
                ctx.conn,
                0,
                holdpoint::domain::ids::WorkspaceId(1),
                url,
                &["pause.created".to_string()],
            )?;
        }
        Ok(())
    })
    .unwrap();
    key
}

/// The server with private addresses refused and no proxy variable but those `env` sets.
fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
    Server::start_with(dir, "127.0.0.1:0", |cmd: &mut Command| {
        for var in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
            "HOLDPOINT_OUTBOUND_PROXY",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE", "false");
        cmd.envs(env.iter().copied());
    })
}

async fn attempts(dir: &Path, n: i64) {
    let sql = "SELECT count(*) FROM outbox_attempts";
    let done = format!("Integer({n})");
    wait_until("delivery attempts recorded", 20, || query(dir, sql) == done).await;
}

fn endpoint_error(dir: &Path, id: i64) -> String {
    query(
        dir,
        &format!(
            "SELECT state || ': ' || coalesce(last_error, '-') FROM outbox WHERE endpoint_id = {id}"
        ),
    )
}

#[tokio::test]
async fn proxy_variables_are_ignored_so_a_name_resolving_to_loopback_gets_no_delivery() {
    let dir = tempfile::TempDir::new().unwrap();
    let receiver = Receiver::start(vec![]).await;
    let proxy = Proxy::start().await;
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let key = prepare(dir.path(), &[&by_name]);
    let proxy_vars = [
        ("HTTP_PROXY", proxy.url.as_str()),
        ("HTTPS_PROXY", proxy.url.as_str()),
        ("http_proxy", proxy.url.as_str()),
        ("https_proxy", proxy.url.as_str()),
    ];
    let server = start(dir.path(), &proxy_vars);
    let api = reqwest::Client::builder().no_proxy().build().unwrap();
    let body = json!({ "action": "Reach localhost" });
    assert!(server.create_pause(&api, &key, &body).await["watchId"].is_string());
    attempts(dir.path(), 1).await;
    let error = endpoint_error(dir.path(), 1);
    assert!(
        error.contains("resolves only to private addresses"),
        "{error}"
    );
    assert_eq!(receiver.count(), 0, "nothing reached the local receiver");
    assert!(
        proxy.asked().is_empty(),
        "the proxy was used: {:?}",
        proxy.asked()
    );
}

#[tokio::test]
async fn an_explicit_outbound_proxy_gets_host_names_but_never_literal_private_addresses() {
    let dir = tempfile::TempDir::new().unwrap();
    let receiver = Receiver::start(vec![]).await;
    let proxy = Proxy::start().await;
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let urls = [
        by_name.as_str(),
        receiver.url.as_str(),
        "http://10.1.2.3/hook",
    ];
    let key = prepare(dir.path(), &urls);
    let server = start(dir.path(), &[("HOLDPOINT_OUTBOUND_PROXY", &proxy.url)]);
    let api = reqwest::Client::builder().no_proxy().build().unwrap();
    let body = json!({ "action": "Through the proxy" });
    assert!(server.create_pause(&api, &key, &body).await["watchId"].is_string());
    attempts(dir.path(), 3).await;
    assert_eq!(
        proxy.asked(),
        vec![by_name.clone()],
        "only the name went to the proxy"
    );
    assert_eq!(receiver.count(), 1, "and the proxy delivered it");
    assert_eq!(endpoint_error(dir.path(), 1), "Text(\"delivered: -\")");
    for (id, ip) in [(2, "127.0.0.1"), (3, "10.1.2.3")] {
        let error = endpoint_error(dir.path(), id);
        let want = format!(
            "failed: {ip} is a private address; {}",
            holdpoint::notify::webhook::REFUSED
        );
        assert_eq!(error, format!("Text({want:?})"));
    }
}
