//! How a person authenticated, carried by their session and by every decision they make, so
//! step-up (a recent second factor for a critical pause) is one of `respond`'s checks and the
//! decision's rows say how the decider proved who they were.

use super::sql_enum::sql_enum;
use super::Millis;

sql_enum! {
    /// How the session was started.
    pub enum AuthMethod {
        Password => "password",
        /// Through the OpenID provider.
        Sso => "sso",
        /// A passkey as the whole sign-in (`--passkey-login`).
        Passkey => "passkey",
        /// Setting a password from an invitation or first-run setup.
        Signup => "signup",
    }
}

sql_enum! {
    /// The second factor last used in a session.
    pub enum Factor {
        Totp => "totp",
        RecoveryCode => "recovery_code",
        Passkey => "passkey",
        /// The provider's ID token said the person used more than a password (`amr`).
        ProviderMfa => "provider_mfa",
    }
}

/// A second factor counts for step-up this long after it was used.
pub const STEP_UP_FRESH_MS: Millis = 5 * 60 * 1000;

/// What a session knows about how its person authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthContext {
    pub method: AuthMethod,
    /// The last second factor, and when it was used (at sign-in or a later step-up).
    pub factor: Option<(Factor, Millis)>,
}

impl AuthContext {
    /// A session with a password and nothing more (tests, and sessions made before factors).
    pub const PASSWORD: AuthContext = AuthContext {
        method: AuthMethod::Password,
        factor: None,
    };

    /// Whether the last second factor is recent enough for a step-up decision at `now`.
    pub fn fresh_factor(&self, now: Millis) -> bool {
        matches!(self.factor, Some((_, at)) if now.saturating_sub(at) < STEP_UP_FRESH_MS)
    }

    /// For the decision's audit and response rows: `password`, `password+totp`, `sso+provider_mfa`…
    pub fn label(&self) -> String {
        match self.factor {
            Some((f, _)) => format!("{}+{}", self.method.as_str(), f.as_str()),
            None => self.method.as_str().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_factor_counts_for_step_up_for_five_minutes_and_not_a_millisecond_longer() {
        let ctx = AuthContext {
            method: AuthMethod::Password,
            factor: Some((Factor::Totp, 1_000)),
        };
        // Five minutes written out: the constant itself is what is under test.
        assert!(ctx.fresh_factor(1_000 + 300_000 - 1));
        assert!(!ctx.fresh_factor(1_000 + 300_000));
        assert!(!AuthContext::PASSWORD.fresh_factor(0));
    }

    #[test]
    fn the_label_names_the_method_and_the_factor() {
        let ctx = AuthContext {
            method: AuthMethod::Sso,
            factor: Some((Factor::ProviderMfa, 0)),
        };
        assert_eq!(ctx.label(), "sso+provider_mfa");
        assert_eq!(AuthContext::PASSWORD.label(), "password");
    }
}
