//! The binary's error type and its exit codes.

use std::fmt;
use std::process::ExitCode;

/// Why a subcommand did not succeed.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The signature does not verify (exit 1). Printed as `invalid: <reason>`.
    Invalid(String),
    /// The provider refused (exit 1). Printed as `refused: <reason>`.
    Refused(String),
    /// The provider could not be reached or answered something unusable
    /// (exit 1). Printed as `failed: <reason>`.
    Failed(String),
    /// The input is unusable (exit 2): unreadable file, invalid JSON body, bad
    /// key, missing secret, … Printed as `error: <reason>`.
    Input(String),
}

impl CliError {
    /// A bad-input error (exit 2).
    pub(crate) fn input(reason: impl Into<String>) -> Self {
        Self::Input(reason.into())
    }

    /// A failed verification (exit 1).
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::Invalid(reason.into())
    }

    /// A provider refusal (exit 1).
    pub(crate) fn refused(reason: impl Into<String>) -> Self {
        Self::Refused(reason.into())
    }

    /// A failed exchange with the provider (exit 1).
    pub(crate) fn failed(reason: impl Into<String>) -> Self {
        Self::Failed(reason.into())
    }

    /// The process exit status for this error.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Self::Invalid(_) | Self::Refused(_) | Self::Failed(_) => ExitCode::from(1),
            Self::Input(_) => ExitCode::from(2),
        }
    }
}

impl fmt::Display for CliError {
    /// One line, without a trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (label, reason) = match self {
            Self::Invalid(reason) => ("invalid", reason),
            Self::Refused(reason) => ("refused", reason),
            Self::Failed(reason) => ("failed", reason),
            Self::Input(reason) => ("error", reason),
        };
        // Keep the report on one line whatever the reason contains.
        write!(f, "{label}: ")?;
        let mut lines = reason.lines().map(str::trim).filter(|l| !l.is_empty());
        if let Some(first) = lines.next() {
            f.write_str(first)?;
        }
        for line in lines {
            write!(f, " {line}")?;
        }
        Ok(())
    }
}

/// Result of a subcommand.
pub(crate) type CliResult<T = ()> = Result<T, CliError>;
