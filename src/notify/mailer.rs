//! The mail transport, built once at startup: SMTP when `HOLDPOINT_SMTP_URL` is set, else
//! `.eml` files under `<data dir>/mail/` so a fresh install shows what it would have sent.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::smtp_url::SmtpUrl;
use crate::domain::outbox::AttemptResult;

/// A slow server must not hold a delivery slot for lettre's default minute.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

pub struct Mailer {
    pub from: Mailbox,
    transport: Transport,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{0}")]
    Smtp(#[from] SmtpError),
    #[error("cannot write the email file: {0}")]
    File(#[from] lettre::transport::file::Error),
}

impl Mailer {
    /// `data_dir` is used only without SMTP; its `mail/` directory is created here.
    pub fn new(
        smtp: Option<&SmtpUrl>,
        from: &str,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Mailer> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("HOLDPOINT_SMTP_FROM `{from}` is not a mailbox: {e}"))?;
        let transport = match smtp {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.for_lettre())
                    .map_err(|e| anyhow::anyhow!("cannot use SMTP URL {url:?}: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            None => {
                let dir = data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
                Transport::File(AsyncFileTransport::new(&dir), dir)
            }
        };
        Ok(Mailer { from, transport })
    }

    /// Where emails go, for logs and the CLI (never with a password).
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".into(),
            Transport::File(_, dir) => format!("files in {}", dir.display()),
        }
    }

    /// Sends one message; a file transport logs the path it wrote.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::File(t, dir) => {
                let id = t.send(message).await?;
                let path = dir.join(format!("{id}.eml"));
                tracing::info!(path = %path.display(), "no SMTP server configured: email written to a file");
            }
        }
        Ok(())
    }
}

/// What one attempt came to, for the outbox. A 5xx reply will not change on retry; a 4xx or a
/// failure to connect means nothing was accepted yet, so retrying is safe. A network error or an
/// unreadable reply mid-conversation may have come after DATA: the server may have the message.
pub fn classify(err: &SendError) -> AttemptResult {
    let failed = |status: Option<u16>, permanent: bool| AttemptResult::Failed {
        status,
        error: err.to_string(),
        retry_after: None,
        permanent,
    };
    let SendError::Smtp(e) = err else {
        return failed(None, false);
    };
    let code = e.status().map(u16::from);
    if e.is_permanent() {
        return failed(code, true);
    }
    if e.is_transient() {
        return failed(code, false);
    }
    let text = e.to_string();
    if e.is_timeout() || e.is_response() || text.starts_with("network error") {
        return AttemptResult::Unknown { error: text };
    }
    failed(None, false)
}

/// A two-part email (plain text and HTML) to `msg`'s recipient, with the outbox row's id as its
/// Message-ID: what every notification email is made of. An error says why it cannot be made.
pub fn compose(
    mailer: &Mailer,
    msg: &crate::domain::outbox::Message,
    subject: &str,
    html: &impl askama::Template,
    text: &impl askama::Template,
) -> Result<Message, String> {
    let to = msg
        .target
        .parse()
        .map_err(|e| format!("`{}` is not a valid recipient: {e}", msg.target))?;
    let html = html.render().map_err(|e| e.to_string())?;
    let text = text.render().map_err(|e| e.to_string())?;
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<{}@holdpoint>", msg.msg_id)))
        .multipart(lettre::message::MultiPart::alternative_plain_html(
            text, html,
        ))
        .map_err(|e| e.to_string())
}

/// Sends a composed email: one that could not be made is a permanent failure (retrying would
/// make it the same way), a transport error is classified.
pub async fn send_composed(mailer: &Mailer, email: Result<Message, String>) -> AttemptResult {
    match email {
        Err(error) => AttemptResult::Failed {
            status: None,
            error,
            retry_after: None,
            permanent: true,
        },
        Ok(email) => match mailer.send(email).await {
            Ok(()) => AttemptResult::Delivered { status: None },
            Err(e) => classify(&e),
        },
    }
}
