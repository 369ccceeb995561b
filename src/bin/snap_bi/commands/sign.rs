//! `snap-bi sign symmetric|asymmetric|token`.

use snap_bi::{AsymmetricSigner, SymmetricSigner, token_string_to_sign};

use super::{explain_token, explain_transaction};
use crate::cli::args::{SignAsymmetricArgs, SignSymmetricArgs, SignTokenArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::{Request, client_secret, private_key};
use crate::cli::output::Output;

/// HMAC-SHA512 over `METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp`.
pub(crate) fn symmetric(args: &SignSymmetricArgs, out: &mut Output) -> CliResult {
    let sym = &args.symmetric;
    let secret = client_secret(sym.secret_file.as_deref())?;
    let request = Request::load(&sym.request)?;
    let body = request.canonical_body()?;
    let parts = request.parts(&body);
    if sym.request.explain {
        explain_transaction(out, &body, &parts.symmetric_string_to_sign(&sym.token));
    }
    let signer = SymmetricSigner::new(&secret).with_encoding(args.encoding.into());
    out.line(signer.sign(&parts, &sym.token).as_str());
    Ok(())
}

/// SHA256withRSA over `METHOD:EndpointUrl:bodyhash:Timestamp`.
pub(crate) fn asymmetric(args: &SignAsymmetricArgs, out: &mut Output) -> CliResult {
    let signer = AsymmetricSigner::new(private_key(&args.private_key)?);
    let request = Request::load(&args.request)?;
    let body = request.canonical_body()?;
    let parts = request.parts(&body);
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
    let signer = AsymmetricSigner::new(private_key(&args.private_key)?);
    let token = &args.token;
    if token.explain {
        explain_token(
            out,
            &token_string_to_sign(&token.client_id, &token.timestamp),
        );
    }
    let signature = signer
        .sign_token(&token.client_id, &token.timestamp)
        .map_err(|e| CliError::input(e.to_string()))?;
    out.line(signature.as_str());
    Ok(())
}
