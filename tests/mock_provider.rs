#![cfg(feature = "hyper")]
//! End to end over 127.0.0.1: the client layer with a cached B2B token
//! against the mock provider, the provider's RSA-signed notification to a
//! merchant server guarded by the verifying layer, and single tampers in
//! transit rejected with their exact codes.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, Full};
use snap_bi::client::{RequestSigner, SnapLayer, hyper_client};
use snap_bi::mock::{MockProvider, RunningMock};
use snap_bi::profile::TransactionSignature;
use snap_bi::server::{Partner, StaticPartners, VerifiedRequest, VerifyLayer};
use snap_bi::token::{B2bTokenCache, TokenRequestSigner};
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};
use tower::{BoxError, ServiceBuilder, ServiceExt};

const PARTNER: &str = "PARTNER01";
const SECRET: &str = "mock-partner-secret";

fn key(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/vectors/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn start(notify_url: Option<String>) -> (RunningMock, String) {
    // These tests are about the ledger and the verification, not B2B2C: the
    // query's customer-token requirement is tested in tests/paydia.rs.
    let mut builder = MockProvider::builder()
        .profile(ProviderProfile::paydia())
        .require_customer_token_on_query(false)
        .prefix("/snap")
        .partner(
            Partner::new(PARTNER)
                .with_client_id(PARTNER)
                .with_public_key(RsaPublicKey::from_pem(key("partner-test-public.pem")).unwrap()),
            ClientSecret::new(SECRET).unwrap(),
        );
    if let Some(url) = notify_url {
        builder = builder.notify(
            url,
            RsaPrivateKey::from_pem(key("pjp-test-private.pem")).unwrap(),
        );
    }
    let running = builder
        .build()
        .unwrap()
        .bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let origin = format!("http://{}", running.local_addr());
    (running, origin)
}

fn layer(origin: &str, secret: &str) -> SnapLayer {
    let profile = ProviderProfile::paydia();
    let token_requests = TokenRequestSigner::builder(
        PARTNER,
        RsaPrivateKey::from_pem(key("partner-test-private.pem")).unwrap(),
    )
    .profile(&profile)
    .base_url(origin)
    .build()
    .unwrap();
    let tokens = B2bTokenCache::builder(token_requests).build(hyper_client());
    let signer = RequestSigner::builder(profile)
        .client_secret(ClientSecret::new(secret).unwrap())
        .partner_id(PARTNER)
        .unwrap()
        .channel_id("95221")
        .unwrap()
        .build()
        .unwrap();
    SnapLayer::builder(signer)
        .token_source(tokens)
        .build()
        .unwrap()
}

fn post(origin: &str, path: &str, body: &str) -> http::Request<Full<Bytes>> {
    http::Request::post(format!("{origin}{path}"))
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

async fn json<B>(response: http::Response<B>) -> (StatusCode, serde_json::Value)
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

const GENERATE: &str = r#"{
  "partnerReferenceNo": "INV-0001",
  "amount": {"value": "12000.00", "currency": "IDR"}
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_pay_notify_query_cancel_refund_round_trip() {
    // The merchant's notify endpoint: verifies the PJP's RSA signature.
    let pjp = StaticPartners::builder()
        .partner(
            Partner::new("MOCK-PJP")
                .with_public_key(RsaPublicKey::from_pem(key("pjp-test-public.pem")).unwrap()),
        )
        .build()
        .unwrap();
    let received: Arc<Mutex<Vec<(String, Bytes)>>> = Arc::default();
    let sink = received.clone();
    let notify_profile = ProviderProfile::aspi_standard()
        .to_builder()
        .transaction_signature(TransactionSignature::Asymmetric)
        .build();
    let verify = VerifyLayer::builder(pjp)
        .profile(notify_profile)
        .without_token_check()
        .build()
        .unwrap();
    let merchant = axum::Router::new()
        .route(
            "/merchant/v1.0/qr/qr-mpm-notify",
            axum::routing::post(move |request: http::Request<axum::body::Body>| {
                let sink = sink.clone();
                async move {
                    let partner = request
                        .extensions()
                        .get::<VerifiedRequest>()
                        .map(|v| v.partner_id().to_owned())
                        .unwrap_or_default();
                    let body = axum::body::to_bytes(request.into_body(), 1 << 16)
                        .await
                        .unwrap();
                    sink.lock().unwrap().push((partner, body));
                    r#"{"responseCode":"2005200","responseMessage":"Successful"}"#
                }
            }),
        )
        .layer(verify);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let merchant_url = format!(
        "http://{}/merchant/v1.0/qr/qr-mpm-notify",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, merchant).await.unwrap() });

    let (running, origin) = start(Some(merchant_url)).await;
    let client = ServiceBuilder::new()
        .layer(layer(&origin, SECRET))
        .service(hyper_client());

    let (status, generated) = json(
        client
            .clone()
            .oneshot(post(&origin, "/snap/v1.0/qr/qr-mpm-generate", GENERATE))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{generated}");
    assert_eq!(generated["responseCode"], "2004700");
    let reference = generated["referenceNo"].as_str().unwrap().to_owned();
    assert!(
        generated["qrContent"]
            .as_str()
            .unwrap()
            .starts_with("000201")
    );

    // Customer pays: the mock signs and delivers the notification.
    let (status, paid) = json(
        hyper_client()
            .request(post(
                &origin,
                "/snap/mock/qr-mpm-pay",
                &format!(r#"{{"originalReferenceNo":"{reference}"}}"#),
            ))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["delivery"]["merchantStatus"], 200, "{paid}");
    {
        let received = received.lock().unwrap();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].0, "MOCK-PJP");
        let notify: serde_json::Value = serde_json::from_slice(&received[0].1).unwrap();
        assert_eq!(notify["originalReferenceNo"], reference.as_str());
        assert_eq!(notify["latestTransactionStatus"], "00");
    }

    let query = format!(r#"{{"originalReferenceNo":"{reference}","serviceCode":"47"}}"#);
    let (_, queried) = json(
        client
            .clone()
            .oneshot(post(&origin, "/snap/v1.0/qr/qr-mpm-query", &query))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(queried["responseCode"], "2005100");
    assert_eq!(queried["latestTransactionStatus"], "00");

    let cancel = format!(
        r#"{{"originalReferenceNo":"{reference}","merchantId":"M-1","reason":"changed mind"}}"#
    );
    let (status, canceled) = json(
        client
            .clone()
            .oneshot(post(&origin, "/snap/v1.0/qr/qr-mpm-cancel", &cancel))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status.as_u16(), 405, "{canceled}");
    assert_eq!(canceled["responseCode"], "4057701");

    let refund = format!(
        r#"{{"originalReferenceNo":"{reference}","originalPartnerReferenceNo":"INV-0001","partnerRefundNo":"RF-1","refundAmount":{{"value":"2000.00","currency":"IDR"}},"reason":"partial"}}"#
    );
    let (_, refunded) = json(
        client
            .oneshot(post(&origin, "/snap/v1.0/qr/qr-mpm-refund", &refund))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(refunded["responseCode"], "2007800", "{refunded}");
    running.shutdown().await;
}

/// Sends one request through the layer, with `tamper` applied to the signed
/// request on its way to the provider.
async fn send_tampered(
    origin: &str,
    tamper: impl Fn(&mut http::Request<Full<Bytes>>) + Clone + Send + Sync + 'static,
) -> (StatusCode, serde_json::Value) {
    let client = ServiceBuilder::new()
        .layer(layer(origin, SECRET))
        .map_request(move |mut request: http::Request<Full<Bytes>>| {
            tamper(&mut request);
            request
        })
        .service(hyper_client());
    let response: http::Response<_> = client
        .oneshot(post(
            origin,
            "/snap/v1.0/qr/qr-mpm-query?channel=web",
            r#"{"originalReferenceNo":"nope","serviceCode":"47"}"#,
        ))
        .await
        .map_err(|e: BoxError| e.to_string())
        .unwrap();
    json(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_tampers_in_transit_get_their_exact_codes() {
    let (running, origin) = start(None).await;

    // Untouched: accepted by the verifier, refused by the ledger as unknown.
    let (status, body) = send_tampered(&origin, |_| {}).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (404, Some("4045101")),
        "{body}"
    );

    let body_byte = |r: &mut http::Request<Full<Bytes>>| {
        *r.body_mut() = Full::new(Bytes::from_static(
            br#"{"originalReferenceNo":"nopf","serviceCode":"47"}"#,
        ));
    };
    let (status, body) = send_tampered(&origin, body_byte).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (401, Some("4015100")),
        "{body}"
    );
    assert!(
        body["responseMessage"]
            .as_str()
            .unwrap()
            .starts_with("Unauthorized. [Signature]")
    );

    let path = |r: &mut http::Request<Full<Bytes>>| {
        let uri = r.uri().to_string().replace("channel=web", "channel=app");
        *r.uri_mut() = uri.parse().unwrap();
    };
    let (status, body) = send_tampered(&origin, path).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (401, Some("4015100")),
        "{body}"
    );

    let timestamp = |r: &mut http::Request<Full<Bytes>>| {
        let ts = r.headers()["x-timestamp"].to_str().unwrap().to_owned();
        // One second earlier: inside the window, so only the signature breaks.
        let parsed = snap_bi::Timestamp::parse(&ts).unwrap().instant().to_utc()
            - chrono::TimeDelta::seconds(1);
        let shifted = snap_bi::TimestampFormat::JakartaSeconds.format(parsed);
        r.headers_mut()
            .insert("x-timestamp", shifted.as_str().parse().unwrap());
    };
    let (status, body) = send_tampered(&origin, timestamp).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (401, Some("4015100")),
        "{body}"
    );

    let stale = |r: &mut http::Request<Full<Bytes>>| {
        r.headers_mut()
            .insert("x-timestamp", "2020-01-01T00:00:00+07:00".parse().unwrap());
    };
    let (status, body) = send_tampered(&origin, stale).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (401, Some("4015100")),
        "{body}"
    );

    let token = |r: &mut http::Request<Full<Bytes>>| {
        r.headers_mut().insert(
            "authorization",
            "Bearer forged.token.value".parse().unwrap(),
        );
    };
    let (status, body) = send_tampered(&origin, token).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (401, Some("4015101")),
        "{body}"
    );

    let missing = |r: &mut http::Request<Full<Bytes>>| {
        r.headers_mut().remove("x-external-id");
    };
    let (status, body) = send_tampered(&origin, missing).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (400, Some("4005102")),
        "{body}"
    );

    let malformed = |r: &mut http::Request<Full<Bytes>>| {
        r.headers_mut()
            .insert("x-timestamp", "yesterday".parse().unwrap());
    };
    let (status, body) = send_tampered(&origin, malformed).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (400, Some("4005101")),
        "{body}"
    );

    // A replayed X-EXTERNAL-ID from the same partner on the same day.
    let replay = |r: &mut http::Request<Full<Bytes>>| {
        r.headers_mut()
            .insert("x-external-id", "424242".parse().unwrap());
    };
    let (status, _) = send_tampered(&origin, replay).await;
    assert_eq!(status.as_u16(), 404, "first use is accepted");
    let (status, body) = send_tampered(&origin, replay).await;
    assert_eq!(
        (status.as_u16(), body["responseCode"].as_str()),
        (409, Some("4095100")),
        "{body}"
    );

    running.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_explained_in_the_rejection() {
    let (running, origin) = start(None).await;
    // Same endpoint, but the client pretty-prints nothing and signs with
    // the wrong secret: no variant can match.
    let client = ServiceBuilder::new()
        .layer(layer(&origin, "not-the-secret"))
        .service(hyper_client());
    let (status, body) = json(
        client
            .oneshot(post(
                &origin,
                "/snap/v1.0/qr/qr-mpm-query",
                r#"{"serviceCode":"47"}"#,
            ))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status.as_u16(), 401);
    let message = body["responseMessage"].as_str().unwrap();
    assert!(
        message.starts_with("Unauthorized. [Signature]"),
        "{message}"
    );
    assert!(
        message.len() > "Unauthorized. [Signature]".len(),
        "a diagnosis follows: {message}"
    );
    running.shutdown().await;
}

/// Issue 11: the default `X-EXTERNAL-ID` must fit every field that echoes it.
/// The layer generates the id; the query names the payment by it alone, and
/// the cancel does too, so `originalExternalId` (≤ 32) accepts it both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_external_id_round_trips_through_original_external_id() {
    use snap_bi::external_id::ORIGINAL_EXTERNAL_ID_MAX_LENGTH;
    use snap_bi::qris::{QrMpmCancelResponse, QrMpmQueryResponse};

    let (running, origin) = start(None).await;
    let sent_ids: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = sent_ids.clone();
    let recording = tower::service_fn(move |request: http::Request<Full<Bytes>>| {
        if let Some(id) = request.headers().get("x-external-id") {
            seen.lock().unwrap().push(id.to_str().unwrap().to_owned());
        }
        hyper_client().request(request)
    });
    let client = ServiceBuilder::new()
        .layer(layer(&origin, SECRET))
        .service(recording);

    let (status, generated) = json(
        client
            .clone()
            .oneshot(post(&origin, "/snap/v1.0/qr/qr-mpm-generate", GENERATE))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{generated}");
    let external_id = sent_ids.lock().unwrap()[0].clone();
    assert_eq!(external_id.len(), ORIGINAL_EXTERNAL_ID_MAX_LENGTH);

    let query = format!(r#"{{"originalExternalId":"{external_id}","serviceCode":"47"}}"#);
    let response = client
        .clone()
        .oneshot(post(&origin, "/snap/v1.0/qr/qr-mpm-query", &query))
        .await
        .unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let queried = QrMpmQueryResponse::from_json(&bytes).unwrap();
    assert_eq!(
        queried.response_code.as_str(),
        "2005100",
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(
        queried.original_external_id.as_deref(),
        Some(external_id.as_str())
    );
    assert_eq!(
        queried.original_reference_no.as_deref(),
        generated["referenceNo"].as_str()
    );

    let cancel = format!(
        r#"{{"originalExternalId":"{external_id}","merchantId":"M-1","reason":"changed mind"}}"#
    );
    let response = client
        .oneshot(post(&origin, "/snap/v1.0/qr/qr-mpm-cancel", &cancel))
        .await
        .unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let canceled = QrMpmCancelResponse::from_json(&bytes).unwrap();
    assert_eq!(
        canceled.response_code.as_str(),
        "2007700",
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(
        canceled.original_reference_no.as_deref(),
        generated["referenceNo"].as_str()
    );
    running.shutdown().await;
}
