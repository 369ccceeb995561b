//! The `snap-bi` command line: parse, dispatch to one function per
//! subcommand, print, map errors to exit codes.
//!
//! Exit status: 0 ok / valid, 1 the signature does not verify or the
//! provider refused, 2 bad input. Stdout's last line is the result; every
//! failure is one stderr line starting `error: ` (bad input), `invalid: `
//! (verification failed), `refused: ` (the provider's responseCode and
//! message) or `failed: ` (the provider could not be reached or answered
//! garbage). `--verbose` adds `> `/`< `/`# ` lines on stderr before it.

pub(crate) mod args;
mod commands;
pub(crate) mod error;
pub(crate) mod http;
pub(crate) mod input;
pub(crate) mod output;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use self::args::Cli;
use self::error::CliError;
use self::output::Output;

/// Runs the command line and returns the process exit status.
pub(crate) fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_failure(&e),
    };
    let mut out = Output::default();
    let result = commands::dispatch(cli.command, &mut out);
    let written = out.flush_to_stdout();
    match (result, written) {
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
        (Err(e), _) => fail(&e),
        (Ok(()), Err(e)) => fail(&CliError::input(format!("cannot write to stdout: {e}"))),
    }
}

/// Prints `error` as its one stderr line and returns its exit code.
fn fail(error: &CliError) -> ExitCode {
    // Nothing sensible is left to do if stderr itself is gone.
    let _ = writeln!(io::stderr().lock(), "{error}");
    error.exit_code()
}

/// Help and version go out as clap formats them; usage errors become one
/// `error: …` line on stderr with exit 2.
fn clap_failure(e: &clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        _ => {
            let rendered = e.render().to_string();
            // The first paragraph is the message; usage and tips follow a blank line.
            let message = rendered.split("\n\n").next().unwrap_or_default();
            let message = message.strip_prefix("error: ").unwrap_or(message);
            fail(&CliError::input(message.trim()))
        }
    }
}
