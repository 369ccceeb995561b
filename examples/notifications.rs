//! A merchant receiving a PJP's payment notifications, end to end on one
//! machine:
//!
//! 1. an axum merchant app on 127.0.0.1 (port 0) whose notify route is
//!    guarded by `VerifyLayer::notifications(pjp_public_key)`: the PJP's
//!    RSA signature is checked, no token is expected, each `X-EXTERNAL-ID`
//!    counts once, and rejections are explained (`.explain_rejections()`);
//! 2. the embedded mock provider (`MockProvider`) as the PJP: a payment is
//!    created in its ledger, and its "customer paid" trigger sends the real
//!    RSA-signed notification to the merchant over HTTP;
//! 3. a forged notification, signed with another key, which the merchant
//!    rejects with `4015200`.
//!
//! The crate's INFO events (`snap_bi::*` targets) go to stderr. Exits 0 when
//! the real notification is accepted and the forged one rejected.
//!
//! Run with `cargo run --example notifications`. The keys are the crate's
//! published test keys.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::routing::post;
use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use snap_bi::client::{RequestSigner, hyper_client};
use snap_bi::mock::MockProvider;
use snap_bi::mock::ledger::CallContext;
use snap_bi::qris::{Amount, Money, QrMpmGenerateRequest, QrMpmNotifyRequest};
use snap_bi::server::{Partner, VerifiedRequest, VerifyLayer};
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey, TransactionSignature};

const NOTIFY_PATH: &str = "/merchant/v1.0/qr/qr-mpm-notify";
const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/keys");

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
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

fn key(file: &str) -> Result<String, Error> {
    Ok(std::fs::read_to_string(format!("{KEYS}/{file}"))?)
}

/// What the merchant's handler saw: who sent it, and the notification.
type Received = Arc<Mutex<Vec<(String, QrMpmNotifyRequest)>>>;

/// The merchant's notify handler: the layer has verified the request; the
/// body is exactly the bytes the PJP signed.
async fn on_notification(
    Extension(verified): Extension<VerifiedRequest>,
    Extension(received): Extension<Received>,
    body: Bytes,
) -> &'static str {
    if let Ok(notification) = QrMpmNotifyRequest::from_json(&body)
        && let Ok(mut received) = received.lock()
    {
        received.push((verified.partner_id().to_owned(), notification));
    }
    r#"{"responseCode":"2005200","responseMessage":"Successful"}"#
}

async fn run() -> Result<(), Error> {
    // 1. The merchant: one line of verification.
    let verify = VerifyLayer::notifications(RsaPublicKey::from_pem(&key("pjp-test-public.pem")?)?)
        .explain_rejections()
        .build()?;
    let received = Received::default();
    let app = axum::Router::new()
        .route(NOTIFY_PATH, post(on_notification))
        .layer(verify)
        .layer(Extension(received.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let notify_url = format!("http://{}{NOTIFY_PATH}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("merchant listening at {notify_url}");

    // 2. The PJP: the embedded mock provider, notifying the merchant.
    let provider = MockProvider::builder()
        .partner(
            Partner::new("MERCHANT-01")
                .with_public_key(RsaPublicKey::from_pem(&key("partner-test-public.pem")?)?),
            ClientSecret::new("merchant-demo-secret")?,
        )
        .notify(
            notify_url.as_str(),
            RsaPrivateKey::from_pem(&key("pjp-test-private.pem")?)?,
        )
        .build()?;
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some("INV-2026-0001".into());
    generate.amount = Some(Money::idr(Amount::parse("25000.00")?));
    let created =
        provider
            .ledger()
            .generate(&generate, &CallContext::at(Utc::now()), "PJP-REF-0001");
    if !created.response_code.is_success() {
        return Err(format!("generate refused: {}", created.response_code).into());
    }
    let running = provider.bind(([127, 0, 0, 1], 0).into()).await?;
    let pay = http::Request::post(format!("{}/mock/qr-mpm-pay", running.base_url()))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(
            br#"{"originalReferenceNo":"PJP-REF-0001"}"#,
        )))?;
    let paid = hyper_client().request(pay).await?;
    let delivery: serde_json::Value =
        serde_json::from_slice(&paid.into_body().collect().await?.to_bytes())?;
    running.shutdown().await;
    let merchant_status = delivery["delivery"]["merchantStatus"].as_u64();
    println!("PJP notification delivered: merchant answered HTTP {merchant_status:?}");

    // 3. A forgery: the right shape, signed with a key that is not the PJP's.
    let forger = RequestSigner::builder(
        ProviderProfile::aspi_standard()
            .to_builder()
            .transaction_signature(TransactionSignature::Asymmetric)
            .build(),
    )
    .private_key(RsaPrivateKey::from_pem(&key("partner-test-private.pem")?)?)
    .partner_id("MOCK-PJP")?
    .channel_id("95221")?
    .build()?;
    let mut forged = http::Request::post(notify_url.as_str()).body(Bytes::from_static(
        br#"{"originalReferenceNo":"PJP-REF-0001","latestTransactionStatus":"00"}"#,
    ))?;
    forger.sign(&mut forged, None, None)?;
    let answer = hyper_client().request(forged.map(Full::new)).await?;
    let forged_status = answer.status();
    let forged_body = answer.into_body().collect().await?.to_bytes();
    println!(
        "forged notification: HTTP {forged_status} {}",
        String::from_utf8_lossy(&forged_body)
    );

    let received = received.lock().map_err(|_| "poisoned")?.clone();
    for (partner, notification) in &received {
        println!(
            "merchant accepted from {partner}: payment {} status {}",
            notification.original_reference_no,
            notification.latest_transaction_status.code()
        );
    }
    let accepted = merchant_status == Some(200) && received.len() == 1;
    let rejected = forged_status == http::StatusCode::UNAUTHORIZED;
    if accepted && rejected {
        println!("ok: the PJP's notification was accepted and the forgery rejected");
        Ok(())
    } else {
        Err(format!("unexpected outcome: accepted={accepted} forged rejected={rejected}").into())
    }
}
