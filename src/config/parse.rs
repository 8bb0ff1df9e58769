//! Reading the command line: `holdpoint [serve flags]` is short for `holdpoint serve [flags]`,
//! and a value that is wrong must be reported as such in both forms.

use std::ffi::OsString;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{CommandFactory, FromArgMatches};

use super::Cli;

/// The serve flags `holdpoint --help` shows, so the default command's main settings are found
/// without knowing that `serve --help` exists.
const MAIN_SERVE_FLAGS: &[&str] = &[
    "bind",
    "public-url",
    "default-timeout",
    "smtp-url",
    "smtp-from",
    "workers",
    "metrics-token",
];

impl Cli {
    /// Parses the process arguments, exiting with clap's message on an error or for help.
    pub fn parse_args() -> Cli {
        Cli::try_parse_args_from(std::env::args_os().collect()).unwrap_or_else(|e| e.exit())
    }

    /// Without a subcommand the arguments are serve's, so they are parsed as serve's: the error
    /// is then the real one (`5 is not in 10..=2592000`), never `unexpected argument`.
    pub fn try_parse_args_from(args: Vec<OsString>) -> Result<Cli, clap::Error> {
        let mut cmd = command();
        let top_level = only_help_or_version(&args) || names_a_subcommand(&cmd, &args);
        let args = if top_level { args } else { with_serve(args) };
        let matches = cmd.try_get_matches_from_mut(args)?;
        Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
    }
}

/// The derived command, with the main serve flags after the top-level help.
pub fn command() -> clap::Command {
    let cmd = Cli::command();
    let serve = cmd.find_subcommand("serve").expect("serve is a subcommand");
    let mut text = String::from(
        "Main serve flags (with no command, `serve` runs; `holdpoint serve --help` lists all):\n",
    );
    for name in MAIN_SERVE_FLAGS {
        let arg = serve
            .get_arguments()
            .find(|a| a.get_long() == Some(name))
            .unwrap_or_else(|| panic!("serve has no --{name}"));
        let value = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map_or(String::new(), |v| format!(" <{v}>"));
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let short = [". ", ": ", " ("]
            .iter()
            .filter_map(|sep| help.find(sep))
            .min()
            .map_or(help.as_str(), |end| &help[..end]);
        let default = arg.get_default_values().first().map_or(String::new(), |d| {
            format!(" [default: {}]", d.to_string_lossy())
        });
        let env = arg
            .get_env()
            .map_or(String::new(), |e| format!(" [{}]", e.to_string_lossy()));
        let flag = format!("--{name}{value}");
        let gap = if flag.len() > 24 {
            "\n".to_string() + &" ".repeat(28)
        } else {
            " ".repeat(26 - flag.len())
        };
        text.push_str(&format!("  {flag}{gap}{short}{default}{env}\n"));
    }
    cmd.after_help(text)
}

fn only_help_or_version(args: &[OsString]) -> bool {
    args.len() > 1
        && args[1..]
            .iter()
            .all(|a| matches!(a.to_str(), Some("-h" | "--help" | "-V" | "--version")))
}

/// Whether the user named a command; serve takes no positional argument, so any subcommand name
/// among the arguments means the user wrote one, and so does a first argument that is not a flag
/// (a mistyped command then gets clap's "unrecognized subcommand" with its suggestion).
fn names_a_subcommand(cmd: &clap::Command, args: &[OsString]) -> bool {
    if first_positional(args) {
        return true;
    }
    let mut names: Vec<&str> = vec!["help"];
    for sub in cmd.get_subcommands() {
        names.push(sub.get_name());
        names.extend(sub.get_all_aliases());
    }
    args.iter()
        .skip(1)
        .any(|a| a.to_str().is_some_and(|a| names.contains(&a)))
}

/// Whether the first argument after the global flags (and their values) is not a flag.
fn first_positional(args: &[OsString]) -> bool {
    const GLOBAL_WITH_VALUE: [&str; 4] = [
        "--data-dir",
        "--database-url",
        "--log-level",
        "--log-format",
    ];
    let mut rest = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = rest.next() {
        if GLOBAL_WITH_VALUE.contains(&arg.as_ref()) {
            rest.next();
        } else if !GLOBAL_WITH_VALUE
            .iter()
            .any(|g| arg.starts_with(&format!("{g}=")))
        {
            return !arg.starts_with('-');
        }
    }
    false
}

/// `holdpoint [flags]` means `holdpoint serve [flags]`.
fn with_serve(mut args: Vec<OsString>) -> Vec<OsString> {
    args.insert(1.min(args.len()), "serve".into());
    args
}

const LEVELS: &str = "error, warn, info, debug, trace or off";

/// A `HOLDPOINT_LOG` filter, refused when it is not one: `tracing`'s own parser reads a bare
/// word such as `verbose` as a target name, which silently turns every other log off.
pub fn log_filter(s: &str) -> Result<String, String> {
    for directive in s.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = match directive.rsplit_once('=') {
            Some((_, level)) => level,
            // `a::b` alone or a span filter `[span]`: a target at every level, on purpose.
            None if directive.contains("::") || directive.contains('[') => continue,
            None => directive,
        };
        if level
            .parse::<tracing::level_filters::LevelFilter>()
            .is_err()
        {
            return Err(format!(
                "`{level}` is not a log level (HOLDPOINT_LOG / --log-level): use {LEVELS}, \
                 or TARGET=LEVEL pairs such as `holdpoint=debug,actix_web=info`"
            ));
        }
    }
    tracing_subscriber::EnvFilter::try_new(s)
        .map_err(|e| format!("not a log filter (HOLDPOINT_LOG / --log-level): {e}"))?;
    Ok(s.to_string())
}

/// `key revoke`'s argument: the numeric id from `key list`. Someone holding only the key itself
/// is told where the id is, and the key is not echoed back (terminals get recorded).
#[derive(Clone)]
pub struct KeyIdParser;

impl TypedValueParser for KeyIdParser {
    type Value = i64;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<i64, clap::Error> {
        let text = value.to_string_lossy();
        if let Ok(id) = text.trim().parse::<i64>() {
            if id > 0 {
                return Ok(id);
            }
        }
        let what = if text.starts_with("hitl_") {
            "that is an API key itself, not its id"
        } else {
            "a key id is a positive number"
        };
        let mut cmd = cmd.clone();
        Err(cmd.error(
            clap::error::ErrorKind::ValueValidation,
            format!(
                "{what}: `key revoke` wants the number in the ID column of \
                 `holdpoint key list --workspace <ID>` (its PREFIX column shows the key's start)"
            ),
        ))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_log_level_and_target_pair_is_a_filter_and_a_bare_word_is_not() {
        for ok in [
            "info",
            "debug",
            "holdpoint=debug,actix_web=info",
            "OFF",
            "a::b",
            "",
        ] {
            assert!(log_filter(ok).is_ok(), "{ok}");
        }
        for bad in ["verbose", "holdpoint=loud", "info,chatty"] {
            assert!(
                log_filter(bad).unwrap_err().contains("is not a log level"),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_argument_of_every_command_has_a_description() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                if arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&command(), "holdpoint", &mut missing);
        assert!(missing.is_empty(), "no description: {missing:?}");
    }

    #[test]
    fn the_top_level_help_names_flags_that_serve_has() {
        let help = command().render_long_help().to_string();
        assert!(help.contains("--bind <BIND>"), "{help}");
    }
}
