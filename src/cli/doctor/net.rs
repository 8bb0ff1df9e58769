//! The checks that talk to the network, without sending anything that matters: the SMTP
//! dialogue stops at `RSET`, `/healthz` is a plain GET, and channel URLs are only resolved.

use std::time::Duration;

use crate::db::sql::Connection;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Mail, Rset};
use lettre::transport::smtp::extension::ClientId;

use super::Verdict;
use crate::config::Settings;
use crate::notify::mailer::SendError;
use crate::notify::smtp_url::SmtpUrl;
use crate::notify::webhook::{is_private, plainly_private_host, REFUSED};

const TIMEOUT: Duration = Duration::from_secs(10);

/// EHLO (and STARTTLS and AUTH as configured), MAIL FROM and RSET: the server would take a
/// message from this sender, yet none is sent.
pub async fn smtp(settings: &Settings) -> Verdict {
    let Some(url) = &settings.smtp_url else {
        return Verdict::Ok(format!(
            "email: no --smtp-url; emails are written as .eml files under {}",
            settings.data_dir.join("mail").display()
        ));
    };
    let from: Mailbox = match settings.smtp_from.parse() {
        Ok(from) => from,
        Err(e) => {
            let given = &settings.smtp_from;
            return Verdict::Fix(format!(
                "email: --smtp-from `{given}` is not a mailbox: {e}"
            ));
        }
    };
    match tokio::time::timeout(TIMEOUT * 2, dialogue(url, &from)).await {
        Ok(Ok(())) => Verdict::Ok(format!(
            "email: {url} accepts EHLO, MAIL FROM:<{}> and RSET (nothing was sent)",
            from.email
        )),
        Ok(Err(e)) => {
            let words = crate::notify::explain::explain(&SendError::Smtp(e), Some(url));
            Verdict::Fix(format!("email: {url}: {words}"))
        }
        Err(_) => Verdict::Fix(format!("email: {url} did not answer within 20 s")),
    }
}

async fn dialogue(url: &SmtpUrl, from: &Mailbox) -> Result<(), lettre::transport::smtp::Error> {
    let hello = ClientId::default();
    let tls = || TlsParameters::new(url.host().to_string());
    let implicit = match url.tls().as_str() {
        "implicit" => Some(tls()?),
        _ => None,
    };
    let server = (url.host(), url.port());
    let mut conn =
        AsyncSmtpConnection::connect_tokio1(server, Some(TIMEOUT), &hello, implicit, None).await?;
    match url.tls().as_str() {
        "required" => conn.starttls(tls()?, &hello).await?,
        "opportunistic" if conn.can_starttls() => conn.starttls(tls()?, &hello).await?,
        _ => {}
    }
    if let Some(credentials) = credentials(url) {
        conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
            .await?;
    }
    conn.command(Mail::new(Some(from.email.clone()), vec![]))
        .await?;
    conn.command(Rset).await?;
    let _ = conn.quit().await;
    Ok(())
}

/// The user name and password in the URL, percent-decoded as lettre reads them.
fn credentials(url: &SmtpUrl) -> Option<Credentials> {
    let parsed = url::Url::parse(&url.for_lettre()).ok()?;
    let user = percent_decode(parsed.username());
    let password = percent_decode(parsed.password()?);
    (!user.is_empty()).then(|| Credentials::new(user, password))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET <public URL>/healthz`. Nothing listening there means no server runs: a note, not a fix.
pub async fn healthz(settings: &Settings) -> Verdict {
    let url = format!("{}/healthz", settings.base_url());
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let Ok(client) = client else {
        return Verdict::Fix("public URL: no HTTP client could be built".into());
    };
    match client.get(&url).send().await {
        Ok(res) if res.status().is_success() => {
            Verdict::Ok(format!("public URL: GET {url} answered {}", res.status()))
        }
        Ok(res) => Verdict::Fix(format!(
            "public URL: GET {url} answered {}; is Holdpoint running behind that address, and \
             does --public-url name it?",
            res.status()
        )),
        Err(e) if refused(&e) => Verdict::Ok(format!(
            "public URL: skipped, no server answers at {url} (start it, then run doctor again \
             to check this)"
        )),
        Err(e) => Verdict::Fix(format!("public URL: GET {url} failed: {}", chain(&e))),
    }
}

fn refused(e: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        source = err.source();
    }
    false
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(err) = source {
        text.push_str(&format!(": {err}"));
        source = err.source();
    }
    text
}

/// Every channel URL deliveries would go to: each workspace's and group's Slack, ntfy, Teams and
/// Discord URLs (`channels::all_urls`) and each enabled webhook endpoint.
pub fn stored_channel_urls(conn: &Connection) -> Vec<(String, String)> {
    let mut urls = crate::domain::channels::all_urls(conn).unwrap_or_default();
    let sql = "SELECT 'webhook endpoint ' || id || ' of workspace ' || workspace_id, url
               FROM webhook_endpoints WHERE enabled = 1 AND deleted_at IS NULL";
    let endpoints: Vec<(String, String)> = conn
        .prepare(sql)
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .unwrap_or_default();
    urls.extend(endpoints);
    urls
}

/// The SSRF guard's verdict on `raw`, with no request sent: a literal private address or
/// `localhost` is refused, and a name is resolved and refused when it points only at private
/// addresses (as the delivery client's resolver would). The URL is shown without its path,
/// query or user-info.
pub async fn channel(settings: &Settings, what: &str, raw: &str) -> Verdict {
    let Ok(url) = url::Url::parse(raw.trim()) else {
        return Verdict::Fix(format!("{what}: it is not a URL; enter it again"));
    };
    // Slack's credential is its path: only the scheme, host and port are shown.
    let shown = match url.port() {
        Some(port) => format!(
            "{}://{}:{port}/…",
            url.scheme(),
            url.host_str().unwrap_or("")
        ),
        None => format!("{}://{}/…", url.scheme(), url.host_str().unwrap_or("")),
    };
    let allow = settings.webhook_allow_private;
    if let Some(host) = plainly_private_host(&url).filter(|_| !allow) {
        return Verdict::Fix(format!(
            "{what}: {shown}: {host} is a private address; {REFUSED}"
        ));
    }
    let Some(url::Host::Domain(name)) = url.host() else {
        return Verdict::Ok(format!("{what}: {shown} passes the private-address guard"));
    };
    if settings.outbound_proxy.is_some() {
        return Verdict::Ok(format!("{what}: {shown} goes through --outbound-proxy"));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((name, port))).await;
    let addrs: Vec<_> = match lookup {
        Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
        Ok(Err(e)) => {
            return Verdict::Fix(format!("{what}: {shown}: {name} does not resolve ({e})"))
        }
        Err(_) => return Verdict::Fix(format!("{what}: {shown}: resolving {name} timed out")),
    };
    if !allow && addrs.iter().all(|ip| is_private(*ip)) {
        return Verdict::Fix(format!(
            "{what}: {shown}: {name} resolves only to private addresses; {REFUSED}"
        ));
    }
    Verdict::Ok(format!("{what}: {shown} passes the private-address guard"))
}
