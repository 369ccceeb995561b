//! The whole round trip on one machine, with nothing to set up:
//!
//! 1. starts an embedded SNAP provider (`MockProvider`, Paydia profile,
//!    paths under `/snap`) on 127.0.0.1, port 0;
//! 2. fetches a B2B token from it (RSA-signed `clientId|timestamp`), cached;
//! 3. generates a QRIS MPM payment and marks it paid (the mock's test
//!    trigger), so the query has something to report;
//! 4. sends Paydia's QRIS MPM *Query Payment* sample request (values from
//!    Paydia's documentation) through `SnapLayer` over hyper-util, printing
//!    the signed headers (secrets redacted) and the typed response.
//!
//! Run with `cargo run --example quickstart`. The keys are the crate's
//! published test keys; the client secret is a demo value.

use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use snap_bi::client::{RequestSigner, SnapLayer, hyper_client};
use snap_bi::mock::MockProvider;
use snap_bi::qris::{
    Amount, Money, QrMpmGenerateRequest, QrMpmGenerateResponse, QrMpmQueryResponse, StatusDialect,
};
use snap_bi::server::Partner;
use snap_bi::token::{B2bTokenCache, TokenRequestSigner};
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};
use tower::{ServiceBuilder, ServiceExt};

/// Ids from Paydia's Query Payment sample.
const PARTNER_ID: &str = "35d1a1127182a65e4fe0256242a40a6d";
const CHANNEL_ID: &str = "286";
const PARTNER_REFERENCE_NO: &str = "21df2838-c9e8-4aff-8c02-274ed4390e70";
/// A demo client secret (Paydia issues the real one per partner).
const CLIENT_SECRET: &str = "paydia-like-secret";
const PRIVATE_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-private.pem"
));
const PUBLIC_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-public.pem"
));

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Shows the first few characters of a secret value and hides the rest.
fn redact(value: &str) -> String {
    let shown: String = value.chars().take(6).collect();
    format!("{shown}… <redacted, {} chars>", value.chars().count())
}

async fn run() -> Result<(), Error> {
    let profile = ProviderProfile::paydia();
    let secret = ClientSecret::new(CLIENT_SECRET)?;

    // 1. The provider.
    let provider = MockProvider::builder()
        .profile(profile.clone())
        .prefix("/snap")
        .partner(
            Partner::new(PARTNER_ID)
                .with_client_id(PARTNER_ID)
                .with_public_key(RsaPublicKey::from_pem(PUBLIC_KEY)?),
            secret.clone(),
        )
        .build()?;
    let running = provider.bind(([127, 0, 0, 1], 0).into()).await?;
    let origin = format!("http://{}", running.local_addr());
    println!(
        "embedded SNAP provider listening on {}\n",
        running.base_url()
    );

    // 2. Tokens: fetched once, cached, refreshed ahead of expiry.
    let token_requests =
        TokenRequestSigner::builder(PARTNER_ID, RsaPrivateKey::from_pem(PRIVATE_KEY)?)
            .profile(&profile)
            .base_url(origin.as_str())
            .build()?;
    let tokens = B2bTokenCache::builder(token_requests).build(hyper_client());

    // The signing layer in front of hyper-util, with a tap that prints what
    // goes on the wire.
    let signer = RequestSigner::builder(profile.clone())
        .client_secret(secret)
        .partner_id(PARTNER_ID)?
        .channel_id(CHANNEL_ID)?
        .build()?;
    let layer = SnapLayer::builder(signer).token_source(tokens).build()?;
    let client = ServiceBuilder::new()
        .layer(layer)
        .map_request(|request: http::Request<Full<Bytes>>| {
            if request.uri().path().ends_with("/qr-mpm-query") {
                print_request(&request);
            }
            request
        })
        .service(hyper_client());

    // 3. A payment to query.
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some(PARTNER_REFERENCE_NO.into());
    generate.amount = Some(Money::idr(Amount::parse("12000.00")?));
    let response = client
        .clone()
        .oneshot(post(
            &origin,
            "/snap/v1.0/qr/qr-mpm-generate",
            serde_json::to_vec(&generate)?,
        ))
        .await?;
    let generated =
        QrMpmGenerateResponse::from_json(&response.into_body().collect().await?.to_bytes())?;
    let reference = generated.reference_no.ok_or_else(|| {
        format!(
            "generate failed: {} {}",
            generated.response_code, generated.response_message
        )
    })?;
    println!(
        "generated payment {reference} ({})",
        generated.response_code
    );
    let paid = hyper_client()
        .request(post(
            &origin,
            "/snap/mock/qr-mpm-pay",
            format!(r#"{{"originalReferenceNo":"{reference}"}}"#).into_bytes(),
        ))
        .await?;
    println!("customer paid (mock trigger: HTTP {})\n", paid.status());

    // 4. Paydia's Query Payment sample, pretty-printed as in their docs.
    let body = format!(
        "{{\n\"originalReferenceNo\": \"{reference}\",\n\"originalPartnerReferenceNo\": \"{PARTNER_REFERENCE_NO}\",\n\"serviceCode\": \"51\"\n}}"
    );
    let response = client
        .oneshot(post(
            &origin,
            "/snap/v1.0/qr/qr-mpm-query",
            body.into_bytes(),
        ))
        .await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    let query = QrMpmQueryResponse::from_json(&bytes)?;
    println!("HTTP {status}");
    println!(
        "responseCode            {} ({})",
        query.response_code, query.response_message
    );
    if let Some(state) = &query.latest_transaction_status {
        println!(
            "latestTransactionStatus {} = {:?} (Paydia dialect)",
            state.code(),
            state.meaning(StatusDialect::Paydia)
        );
    }
    if let Some(amount) = &query.amount {
        println!(
            "amount                  {} {}",
            amount.value, amount.currency
        );
    }
    if let Some(paid_time) = &query.paid_time {
        println!("paidTime                {paid_time}");
    }
    running.shutdown().await;
    if !query.response_code.is_success() {
        return Err(format!(
            "query refused: {} {}",
            query.response_code, query.response_message
        )
        .into());
    }
    Ok(())
}

fn post(origin: &str, path: &str, body: Vec<u8>) -> http::Request<Full<Bytes>> {
    let mut request = http::Request::new(Full::new(Bytes::from(body)));
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = format!("{origin}{path}").parse().unwrap_or_default();
    request
}

fn print_request(request: &http::Request<Full<Bytes>>) {
    println!("{} {}", request.method(), request.uri().path());
    for (name, value) in request.headers() {
        let text = value.to_str().unwrap_or("<binary>");
        let shown = if value.is_sensitive() {
            match text.strip_prefix("Bearer ") {
                Some(token) => format!("Bearer {}", redact(token)),
                None => redact(text),
            }
        } else {
            text.to_owned()
        };
        println!("{}: {shown}", name.as_str().to_ascii_uppercase());
    }
    println!();
}
