#![cfg(feature = "hyper")]
//! Everything the crate traces during a full signed round trip over
//! 127.0.0.1, captured at TRACE from every target (the crate's, hyper's,
//! anything else that emits `tracing` events), must be useful and must hold
//! no secret: not the client secret, an access token, a private key, an
//! `X-SIGNATURE` that went over the wire (transactions, token requests and
//! the PJP's notification), or a request body.
//!
//! The round trip: a token fetch, a QRIS generate, the mock's "customer
//! paid" trigger with its RSA-signed notification to a merchant guarded by
//! `VerifyLayer::notifications`, a query, and a request signed with the
//! wrong secret that the provider rejects with an explained `4015100`.
//! Signatures and tokens are captured on the receiving servers, as sent.
//!
//! One test in its own binary: the subscriber is the process-wide default,
//! so events from every runtime thread (fetch tasks, connection tasks) land
//! in the buffer.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use snap_bi::client::{RequestSigner, SnapLayer, hyper_client};
use snap_bi::mock::MockProvider;
use snap_bi::server::{Partner, VerifyLayer};
use snap_bi::token::{B2bTokenCache, TokenRequestSigner};
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};
use tower::{ServiceBuilder, ServiceExt};

const PARTNER: &str = "PARTNER01";
const SECRET: &str = "tracing-partner-secret-7f3a";
const WRONG_SECRET: &str = "a-wrong-secret-9c1e";
/// Only ever in request bodies: must never show up in the trace.
const BODY_ONLY: &str = "INV-BODY-ONLY-5521";

fn key(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/vectors/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The in-memory sink of the fmt subscriber.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Headers of every request a server received.
type Seen = Arc<Mutex<Vec<HeaderMap>>>;

/// Serves the mock provider on 127.0.0.1, recording each request's headers
/// before the provider sees it.
async fn serve_provider(provider: MockProvider, seen: Seen) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let provider = provider.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: http::Request<hyper::body::Incoming>| {
                        seen.lock().unwrap().push(request.headers().clone());
                        provider.clone().oneshot(request)
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A merchant receiving the PJP's notifications, recording their headers.
async fn serve_merchant(seen: Seen) -> String {
    let verify =
        VerifyLayer::notifications(RsaPublicKey::from_pem(key("pjp-test-public.pem")).unwrap())
            .build()
            .unwrap();
    let app = axum::Router::new()
        .route(
            "/merchant/v1.0/qr/qr-mpm-notify",
            axum::routing::post(move |headers: HeaderMap| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(headers);
                    r#"{"responseCode":"2005200","responseMessage":"Successful"}"#
                }
            }),
        )
        .layer(verify);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/merchant/v1.0/qr/qr-mpm-notify",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn client_layer(origin: &str, secret: &str) -> SnapLayer {
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

fn post(url: String, body: String) -> http::Request<Full<Bytes>> {
    http::Request::post(url)
        .body(Full::new(Bytes::from(body)))
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

/// Every value of `name` in the recorded headers, without a `Bearer ` prefix.
fn values(seen: &Seen, name: &str) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .filter_map(|h| h.get(name))
        .map(|v| {
            let v = v.to_str().unwrap();
            v.strip_prefix("Bearer ").unwrap_or(v).to_owned()
        })
        .collect()
}

/// The base64 body of a PEM file, on one line.
fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_round_trip_traces_its_steps_and_no_secret() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let merchant_seen = Seen::default();
    let notify_url = serve_merchant(merchant_seen.clone()).await;
    // B2B calls only: the Paydia query's customer token is tested in tests/paydia.rs.
    let provider = MockProvider::builder()
        .profile(ProviderProfile::paydia())
        .require_customer_token_on_query(false)
        .prefix("/snap")
        .partner(
            Partner::new(PARTNER)
                .with_public_key(RsaPublicKey::from_pem(key("partner-test-public.pem")).unwrap()),
            ClientSecret::new(SECRET).unwrap(),
        )
        .notify(
            notify_url,
            RsaPrivateKey::from_pem(key("pjp-test-private.pem")).unwrap(),
        )
        .build()
        .unwrap();
    let provider_seen = Seen::default();
    let origin = format!(
        "http://{}",
        serve_provider(provider, provider_seen.clone()).await
    );
    let client = ServiceBuilder::new()
        .layer(client_layer(&origin, SECRET))
        .service(hyper_client());

    // Token fetch + generate.
    let generate = format!(
        r#"{{"partnerReferenceNo":"{BODY_ONLY}","amount":{{"value":"12000.00","currency":"IDR"}}}}"#
    );
    let (status, generated) = json(
        client
            .clone()
            .oneshot(post(
                format!("{origin}/snap/v1.0/qr/qr-mpm-generate"),
                generate,
            ))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{generated}");
    let reference = generated["referenceNo"].as_str().unwrap().to_owned();

    // The customer pays; the mock sends its RSA-signed notification.
    let (status, paid) = json(
        hyper_client()
            .request(post(
                format!("{origin}/snap/mock/qr-mpm-pay"),
                format!(r#"{{"originalReferenceNo":"{reference}"}}"#),
            ))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["delivery"]["merchantStatus"], 200, "{paid}");

    // A query with the cached token.
    let query = format!(r#"{{"originalReferenceNo":"{reference}","serviceCode":"47"}}"#);
    let (status, queried) = json(
        client
            .oneshot(post(
                format!("{origin}/snap/v1.0/qr/qr-mpm-query"),
                query.clone(),
            ))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{queried}");

    // Signed with the wrong secret: rejected, with the diagnosis.
    let (status, rejected) = json(
        ServiceBuilder::new()
            .layer(client_layer(&origin, WRONG_SECRET))
            .service(hyper_client())
            .oneshot(post(format!("{origin}/snap/v1.0/qr/qr-mpm-query"), query))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{rejected}");
    assert_eq!(rejected["responseCode"], "4015100");
    assert!(
        rejected["responseMessage"]
            .as_str()
            .unwrap()
            .starts_with("Unauthorized. [Signature]")
    );

    let log = buffer.text();

    // The trace says what happened (so the checks below have something to check).
    for expected in [
        "snap_bi::token: token cache miss",
        "token_fetch{cache=\"b2b\"}",
        "token fetched",
        "expires_in_s=",
        "latency_ms=",
        "snap_bi::server: token issued",
        "client_id=\"PARTNER01\"",
        "snap_bi::client: signed request",
        "path=\"/snap/v1.0/qr/qr-mpm-generate\"",
        "body_len=",
        "token cache hit",
        "snap_bi::server: request verified",
        "partner_id=\"MOCK-PJP\"",
        "snap_bi::mock: payment service answered",
        "snap_bi::mock: payment marked",
        "snap_bi::mock: notification sent",
        "snap_bi::server: request rejected",
        "response_code=\"4015100\"",
        "response_message=\"Unauthorized. [Signature]",
    ] {
        assert!(
            log.contains(expected),
            "no {expected:?} in the trace:\n{log}"
        );
    }
    let signed = log.matches("signed request").count();
    assert!(signed >= 4, "{signed} signed requests traced:\n{log}");

    // And nothing secret.
    let mut forbidden: Vec<(String, String)> = vec![
        ("the client secret".into(), SECRET.into()),
        ("the wrong client secret".into(), WRONG_SECRET.into()),
        ("a request body".into(), BODY_ONLY.into()),
    ];
    let provider_signatures = values(&provider_seen, "x-signature");
    let tokens = values(&provider_seen, "authorization");
    let notification_signatures = values(&merchant_seen, "x-signature");
    // Two token requests, generate, query and the rejected query.
    assert!(provider_signatures.len() >= 5, "{provider_signatures:?}");
    assert!(tokens.len() >= 3, "{tokens:?}");
    assert_eq!(notification_signatures.len(), 1);
    for signature in provider_signatures
        .into_iter()
        .chain(notification_signatures)
    {
        forbidden.push(("an X-SIGNATURE as sent".into(), signature));
    }
    for token in tokens {
        forbidden.push(("an access token".into(), token));
    }
    for file in ["partner-test-private.pem", "pjp-test-private.pem"] {
        let body = pem_body(&key(file));
        let chars: Vec<char> = body.chars().collect();
        for window in chars.windows(40) {
            forbidden.push((format!("a slice of {file}"), window.iter().collect()));
        }
    }
    for (what, value) in &forbidden {
        assert!(!value.is_empty());
        assert!(!log.contains(value.as_str()), "{what} is in the trace");
    }
}
