#![cfg(all(feature = "kiriminaja", feature = "hyper"))]
//! KiriminAja over real HTTP on 127.0.0.1: the client against the mock
//! (bearer enforced), the pay trigger's webhook accepted by `WebhookLayer`
//! on a second local server, and forged webhooks refused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, Full};
use snap_bi::client::hyper_client;
use snap_bi::kiriminaja::webhook::{WebhookEvent, WebhookEventKind};
use snap_bi::kiriminaja::{ApiKey, KiriminAjaCallError, KiriminAjaClient, WebhookLayer};
use snap_bi::mock::{KiriminAjaMock, MockProvider, RunningMock};
use snap_bi::payment::PaymentStatus;
use snap_bi::provider_client::TransportError;

const KEY: &str = "kiriminaja-test-api-key";

fn key() -> ApiKey {
    ApiKey::new(KEY).unwrap()
}

async fn mock(webhook_url: Option<String>) -> RunningMock {
    let mut kiriminaja = KiriminAjaMock::new(key()).payment("XID-0000000042", 15_000);
    if let Some(url) = webhook_url {
        kiriminaja = kiriminaja.webhook_url(url);
    }
    MockProvider::builder()
        .kiriminaja(kiriminaja)
        .build()
        .unwrap()
        .bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

fn client(base_url: &str, api_key: &str) -> KiriminAjaClient {
    KiriminAjaClient::builder()
        .api_key(ApiKey::new(api_key).unwrap())
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

type Received = Arc<Mutex<Vec<(Option<String>, Option<String>, Bytes)>>>;

/// A merchant server whose webhook route is guarded by `WebhookLayer`; it
/// records (event method, user agent, raw body) of what reaches the handler.
async fn merchant() -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new()
        .route(
            "/kiriminaja/webhook",
            axum::routing::any(move |request: http::Request<axum::body::Body>| {
                let sink = sink.clone();
                async move {
                    let method = request
                        .extensions()
                        .get::<WebhookEvent>()
                        .map(|e| e.method.to_string());
                    let agent = request
                        .headers()
                        .get("user-agent")
                        .map(|v| v.to_str().unwrap().to_owned());
                    let body = axum::body::to_bytes(request.into_body(), 1 << 16)
                        .await
                        .unwrap();
                    sink.lock().unwrap().push((method, agent, body));
                    r#"{"status":true}"#
                }
            }),
        )
        .layer(WebhookLayer::new(key()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/kiriminaja/webhook",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn get_payment_reads_express_and_instant_answers_from_the_mock() {
    let running = mock(None).await;
    let client = client(&running.base_url(), KEY);

    let express = client.get_payment("XID-5732095327").await.unwrap();
    let summary = express.summary();
    assert_eq!(summary.status, PaymentStatus::Pending);
    assert_eq!(summary.provider_status, "9");
    assert_eq!(
        summary.amount.map(|a| a.to_canonical().as_str().to_owned()),
        Some("54000.00".to_owned())
    );
    assert!(summary.qr_content.unwrap().starts_with("000201"));
    assert_eq!(summary.paid_at, None);

    let instant = client.get_payment("PID-1683603627").await.unwrap();
    assert_eq!(instant.product(), snap_bi::kiriminaja::Product::Instant);
    let legacy = client
        .get_payment_legacy_instant("PID-1683603627")
        .await
        .unwrap();
    assert_eq!(legacy.payment_id(), "PID-1683603627");

    // `status: false` with HTTP 200 is KiriminAja's refusal, with its code.
    let unknown = client.get_payment("XID-NOPE").await.unwrap_err();
    assert_eq!(unknown.api_code(), Some("2"), "{unknown}");

    // Nothing is sent for an id that cannot be one.
    let invalid = client.get_payment(" XID-1").await.unwrap_err();
    assert!(matches!(invalid, KiriminAjaCallError::InvalidPaymentId(_)));
    running.shutdown().await;
}

#[tokio::test]
async fn the_mock_refuses_a_wrong_bearer() {
    let running = mock(None).await;
    let wrong = client(&running.base_url(), "someone-elses-key");
    let refused = wrong.get_payment("XID-5732095327").await.unwrap_err();
    assert_eq!(refused.api_code(), Some("401"), "{refused}");
    // And the key never shows in the error or the client's Debug.
    assert!(!format!("{refused:?} {wrong:?}").contains("someone-elses-key"));
    running.shutdown().await;
}

#[tokio::test]
async fn pay_trigger_sends_a_webhook_the_layer_accepts() {
    let (webhook_url, received) = merchant().await;
    let running = mock(Some(webhook_url)).await;

    let paid = hyper_client()
        .request(
            http::Request::post(format!("{}/mock/kiriminaja/pay", running.base_url()))
                .body(Full::new(Bytes::from_static(
                    br#"{"payment_id":"XID-0000000042"}"#,
                )))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: serde_json::Value =
        serde_json::from_slice(&paid.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(paid["delivery"]["merchantStatus"], 200, "{paid}");

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (method, agent, body) = &received[0];
    assert_eq!(method.as_deref(), Some("processed_packages"));
    assert_eq!(agent.as_deref(), Some("KiriminAja-Push-Services"));
    // The raw body reached the handler unchanged.
    let event = WebhookEvent::from_json(body).unwrap();
    assert_eq!(event.kind(), WebhookEventKind::ProcessedPackages);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(body).unwrap(),
        paid["webhook"]
    );

    let now = client(&running.base_url(), KEY)
        .get_payment("XID-0000000042")
        .await
        .unwrap()
        .summary();
    assert_eq!(now.status, PaymentStatus::Paid);
    assert!(now.paid_at.is_some());
    running.shutdown().await;
}

async fn send(
    method: http::Method,
    url: &str,
    authorization: Option<&str>,
) -> (StatusCode, Option<String>) {
    let mut request = http::Request::builder().method(method).uri(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let request = request
        .body(Full::new(Bytes::from_static(
            br#"{"method":"processed_packages","data":[{"order_id":"X","awb":"Y"}]}"#,
        )))
        .unwrap();
    let response = hyper_client().request(request).await.unwrap();
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), allow)
}

#[tokio::test]
async fn forged_webhooks_are_refused_over_http() {
    let (url, received) = merchant().await;
    let genuine = format!("Bearer {KEY}");

    assert_eq!(
        send(http::Method::POST, &url, Some("Bearer guessed-key"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(http::Method::POST, &url, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(http::Method::POST, &url, Some(&format!("Basic {KEY}")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, allow) = send(http::Method::GET, &url, Some(&genuine)).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(allow.as_deref(), Some("POST"));
    assert!(
        received.lock().unwrap().is_empty(),
        "nothing forged reached the handler"
    );

    assert_eq!(
        send(http::Method::POST, &url, Some(&genuine)).await.0,
        StatusCode::OK
    );
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts and never answers.
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            open.push(stream);
        }
    });
    let client = KiriminAjaClient::builder()
        .api_key(key())
        .base_url(format!("http://{addr}"))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let late = client.get_payment("XID-1").await.unwrap_err();
    assert!(
        matches!(
            late,
            KiriminAjaCallError::Transport(TransportError::Timeout(_))
        ),
        "{late:?}"
    );
    hold.abort();
}

#[test]
fn the_builder_names_what_is_missing_or_invalid() {
    let missing = KiriminAjaClient::builder()
        .api_key(key())
        .build()
        .unwrap_err();
    assert_eq!(missing.field(), "base_url");
    let no_key = KiriminAjaClient::builder().sandbox().build().unwrap_err();
    assert_eq!(no_key.field(), "api_key");
    let bad_url = KiriminAjaClient::builder()
        .api_key(key())
        .base_url("ftp://example.com")
        .build()
        .unwrap_err();
    assert_eq!(bad_url.field(), "base_url");
    let bad_key = KiriminAjaClient::builder()
        .api_key(ApiKey::new("line\nbreak").unwrap())
        .sandbox()
        .build()
        .unwrap_err();
    assert_eq!(bad_key.field(), "api_key");
}
