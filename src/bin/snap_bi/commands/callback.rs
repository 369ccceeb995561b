//! `snap-bi callback verify`: checks a received Fazz callback (HMAC over the
//! raw body) or KiriminAja webhook (the bearer value), with the library's
//! own checks.

use snap_bi::fazz::callback::{CallbackError, SigningSecret, verify_callback};
use snap_bi::kiriminaja::ApiKey;
use snap_bi::kiriminaja::webhook::verify_webhook_authorization;

use crate::cli::args::{CallbackVerifyArgs, ProviderArg};
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::{read_file, read_input};
use crate::cli::output::Output;

/// Prints `valid`, or fails with `invalid: <reason>` (exit 1).
pub(crate) fn verify(args: &CallbackVerifyArgs, out: &mut Output) -> CliResult {
    match args.provider {
        ProviderArg::Fazz => fazz(args)?,
        ProviderArg::Kiriminaja => kiriminaja(args)?,
        ProviderArg::Paydia => {
            return Err(CliError::input(
                "Paydia notifications are SNAP-signed: use `snap-bi verify asymmetric`",
            ));
        }
    }
    out.line("valid");
    Ok(())
}

fn refuse_flag(present: bool, flag: &str, provider: &str) -> CliResult {
    if present {
        return Err(CliError::input(format!(
            "{flag} is not used with --provider {provider}"
        )));
    }
    Ok(())
}

fn fazz(args: &CallbackVerifyArgs) -> CliResult {
    refuse_flag(args.api_key_file.is_some(), "--api-key-file", "fazz")?;
    refuse_flag(args.authorization.is_some(), "--authorization", "fazz")?;
    let (Some(secret_file), Some(signature), Some(body)) =
        (&args.signing_secret_file, &args.signature, &args.body)
    else {
        return Err(CliError::input(
            "--provider fazz needs --signing-secret-file, --signature and --body",
        ));
    };
    let secret = String::from_utf8(read_file(secret_file, "signing secret file")?)
        .map_err(|_| CliError::input("the signing secret file is not UTF-8"))?;
    let secret = SigningSecret::new(secret).map_err(|e| CliError::input(e.to_string()))?;
    let body = read_input(Some(body), "body file")?;
    verify_callback(signature, &body, &secret).map_err(|e| match e {
        CallbackError::MalformedSignature => {
            CliError::invalid("the signature is not 64 hex digits")
        }
        other => CliError::invalid(other.to_string()),
    })
}

fn kiriminaja(args: &CallbackVerifyArgs) -> CliResult {
    refuse_flag(
        args.signing_secret_file.is_some(),
        "--signing-secret-file",
        "kiriminaja",
    )?;
    refuse_flag(args.signature.is_some(), "--signature", "kiriminaja")?;
    let (Some(key_file), Some(authorization)) = (&args.api_key_file, &args.authorization) else {
        return Err(CliError::input(
            "--provider kiriminaja needs --api-key-file and --authorization",
        ));
    };
    let key = String::from_utf8(read_file(key_file, "API key file")?)
        .map_err(|_| CliError::input("the API key file is not UTF-8"))?;
    let key = ApiKey::new(key).map_err(|e| CliError::input(e.to_string()))?;
    verify_webhook_authorization(Some(authorization.as_bytes()), &key)
        .map_err(|e| CliError::invalid(e.to_string()))
}
