//! `snap-bi sign symmetric|asymmetric|token`.

use snap_bi::{AsymmetricSigner, ProviderProfile, SymmetricSigner, token_string_to_sign};

use super::{explain_token, explain_transaction};
use crate::cli::args::{SignAsymmetricArgs, SignProfileArgs, SignSymmetricArgs, SignTokenArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::{NOW, Request, access_token, client_secret, private_key, timestamp_arg};
use crate::cli::output::Output;

/// HMAC-SHA512 over `METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp`.
pub(crate) fn symmetric(args: &SignSymmetricArgs, out: &mut Output) -> CliResult {
    let sym = &args.symmetric;
    let profile = profile(&args.profile)?;
    let secret = client_secret(sym.secret_file.as_deref())?;
    let token = access_token(sym.token.as_deref(), sym.token_file.as_deref())?;
    let request = Request::load(&sym.request, Some(profile.timestamp_format()))?;
    let body = request.canonical_body()?;
    let parts = request.parts(&body);
    print_generated_timestamp(out, &sym.request.timestamp, request.timestamp());
    if sym.request.explain {
        explain_transaction(out, &body, &parts.symmetric_string_to_sign(&token));
    }
    let encoding = args.encoding.map_or_else(|| profile.encoding(), Into::into);
    let signer = SymmetricSigner::new(&secret).with_encoding(encoding);
    out.line(signer.sign(&parts, &token).as_str());
    Ok(())
}

/// SHA256withRSA over `METHOD:EndpointUrl:bodyhash:Timestamp`.
pub(crate) fn asymmetric(args: &SignAsymmetricArgs, out: &mut Output) -> CliResult {
    let profile = profile(&args.profile)?;
    let signer = AsymmetricSigner::new(private_key(&args.private_key)?);
    let request = Request::load(&args.request, Some(profile.timestamp_format()))?;
    let body = request.canonical_body()?;
    let parts = request.parts(&body);
    print_generated_timestamp(out, &args.request.timestamp, request.timestamp());
    if args.request.explain {
        explain_transaction(out, &body, &parts.asymmetric_string_to_sign());
    }
    let signature = signer
        .sign(&parts)
        .map_err(|e| CliError::input(e.to_string()))?;
    out.line(signature.as_str());
    Ok(())
}

/// SHA256withRSA over `clientId|Timestamp`.
pub(crate) fn token(args: &SignTokenArgs, out: &mut Output) -> CliResult {
    let profile = profile(&args.profile)?;
    let token = &args.token;
    let timestamp = timestamp_arg(&token.timestamp, Some(profile.token().timestamp_format()))?;
    let signer = AsymmetricSigner::new(private_key(&args.private_key)?);
    print_generated_timestamp(out, &token.timestamp, &timestamp);
    if token.explain {
        explain_token(out, &token_string_to_sign(&token.client_id, &timestamp));
    }
    let signature = signer
        .sign_token(&token.client_id, &timestamp)
        .map_err(|e| CliError::input(e.to_string()))?;
    out.line(signature.as_str());
    Ok(())
}

fn profile(args: &SignProfileArgs) -> CliResult<ProviderProfile> {
    crate::cli::input::preset(&args.profile, "profile")
}

/// `--timestamp now` was resolved: the caller must send this exact value as
/// X-TIMESTAMP, so it goes to stdout before the signature.
fn print_generated_timestamp(out: &mut Output, given: &str, used: &str) {
    if given == NOW {
        out.labelled("timestamp", used);
    }
}
