#![cfg(all(feature = "fazz", feature = "hyper"))]
//! Fazz over real HTTP on 127.0.0.1: the client against the mock (Basic
//! enforced, referenceId idempotency), the pay trigger's HMAC-signed
//! callback accepted by `CallbackLayer` on a second local server, and
//! forged callbacks refused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, Full};
use snap_bi::client::hyper_client;
use snap_bi::fazz::callback::{CallbackVerifier, SigningSecret, sign_callback};
use snap_bi::fazz::{
    CallbackLayer, CreatePaymentRequest, Credentials, FazzCallError, FazzClient, FazzError,
    FazzPaymentStatus, Instructions, PaymentDocument, PaymentMethodOptions,
};
use snap_bi::mock::{FazzMock, MockProvider, RunningMock};
use snap_bi::payment::PaymentStatus;

const API_KEY: &str = "fazz-test-api-key";
const SECRET_KEY: &str = "fazz-test-secret-key";
const SIGNING: &str = "ss_fazz_test_signing_secret";

fn credentials() -> Credentials {
    Credentials::new(API_KEY, SECRET_KEY).unwrap()
}

fn signing() -> SigningSecret {
    SigningSecret::new(SIGNING).unwrap()
}

async fn mock(callback_url: Option<String>) -> RunningMock {
    let mut fazz = FazzMock::new(credentials());
    if let Some(url) = callback_url {
        fazz = fazz.callback(url, signing());
    }
    MockProvider::builder()
        .fazz(fazz)
        .build()
        .unwrap()
        .bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

fn client(running: &RunningMock, credentials: Credentials) -> FazzClient {
    FazzClient::builder()
        .credentials(credentials)
        .base_url(format!("{}/api/v4", running.base_url()))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn qris_request(reference: &str) -> CreatePaymentRequest {
    CreatePaymentRequest::builder()
        .reference_id(reference)
        .amount(100_000)
        .options(PaymentMethodOptions::Qris {
            display_name: Some("Toko".into()),
        })
        .description("Order 1")
        .build()
        .unwrap()
}

type Received = Arc<Mutex<Vec<(Option<String>, Bytes)>>>;

/// A merchant server whose callback route is guarded by `CallbackLayer`; it
/// records (dedup key, raw body) of what reaches the handler.
async fn merchant() -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new()
        .route(
            "/fazz/callback",
            axum::routing::any(move |request: http::Request<axum::body::Body>| {
                let sink = sink.clone();
                async move {
                    let key = request
                        .extensions()
                        .get::<PaymentDocument>()
                        .map(PaymentDocument::dedup_key);
                    let body = axum::body::to_bytes(request.into_body(), 1 << 16)
                        .await
                        .unwrap();
                    sink.lock().unwrap().push((key, body));
                    "ok"
                }
            }),
        )
        .layer(CallbackLayer::new(CallbackVerifier::new(signing())).body_limit(4096));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/fazz/callback", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn create_is_idempotent_on_reference_id_and_get_reads_it_back() {
    let running = mock(None).await;
    let client = client(&running, credentials());

    let created = client
        .create_payment(&qris_request("ORDER_0001"))
        .await
        .unwrap();
    assert_eq!(created.status(), &FazzPaymentStatus::Pending);
    assert_eq!(created.data.attributes.amount.as_str(), "100000.0");
    let Some(Instructions::Qris(qris)) = created.instructions().unwrap() else {
        panic!("qris instructions expected")
    };
    assert!(qris.qr_content.unwrap().starts_with("000201"));

    // A retried POST with the same referenceId gets the same payment.
    let retried = client
        .create_payment(&qris_request("ORDER_0001"))
        .await
        .unwrap();
    assert_eq!(retried.id(), created.id());
    let other = client
        .create_payment(&qris_request("ORDER_0002"))
        .await
        .unwrap();
    assert_ne!(other.id(), created.id());

    let read = client.get_payment(created.id()).await.unwrap();
    assert_eq!(read, created);
    let summary = read.summary();
    assert_eq!(summary.status, PaymentStatus::Pending);
    assert_eq!(summary.payment_id, created.id());

    let missing = client.get_payment("contract_nope").await.unwrap_err();
    assert_eq!(missing.api_code(), Some("004"), "{missing}");
    running.shutdown().await;
}

#[tokio::test]
async fn the_mock_refuses_wrong_credentials() {
    let running = mock(None).await;
    let wrong = client(
        &running,
        Credentials::new(API_KEY, "not-the-secret").unwrap(),
    );
    let refused = wrong.get_payment("contract_1").await.unwrap_err();
    assert!(
        matches!(
            refused,
            FazzCallError::Provider(FazzError::Api {
                http_status: 401,
                ..
            })
        ),
        "{refused:?}"
    );
    assert!(!format!("{refused:?} {wrong:?}").contains("not-the-secret"));
    running.shutdown().await;
}

async fn pay(running: &RunningMock, id: &str) -> serde_json::Value {
    let answer = hyper_client()
        .request(
            http::Request::post(format!("{}/mock/fazz/pay", running.base_url()))
                .body(Full::new(Bytes::from(format!(r#"{{"id":"{id}"}}"#))))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    serde_json::from_slice(&answer.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

#[tokio::test]
async fn pay_trigger_sends_a_signed_callback_the_layer_accepts() {
    let (callback_url, received) = merchant().await;
    let running = mock(Some(callback_url)).await;
    let client = client(&running, credentials());
    let created = client
        .create_payment(&qris_request("ORDER_PAY"))
        .await
        .unwrap();

    let paid = pay(&running, created.id()).await;
    assert_eq!(paid["delivery"]["merchantStatus"], 200, "{paid}");

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (dedup, body) = &received[0];
    assert_eq!(
        dedup.as_deref(),
        Some(format!("{}:paid", created.id()).as_str())
    );
    // The raw body reached the handler unchanged: it still verifies.
    let document = PaymentDocument::from_json(body).unwrap();
    assert_eq!(document.status(), &FazzPaymentStatus::Paid);

    let now = client.get_payment(created.id()).await.unwrap();
    assert_eq!(now.summary().status, PaymentStatus::Paid);
    running.shutdown().await;
}

async fn post(url: &str, signature: Option<&str>, body: &'static [u8]) -> StatusCode {
    let mut request = http::Request::post(url);
    if let Some(signature) = signature {
        request = request.header("xfers-signature", signature);
    }
    hyper_client()
        .request(request.body(Full::new(Bytes::from_static(body))).unwrap())
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn forged_callbacks_are_refused_over_http() {
    let (url, received) = merchant().await;
    let body: &'static [u8] =
        br#"{"data":{"id":"contract_1","type":"payment","attributes":{"status":"paid","amount":"100000.0"}}}"#;
    let forged_body: &'static [u8] =
        br#"{"data":{"id":"contract_1","type":"payment","attributes":{"status":"paid","amount":"900000.0"}}}"#;
    let genuine = sign_callback(body, &signing());
    let other_secret = sign_callback(body, &SigningSecret::new("ss_someone_else").unwrap());

    assert_eq!(post(&url, None, body).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        post(&url, Some(&other_secret), body).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&url, Some(&genuine), forged_body).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(post(&url, Some("zz"), body).await, StatusCode::UNAUTHORIZED);
    let get = hyper_client()
        .request(
            http::Request::get(&url)
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    let big: &'static [u8] = Box::leak(vec![b' '; 8192].into_boxed_slice());
    assert_eq!(
        post(&url, Some(&sign_callback(big, &signing())), big).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert!(
        received.lock().unwrap().is_empty(),
        "nothing forged reached the handler"
    );

    assert_eq!(post(&url, Some(&genuine), body).await, StatusCode::OK);
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_configured_signature_header_is_used_on_both_sides() {
    let header = http::HeaderName::from_static("x-xfers-signature");
    let layer = CallbackLayer::new(CallbackVerifier::new(signing()).with_header(header.clone()));
    let app = axum::Router::new()
        .route("/cb", axum::routing::post(|| async { "ok" }))
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let running = MockProvider::builder()
        .fazz(
            FazzMock::new(credentials())
                .callback(url.clone(), signing())
                .signature_header(header),
        )
        .build()
        .unwrap()
        .bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let created = client(&running, credentials())
        .create_payment(&qris_request("ORDER_HDR"))
        .await
        .unwrap();
    let paid = pay(&running, created.id()).await;
    assert_eq!(paid["delivery"]["merchantStatus"], 200, "{paid}");
    // The default header name is not what this receiver reads.
    let body: &'static [u8] =
        br#"{"data":{"id":"c","type":"payment","attributes":{"status":"paid","amount":"1.0"}}}"#;
    assert_eq!(
        post(&url, Some(&sign_callback(body, &signing())), body).await,
        StatusCode::UNAUTHORIZED
    );
    running.shutdown().await;
}
