//! `ajar`: the command-line client over `ajar-core` (scripting, front desks without a screen).
//! Parses arguments, runs the command, and maps errors to documented exit codes; with `--json`
//! every outcome, errors included, is one JSON document on stdout.

mod admin;
mod args;
mod commands;
mod error;
mod output;

use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

use crate::args::Cli;
use crate::error::{exit, CliError};

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&argv, e),
    };
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(json, &CliError::Io(e)),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => report(json, &e),
    }
}

/// Prints an error (stderr, or stdout as JSON) and returns its exit code.
fn report(json: bool, e: &CliError) -> ExitCode {
    let code = ExitCode::from(e.exit_code());
    if e.is_broken_pipe() {
        return code;
    }
    match e {
        // The refusal itself was the command's output.
        CliError::UnlockRefused => {}
        CliError::Reported(_) if json => {}
        _ if json => {
            if output::json(&e.to_json(), false).is_err() {
                eprintln!("ajar: {e}");
            }
        }
        _ => eprintln!("ajar: {e}"),
    }
    code
}

/// Help and version go to stdout as clap prints them; usage errors exit 2, as JSON with --json.
fn usage_error(argv: &[std::ffi::OsString], e: clap::Error) -> ExitCode {
    let wants_json = argv.iter().skip(1).any(|a| a == "--json");
    if !e.use_stderr() || !wants_json {
        e.exit();
    }
    let rendered = e.render().to_string();
    let message = rendered
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned();
    let doc = json!({"error": {"kind": "usage", "message": message}});
    if output::json(&doc, false).is_err() {
        eprintln!("ajar: {message}");
    }
    ExitCode::from(exit::USAGE)
}
