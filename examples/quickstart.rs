//! The whole Paydia flow of seed 004 on one machine, with nothing to set up:
//!
//! 1. starts an embedded SNAP provider (`MockProvider`, Paydia profile,
//!    paths under `/snap`) on 127.0.0.1, port 0;
//! 2. builds a `SnapClient` (B2B token fetched and cached on first use,
//!    HMAC-SHA512 signing, hyper-util, a timeout on every call);
//! 3. gets the customer's B2B2C token (`AUTHORIZATION_CODE`, the mock's
//!    test code);
//! 4. generates a QRIS payment and prints its QR code to scan;
//! 5. the customer pays (the mock's test trigger);
//! 6. queries it with **both** `Authorization: Bearer <B2B token>` and
//!    `Authorization-Customer: <customer token>` (raw, as Paydia sends it),
//!    and prints the unified payment status.
//!
//! Run with `cargo run --example quickstart`. The keys are the crate's
//! published test keys; the client secret is a demo value.

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use snap_bi::client::{CustomerToken, SnapClient, hyper_client};
use snap_bi::mock::MockProvider;
use snap_bi::paydia::{QUERY_SERVICE_CODE, QueryOutcome, SEED_CHANNEL_ID};
use snap_bi::payment::PaymentSummary;
use snap_bi::qr::{QrisCode, TextColors};
use snap_bi::qris::{Amount, Money, QrMpmGenerateRequest, QrMpmQueryRequest};
use snap_bi::server::Partner;
use snap_bi::token::{CustomerKey, CustomerTokenCache, TokenRequestSigner};
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};

/// The client id of Paydia's Query Payment sample (X-PARTNER-ID is the client id).
const CLIENT_ID: &str = "35d1a1127182a65e4fe0256242a40a6d";
const PARTNER_REFERENCE_NO: &str = "21df2838-c9e8-4aff-8c02-274ed4390e70";
/// A demo client secret (Paydia issues the real one per partner).
const CLIENT_SECRET: &str = "paydia-like-secret";
const PRIVATE_KEY: &str = include_str!("../tests/vectors/keys/partner-test-private.pem");
const PUBLIC_KEY: &str = include_str!("../tests/vectors/keys/partner-test-public.pem");

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let profile = ProviderProfile::paydia();
    let secret = ClientSecret::new(CLIENT_SECRET)?;

    // 1. The provider.
    let provider = MockProvider::builder()
        .profile(profile.clone())
        .prefix("/snap")
        .partner(
            Partner::new(CLIENT_ID)
                .with_client_id(CLIENT_ID)
                .with_public_key(RsaPublicKey::from_pem(PUBLIC_KEY)?),
            secret.clone(),
        )
        .build()?;
    let running = provider.bind(([127, 0, 0, 1], 0).into()).await?;
    let origin = format!("http://{}", running.local_addr());
    println!(
        "1. embedded Paydia-style provider at {}",
        running.base_url()
    );

    // 2. The client.
    let client = SnapClient::builder(profile.clone())
        .base_url(running.base_url())
        .client_id(CLIENT_ID)
        .private_key(RsaPrivateKey::from_pem(PRIVATE_KEY)?)
        .client_secret(secret)
        .partner_id(CLIENT_ID)
        .channel_id(SEED_CHANNEL_ID)
        .http(hyper_client())
        .timeout(Duration::from_secs(10))
        .build()?;

    // 3. The customer token, from the account-binding authCode.
    let token_requests =
        TokenRequestSigner::builder(CLIENT_ID, RsaPrivateKey::from_pem(PRIVATE_KEY)?)
            .profile(&profile)
            .base_url(origin.as_str())
            .build()?;
    let customers = CustomerTokenCache::builder(token_requests).build(hyper_client());
    let customer = CustomerToken(
        customers
            .authorize(&CustomerKey::new("alice"), MockProvider::TEST_AUTH_CODE)
            .await?,
    );
    println!(
        "2. customer token: {} characters (B2B token fetched on the first call)",
        customer.0.expose_secret().len()
    );

    // 4. A payment, and its QR code.
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some(PARTNER_REFERENCE_NO.into());
    generate.amount = Some(Money::idr(Amount::parse("12000.00")?));
    let generated = client.call(&generate).await?;
    let reference = generated
        .reference_no
        .ok_or("the generate response has no referenceNo")?;
    let qr_content = generated
        .qr_content
        .ok_or("the generate response has no qrContent")?;
    println!("3. payment {reference} generated; scan to pay IDR 12000.00:");
    println!(
        "{}",
        QrisCode::new(&qr_content)?.to_text(TextColors::LightOnDark)
    );

    // 5. The customer pays.
    mark_paid(&origin, &reference).await?;
    println!("4. the customer paid (mock trigger)");

    // 6. Query Payment with both tokens.
    let mut query = QrMpmQueryRequest::new(QUERY_SERVICE_CODE);
    query.original_reference_no = Some(reference);
    query.original_partner_reference_no = Some(PARTNER_REFERENCE_NO.into());
    let answer = client.call_as(&query, &customer).await?;
    let summary = PaymentSummary::from_qris_query(&answer, profile.status_dialect())?;
    println!(
        "5. query: {} {} ({:?}); latestTransactionStatus {} -> payment status: {}",
        answer.response_code,
        answer.response_message,
        QueryOutcome::of(&answer),
        summary.provider_status,
        summary.status.as_str()
    );
    running.shutdown().await;
    if !summary.status.is_paid() {
        return Err(format!("expected paid, got {}", summary.status.as_str()).into());
    }
    Ok(())
}

/// The mock's unauthenticated test trigger: marks the payment paid.
async fn mark_paid(origin: &str, reference: &str) -> Result<(), Error> {
    let body = format!(r#"{{"originalReferenceNo":"{reference}"}}"#);
    let request = http::Request::post(format!("{origin}/snap/mock/qr-mpm-pay"))
        .body(Full::new(Bytes::from(body)))?;
    let response =
        tokio::time::timeout(Duration::from_secs(10), hyper_client().request(request)).await??;
    if !response.status().is_success() {
        return Err(format!("mock pay trigger: HTTP {}", response.status()).into());
    }
    Ok(())
}
