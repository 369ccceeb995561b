//! One function per subcommand. Each writes its stdout lines to an
//! [`Output`] and returns a [`CliResult`]; [`dispatch`] routes a parsed
//! [`Command`] to the right one. New subcommands add a variant to
//! [`Command`], a module here, and an arm below.

mod callback;
mod compare;
mod explain;
mod inspect;
mod minify;
mod payment;
mod qr;
mod request;
mod serve_mock;
mod sign;
mod token;
mod verify;

use snap_bi::{CanonicalBody, StringToSign};

use super::args::{
    CallbackCommand, Command, PaymentCommand, QrCommand, SignCommand, TokenCommand, VerifyCommand,
};
use super::error::CliResult;
use super::output::Output;

/// Runs `command`, writing its stdout lines to `out`.
pub(crate) fn dispatch(command: Command, out: &mut Output) -> CliResult {
    match command {
        Command::Minify(args) => minify::minify(&args, out),
        Command::Sign(SignCommand::Symmetric(args)) => sign::symmetric(&args, out),
        Command::Sign(SignCommand::Asymmetric(args)) => sign::asymmetric(&args, out),
        Command::Sign(SignCommand::Token(args)) => sign::token(&args, out),
        Command::Verify(VerifyCommand::Symmetric(args)) => verify::symmetric(&args, out),
        Command::Verify(VerifyCommand::Asymmetric(args)) => verify::asymmetric(&args, out),
        Command::Verify(VerifyCommand::Token(args)) => verify::token(&args, out),
        Command::Explain(args) => explain::explain(&args, out),
        Command::Token(TokenCommand::B2b(args)) => token::b2b(&args, out),
        Command::Request(args) => request::request(&args, out),
        Command::ServeMock(args) => serve_mock::serve_mock(&args),
        Command::Payment(PaymentCommand::Status(args)) => payment::status(&args, out),
        Command::Callback(CallbackCommand::Verify(args)) => callback::verify(&args, out),
        Command::Token(TokenCommand::B2b2c(args)) => token::b2b2c(&args, out),
        Command::Qr(QrCommand::Render(args)) => qr::render(&args, out),
    }
}

/// The `--explain` lines of a transaction signature.
fn explain_transaction(out: &mut Output, body: &CanonicalBody<'_>, string_to_sign: &StringToSign) {
    out.labelled("minified-body", body.bytes());
    out.labelled("body-sha256", body.digest().as_str());
    out.labelled("string-to-sign", string_to_sign.as_str());
}

/// The `--explain` line of a token signature.
fn explain_token(out: &mut Output, string_to_sign: &StringToSign) {
    out.labelled("string-to-sign", string_to_sign.as_str());
}
