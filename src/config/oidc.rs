//! Single sign-on settings (OpenID Connect). The client secret comes from a file read at start,
//! never from a flag's value, which `ps` and shell histories would show.

use clap::Args;

use crate::domain::users::Role;
use crate::secret::Secret;

/// The help heading the single sign-on flags share in `serve --help`.
const HEADING: &str = "Single sign-on (OpenID Connect)";

#[derive(Debug, Clone, Args)]
pub struct OidcArgs {
    /// The OpenID provider's issuer URL, exactly as its discovery document says (e.g.
    /// `https://idp.example.com/realms/acme`). Set, `/login` offers single sign-on.
    #[arg(long, env = "HOLDPOINT_OIDC_ISSUER", help_heading = HEADING, value_parser = parse_issuer,
          requires_all = ["oidc_client_id", "oidc_client_secret_file"])]
    pub oidc_issuer: Option<String>,
    /// The client id registered at the provider.
    #[arg(long, env = "HOLDPOINT_OIDC_CLIENT_ID", help_heading = HEADING, requires = "oidc_issuer")]
    pub oidc_client_id: Option<String>,
    /// A file holding the client secret (read at start; it must not be readable by everyone).
    #[arg(long, env = "HOLDPOINT_OIDC_CLIENT_SECRET_FILE", help_heading = HEADING,
          value_parser = read_secret_file, requires = "oidc_issuer", value_name = "PATH")]
    pub oidc_client_secret_file: Option<Secret>,
    /// Scopes asked for, separated by spaces; `openid` is required.
    #[arg(long, env = "HOLDPOINT_OIDC_SCOPES", help_heading = HEADING,
          default_value = "openid email profile", value_parser = parse_scopes)]
    pub oidc_scopes: Scopes,
    /// The text of the sign-in page's single sign-on link.
    #[arg(long, env = "HOLDPOINT_OIDC_NAME", help_heading = HEADING, default_value = "Sign in with SSO")]
    pub oidc_name: String,
    /// Email domains whose people get an approver account at their first sign-on (comma list);
    /// empty: only people already invited or added may sign on.
    #[arg(long, env = "HOLDPOINT_OIDC_ALLOWED_DOMAINS", help_heading = HEADING,
          value_delimiter = ',', value_parser = parse_domain)]
    pub oidc_allowed_domains: Vec<String>,
    /// The workspace those people join.
    #[arg(long, env = "HOLDPOINT_OIDC_WORKSPACE", help_heading = HEADING, default_value_t = 1,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub oidc_workspace: i64,
    /// The ID token claim listing the person's groups at the provider (e.g. `groups`), read by
    /// `--oidc-role-map` and `--oidc-group-map`.
    #[arg(long, env = "HOLDPOINT_OIDC_GROUPS_CLAIM", help_heading = HEADING)]
    pub oidc_groups_claim: Option<String>,
    /// `VALUE=owner|admin|approver`: people whose groups claim holds VALUE get that role at each
    /// sign-on (the highest mapped wins). Repeat for several.
    #[arg(long, env = "HOLDPOINT_OIDC_ROLE_MAP", help_heading = HEADING, value_delimiter = ',',
          value_parser = parse_role_map, value_name = "VALUE=ROLE")]
    pub oidc_role_map: Vec<(String, Role)>,
    /// `VALUE=GROUP`: people whose groups claim holds VALUE are members of the approver group
    /// GROUP, and those without it are not (only mapped groups change). Repeat for several.
    #[arg(long, env = "HOLDPOINT_OIDC_GROUP_MAP", help_heading = HEADING, value_delimiter = ',',
          value_parser = parse_group_map, value_name = "VALUE=GROUP")]
    pub oidc_group_map: Vec<(String, String)>,
    /// `amr` values in the ID token that count as a second factor (comma list).
    #[arg(long, env = "HOLDPOINT_OIDC_MFA_AMR", help_heading = HEADING,
          default_value = "mfa,otp,hwk,swk", value_delimiter = ',')]
    pub oidc_mfa_amr: Vec<String>,
    /// Hours a session made through single sign-on lasts at most (1 to 12).
    #[arg(long, env = "HOLDPOINT_OIDC_SESSION_HOURS", help_heading = HEADING, default_value_t = 8,
          value_parser = clap::value_parser!(u64).range(1..=12))]
    pub oidc_session_hours: u64,
    /// Take the ID token's `email` as verified when the token has no `email_verified` claim
    /// (Microsoft Entra ID sends none). Only for a provider whose addresses the organisation
    /// manages: an address the person could set themselves would link them to that account.
    /// An explicit `email_verified: false` is refused either way.
    #[arg(long, env = "HOLDPOINT_OIDC_TRUST_EMAIL", help_heading = HEADING, default_value_t = false,
          action = clap::ArgAction::Set)]
    pub oidc_trust_email: bool,
    /// Whether people may sign in with a password. `false` hides the form (first-run setup
    /// still works).
    #[arg(long, env = "HOLDPOINT_PASSWORD_LOGIN", help_heading = HEADING, default_value_t = true,
          action = clap::ArgAction::Set)]
    pub password_login: bool,
}

/// Scopes, space-separated on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(pub Vec<String>);

/// The single sign-on configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Oidc {
    /// As configured, compared exactly with the provider's `iss` (no trailing slash added).
    pub issuer: String,
    pub client_id: String,
    /// Its Debug hides the value.
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    pub name: String,
    pub allowed_domains: Vec<String>,
    pub workspace: i64,
    pub groups_claim: Option<String>,
    pub role_map: Vec<(String, Role)>,
    pub group_map: Vec<(String, String)>,
    pub mfa_amr: Vec<String>,
    pub session_hours: u64,
    /// `--oidc-trust-email`: a missing `email_verified` claim counts as true.
    pub trust_email: bool,
}

impl Oidc {
    /// None without `--oidc-issuer` (clap has made sure the client id and secret come with it).
    pub fn from_args(a: &OidcArgs) -> Option<Oidc> {
        Some(Oidc {
            issuer: a.oidc_issuer.clone()?,
            client_id: a.oidc_client_id.clone()?,
            client_secret: a.oidc_client_secret_file.clone()?,
            scopes: a.oidc_scopes.0.clone(),
            name: a.oidc_name.clone(),
            allowed_domains: a.oidc_allowed_domains.clone(),
            workspace: a.oidc_workspace,
            groups_claim: a.oidc_groups_claim.clone().filter(|c| !c.is_empty()),
            role_map: a.oidc_role_map.clone(),
            group_map: a.oidc_group_map.clone(),
            mfa_amr: a
                .oidc_mfa_amr
                .iter()
                .filter(|v| !v.is_empty())
                .cloned()
                .collect(),
            session_hours: a.oidc_session_hours,
            trust_email: a.oidc_trust_email,
        })
    }

    /// Settings for tests against a provider at `issuer`, with every default.
    pub fn for_tests(issuer: &str, client_id: &str, client_secret: &str) -> Oidc {
        Oidc {
            issuer: issuer.to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.parse().expect("a visible ASCII secret"),
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            name: "Sign in with SSO".into(),
            allowed_domains: Vec::new(),
            workspace: 1,
            groups_claim: None,
            role_map: Vec::new(),
            group_map: Vec::new(),
            mfa_amr: ["mfa", "otp", "hwk", "swk"].map(String::from).to_vec(),
            session_hours: 8,
            trust_email: false,
        }
    }
}

fn parse_issuer(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "https" | "http") || url.query().is_some() {
        return Err("use the provider's https:// issuer URL, without a query".into());
    }
    Ok(s.to_string())
}

fn read_secret_file(path: &str) -> Result<Secret, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        if meta.permissions().mode() & 0o004 != 0 {
            return Err(format!(
                "{path} is readable by everyone; `chmod 600 {path}` (or 640 for a group)"
            ));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    text.parse::<Secret>()
        .map_err(|_| format!("{path} must hold the client secret alone, in visible ASCII"))
}

fn parse_scopes(s: &str) -> Result<Scopes, String> {
    let scopes: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    if !scopes.iter().any(|s| s == "openid") {
        return Err("the scopes must include `openid`".into());
    }
    Ok(Scopes(scopes))
}

fn parse_domain(s: &str) -> Result<String, String> {
    let d = s.trim().trim_start_matches('@').to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.contains('.')
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    match ok {
        true => Ok(d),
        false => Err(format!("`{s}` is not a domain like example.com")),
    }
}

fn split_pair(s: &str) -> Result<(String, String), String> {
    match s.rsplit_once('=') {
        Some((value, target)) if !value.is_empty() && !target.is_empty() => {
            Ok((value.to_string(), target.trim().to_string()))
        }
        _ => Err(format!("`{s}` is not of the form VALUE=TARGET")),
    }
}

fn parse_role_map(s: &str) -> Result<(String, Role), String> {
    let (value, role) = split_pair(s)?;
    let role = Role::from_name(&role)
        .ok_or_else(|| format!("unknown role `{role}`: use owner, admin or approver"))?;
    Ok((value, role))
}

fn parse_group_map(s: &str) -> Result<(String, String), String> {
    let (value, group) = split_pair(s)?;
    crate::domain::policy::groups::check_name(&group).map_err(|_| {
        format!("`{group}` is not a group name (lowercase letters, digits, _ and -)")
    })?;
    Ok((value, group))
}

#[cfg(test)]
#[path = "oidc_tests.rs"]
mod tests;
