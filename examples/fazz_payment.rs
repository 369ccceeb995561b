//! A Fazz one-time payment and its callback, end to end on one machine:
//!
//! 1. an axum merchant app on 127.0.0.1 whose callback route is guarded by
//!    `fazz::CallbackLayer`: HMAC-SHA256 over the raw body (the
//!    `Xfers-Signature` header), a body limit, 405 for anything but POST,
//!    the parsed Payment document handed on with the raw body; it
//!    de-duplicates on `data.id` + status;
//! 2. the embedded mock provider serving Fazz's `/api/v4/payments`, Basic
//!    enforced; `FazzClient::create_payment` creates a QRIS payment — and a
//!    retry with the same `referenceId` (the idempotency key) gets the same
//!    payment — then `get_payment` reads it back;
//! 3. the mock's pay trigger sends the signed callback, which the merchant
//!    accepts; a forged one (wrong HMAC) is refused with 401.
//!
//! Run with `cargo run --example fazz_payment --features fazz`. Exits 0 when
//! all of that holds.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use axum::Extension;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use snap_bi::client::hyper_client;
use snap_bi::fazz::callback::{CallbackVerifier, SigningSecret};
use snap_bi::fazz::{
    CallbackLayer, CreatePaymentRequest, Credentials, FazzClient, PaymentDocument,
    PaymentMethodOptions,
};
use snap_bi::mock::{FazzMock, MockProvider};

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::from)
        .and_then(|runtime| runtime.block_on(run()));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Callbacks already handled, by `data.id:status`.
type Seen = Arc<Mutex<HashSet<String>>>;

/// The merchant's callback handler: the layer has checked the signature over
/// the raw body and parsed it. A replay (same id and status) is a no-op.
async fn on_callback(
    Extension(document): Extension<PaymentDocument>,
    Extension(seen): Extension<Seen>,
) -> &'static str {
    let first = seen
        .lock()
        .map(|mut seen| seen.insert(document.dedup_key()))
        .unwrap_or(false);
    if first {
        println!(
            "merchant: payment {} is now {}",
            document.id(),
            document.status()
        );
    }
    "ok"
}

async fn run() -> Result<(), Error> {
    let signing = SigningSecret::new("ss_example_signing_secret")?;
    let credentials = Credentials::new("example-api-key", "example-secret-key")?;

    // 1. The merchant's callback receiver.
    let seen = Seen::default();
    let app = axum::Router::new()
        .route("/fazz/callback", axum::routing::any(on_callback))
        .layer(CallbackLayer::new(CallbackVerifier::new(signing.clone())).body_limit(64 * 1024))
        .layer(Extension(seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback_url = format!("http://{}/fazz/callback", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // 2. Fazz (the embedded mock) and the client.
    let mock = MockProvider::builder()
        .fazz(FazzMock::new(credentials.clone()).callback(&callback_url, signing))
        .build()?
        .bind(([127, 0, 0, 1], 0).into())
        .await?;
    let client = FazzClient::builder()
        .credentials(credentials)
        .base_url(format!("{}/api/v4", mock.base_url()))
        .build()?;
    let request = CreatePaymentRequest::builder()
        .reference_id("ORDER_0001")
        .amount(100_000)
        .options(PaymentMethodOptions::Qris {
            display_name: Some("Toko Contoh".into()),
        })
        .description("Order Number 0001")
        .build()?;
    let created = client.create_payment(&request).await?;
    // The answer was "lost": the same request again, same referenceId.
    let retried = client.create_payment(&request).await?;
    println!(
        "created {} ({}), retry gave {}",
        created.id(),
        created.status(),
        retried.id()
    );
    if retried.id() != created.id() {
        return Err("a retry with the same referenceId created a second payment".into());
    }

    // 3. The customer pays: the mock sends the signed callback.
    let paid = hyper_client()
        .request(
            http::Request::post(format!("{}/mock/fazz/pay", mock.base_url())).body(Full::new(
                Bytes::from(format!(r#"{{"id":"{}"}}"#, created.id())),
            ))?,
        )
        .await?;
    let paid: serde_json::Value =
        serde_json::from_slice(&paid.into_body().collect().await?.to_bytes())?;
    println!("pay trigger delivery: {}", paid["delivery"]);
    let now = client.get_payment(created.id()).await?.summary();
    println!("{}", serde_json::to_string(&now)?);
    let handled = seen.lock().map(|s| s.len()).unwrap_or(0);
    if handled != 1 || !now.status.is_paid() {
        return Err("the genuine callback was not accepted".into());
    }

    // A forged callback: a valid-looking body with a made-up signature.
    let forged = hyper_client()
        .request(
            http::Request::post(&callback_url)
                .header("xfers-signature", "ab".repeat(32))
                .body(Full::new(Bytes::from_static(
                    br#"{"data":{"id":"contract_x","type":"payment","attributes":{"status":"paid","amount":"1.0"}}}"#,
                )))?,
        )
        .await?;
    println!("forged callback: HTTP {}", forged.status());
    if forged.status() != http::StatusCode::UNAUTHORIZED {
        return Err("the forged callback was not refused".into());
    }
    mock.shutdown().await;
    Ok(())
}
