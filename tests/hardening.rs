#![cfg(feature = "hyper")]
//! Regression tests for the hardening defects (issue 13), each over real
//! HTTP on 127.0.0.1: replay with a changed `X-EXTERNAL-ID`, token
//! lifetimes already past, the mock server's limits, clipped
//! `responseMessage`s, the provider's oversized 401, and the layer's
//! request timeout.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use snap_bi::client::{ClientError, RequestSigner, SnapLayer};
use snap_bi::headers::{
    AUTHORIZATION, CHANNEL_ID, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::mock::{MockProvider, ServeLimits};
use snap_bi::server::{
    InMemoryReplayStore, JakartaDay, Partner, ReplayError, ReplayStore, ReplayVerdict,
    StaticPartners, VerifyLayer,
};
use snap_bi::timestamp::TimestampFormat;
use snap_bi::token::{B2bTokenCache, BoxFuture, StaticToken, TokenRequestSigner, TokenSource};
use snap_bi::{
    AccessToken, BodyPolicy, CanonicalBody, ClientSecret, ProviderProfile, RsaPrivateKey,
    RsaPublicKey, SymmetricSigner, TransactionParts,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::{Layer, ServiceExt};

use support::token_server::{
    Behavior, CLIENT_ID, PRIVATE_PEM, PUBLIC_PEM, TokenServer, http_client,
};

const PARTNER_ID: &str = "partner-01";
const SECRET: &str = "partner-01-client-secret";
const QUERY_PATH: &str = "/v1.0/qr/qr-mpm-query";
const TOKEN: &str = "b2b-token-1";

async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn partners() -> StaticPartners {
    StaticPartners::builder()
        .partner(Partner::new(PARTNER_ID).with_client_secret(&ClientSecret::new(SECRET).unwrap()))
        .build()
        .unwrap()
}

/// A [`ReplayStore`] that records every call before the in-memory store
/// answers it.
#[derive(Default)]
struct RecordingStore {
    inner: InMemoryReplayStore,
    calls: Mutex<Vec<(String, DateTime<Utc>)>>,
}

impl ReplayStore for RecordingStore {
    fn check_and_insert<'a>(
        &'a self,
        partner_id: &'a str,
        external_id: &'a str,
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>> {
        self.calls
            .lock()
            .unwrap()
            .push((external_id.to_owned(), keep_until));
        self.inner
            .check_and_insert(partner_id, external_id, day, keep_until)
    }
}

/// A symmetric-signed query, sent as-is: the signature covers everything
/// but the `X-EXTERNAL-ID`, as in SNAP.
struct Signed {
    timestamp: String,
    signature: String,
    body: &'static str,
}

fn sign(body: &'static str, at: DateTime<Utc>) -> Signed {
    let timestamp = TimestampFormat::JakartaSeconds.format(at);
    let canonical = CanonicalBody::new(body.as_bytes(), BodyPolicy::Minify).unwrap();
    let parts = TransactionParts::new("POST", QUERY_PATH, &canonical, timestamp.as_str());
    let signature = SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap()).sign(&parts, TOKEN);
    Signed {
        timestamp: timestamp.as_str().to_owned(),
        signature: signature.as_str().to_owned(),
        body,
    }
}

async fn send(
    addr: SocketAddr,
    path: &str,
    signed: &Signed,
    external_id: &str,
) -> (StatusCode, Value) {
    let request = Request::post(format!("http://{addr}{path}"))
        .header("content-type", "application/json")
        .header(X_TIMESTAMP, &signed.timestamp)
        .header(X_SIGNATURE, &signed.signature)
        .header(X_PARTNER_ID, PARTNER_ID)
        .header(X_EXTERNAL_ID, external_id)
        .header(CHANNEL_ID, "95221")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::from_static(signed.body.as_bytes())))
        .unwrap();
    let response = http_client().request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

// ------------------------------------------------------------- 1. replay

#[tokio::test]
async fn a_captured_request_resent_with_a_new_external_id_is_a_conflict() {
    let store = Arc::new(RecordingStore::default());
    let layer = VerifyLayer::builder(partners())
        .without_token_check()
        .shared_replay_store(store.clone())
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            QUERY_PATH,
            post(|| async { r#"{"responseCode":"2005100"}"# }),
        )
        .layer(layer);
    let addr = serve(app).await;

    let now = Utc::now();
    let captured = sign(r#"{"originalReferenceNo":"A1"}"#, now);
    let (status, _) = send(addr, QUERY_PATH, &captured, "100001").await;
    assert_eq!(status, StatusCode::OK);

    // The attacker changes only the unsigned X-EXTERNAL-ID.
    let (status, body) = send(addr, QUERY_PATH, &captured, "999999").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["responseCode"], "4095100");
    assert_eq!(body["responseMessage"], "Conflict");

    // A genuinely new request (new body, so a new signature) still passes.
    let next = sign(r#"{"originalReferenceNo":"A2"}"#, now);
    let (status, body) = send(addr, QUERY_PATH, &next, "100002").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The signature went through the same store, under its own key kind,
    // kept until its timestamp leaves the ±5 min window.
    let calls = store.calls.lock().unwrap().clone();
    let signature_calls: Vec<_> = calls
        .iter()
        .filter(|(k, _)| k.starts_with("sig:"))
        .collect();
    assert_eq!(signature_calls.len(), 3, "{calls:?}");
    let (key, keep_until) = signature_calls[0];
    assert_eq!(key.len(), 68);
    assert!(!key.contains(&captured.signature));
    let signed_at = DateTime::parse_from_rfc3339(&captured.timestamp)
        .unwrap()
        .to_utc();
    assert_eq!(*keep_until, signed_at + TimeDelta::minutes(5));
}

#[tokio::test]
async fn a_full_id_store_still_rejects_a_replay_with_a_new_external_id() {
    // Two id records at most: under load the id records are always full.
    // Signature records are held apart and never evicted, so the captured
    // request stays a replay however many requests come after it.
    let store = InMemoryReplayStore::builder().capacity(2).build();
    let layer = VerifyLayer::builder(partners())
        .without_token_check()
        .replay_store(store)
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            QUERY_PATH,
            post(|| async { r#"{"responseCode":"2005100"}"# }),
        )
        .layer(layer);
    let addr = serve(app).await;

    let now = Utc::now();
    let captured = sign(r#"{"originalReferenceNo":"C0"}"#, now);
    assert_eq!(
        send(addr, QUERY_PATH, &captured, "300000").await.0,
        StatusCode::OK
    );
    for n in 1..=50 {
        let body: &'static str =
            Box::leak(format!(r#"{{"originalReferenceNo":"C{n}"}}"#).into_boxed_str());
        let (status, body) = send(addr, QUERY_PATH, &sign(body, now), &format!("3{n:05}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // "300000" itself was evicted long ago: the id check alone would pass
    // both of these.
    for id in ["300000", "399999"] {
        let (status, body) = send(addr, QUERY_PATH, &captured, id).await;
        assert_eq!(status, StatusCode::CONFLICT, "{id}: {body}");
        assert_eq!(body["responseCode"], "4095100");
    }
}

#[tokio::test]
async fn full_signature_records_refuse_new_requests_with_429_and_keep_rejecting_replays() {
    // Fail closed: no live signature record is forgotten to make room.
    let store = InMemoryReplayStore::builder().signature_capacity(1).build();
    let layer = VerifyLayer::builder(partners())
        .without_token_check()
        .replay_store(store)
        .build()
        .unwrap();
    let app = Router::new()
        .route(QUERY_PATH, post(|| async { "{}" }))
        .layer(layer);
    let addr = serve(app).await;
    let now = Utc::now();
    let first = sign(r#"{"originalReferenceNo":"D1"}"#, now);
    assert_eq!(
        send(addr, QUERY_PATH, &first, "400001").await.0,
        StatusCode::OK
    );
    let (status, body) = send(
        addr,
        QUERY_PATH,
        &sign(r#"{"originalReferenceNo":"D2"}"#, now),
        "400002",
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["responseCode"], "4295100");
    let (status, body) = send(addr, QUERY_PATH, &first, "400003").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn the_signature_check_can_be_turned_off_and_the_id_check_stays() {
    let layer = VerifyLayer::builder(partners())
        .without_token_check()
        .without_signature_replay_check()
        .build()
        .unwrap();
    let app = Router::new()
        .route(QUERY_PATH, post(|| async { "{}" }))
        .layer(layer);
    let addr = serve(app).await;
    let signed = sign(r#"{"originalReferenceNo":"B1"}"#, Utc::now());
    assert_eq!(
        send(addr, QUERY_PATH, &signed, "200001").await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(addr, QUERY_PATH, &signed, "200002").await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(addr, QUERY_PATH, &signed, "200002").await.0,
        StatusCode::CONFLICT
    );
}

// ------------------------------------------- 4. responseMessage is clipped

#[tokio::test]
async fn a_hook_message_for_a_6000_character_path_is_clipped_to_150() {
    let layer = VerifyLayer::builder(partners())
        .without_token_check()
        .on_signature_rejection(|failure: &snap_bi::server::SignatureFailure<'_>| {
            Some(format!("wrong signature for {}", failure.request_target))
        })
        .build()
        .unwrap();
    let app = Router::new().fallback(|| async { "{}" }).layer(layer);
    let addr = serve(app).await;
    let long_path = format!("{QUERY_PATH}/{}", "p".repeat(6_000));
    let signed = sign(r#"{"originalReferenceNo":"C1"}"#, Utc::now());
    let (status, body) = send(addr, &long_path, &signed, "300001").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let message = body["responseMessage"].as_str().unwrap();
    assert_eq!(message.chars().count(), 150, "{message}");
    assert!(message.starts_with("wrong signature for /v1.0/qr/"));
    assert!(message.ends_with("..."));
}

// ------------------------------------------------- 5. the provider's 401

fn symmetric_layer() -> snap_bi::client::SnapLayerBuilder {
    let signer = RequestSigner::builder(ProviderProfile::aspi_standard())
        .client_secret(ClientSecret::new(SECRET).unwrap())
        .partner_id(PARTNER_ID)
        .unwrap()
        .channel_id("95221")
        .unwrap()
        .build()
        .unwrap();
    SnapLayer::builder(signer).token_source(StaticToken::new(AccessToken::new(TOKEN).unwrap()))
}

#[tokio::test]
async fn a_401_over_64_kib_reaches_the_caller_as_the_providers_401() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    // Even a body that starts like a token rejection: over the limit it is
    // not one, so no retry.
    let mut big =
        br#"{"responseCode":"4015101","responseMessage":"Invalid Token (B2B)","pad":""#.to_vec();
    big.resize(100 * 1024, b'x');
    let big = Bytes::from(big);
    let answer = big.clone();
    let app = Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        let answer = answer.clone();
        async move { (StatusCode::UNAUTHORIZED, answer) }
    });
    let addr = serve(app).await;
    let client = symmetric_layer()
        .build()
        .unwrap()
        .layer(snap_bi::client::hyper_client());
    let request = Request::post(format!("http://{addr}{QUERY_PATH}"))
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let response = client
        .oneshot(request)
        .await
        .expect("the 401, not an error");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), 64 * 1024);
    assert_eq!(&body[..], &big[..64 * 1024]);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

// --------------------------------------------- 6. the layer's timeout

#[tokio::test]
async fn a_stalling_provider_times_out_instead_of_holding_the_caller() {
    let app = Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        "late"
    });
    let addr = serve(app).await;
    let default = symmetric_layer().build().unwrap();
    assert!(
        format!("{default:?}").contains("timeout: Some(30s)"),
        "{default:?}"
    );

    let client = symmetric_layer()
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .layer(snap_bi::client::hyper_client());
    let request = Request::post(format!("http://{addr}{QUERY_PATH}"))
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let started = Instant::now();
    let error = client.oneshot(request).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    match error.downcast_ref::<ClientError>() {
        Some(ClientError::Timeout { after }) => assert_eq!(*after, Duration::from_millis(300)),
        other => panic!("{other:?} / {error}"),
    }
}

// ------------------------------------- 2. lifetimes already past, cached

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiry_already_past_is_cached_not_refetched_on_every_call() {
    let past = (Utc::now() - TimeDelta::hours(7)).to_rfc3339();
    for body in [
        format!(
            r#"{{"responseCode":"2007300","accessToken":"t1","accessTokenExpiryTime":"{past}"}}"#
        ),
        format!(r#"{{"responseCode":"2007300","accessToken":"t1","expiresIn":"{past}"}}"#),
        r#"{"responseCode":"2007300","accessToken":"t1","expiresIn":0}"#.to_owned(),
    ] {
        let server = TokenServer::start_with(Behavior::Raw {
            status: 200,
            body: body.clone().into_bytes(),
        })
        .await;
        let signer =
            TokenRequestSigner::builder(CLIENT_ID, RsaPrivateKey::from_pem(PRIVATE_PEM).unwrap())
                .base_url(server.base_url())
                .build()
                .unwrap();
        let cache = B2bTokenCache::builder(signer).build(http_client());
        let concurrent: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.token().await })
            })
            .collect();
        for task in concurrent {
            assert_eq!(task.await.unwrap().unwrap().expose_secret(), "t1");
        }
        for _ in 0..50 {
            assert_eq!(cache.token().await.unwrap().expose_secret(), "t1");
        }
        assert_eq!(server.requests(), 1, "{body}");
    }
}

// ------------------------------------------------- 3. the mock's limits

fn mock(limits: ServeLimits) -> MockProvider {
    MockProvider::builder()
        .partner(
            Partner::new("PARTNER01")
                .with_client_id("CLIENT01")
                .with_public_key(RsaPublicKey::from_pem(PUBLIC_PEM).unwrap()),
            ClientSecret::new("partner-secret").unwrap(),
        )
        .limits(limits)
        .build()
        .unwrap()
}

/// Everything the server sends until it closes, or `None` if it is still
/// open after `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| got)
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off() {
    let limits = ServeLimits::default().with_header_read_timeout(Duration::from_millis(200));
    let running = mock(limits).bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let mut stream = TcpStream::connect(running.local_addr()).await.unwrap();
    stream
        .write_all(b"POST /v1.0/qr/qr-mpm-query HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Never finishes the head: the server closes within its timeout.
    let started = Instant::now();
    assert!(
        read_until_closed(&mut stream, Duration::from_secs(5))
            .await
            .is_some()
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    // An idle connection that sends nothing is closed as well.
    let mut idle = TcpStream::connect(running.local_addr()).await.unwrap();
    assert!(
        read_until_closed(&mut idle, Duration::from_secs(5))
            .await
            .is_some()
    );
    running.shutdown().await;
}

#[tokio::test]
async fn a_trickling_body_gets_408_at_the_deadline() {
    let limits = ServeLimits::default().with_request_timeout(Duration::from_millis(300));
    let running = mock(limits).bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let mut stream = TcpStream::connect(running.local_addr()).await.unwrap();
    stream
        .write_all(b"POST /mock/qr-mpm-pay HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""responseCode":"4080000""#), "{answer}");
    running.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let limits = ServeLimits::default().with_max_connections(1);
    let running = mock(limits).bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let first = TcpStream::connect(running.local_addr()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let mut second = TcpStream::connect(running.local_addr()).await.unwrap();
    second
        .write_all(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // The only slot is taken: no answer yet.
    assert!(
        read_until_closed(&mut second, Duration::from_millis(500))
            .await
            .is_none()
    );

    drop(first);
    let answer = read_until_closed(&mut second, Duration::from_secs(5))
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    running.shutdown().await;
}
