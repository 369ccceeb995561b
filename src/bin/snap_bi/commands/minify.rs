//! `snap-bi minify [FILE]`.

use crate::cli::args::MinifyArgs;
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::read_input;
use crate::cli::output::Output;

/// Prints the minified body (an empty line for empty input).
pub(crate) fn minify(args: &MinifyArgs, out: &mut Output) -> CliResult {
    let input = read_input(args.file.as_deref(), "JSON file")?;
    let minified = snap_bi::minify(&input).map_err(|e| CliError::input(e.to_string()))?;
    out.line(minified);
    Ok(())
}
