#![cfg(all(feature = "redis", feature = "hyper"))]
//! Replay protection shared over Redis by two verifying servers on
//! 127.0.0.1, each with its own Redis connection, both accepting the tokens
//! of one issuer key (as a provider's instances behind a load balancer).

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use snap_bi::headers::{
    AUTHORIZATION, CHANNEL_ID, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::redis_store::{RedisStore, ReplayWhenUnreachable};
use snap_bi::server::{Partner, StaticPartners, TokenIssuer, VerifyLayer};
use snap_bi::timestamp::{Clock, TimestampFormat};
use snap_bi::{
    BodyPolicy, CanonicalBody, ClientSecret, SymmetricSigner, SystemClock, TransactionParts,
};
use support::redis::{TestRedis, unique_prefix};

const PARTNER_ID: &str = "partner-01";
const CLIENT_ID: &str = "client-01";
const SECRET: &str = "partner-01-client-secret";
const PATH: &str = "/snap/v1.0/qr/qr-mpm-query";

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn partners() -> Arc<StaticPartners> {
    Arc::new(
        StaticPartners::builder()
            .partner(
                Partner::new(PARTNER_ID)
                    .with_client_id(CLIENT_ID)
                    .with_client_secret(&ClientSecret::new(SECRET).unwrap()),
            )
            .build()
            .unwrap(),
    )
}

/// A verifying server whose replay store is `store`.
async fn server(issuer: &TokenIssuer, store: snap_bi::redis_store::RedisReplayStore) -> SocketAddr {
    let layer = VerifyLayer::builder_shared(partners())
        .token_validator(issuer.clone())
        .replay_store(store)
        .build()
        .unwrap();
    let app = Router::new()
        .route(PATH, post(|| async { "ok" }))
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn store(redis: &TestRedis, prefix: &str) -> RedisStore {
    RedisStore::builder(&redis.url)
        .prefix(prefix)
        .response_timeout(Duration::from_millis(300))
        .connection_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

fn issuer() -> TokenIssuer {
    TokenIssuer::builder_shared(partners())
        .hs256_secret(b"one key for the whole fleet, 32+ bytes long".to_vec())
        .build()
        .unwrap()
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A signed request with a new `X-EXTERNAL-ID`.
fn signed(token: &str) -> Request<Full<Bytes>> {
    let external_id = format!(
        "{:012}{:08}",
        std::process::id(),
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    );
    let timestamp = TimestampFormat::JakartaSeconds.format(SystemClock.now());
    // The id in the body too: two requests built in the same second then
    // differ in signature, not only in X-EXTERNAL-ID (an identical signature
    // is refused as a replay whatever the id).
    let body = format!(r#"{{"partnerReferenceNo":"{external_id}"}}"#);
    let canonical = CanonicalBody::new(body.as_bytes(), BodyPolicy::Minify).unwrap();
    let parts = TransactionParts::new("POST", PATH, &canonical, timestamp.as_str());
    let signature = SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap()).sign(&parts, token);
    Request::builder()
        .method("POST")
        .uri(PATH)
        .header("content-type", "application/json")
        .header(X_TIMESTAMP, timestamp.as_str())
        .header(X_SIGNATURE, signature.as_str())
        .header(X_PARTNER_ID, PARTNER_ID)
        .header(X_EXTERNAL_ID, external_id)
        .header(CHANNEL_ID, "95221")
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// Sends a copy of `request` to `addr`: status and `responseCode`.
async fn send(
    client: &HttpClient,
    addr: SocketAddr,
    request: &Request<Full<Bytes>>,
) -> (StatusCode, String) {
    let mut copy = Request::builder()
        .method(request.method())
        .uri(format!("http://{addr}{}", request.uri()));
    for (name, value) in request.headers() {
        copy = copy.header(name, value);
    }
    let copy = copy.body(request.body().clone()).unwrap();
    let response = client.request(copy).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let code = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["responseCode"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, code)
}

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_replayed_to_the_second_server_is_rejected_with_409() {
    let redis = TestRedis::any();
    let prefix = unique_prefix();
    let issuer = issuer();
    let first = server(&issuer, store(&redis, &prefix).replay_store()).await;
    let second = server(&issuer, store(&redis, &prefix).replay_store()).await;
    let token = issuer
        .issue_b2b(CLIENT_ID)
        .unwrap()
        .access_token
        .expose_secret()
        .to_owned();
    let client = client();

    let request = signed(&token);
    assert_eq!(send(&client, first, &request).await.0, StatusCode::OK);
    assert_eq!(
        send(&client, second, &request).await,
        (StatusCode::CONFLICT, "4095100".to_owned())
    );
    // A new external id passes on either.
    assert_eq!(
        send(&client, second, &signed(&token)).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_copies_over_two_servers_are_accepted_exactly_once() {
    let redis = TestRedis::any();
    let prefix = unique_prefix();
    let issuer = issuer();
    let servers = [
        server(&issuer, store(&redis, &prefix).replay_store()).await,
        server(&issuer, store(&redis, &prefix).replay_store()).await,
    ];
    let token = issuer
        .issue_b2b(CLIENT_ID)
        .unwrap()
        .access_token
        .expose_secret()
        .to_owned();
    let request = Arc::new(signed(&token));
    let client = client();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (client, request, addr) = (client.clone(), Arc::clone(&request), servers[i % 2]);
            tokio::spawn(async move { send(&client, addr, &request).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            (StatusCode::OK, _) => accepted += 1,
            (status, code) => {
                assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "4095100"))
            }
        }
    }
    assert_eq!(accepted, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_down_fails_closed_with_503_unless_configured_to_allow() {
    let mut redis = TestRedis::spawn();
    let prefix = unique_prefix();
    let issuer = issuer();
    let closed = server(&issuer, store(&redis, &prefix).replay_store()).await;
    let open = server(
        &issuer,
        store(&redis, &prefix)
            .replay_store()
            .when_unreachable(ReplayWhenUnreachable::Allow),
    )
    .await;
    let token = issuer
        .issue_b2b(CLIENT_ID)
        .unwrap()
        .access_token
        .expose_secret()
        .to_owned();
    let client = client();
    assert_eq!(
        send(&client, closed, &signed(&token)).await.0,
        StatusCode::OK
    );

    redis.stop();
    assert_eq!(
        send(&client, closed, &signed(&token)).await,
        (StatusCode::SERVICE_UNAVAILABLE, "5035100".to_owned())
    );
    assert_eq!(send(&client, open, &signed(&token)).await.0, StatusCode::OK);
}
