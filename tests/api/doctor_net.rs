//! `holdpoint doctor` against the network: the SMTP dialogue goes as far as `RSET` and sends
//! nothing, `/healthz` must answer, and every stored channel URL passes the private-address
//! guard without being called.

use std::sync::{Arc, Mutex};

use holdpoint::db::Connection;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::doctor::{closed_port, doctor, fixes, migrated};

/// A one-connection SMTP server on 127.0.0.1 that answers `MAIL FROM` with `mail_reply` and
/// records every command it gets.
pub async fn smtp_server(mail_reply: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}?tls=none", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        write.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            log.lock().unwrap().push(line.clone());
            let reply = match line.to_ascii_uppercase().split(' ').next().unwrap_or("") {
                "EHLO" => "250-test\r\n250 8BITMIME\r\n",
                "MAIL" => mail_reply,
                "QUIT" => "221 bye\r\n",
                "RSET" | "NOOP" => "250 OK\r\n",
                _ => "502 not here\r\n",
            };
            write.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    (url, seen)
}

pub async fn doctor_async(dir: &std::path::Path, args: Vec<String>) -> (bool, Vec<String>, String) {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        doctor(&dir, &args)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_smtp_server_is_asked_for_ehlo_mail_from_and_rset_and_nothing_is_sent() {
    let dir = migrated();
    let (url, seen) = smtp_server("250 OK\r\n").await;
    let args = vec![
        "--smtp-url".into(),
        url,
        "--smtp-from".into(),
        "hp@example.com".into(),
    ];
    let result = doctor_async(dir.path(), args).await;
    assert_eq!(fixes(&result), Vec::<String>::new());
    let line = result
        .1
        .iter()
        .find(|l| l.starts_with("ok email"))
        .unwrap()
        .clone();
    assert!(
        line.contains("accepts EHLO, MAIL FROM:<hp@example.com> and RSET"),
        "{line}"
    );
    let seen = seen.lock().unwrap().clone();
    let verbs: Vec<String> = seen.iter().map(|l| l[..4].to_ascii_uppercase()).collect();
    assert_eq!(verbs, ["EHLO", "MAIL", "RSET", "QUIT"], "{seen:?}");
    assert!(seen[1].contains("<hp@example.com>"), "{seen:?}");
}

#[tokio::test]
async fn an_smtp_server_that_refuses_the_sender_or_is_not_there_needs_a_fix() {
    let dir = migrated();
    let (url, seen) = smtp_server("550 5.7.1 sender refused\r\n").await;
    let refused = doctor_async(dir.path(), vec!["--smtp-url".into(), url.clone()]).await;
    let fixes_refused = fixes(&refused);
    assert!(
        fixes_refused.len() == 1 && fixes_refused[0].starts_with("FIX: email: "),
        "{fixes_refused:?}"
    );
    assert!(!seen
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("RSET") || l.starts_with("DATA")));
    let nobody = format!("smtp://{}?tls=none", closed_port());
    let absent = fixes(&doctor_async(dir.path(), vec!["--smtp-url".into(), nobody]).await);
    assert!(
        absent.len() == 1 && absent[0].starts_with("FIX: email: "),
        "{absent:?}"
    );
}

#[tokio::test]
async fn a_public_url_that_answers_healthz_with_an_error_needs_a_fix() {
    let dir = migrated();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
            let answer =
                "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    let fixes = fixes(&doctor_async(dir.path(), vec!["--public-url".into(), base]).await);
    assert!(
        fixes.len() == 1 && fixes[0].contains("/healthz answered 502"),
        "{fixes:?}"
    );
}

pub fn store_channels(dir: &std::path::Path, slack: &str, webhook: &str) {
    let conn = Connection::open(dir.join("holdpoint.db")).unwrap();
    conn.execute(
        "UPDATE workspaces SET slack_webhook_url = ?1 WHERE id = 1",
        [slack],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO webhook_endpoints (workspace_id, url, events, secret, created_at)
         VALUES (1, ?1, 'pause.created', 'whsec_x', 1)",
        [webhook],
    )
    .unwrap();
}

/// A group `sre` whose own ntfy server is `ntfy`.
pub fn store_group_ntfy(dir: &std::path::Path, ntfy: &str) {
    let conn = Connection::open(dir.join("holdpoint.db")).unwrap();
    let channels = serde_json::json!({"ntfy": {"url": ntfy, "topic": "sre-alerts"}});
    conn.execute(
        "INSERT INTO approver_groups (workspace_id, name, created_at, channels)
         VALUES (1, 'sre', 1, ?1)",
        [channels.to_string()],
    )
    .unwrap();
}

#[tokio::test]
async fn stored_channel_urls_pointing_at_private_addresses_need_a_fix_unless_allowed() {
    let dir = migrated();
    store_channels(
        dir.path(),
        "https://127.0.0.1/services/T/B/secret",
        "http://localhost:9/hook",
    );
    store_group_ntfy(dir.path(), "http://10.0.0.7");
    let refused = fixes(&doctor_async(dir.path(), vec![]).await);
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(
        refused[0].starts_with("FIX: workspace 1 slack.url: "),
        "{refused:?}"
    );
    assert!(
        refused[1].starts_with("FIX: workspace 1 group sre ntfy.url: "),
        "{refused:?}"
    );
    assert!(
        refused[2].starts_with("FIX: webhook endpoint 1 of workspace 1: "),
        "{refused:?}"
    );
    assert!(refused
        .iter()
        .all(|f| f.contains("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE")));
    assert!(
        !refused[0].contains("secret"),
        "the URL is shown redacted: {refused:?}"
    );
    let allowed = vec!["--webhook-allow-private".into(), "true".into()];
    assert_eq!(
        fixes(&doctor_async(dir.path(), allowed).await),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn stored_channel_urls_on_public_addresses_pass_without_being_called() {
    let dir = migrated();
    // Public literal addresses: nothing is resolved, and a request would hang (no route).
    store_channels(
        dir.path(),
        "https://192.0.0.9/services/T/B/x",
        "https://[2001:4860::1]/h",
    );
    let result = doctor_async(dir.path(), vec![]).await;
    assert_eq!(fixes(&result), Vec::<String>::new());
    let passed = result
        .1
        .iter()
        .filter(|l| l.contains("passes the private-address guard"));
    assert_eq!(passed.count(), 2, "{:?}", result.1);
}
