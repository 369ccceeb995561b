//! Unit tests of the parent module, kept in their own file.

use clap::CommandFactory;

use super::Cli;

#[test]
fn definition_is_consistent() {
    Cli::command().debug_assert();
}
