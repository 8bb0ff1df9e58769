//! `holdpoint doctor`: checks a configuration the way `serve` would read it, and says what to
//! fix, one line per check. It writes nothing: the database is opened read-only, no email is
//! sent (the SMTP dialogue stops at `RSET`) and no channel is called.

use std::fmt;

use crate::config::Settings;

mod database;
mod net;

/// One check's verdict, printed as one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok(String),
    Fix(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Ok(text) => write!(f, "ok {text}"),
            Verdict::Fix(text) => write!(f, "FIX: {text}"),
        }
    }
}

/// Runs every check, printing each line as it is known; an error (exit 1) when any needs a fix.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let mut fixes = 0;
    let mut say = |verdict: Verdict| {
        if matches!(verdict, Verdict::Fix(_)) {
            fixes += 1;
        }
        println!("{verdict}");
    };
    say(flags(settings));
    for verdict in database::checks(settings).await {
        say(verdict);
    }
    say(net::smtp(settings).await);
    say(net::healthz(settings).await);
    if let Some(oidc) = &settings.oidc {
        say(sso(oidc).await);
    }
    match fixes {
        0 => Ok(()),
        1 => anyhow::bail!("1 check needs fixing (the FIX: line above)"),
        n => anyhow::bail!("{n} checks need fixing (the FIX: lines above)"),
    }
}

/// The flag combinations `serve` refuses at start.
fn flags(settings: &Settings) -> Verdict {
    match settings.limits.check() {
        Ok(()) => Verdict::Ok("flags: serve accepts them".into()),
        Err(why) => Verdict::Fix(format!("flags: {why}")),
    }
}

/// Single sign-on, when configured: the provider answers discovery from this machine, as the
/// first person's sign-on would need.
async fn sso(oidc: &crate::config::oidc::Oidc) -> Verdict {
    match crate::auth::oidc::discover(oidc).await {
        Ok(endpoint) => Verdict::Ok(format!(
            "single sign-on: {} answers discovery (sign-ons go to {endpoint})",
            oidc.issuer
        )),
        Err(e) => Verdict::Fix(format!(
            "single sign-on: {e}; check --oidc-issuer (exactly as the provider's discovery \
             document says) and that this machine reaches the provider"
        )),
    }
}
