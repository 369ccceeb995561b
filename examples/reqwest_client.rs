//! The one-call client: `SnapClient` over reqwest, against the embedded
//! mock provider.
//!
//! 1. starts the embedded SNAP provider (`MockProvider`, Paydia profile,
//!    paths under `/snap`) on 127.0.0.1, port 0;
//! 2. builds a `SnapClient` in one chain: profile, base URL, client id,
//!    private key, client secret, partner id, channel id, a reqwest client,
//!    a per-attempt timeout and a retry policy for reads. It owns the B2B
//!    token cache (fetched on first use, cached, refreshed ahead of expiry),
//!    the signing layer and the HTTP client;
//! 3. generates a QRIS MPM payment, has the mock mark it paid, and queries
//!    it — typed requests in, typed responses out;
//! 4. queries a payment that does not exist, to show the typed refusal.
//!
//! Run with `cargo run --example reqwest_client --all-features` (it needs
//! the `reqwest` feature). The keys are the crate's published test keys; the
//! client secret is a demo value.
//!
//! Against a real provider over https, build the reqwest client with TLS
//! (feature `rustls`: the system's roots, plus a sandbox CA or a client
//! certificate for mTLS where the provider asks for one) and pass it to
//! `.http_client(..)`; keep redirects off, since a signed request must not
//! be replayed to another URL.

use std::process::ExitCode;
use std::time::Duration;

use snap_bi::client::{CallError, RetryPolicy, SnapClient};
use snap_bi::mock::MockProvider;
use snap_bi::qris::{Amount, Money, QrMpmGenerateRequest, QrMpmQueryRequest, StatusDialect};
use snap_bi::server::Partner;
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};

/// Paydia's sample ids: the client id is also the partner id there.
const CLIENT_ID: &str = "35d1a1127182a65e4fe0256242a40a6d";
const CHANNEL_ID: &str = "286";
/// A demo client secret (the provider issues the real one per partner).
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

async fn run() -> Result<(), Error> {
    let profile = ProviderProfile::paydia();
    let secret = ClientSecret::new(CLIENT_SECRET)?;

    // 1. The provider.
    // This example shows B2B calls only; the Paydia query's customer token
    // (seed 004) is shown by `examples/paydia_qris_query.rs`.
    let provider = MockProvider::builder()
        .profile(profile.clone())
        .prefix("/snap")
        .require_customer_token_on_query(false)
        .partner(
            Partner::new(CLIENT_ID)
                .with_client_id(CLIENT_ID)
                .with_public_key(RsaPublicKey::from_pem(PUBLIC_KEY)?),
            secret.clone(),
        )
        .build()?;
    let running = provider.bind(([127, 0, 0, 1], 0).into()).await?;
    // `http://127.0.0.1:PORT/snap`: service paths go under the prefix; the
    // profile's token path (`/snap/v1.0/access-token/b2b`) goes on the host.
    let base_url = running.base_url();
    println!("embedded SNAP provider listening on {base_url}\n");

    // 2. The client. Over https, this reqwest client is where TLS goes.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let client = SnapClient::builder(profile)
        .base_url(base_url.as_str())
        .client_id(CLIENT_ID)
        .private_key(RsaPrivateKey::from_pem(PRIVATE_KEY)?)
        .client_secret(secret)
        .partner_id(CLIENT_ID)
        .channel_id(CHANNEL_ID)
        .http_client(http)
        .timeout(Duration::from_secs(10))
        .retry(RetryPolicy::new().max_attempts(3))
        .build()?;
    println!(
        "client for {} at {} (token cache: {:?})\n",
        client.profile().name(),
        client.base_url(),
        client.tokens().cached().map(|_| "warm").unwrap_or("empty"),
    );

    // 3. Generate, pay (the mock's test trigger), query.
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some("INV-2024-0001".into());
    generate.amount = Some(Money::idr(Amount::parse("12000.00")?));
    let generated = client.call(&generate).await?;
    let reference = generated
        .reference_no
        .ok_or("the generate response has no referenceNo")?;
    println!(
        "generate  {} {} -> referenceNo {reference}",
        generated.response_code, generated.response_message
    );

    let paid = reqwest::Client::new()
        .post(format!("{base_url}/mock/qr-mpm-pay"))
        .body(format!(r#"{{"originalReferenceNo":"{reference}"}}"#))
        .send()
        .await?;
    println!("customer paid (mock trigger: HTTP {})", paid.status());

    let mut query = QrMpmQueryRequest::new("51");
    query.original_reference_no = Some(reference);
    let status = client.call(&query).await?;
    let meaning = status
        .latest_transaction_status
        .as_ref()
        .map(|s| s.meaning(StatusDialect::Paydia));
    println!(
        "query     {} {} -> {meaning:?}, amount {:?}, paid {:?}",
        status.response_code,
        status.response_message,
        status.amount.as_ref().map(|m| m.value.to_string()),
        status.paid_time,
    );

    // 4. A refusal is a typed error with the HTTP status, the code and the
    // raw body.
    let mut missing = QrMpmQueryRequest::new("51");
    missing.original_reference_no = Some("NO-SUCH-PAYMENT".into());
    let refused = match client.call(&missing).await {
        Err(error @ CallError::Refused { .. }) => error,
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("an unknown payment was found".into()),
    };
    println!(
        "query     HTTP {:?}, responseCode {:?}: {refused}",
        refused.status().map(|s| s.as_u16()),
        refused.response_code().map(|c| c.as_str()),
    );

    running.shutdown().await;
    if meaning != Some(snap_bi::qris::StatusMeaning::Success) {
        return Err("the paid payment does not read as paid".into());
    }
    Ok(())
}
