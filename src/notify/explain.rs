//! Turns a failed send into words an operator can act on. lettre reports most failures as a
//! kind plus the underlying error's text, so this reads both; the raw error is always shown too.

use super::mailer::SendError;
use super::smtp_url::SmtpUrl;

/// One or two sentences on the likely cause and the fix.
pub fn explain(err: &SendError, url: Option<&SmtpUrl>) -> String {
    let SendError::Smtp(e) = err else {
        return "The email could not be written to the mail directory: check that the data \
                directory is writable."
            .into();
    };
    let Some(url) = url else {
        return "Sending failed.".into();
    };
    let text = format!("{e:?} {e}").to_lowercase();
    let at = format!("{}:{}", url.host(), url.port());
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["connection refused"]) {
        return format!(
            "Nothing accepts connections at {at}: is the SMTP server running, and is the port \
             right? Submission with STARTTLS is usually 587 (smtp://), implicit TLS 465 (smtps://)."
        );
    }
    if has(&[
        "lookup address",
        "not known",
        "could not resolve",
        "no address",
    ]) {
        return format!(
            "The host name `{}` could not be resolved: check its spelling in HOLDPOINT_SMTP_URL.",
            url.host()
        );
    }
    if has(&["certificate", "unknownissuer", "notvalidforname"]) {
        return format!("The server at {at} presented a TLS certificate that is not trusted (self-signed, expired or for another name).");
    }
    if has(&["starttls is not supported"]) {
        return format!("The server at {at} does not offer STARTTLS. If it expects TLS from the first byte (usually port 465), use smtps://; for a plain local relay add ?tls=none.");
    }
    if e.is_tls()
        || has(&[
            "tls",
            "corrupt message",
            "invalidcontenttype",
            "handshake",
            "wrong version",
        ])
    {
        return tls_mismatch(url, &at);
    }
    if e.is_timeout() || has(&["timed out", "deadline"]) {
        return format!("The server at {at} did not answer in time. A port that expects implicit TLS (465) stays silent for a plain or STARTTLS client: try smtps://; otherwise a firewall may drop the connection.");
    }
    if has(&[
        "authentication",
        "535",
        "534",
        "no compatible authentication",
    ]) {
        return "The server refused the user name or password (or offers no login method on this connection): check the credentials in HOLDPOINT_SMTP_URL.".into();
    }
    if has(&["must issue a starttls", "530"]) {
        return "The server requires STARTTLS before anything else: remove ?tls=none from HOLDPOINT_SMTP_URL.".into();
    }
    if e.is_permanent() {
        return "The server refused the message permanently: check that HOLDPOINT_SMTP_FROM is a sender this server may use and that the recipient address exists.".into();
    }
    if e.is_transient() {
        return "The server refused the message for now (a temporary error): try again later."
            .into();
    }
    format!("Sending through {at} failed.")
}

fn tls_mismatch(url: &SmtpUrl, at: &str) -> String {
    if url.scheme() == "smtps" {
        format!("TLS failed at {at}: smtps:// starts TLS at once, but this port seems to expect plain text first (STARTTLS, usually 587 or 25). Use smtp:// for it.")
    } else {
        format!("TLS failed at {at}: this port may expect TLS from the first byte (usually 465); then use smtps://.")
    }
}
