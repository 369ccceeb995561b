//! `snap-bi`: sign, verify, minify and explain Bank Indonesia SNAP API requests from
//! the command line. See `snap-bi --help`.
//!
//! The binary is a thin shell over the `snap_bi` library; the argument
//! definitions, subcommands and exit-code mapping live in `src/bin/snap_bi/`.

#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]

use std::process::ExitCode;

#[path = "snap_bi/mod.rs"]
mod cli;

fn main() -> ExitCode {
    cli::run()
}
