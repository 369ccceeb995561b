//! `snap-bi request`: curl for SNAP. Fetches a B2B token, signs the request
//! with the library's [`SnapLayer`] (the same code path applications use),
//! sends it over reqwest (TLS, proxies: [`Http`]) and prints the response
//! body.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use snap_bi::client::{ClientError, CustomerToken, RequestSigner, SnapLayer};
use snap_bi::headers::{AUTHORIZATION_CUSTOMER, X_SIGNATURE};
use snap_bi::redis_store::RedisStore;
use snap_bi::token::{B2bTokenCache, SharedTokenSettings, TokenRequestSigner, TokenSource};
use snap_bi::{AccessToken, AsymmetricSigner, TransactionSignature};
use tower::{BoxError, Layer, ServiceExt};

use super::explain::add_header;
use super::inspect::Inspector;
use super::token::cli_error as token_cli_error;
use crate::cli::args::{CLIENT_ID_ENV, CUSTOMER_TOKEN_ENV, PRIVATE_KEY_ENV, RequestCmdArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::http::Http;
use crate::cli::input::{client_secret, private_key, read_input};
use crate::cli::output::Output;

/// The most of a response body this command reads.
const RESPONSE_LIMIT: usize = 16 * 1024 * 1024;

/// Everything `request` needs, checked before any IO.
struct Prepared {
    token_signer: TokenRequestSigner,
    signer: RequestSigner,
    request: Request<Full<Bytes>>,
    /// `--print-curl` / the `--verbose` string-to-sign, if asked for.
    inspector: Option<Inspector>,
    /// `--token-store`: the Redis the B2B token is shared through.
    token_store: Option<String>,
}

/// Signs and sends the request; prints the response body.
pub(crate) fn request(args: &RequestCmdArgs, out: &mut Output) -> CliResult {
    let prepared = prepare(args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}")))?;
    let timeout = Duration::from_secs(args.timeout);
    let verbose = args.verbose;
    let http = Http::new(&args.tls, timeout)?;
    let outcome = runtime.block_on(async {
        tokio::time::timeout(timeout, exchange(prepared, &http, &args.base_url, verbose))
            .await
            .unwrap_or_else(|_| {
                Err(CliError::failed(format!(
                    "no answer within {}s (--timeout)",
                    timeout.as_secs()
                )))
            })
    });
    let (response, body) = outcome?;
    if verbose {
        print_response(&response);
    }
    out.line(one_line(&body));
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    Err(refusal(status, &body))
}

/// Reads the inputs and builds the token signer, the request signer and the
/// unsigned request.
fn prepare(args: &RequestCmdArgs) -> CliResult<Prepared> {
    let (client_id, key_path) = credentials(args)?;
    let profile = crate::cli::input::preset(&args.profile, "profile")?;
    let base = base_url(&args.base_url)?;
    if !args.path.starts_with('/') {
        return Err(CliError::input(format!(
            "--path must start with `/`, got {:?}",
            args.path
        )));
    }
    let token_path = args
        .token_path
        .as_deref()
        .unwrap_or_else(|| profile.token().b2b_path());
    if !token_path.starts_with('/') {
        return Err(CliError::input(format!(
            "--token-path must start with `/`, got {token_path:?}"
        )));
    }
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| CliError::input(format!("invalid HTTP method {:?}", args.method)))?;
    let uri: Uri = format!("{base}{}", args.path)
        .parse()
        .map_err(|_| CliError::input(format!("invalid URL {base}{}", args.path)))?;
    let mut headers = HeaderMap::new();
    for line in &args.headers {
        add_header(&mut headers, line).map_err(CliError::input)?;
    }
    let body = match &args.body {
        Some(path) => read_input(Some(path), "body file")?,
        None => Vec::new(),
    };

    let key = Arc::new(private_key(key_path)?);
    let partner_id = args.partner_id.as_deref().unwrap_or(client_id);
    let mut token_builder = TokenRequestSigner::builder_with_signer(
        client_id,
        AsymmetricSigner::from_shared(Arc::clone(&key)),
    )
    .profile(&profile)
    .b2b_url(format!("{base}{token_path}"))
    .b2b2c_url(format!("{base}{}", profile.token().b2b2c_path()));
    if args.partner_id.is_some() {
        token_builder = token_builder.partner_id(partner_id);
    }
    let token_signer = token_builder
        .build()
        .map_err(|e| CliError::input(e.to_string()))?;

    let mut signer = RequestSigner::builder(profile.clone());
    signer = match profile.transaction_signature() {
        // RSA-signing profiles sign with the same private key; no secret.
        TransactionSignature::Asymmetric => signer.private_key(key),
        _ => signer.client_secret(client_secret(args.secret_file.as_deref())?),
    };
    let signer = signer
        .partner_id(partner_id)
        .and_then(|b| b.channel_id(&args.channel_id))
        .and_then(|b| b.build())
        .map_err(|e| {
            CliError::input(format!(
                "{e} (partner id {partner_id:?}, channel id {:?})",
                args.channel_id
            ))
        })?;

    // Checked here so a bad body is reported before anything is sent (the
    // layer would only find out after fetching a token).
    let body = signer
        .canonical_body(Bytes::from(body))
        .map_err(|e| match e {
            ClientError::InvalidBody(e) => {
                CliError::input(format!("the body file is not valid JSON: {e}"))
            }
            e => CliError::input(e.to_string()),
        })?;
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    if let Some(token) = &args.customer_token {
        // The layer writes it as the profile says (raw for paydia).
        let token = AccessToken::new(token).map_err(|e| {
            CliError::input(format!("--customer-token / {CUSTOMER_TOKEN_ENV}: {e}"))
        })?;
        request.extensions_mut().insert(CustomerToken(token));
    }
    let inspector = Inspector::new(
        signer.profile().clone(),
        args.print_curl,
        args.verbose,
        args.reveal,
    );
    Ok(Prepared {
        token_signer,
        signer,
        request,
        inspector,
        token_store: args.token_store.clone(),
    })
}

/// The client id and the private key's path, or an error naming both the
/// flags and the environment variables that are missing.
fn credentials(args: &RequestCmdArgs) -> CliResult<(&str, &Path)> {
    match (args.client_id.as_deref(), args.private_key.as_deref()) {
        (Some(id), Some(key)) => Ok((id, key)),
        (id, key) => {
            let mut missing = Vec::new();
            if id.is_none() {
                missing.push(format!("--client-id ID (or {CLIENT_ID_ENV})"));
            }
            if key.is_none() {
                missing.push(format!(
                    "--private-key PEM (or {PRIVATE_KEY_ENV}, a PEM path)"
                ));
            }
            Err(CliError::input(format!(
                "missing {}: the token request is signed with the client id and its RSA private key",
                missing.join(" and ")
            )))
        }
    }
}

/// `--base-url` without its trailing `/`; https:// or http://.
fn base_url(url: &str) -> CliResult<&str> {
    let lower = url.to_ascii_lowercase();
    if !lower.starts_with("https://") && !lower.starts_with("http://") {
        return Err(CliError::input(format!(
            "--base-url must be an https:// or http:// URL, got {url:?}"
        )));
    }
    Ok(url.trim_end_matches('/'))
}

/// Fetches the token, then sends the signed request; returns the response
/// head and its whole body.
async fn exchange(
    prepared: Prepared,
    http: &Http,
    base_url: &str,
    verbose: bool,
) -> CliResult<(Response<()>, Bytes)> {
    // Every request, the token request included, goes through `logged` so
    // --verbose shows exactly what went on the wire.
    let service = http.service();
    let logged = tower::service_fn(move |request: Request<Full<Bytes>>| {
        let service = service.clone();
        async move {
            let (parts, body) = request.into_parts();
            let bytes = body.collect().await.map_err(BoxError::from)?.to_bytes();
            let request = Request::from_parts(parts, Full::new(bytes.clone()));
            if verbose {
                print_request(&request, &bytes);
            }
            service.oneshot(request).await.map_err(BoxError::from)
        }
    });
    let mut tokens = B2bTokenCache::builder(prepared.token_signer);
    if let Some(url) = &prepared.token_store {
        let store = RedisStore::builder(url.as_str())
            .build()
            .map_err(|e| CliError::input(format!("--token-store: {e}")))?;
        tokens = tokens.shared_store(
            Arc::new(store.token_store()),
            SharedTokenSettings::default(),
        );
    }
    let tokens = tokens.build(logged.clone());
    // Fetched up front so a refused token reads as the provider's answer,
    // not as a signing failure; the layer then takes it from the cache.
    let token = tokens.token().await.map_err(|e| {
        http.tls_failure(&e, base_url)
            .unwrap_or_else(|| token_cli_error(&e))
    })?;
    if verbose {
        let _ = writeln!(
            io::stderr().lock(),
            "# access token: <redacted, {} chars>",
            token.expose_secret().len()
        );
    }
    let layer = SnapLayer::builder(prepared.signer)
        .token_source(tokens)
        // --timeout bounds the whole command, and may be longer.
        .request_timeout(None)
        .build()
        .map_err(|e| CliError::input(e.to_string()))?;
    // Between the layer and the client: sees the signed request as sent.
    let response = match prepared.inspector {
        Some(inspector) => {
            layer
                .layer(inspector.wrap(logged))
                .oneshot(prepared.request)
                .await
        }
        None => layer.layer(logged).oneshot(prepared.request).await,
    }
    .map_err(|e| {
        http.tls_failure(e.as_ref(), base_url)
            .unwrap_or_else(|| send_error(&e))
    })?;
    let (parts, body) = response.into_parts();
    let body = http_body_util::Limited::new(body, RESPONSE_LIMIT)
        .collect()
        .await
        .map_err(|e| CliError::failed(format!("reading the response body failed: {e}")))?
        .to_bytes();
    Ok((Response::from_parts(parts, ()), body))
}

/// What went wrong sending: the layer's own errors (nothing was sent) or
/// the transport's.
fn send_error(error: &BoxError) -> CliError {
    match error.downcast_ref::<ClientError>() {
        Some(ClientError::Token(token)) => token_cli_error(token),
        Some(ClientError::InvalidBody(e)) => {
            CliError::input(format!("the body file is not valid JSON: {e}"))
        }
        Some(ClientError::BodyTooLarge { .. }) => CliError::input(error.to_string()),
        _ => CliError::failed(with_sources(error.as_ref())),
    }
}

/// The error and its sources, joined with `: `.
fn with_sources(error: &(dyn std::error::Error + 'static)) -> String {
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

/// The `refused:` line of a non-2xx answer: its status, and its
/// `responseCode` and `responseMessage` when the body has them.
fn refusal(status: http::StatusCode, body: &[u8]) -> CliError {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "responseCode")]
        code: Option<String>,
        #[serde(rename = "responseMessage")]
        message: Option<String>,
    }
    match serde_json::from_slice::<Answer>(body) {
        Ok(Answer {
            code: Some(code),
            message,
        }) => CliError::refused(format!(
            "HTTP {status}, responseCode {code}: {}",
            message.unwrap_or_default()
        )),
        _ => CliError::refused(format!("HTTP {status} without a responseCode")),
    }
}

/// The body on one line: minified when it is JSON (SNAP bodies are), else
/// as received with line breaks replaced by spaces.
fn one_line(body: &[u8]) -> Vec<u8> {
    match snap_bi::minify(body) {
        Ok(minified) => minified.into_owned(),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            text.trim_end().replace(['\r', '\n'], " ").into_bytes()
        }
    }
}

/// `> ` lines on stderr: the request line, every header (credentials
/// redacted) and the body, as sent.
fn print_request(request: &Request<Full<Bytes>>, body: &[u8]) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "> {} {}", request.method(), request.uri());
    for (name, value) in request.headers() {
        let _ = writeln!(err, "> {name}: {}", redacted(name, value));
    }
    let _ = writeln!(err, "> {}", String::from_utf8_lossy(body));
}

/// A header value for display: tokens and signatures only by length.
fn redacted(name: &HeaderName, value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    let credential = *name == AUTHORIZATION || *name == AUTHORIZATION_CUSTOMER;
    if let (true, Some(token)) = (credential, text.strip_prefix("Bearer ")) {
        return format!("Bearer <redacted, {} chars>", token.len());
    }
    if credential || *name == X_SIGNATURE || value.is_sensitive() {
        return format!("<redacted, {} chars>", value.len());
    }
    text.into_owned()
}

/// `< ` lines on stderr: the status line and the response headers.
fn print_response(response: &Response<()>) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "< {:?} {}", response.version(), response.status());
    for (name, value) in response.headers() {
        let _ = writeln!(err, "< {name}: {}", redacted(name, value));
    }
}

#[cfg(test)]
mod tests;
