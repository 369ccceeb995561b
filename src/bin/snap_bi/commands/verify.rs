//! `snap-bi verify symmetric|asymmetric|token`.

use snap_bi::signature::decode_signature;
use snap_bi::{
    AsymmetricVerifier, SignatureEncoding, SymmetricSigner, VerifyError, token_string_to_sign,
};

use super::{explain_token, explain_transaction};
use crate::cli::args::{VerifyAsymmetricArgs, VerifySymmetricArgs, VerifyTokenArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::{Request, access_token, client_secret, public_key, timestamp_arg};
use crate::cli::output::Output;

/// Prints `valid`, or turns the verification error into exit 1.
fn report(result: Result<(), VerifyError>, out: &mut Output) -> CliResult {
    match result {
        Ok(()) => {
            out.line("valid");
            Ok(())
        }
        Err(e) => Err(CliError::invalid(e.to_string())),
    }
}

fn encoding_name(encoding: SignatureEncoding) -> &'static str {
    match encoding {
        SignatureEncoding::Hex => "hex",
        _ => "base64",
    }
}

/// HMAC-SHA512 over `METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp`.
pub(crate) fn symmetric(args: &VerifySymmetricArgs, out: &mut Output) -> CliResult {
    let sym = &args.symmetric;
    let secret = client_secret(sym.secret_file.as_deref())?;
    let token = access_token(sym.token.as_deref(), sym.token_file.as_deref())?;
    let request = Request::load(&sym.request, None)?;
    let body = request.canonical_body()?;
    let parts = request.parts(&body);
    if sym.request.explain {
        explain_transaction(out, &body, &parts.symmetric_string_to_sign(&token));
    }
    if let Some(wanted) = args.encoding.map(SignatureEncoding::from)
        && let Ok((_, found)) = decode_signature(&args.signature, SymmetricSigner::SIGNATURE_LEN)
        && found != wanted
    {
        return Err(CliError::invalid(format!(
            "signature is {}-encoded but --encoding {} was required",
            encoding_name(found),
            encoding_name(wanted)
        )));
    }
    let signer = SymmetricSigner::new(&secret);
    report(signer.verify(&parts, &token, &args.signature), out)
}

/// SHA256withRSA over `METHOD:EndpointUrl:bodyhash:Timestamp`.
pub(crate) fn asymmetric(args: &VerifyAsymmetricArgs, out: &mut Output) -> CliResult {
    let verifier = AsymmetricVerifier::new(public_key(&args.public_key)?);
    let request = Request::load(&args.request, None)?;
    let body = request.canonical_body()?;
    let parts = request.parts(&body);
    if args.request.explain {
        explain_transaction(out, &body, &parts.asymmetric_string_to_sign());
    }
    report(verifier.verify(&parts, &args.signature), out)
}

/// SHA256withRSA over `clientId|Timestamp`.
pub(crate) fn token(args: &VerifyTokenArgs, out: &mut Output) -> CliResult {
    let verifier = AsymmetricVerifier::new(public_key(&args.public_key)?);
    let token = &args.token;
    timestamp_arg(&token.timestamp, None)?;
    if token.explain {
        explain_token(
            out,
            &token_string_to_sign(&token.client_id, &token.timestamp),
        );
    }
    report(
        verifier.verify_token(&token.client_id, &token.timestamp, &args.signature),
        out,
    )
}
