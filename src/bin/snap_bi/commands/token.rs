//! `snap-bi token b2b` / `token b2b2c`: request a B2B access token or a
//! B2B2C customer token from a provider.

use std::error::Error as _;
use std::io::{self, Write};
use std::time::Duration;

use bytes::Bytes;
use chrono::{TimeDelta, Utc};
use http::Request;
use snap_bi::headers::X_SIGNATURE;
use snap_bi::token::{
    LifetimeSource, RefreshToken, ResponseOptions, TokenError, TokenGrant, TokenRequestSigner,
    fetch_token,
};
use snap_bi::{ProviderProfile, SystemClock, TimestampFormat};

use crate::cli::args::{TokenB2b2cArgs, TokenB2bArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::http::Http;
use crate::cli::input::private_key;
use crate::cli::output::Output;

/// Signs and sends the B2B token request; prints the access token.
pub(crate) fn b2b(args: &TokenB2bArgs, out: &mut Output) -> CliResult {
    let signer = signer(args)?;
    let timestamp = signer.timestamp_format().format(Utc::now());
    let request = signer
        .b2b(&timestamp)
        .map_err(|e| CliError::input(e.to_string()))?;
    let grant = send(args, request)?;
    out.line(grant.access_token().expose_secret());
    Ok(())
}

/// Signs and sends the B2B2C token request (authorization code or refresh
/// token); prints the customer token.
pub(crate) fn b2b2c(args: &TokenB2b2cArgs, out: &mut Output) -> CliResult {
    let common = &args.common;
    let signer = signer(common)?;
    let timestamp = signer.timestamp_format().format(Utc::now());
    let request = match (&args.auth_code, &args.refresh_token) {
        (Some(code), _) if !code.is_empty() => signer.authorization_code(code, &timestamp),
        (None, Some(refresh)) => {
            let refresh = RefreshToken::new(refresh)
                .map_err(|e| CliError::input(format!("--refresh-token: {e}")))?;
            signer.refresh(&refresh, &timestamp)
        }
        _ => return Err(CliError::input("--auth-code must not be empty")),
    }
    .map_err(|e| CliError::input(e.to_string()))?;
    let grant = send(common, request)?;
    out.line(grant.access_token().expose_secret());
    Ok(())
}

/// The token request signer of `args`; one URL serves as both token URLs.
fn signer(args: &TokenB2bArgs) -> CliResult<TokenRequestSigner> {
    let profile = profile(args)?;
    let mut builder =
        TokenRequestSigner::builder(args.client_id.as_str(), private_key(&args.private_key)?)
            .profile(&profile)
            .b2b_url(args.url.as_str())
            .b2b2c_url(args.url.as_str());
    if let Some(partner) = &args.partner_id {
        builder = builder.partner_id(partner.as_str());
    }
    builder.build().map_err(|e| CliError::input(e.to_string()))
}

/// Sends a signed token request within `--timeout`; the grant, or the
/// refusal / failure as a CLI error.
fn send(args: &TokenB2bArgs, request: Request<Bytes>) -> CliResult<TokenGrant> {
    if args.verbose {
        print_request(&request);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}")))?;
    let timeout = Duration::from_secs(args.timeout);
    let http = Http::new(&args.tls, timeout)?;
    let outcome = runtime.block_on(async {
        tokio::time::timeout(
            timeout,
            fetch_token(
                http.service(),
                request,
                &ResponseOptions::default(),
                &SystemClock,
            ),
        )
        .await
        .unwrap_or(Err(TokenError::Timeout { after: timeout }))
    });
    let grant = outcome.map_err(|e| {
        http.tls_failure(&e, &args.url)
            .unwrap_or_else(|| cli_error(&e))
    })?;
    if args.verbose {
        print_grant(&grant);
    }
    Ok(grant)
}

/// The profile preset, with `--timestamp-style` applied.
fn profile(args: &TokenB2bArgs) -> CliResult<ProviderProfile> {
    let preset = crate::cli::input::preset(&args.profile, "profile")?;
    Ok(match args.timestamp_style {
        Some(style) => preset
            .to_builder()
            .token_timestamp_format(TimestampFormat::from(style))
            .build(),
        None => preset,
    })
}

/// `> ` lines on stderr: the request line, its headers (signature
/// redacted) and body.
fn print_request(request: &Request<Bytes>) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "> {} {}", request.method(), request.uri());
    for (name, value) in request.headers() {
        if *name == X_SIGNATURE {
            let _ = writeln!(err, "> {name}: <redacted, {} chars>", value.len());
        } else {
            let _ = writeln!(
                err,
                "> {name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            );
        }
    }
    let _ = writeln!(err, "> {}", String::from_utf8_lossy(request.body()));
}

/// `# ` lines on stderr: what the answer said, without the token.
fn print_grant(grant: &TokenGrant) {
    let mut err = io::stderr().lock();
    if let Some(code) = grant.response_code() {
        let message = grant.response_message().unwrap_or_default();
        let _ = writeln!(err, "# responseCode: {code} {message}");
    }
    if let Some(kind) = grant.token_type() {
        let _ = writeln!(err, "# token-type: {kind}");
    }
    let source = match grant.lifetime_source() {
        LifetimeSource::ExpiresIn => "expiresIn",
        LifetimeSource::ExpiresInDateTime => "expiresIn, a date-time",
        LifetimeSource::AccessTokenExpiryTime => "accessTokenExpiryTime",
        LifetimeSource::JwtExp => "the JWT's exp claim",
        LifetimeSource::Default => "default; the response gave no expiry",
        _ => "unknown",
    };
    let lifetime = grant.lifetime();
    let _ = writeln!(err, "# expires-in: {}s (from {source})", lifetime.as_secs());
    let expires_at = TimeDelta::from_std(lifetime)
        .ok()
        .and_then(|d| Utc::now().checked_add_signed(d));
    if let Some(at) = expires_at {
        let at = TimestampFormat::JakartaSeconds.format(at);
        let _ = writeln!(err, "# expires-at: {at}");
    }
}

/// Exit 1 for whatever the provider (or the way to it) did, exit 2 for
/// what was wrong before anything was sent.
pub(super) fn cli_error(error: &TokenError) -> CliError {
    match error {
        TokenError::Refused {
            status,
            code,
            message,
        } => CliError::refused(format!("HTTP {status}, responseCode {code}: {message}")),
        TokenError::HttpStatus { status, message } if message.is_empty() => {
            CliError::refused(format!("HTTP {status} without a responseCode"))
        }
        TokenError::HttpStatus { status, message } => {
            CliError::refused(format!("HTTP {status} without a responseCode: {message}"))
        }
        TokenError::Config(_) | TokenError::Sign(_) => CliError::input(error.to_string()),
        _ => CliError::failed(with_sources(error)),
    }
}

/// The error and its sources, joined with `: ` (hyper's top-level errors
/// say little on their own).
fn with_sources(error: &TokenError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let line = inner.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = inner.source();
    }
    text
}
