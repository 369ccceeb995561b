//! KiriminAja `get_payment` and its webhook, end to end on one machine:
//!
//! 1. an axum merchant app on 127.0.0.1 whose webhook route is guarded by
//!    `kiriminaja::WebhookLayer`: 405 for anything but POST, the bearer value
//!    compared with *your own* API key in constant time (KiriminAja does not
//!    sign webhooks: that comparison is all the authentication it offers),
//!    the raw body handed on unchanged with the parsed event;
//! 2. the embedded mock provider serving KiriminAja's endpoints, bearer
//!    enforced; `KiriminAjaClient::get_payment` reads a payment (Express
//!    `data` or Instant `result`) and prints the unified summary;
//! 3. the mock's pay trigger sends the webhook (bearer + `User-Agent:
//!    KiriminAja-Push-Services`), which the merchant accepts; a forged one
//!    (wrong bearer) is refused with 401.
//!
//! Run with `cargo run --example kiriminaja_get_payment --features kiriminaja`.
//! Exits 0 when all of that holds.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use axum::Extension;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use snap_bi::client::hyper_client;
use snap_bi::kiriminaja::webhook::WebhookEvent;
use snap_bi::kiriminaja::{ApiKey, KiriminAjaClient, WebhookLayer};
use snap_bi::mock::{KiriminAjaMock, MockProvider};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The example's API key: the bearer of every call, and what KiriminAja
/// sends back in webhooks.
const API_KEY: &str = "example-kiriminaja-api-key";

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

type Received = Arc<Mutex<Vec<String>>>;

/// The merchant's webhook handler: the layer has checked the bearer and
/// parsed the event; the body is the raw bytes received.
async fn on_webhook(
    Extension(event): Extension<WebhookEvent>,
    Extension(received): Extension<Received>,
    body: Bytes,
) -> &'static str {
    if let Ok(mut received) = received.lock() {
        received.push(format!("{:?} ({} bytes)", event.kind(), body.len()));
    }
    r#"{"status":true}"#
}

async fn run() -> Result<(), Error> {
    let api_key = ApiKey::new(API_KEY)?;

    // 1. The merchant's webhook receiver.
    let received = Received::default();
    let app = axum::Router::new()
        .route("/kiriminaja/webhook", axum::routing::any(on_webhook))
        .layer(WebhookLayer::new(api_key.clone()))
        .layer(Extension(received.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let webhook_url = format!("http://{}/kiriminaja/webhook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // 2. KiriminAja (the embedded mock) and the client.
    let mock = MockProvider::builder()
        .kiriminaja(
            KiriminAjaMock::new(api_key.clone())
                .payment("XID-0000000001", 27_500)
                .webhook_url(&webhook_url),
        )
        .build()?
        .bind(([127, 0, 0, 1], 0).into())
        .await?;
    let client = KiriminAjaClient::builder()
        .api_key(api_key)
        .base_url(mock.base_url())
        .build()?;
    let before = client.get_payment("XID-0000000001").await?;
    println!("before: {}", serde_json::to_string(&before.summary())?);

    // 3. The customer pays: the mock sends the webhook.
    let paid = hyper_client()
        .request(
            http::Request::post(format!("{}/mock/kiriminaja/pay", mock.base_url())).body(
                Full::new(Bytes::from_static(br#"{"payment_id":"XID-0000000001"}"#)),
            )?,
        )
        .await?;
    let paid = paid.into_body().collect().await?.to_bytes();
    println!("pay trigger: {}", String::from_utf8_lossy(&paid));
    let after = client.get_payment("XID-0000000001").await?.summary();
    println!("after: {}", serde_json::to_string(&after)?);
    let seen = received.lock().map(|r| r.clone()).unwrap_or_default();
    println!("merchant received: {seen:?}");
    if seen.len() != 1 || !after.status.is_paid() {
        return Err("the genuine webhook was not accepted".into());
    }

    // A forged webhook: someone who guessed the URL but not the key.
    let forged = hyper_client()
        .request(
            http::Request::post(&webhook_url)
                .header("authorization", "Bearer guessed")
                .header("user-agent", "KiriminAja-Push-Services")
                .body(Full::new(Bytes::from_static(
                    br#"{"method":"processed_packages","data":[]}"#,
                )))?,
        )
        .await?;
    println!("forged webhook: HTTP {}", forged.status());
    if forged.status() != http::StatusCode::UNAUTHORIZED {
        return Err("the forged webhook was not refused".into());
    }
    mock.shutdown().await;
    Ok(())
}
