use std::io::Write;

use clap::Parser;

use super::*;
use crate::config::{Cli, Command};

fn serve(args: &[&str]) -> Result<crate::config::ServeArgs, String> {
    let all = [&["holdpoint", "serve"][..], args].concat();
    match Cli::try_parse_from(all) {
        Ok(Cli {
            command: Some(Command::Serve(s)),
            ..
        }) => Ok(s),
        Ok(_) => panic!("serve expected"),
        Err(e) => Err(e.to_string()),
    }
}

fn secret_file(mode: u32) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "s3cret-client-secret").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    f
}

#[test]
fn without_an_issuer_there_is_no_single_sign_on_and_passwords_work() {
    let s = serve(&[]).unwrap();
    assert!(Oidc::from_args(&s.oidc).is_none());
    assert!(s.oidc.password_login);
}

#[test]
fn the_secret_is_read_from_its_file_and_never_printed() {
    let f = secret_file(0o600);
    let path = f.path().to_str().unwrap();
    let s = serve(&[
        "--oidc-issuer=https://idp.example.com/realms/acme",
        "--oidc-client-id=holdpoint",
        &format!("--oidc-client-secret-file={path}"),
    ])
    .unwrap();
    let oidc = Oidc::from_args(&s.oidc).unwrap();
    assert_eq!(oidc.client_secret.expose(), "s3cret-client-secret");
    assert_eq!(oidc.issuer, "https://idp.example.com/realms/acme");
    assert_eq!(oidc.scopes, ["openid", "email", "profile"]);
    assert_eq!(oidc.mfa_amr, ["mfa", "otp", "hwk", "swk"]);
    assert_eq!((oidc.workspace, oidc.session_hours), (1, 8));
    assert!(!format!("{oidc:?}").contains("s3cret"));
}

#[cfg(unix)]
#[test]
fn a_secret_file_everyone_may_read_is_refused_naming_the_flag() {
    let f = secret_file(0o644);
    let e = serve(&[
        "--oidc-issuer=https://idp.example.com",
        "--oidc-client-id=holdpoint",
        &format!("--oidc-client-secret-file={}", f.path().display()),
    ])
    .unwrap_err();
    assert!(e.contains("--oidc-client-secret-file"), "{e}");
    assert!(e.contains("readable by everyone"), "{e}");
}

#[test]
fn an_issuer_needs_a_client_id_and_a_secret_file() {
    let e = serve(&["--oidc-issuer=https://idp.example.com"]).unwrap_err();
    assert!(e.contains("--oidc-client-id"), "{e}");
    let e = serve(&["--oidc-client-id=x"]).unwrap_err();
    assert!(e.contains("--oidc-issuer"), "{e}");
}

#[test]
fn bad_values_name_their_flag() {
    for (flag, why) in [
        ("--oidc-issuer=not a url", "not a URL"),
        ("--oidc-scopes=email profile", "openid"),
        ("--oidc-role-map=admins=superuser", "unknown role"),
        ("--oidc-role-map=admins", "VALUE=TARGET"),
        ("--oidc-group-map=ops=Not A Group", "not a group name"),
        ("--oidc-allowed-domains=example", "not a domain"),
        ("--oidc-session-hours=13", "1..=12"),
        ("--oidc-session-hours=0", "1..=12"),
        ("--password-login=maybe", "--password-login"),
    ] {
        let e = serve(&[flag]).unwrap_err();
        let name = flag.split('=').next().unwrap();
        assert!(e.contains(name) && e.contains(why), "{flag}: {e}");
    }
}

#[test]
fn maps_and_domains_take_lists_and_the_highest_session_is_twelve_hours() {
    let s = serve(&[
        "--oidc-role-map=hp-owners=owner",
        "--oidc-role-map=hp-admins=admin",
        "--oidc-group-map=payments=finance,sre=ops",
        "--oidc-allowed-domains=Example.com,@corp.example",
        "--oidc-session-hours=12",
        "--oidc-trust-email=true",
        "--password-login=false",
    ])
    .unwrap();
    let a = s.oidc;
    assert_eq!(
        a.oidc_role_map,
        [
            ("hp-owners".into(), Role::Owner),
            ("hp-admins".into(), Role::Admin)
        ]
    );
    assert_eq!(
        a.oidc_group_map,
        [
            ("payments".into(), "finance".into()),
            ("sre".into(), "ops".into())
        ]
    );
    assert_eq!(a.oidc_allowed_domains, ["example.com", "corp.example"]);
    assert_eq!(a.oidc_session_hours, 12);
    assert!(a.oidc_trust_email);
    assert!(!a.password_login);
}
