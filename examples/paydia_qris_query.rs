//! Paydia's QRIS MPM *Query Payment* exactly as seed 004 shows it, against
//! the embedded mock provider run with the Paydia profile:
//!
//! 1. a B2B token (`POST /snap/v1.0/access-token/b2b`, RSA over
//!    `clientId|timestamp`), cached by the `SnapClient`;
//! 2. a B2B2C customer token (`POST /snap/v1.0/access-token/b2b2c`,
//!    `grantType: AUTHORIZATION_CODE`, the mock's test `authCode`);
//! 3. a payment to query (generate, then the mock's "customer paid" trigger);
//! 4. the query with **both** `Authorization: Bearer <B2B token>` and
//!    `Authorization-Customer: <customer token>` (raw, no `Bearer `),
//!    `X-PARTNER-ID` = the client id, `CHANNEL-ID` 286, `serviceCode` 51;
//! 5. the same query without the customer token: refused `4015104`.
//!
//! Run with `cargo run --example paydia_qris_query`. Exit 0 when every step
//! behaved as the seed says. Test keys only; the client secret is a demo value.

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use snap_bi::client::{CustomerToken, SnapClient, hyper_client};
use snap_bi::mock::MockProvider;
use snap_bi::paydia::{QUERY_SERVICE_CODE, QueryOutcome, SEED_CHANNEL_ID};
use snap_bi::payment::PaymentSummary;
use snap_bi::qris::{Amount, Money, QrMpmGenerateRequest, QrMpmQueryRequest};
use snap_bi::server::Partner;
use snap_bi::token::{CustomerKey, CustomerTokenCache, TokenRequestSigner};
use snap_bi::{CallError, ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};

/// The client id of seed 004's sample; Paydia's `X-PARTNER-ID` is the client id.
const CLIENT_ID: &str = "35d1a1127182a65e4fe0256242a40a6d";
const PARTNER_REFERENCE_NO: &str = "21df2838-c9e8-4aff-8c02-274ed4390e70";
const CLIENT_SECRET: &str = "paydia-demo-secret";
const PRIVATE_KEY: &str = include_str!("../tests/vectors/keys/partner-test-private.pem");
const PUBLIC_KEY: &str = include_str!("../tests/vectors/keys/partner-test-public.pem");

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
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
    println!("mock Paydia at {}", running.base_url());

    // 1. The client: B2B token cache, signing, hyper-util, 10 s per attempt.
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

    // 2. The customer token (account binding gave us an authCode).
    let token_requests =
        TokenRequestSigner::builder(CLIENT_ID, RsaPrivateKey::from_pem(PRIVATE_KEY)?)
            .profile(&profile)
            .base_url(origin.as_str())
            .build()?;
    let customers = CustomerTokenCache::builder(token_requests).build(hyper_client());
    let customer = CustomerKey::new("seed-004-customer");
    let customer_token = customers
        .authorize(&customer, MockProvider::TEST_AUTH_CODE)
        .await?;
    println!(
        "customer token: {} characters (sent raw in Authorization-Customer)",
        customer_token.expose_secret().len()
    );

    // 3. A payment to query, paid by the mock's trigger.
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some(PARTNER_REFERENCE_NO.into());
    generate.amount = Some(Money::idr(Amount::parse("12000.00")?));
    let generated = client.call(&generate).await?;
    let reference = generated
        .reference_no
        .ok_or("the generate response has no referenceNo")?;
    mark_paid(&origin, &reference).await?;

    // 4. The seed's query: both tokens.
    let mut query = QrMpmQueryRequest::new(QUERY_SERVICE_CODE);
    query.original_reference_no = Some(reference.clone());
    query.original_partner_reference_no = Some(PARTNER_REFERENCE_NO.into());
    let answer = client
        .call_as(&query, &CustomerToken(customer_token))
        .await?;
    let outcome = QueryOutcome::of(&answer);
    let summary = PaymentSummary::from_qris_query(&answer, profile.status_dialect())?;
    println!(
        "query with both tokens: {} {} -> {outcome:?}, payment {} is {}",
        answer.response_code,
        answer.response_message,
        summary.payment_id,
        summary.status.as_str()
    );
    if !summary.status.is_paid() {
        return Err(format!("expected a paid payment, got {}", summary.status.as_str()).into());
    }

    // 5. Without Authorization-Customer, the Paydia mock refuses the query.
    // A second later: the same query in the same second has the same
    // X-SIGNATURE (the customer token is not signed), a replay (409).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    match client.call(&query).await {
        Err(CallError::Refused {
            code: Some(code), ..
        }) if QueryOutcome::from_code(&code) == QueryOutcome::CustomerTokenNotFound => {
            println!("query without the customer token: {code} (refused, as expected)");
        }
        other => return Err(format!("expected a 4015104 refusal, got {other:?}").into()),
    }
    running.shutdown().await;
    Ok(())
}

/// The mock's unauthenticated test trigger: the customer pays.
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
