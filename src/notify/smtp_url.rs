//! `HOLDPOINT_SMTP_URL`: a URL that carries a password, so its `Debug` and `Display` hide it.
//!
//! Accepted forms: `smtp://user:pass@host:587` (STARTTLS, required: the password never crosses
//! the network in clear), `smtps://user:pass@host:465` (TLS from the first byte), and
//! `smtp://host:25?tls=none` (plain text, for a relay on localhost or a test server).
//! `?tls=opportunistic` is passed through to lettre as is.

use std::fmt;
use std::str::FromStr;

use url::Url;

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(Url);

impl FromStr for SmtpUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err("use smtp:// (STARTTLS) or smtps:// (implicit TLS)".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the URL names no host".into());
        }
        match url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned())
        {
            None => {}
            Some(v) if matches!(v.as_str(), "none" | "required" | "opportunistic") => {}
            Some(v) => return Err(format!("tls={v}: use tls=none, required or opportunistic")),
        }
        Ok(SmtpUrl(url))
    }
}

impl SmtpUrl {
    pub fn scheme(&self) -> &str {
        self.0.scheme()
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or("")
    }

    /// The `?tls=` setting in effect: `smtp://` means STARTTLS required unless told otherwise.
    pub fn tls(&self) -> String {
        if self.scheme() == "smtps" {
            return "implicit".into();
        }
        self.0
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| "required".into())
    }

    /// The port lettre will use (its defaults: 25 plain, 587 STARTTLS, 465 smtps).
    pub fn port(&self) -> u16 {
        self.0
            .port()
            .unwrap_or(match (self.scheme(), self.tls().as_str()) {
                ("smtps", _) => 465,
                (_, "none") => 25,
                _ => 587,
            })
    }

    /// The URL as lettre's `from_url` reads it: there no `tls` means plain text, so STARTTLS is
    /// made explicit, and our `tls=none` becomes lettre's absence of the parameter.
    pub fn for_lettre(&self) -> String {
        let mut url = self.0.clone();
        let tls = self.tls();
        url.set_query(None);
        if self.scheme() == "smtp" && tls != "none" {
            url.set_query(Some(&format!("tls={tls}")));
        }
        url.to_string()
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("***"));
        }
        f.write_str(shown.as_str())
    }
}

impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let u: SmtpUrl = "smtp://user:s3cret@mail.example.com:587".parse().unwrap();
        assert_eq!(format!("{u:?}"), "smtp://user:***@mail.example.com:587");
        assert!(!format!("{u}").contains("s3cret"));
    }

    #[test]
    fn smtp_means_starttls_unless_told_otherwise() {
        let u: SmtpUrl = "smtp://user:pw@host:587".parse().unwrap();
        assert_eq!(u.for_lettre(), "smtp://user:pw@host:587?tls=required");
        let plain: SmtpUrl = "smtp://127.0.0.1:2525?tls=none".parse().unwrap();
        assert_eq!(plain.for_lettre(), "smtp://127.0.0.1:2525");
        let tls: SmtpUrl = "smtps://h".parse().unwrap();
        assert_eq!((tls.tls().as_str(), tls.port()), ("implicit", 465));
        assert!("http://h".parse::<SmtpUrl>().is_err());
        assert!("smtp://h?tls=maybe".parse::<SmtpUrl>().is_err());
    }
}
