#![cfg(feature = "hyper")]
//! The fault matrix (issue 13): a token endpoint and a provider API on
//! 127.0.0.1 misbehaving one way at a time, against `SnapClient` (and, for
//! clock skew, `SnapLayer` with an injected clock) over hyper-util's
//! client.
//!
//! Every row checks the same five things:
//! - the typed error, within the attempt's timeout (a bound, not a
//!   performance target);
//! - nothing unsigned or stale reached the server: every API request it saw
//!   carried a valid HMAC `X-SIGNATURE`, a fresh `X-TIMESTAMP` and a bearer
//!   token the token endpoint issued and that had not expired;
//! - no failure is cached: healed, the server gets a working call at once
//!   (or after the backoff the error names);
//! - bounded memory: a 100 MB body is refused near the client's limit;
//! - the exact number of token requests.
//!
//! The server is `tests/support/fault_server.rs`; the README's "Bad days:
//! the fault matrix" table is this file's summary.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use snap_bi::client::{
    CallError, ClientError, RequestSigner, RetryPolicy, SnapClient, SnapLayer, hyper_client,
};
use snap_bi::qris::{QrMpmQueryRequest, QrMpmQueryResponse};
use snap_bi::token::{B2bTokenCache, TokenError, TokenRequestSigner};
use snap_bi::{ClientSecret, Clock, ProviderProfile, RsaPrivateKey};
use tokio::time::Instant;
use tower::{Layer, ServiceExt};

use support::fault_server::{Fault, FaultServer, HUGE_BODY, SECRET, jakarta_in};
use support::token_server::{CLIENT_ID, PRIVATE_PEM};

/// The attempt timeout every client here uses.
const TIMEOUT: Duration = Duration::from_secs(2);
/// The token fetch's timeout under it: nine tenths, so that a stalled
/// fetch ends inside the attempt that started it.
const FETCH_TIMEOUT: Duration = Duration::from_millis(1800);
/// Slack over [`TIMEOUT`] for a loaded 2-core machine (a bound only).
const MARGIN: Duration = Duration::from_secs(1);
/// The client's answer limit (the default, 1 MiB) and the token cache's
/// (64 KiB).
const CALL_LIMIT: usize = 1024 * 1024;
const TOKEN_LIMIT: usize = 64 * 1024;
const PARTNER_ID: &str = "partner-01";

fn client(server: &FaultServer) -> SnapClient {
    builder(server).build().unwrap()
}

fn builder(server: &FaultServer) -> snap_bi::client::SnapClientBuilder {
    SnapClient::builder(ProviderProfile::aspi_standard())
        .base_url(server.base_url())
        .client_id(CLIENT_ID)
        .private_key(RsaPrivateKey::from_pem(PRIVATE_PEM).unwrap())
        .client_secret(ClientSecret::new(SECRET).unwrap())
        .partner_id(PARTNER_ID)
        .channel_id("95221")
        .http(hyper_client())
        .timeout(TIMEOUT)
}

/// A query whose body differs per `n`: identical bodies in one second
/// would carry identical signatures (a replay to a real provider).
fn query(n: usize) -> QrMpmQueryRequest {
    let mut query = QrMpmQueryRequest::new("51");
    query.original_reference_no = Some(format!("REF-{n:04}"));
    query
}

/// One call, timed on Tokio's clock.
async fn call(client: &SnapClient, n: usize) -> (Result<QrMpmQueryResponse, CallError>, Duration) {
    let started = Instant::now();
    let result = client.call(&query(n)).await;
    (result, started.elapsed())
}

/// A call that must fail, within the attempt's timeout.
async fn fails(client: &SnapClient, n: usize) -> CallError {
    let (result, elapsed) = call(client, n).await;
    let error = result.expect_err("the fault must surface as an error");
    assert!(
        elapsed < TIMEOUT + MARGIN,
        "{error:?} after {elapsed:?}, over the {TIMEOUT:?} timeout"
    );
    error
}

/// A call that must succeed.
async fn works(client: &SnapClient, n: usize) {
    let (result, _) = call(client, n).await;
    let response = result.expect("a healthy server answers");
    assert_eq!(response.response_code.as_str(), "2005100");
}

/// The token error inside a call error (the layer found no token, so
/// nothing was sent).
fn token_error(error: &CallError) -> &TokenError {
    match error {
        CallError::Client(ClientError::Token(token)) => token,
        other => panic!("expected a token error, got {other:?}"),
    }
}

/// Every request the server saw was signed; every API request carried a
/// live token the server issued and a fresh timestamp.
fn assert_nothing_unsigned_or_stale(server: &FaultServer) {
    for seen in server.seen() {
        assert!(seen.signed, "unsigned: {seen:?}");
        assert!(seen.fresh, "stale X-TIMESTAMP: {seen:?}");
        if !seen.token {
            assert!(seen.token_live, "token not issued or expired: {seen:?}");
        }
    }
}

// ------------------------------------------------------------------
// Token endpoint misbehaving, API healthy.
// ------------------------------------------------------------------

/// One token-endpoint row: the first call fails with a token error
/// `check` accepts, having sent one token request and no API request;
/// healed, the next call works with one more token request.
async fn token_row(fault: Fault, check: impl Fn(&TokenError) -> bool) -> FaultServer {
    let server = FaultServer::start().await;
    server.token_fault(fault.clone());
    let client = client(&server);

    let error = fails(&client, 1).await;
    let token = token_error(&error);
    assert!(check(token), "{fault:?}: {token:?}");
    assert_eq!(server.token_requests(), 1, "{fault:?}");
    assert_eq!(
        server.api_requests(),
        0,
        "{fault:?}: nothing sent without a token"
    );

    // One failure opens no backoff window (policy.rs): healed, the next
    // call fetches at once.
    server.heal();
    works(&client, 2).await;
    assert_eq!(server.token_requests(), 2, "{fault:?}");
    assert_eq!(server.api_requests(), 1);
    assert_nothing_unsigned_or_stale(&server);
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_refusing_connections() {
    let server = FaultServer::start().await;
    let client = client(&server);
    server.refuse_connections().await;
    let error = fails(&client, 1).await;
    assert!(
        matches!(token_error(&error), TokenError::Transport(_)),
        "{error:?}"
    );
    assert_eq!(server.token_requests(), 0);

    server.accept_connections().await;
    works(&client, 2).await;
    assert_eq!(server.token_requests(), 1);
    assert_eq!(server.api_requests(), 1);
    assert_nothing_unsigned_or_stale(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_reset_mid_body() {
    token_row(Fault::ResetMidBody, |e| {
        matches!(e, TokenError::Transport(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_slow_headers() {
    token_row(
        Fault::SlowHeaders,
        |e| matches!(e, TokenError::Timeout { after } if *after == FETCH_TIMEOUT),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_slow_loris_body() {
    token_row(
        Fault::SlowBody,
        |e| matches!(e, TokenError::Timeout { after } if *after == FETCH_TIMEOUT),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_429_with_retry_after() {
    // The cache does not wait for Retry-After; its own backoff applies.
    token_row(Fault::TooManyRequests { retry_after: 30 }, |e| {
        matches!(e, TokenError::Refused { status, code, .. }
            if *status == StatusCode::TOO_MANY_REQUESTS && code == "4297300")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_500() {
    token_row(Fault::InternalError, |e| {
        matches!(e, TokenError::Refused { status, code, .. }
            if *status == StatusCode::INTERNAL_SERVER_ERROR && code == "5007300")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_502_html() {
    token_row(Fault::BadGatewayHtml, |e| {
        matches!(e, TokenError::HttpStatus { status, .. } if *status == StatusCode::BAD_GATEWAY)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_200_html() {
    token_row(
        Fault::OkHtml,
        |e| matches!(e, TokenError::NotJson { status } if *status == StatusCode::OK),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_truncated_json() {
    token_row(
        Fault::TruncatedJson,
        |e| matches!(e, TokenError::NotJson { status } if *status == StatusCode::OK),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_100_mb_body() {
    for fault in [Fault::Huge, Fault::HugeChunked] {
        let server = token_row(fault.clone(), |e| {
            matches!(e, TokenError::BodyTooLarge { status, limit }
                if *status == StatusCode::OK && *limit == TOKEN_LIMIT)
        })
        .await;
        assert_bounded(&server, &fault).await;
    }
}

/// The server stopped writing the 100 MB body early: the client hung up
/// after reading about its limit (what the server wrote beyond it sat in
/// socket buffers, a few MiB on loopback).
async fn assert_bounded(server: &FaultServer, fault: &Fault) {
    let deadline = Instant::now() + TIMEOUT;
    while server.huge_done() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.huge_done(), 1, "{fault:?}: the client kept reading");
    let written = server.huge_written();
    assert!(
        written < 16 * 1024 * 1024,
        "{fault:?}: {written} of {HUGE_BODY} bytes written before the client hung up"
    );
}

/// Repeated token failures back off instead of hammering the endpoint:
/// ten calls in a row cost two token requests, the rest fail at once with
/// `BackingOff`; after the window the healed endpoint is asked again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_failing_repeatedly_backs_off() {
    let server = FaultServer::start().await;
    server.token_fault(Fault::InternalError);
    let client = client(&server);
    let mut retry_in = Duration::ZERO;
    for n in 0..10 {
        let error = fails(&client, n).await;
        match (n, token_error(&error)) {
            (0 | 1, TokenError::Refused { status, .. }) => {
                assert_eq!(*status, StatusCode::INTERNAL_SERVER_ERROR);
            }
            (
                2..,
                TokenError::BackingOff {
                    retry_in: wait,
                    last,
                },
            ) => {
                assert!(matches!(**last, TokenError::Refused { .. }), "{last:?}");
                retry_in = *wait;
            }
            (_, other) => panic!("call {n}: {other:?}"),
        }
    }
    assert_eq!(server.token_requests(), 2);
    // Backoff::default(): the second failure opens 500 ms × [0.5, 1].
    assert!(retry_in <= Duration::from_millis(500), "{retry_in:?}");

    server.heal();
    tokio::time::sleep(retry_in + Duration::from_millis(50)).await;
    works(&client, 10).await;
    assert_eq!(server.token_requests(), 3);
    assert_nothing_unsigned_or_stale(&server);
}

// ------------------------------------------------------------------
// API misbehaving, token endpoint healthy.
// ------------------------------------------------------------------

/// One API row: a first call fetches the token and fails as `check`
/// says, within the timeout; healed, the next call works on the same
/// token (a bad answer does not drop it).
async fn api_row(fault: Fault, check: impl Fn(&CallError) -> bool) -> FaultServer {
    let server = FaultServer::start().await;
    server.api_fault(fault.clone());
    let client = client(&server);

    let error = fails(&client, 1).await;
    assert!(check(&error), "{fault:?}: {error:?}");
    assert_eq!(server.token_requests(), 1, "{fault:?}");
    assert_eq!(server.api_requests(), 1, "{fault:?}");

    server.heal();
    works(&client, 2).await;
    assert_eq!(server.token_requests(), 1, "{fault:?}: the token was kept");
    assert_eq!(server.api_requests(), 2);
    assert_nothing_unsigned_or_stale(&server);
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_refusing_connections() {
    let server = FaultServer::start().await;
    let client = client(&server);
    works(&client, 1).await;
    server.refuse_connections().await;
    let error = fails(&client, 2).await;
    assert!(matches!(error, CallError::Transport(_)), "{error:?}");
    assert!(error.is_transient());

    server.accept_connections().await;
    works(&client, 3).await;
    assert_eq!(server.token_requests(), 1);
    assert_eq!(server.api_requests(), 2);
    assert_nothing_unsigned_or_stale(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_reset_mid_body() {
    api_row(Fault::ResetMidBody, |e| {
        matches!(e, CallError::Transport(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_slow_headers() {
    api_row(
        Fault::SlowHeaders,
        |e| matches!(e, CallError::Timeout { after } if *after == TIMEOUT),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_slow_loris_body() {
    api_row(
        Fault::SlowBody,
        |e| matches!(e, CallError::Timeout { after } if *after == TIMEOUT),
    )
    .await;
}

fn refused(status: StatusCode, code: Option<&'static str>) -> impl Fn(&CallError) -> bool {
    move |e| {
        matches!(e, CallError::Refused { status: s, code: c, .. }
            if *s == status && c.as_ref().map(|c| c.as_str()) == code)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_429_with_retry_after() {
    api_row(
        Fault::TooManyRequests { retry_after: 1 },
        refused(StatusCode::TOO_MANY_REQUESTS, Some("4295100")),
    )
    .await;
}

/// With a `RetryPolicy`, a read answered `429` + `Retry-After: 1` is tried
/// three times in all, a second apart, each attempt signed afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_429_with_retry_after_and_a_retry_policy() {
    let server = FaultServer::start().await;
    server.api_fault(Fault::TooManyRequests { retry_after: 1 });
    let client = builder(&server).retry(RetryPolicy::new()).build().unwrap();
    let started = Instant::now();
    let error = client.call(&query(1)).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        refused(StatusCode::TOO_MANY_REQUESTS, Some("4295100"))(&error),
        "{error:?}"
    );
    assert_eq!(server.api_requests(), 3);
    assert_eq!(server.token_requests(), 1);
    // Two waits of Retry-After; bounded by 3 × timeout + the waits.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(
        elapsed < 3 * TIMEOUT + Duration::from_secs(2) + MARGIN,
        "{elapsed:?}"
    );
    let stamps: Vec<_> = server.api_seen().into_iter().map(|s| s.timestamp).collect();
    assert!(
        stamps[0] != stamps[1] && stamps[1] != stamps[2],
        "{stamps:?}"
    );

    server.heal();
    works(&client, 2).await;
    assert_eq!(server.token_requests(), 1);
    assert_nothing_unsigned_or_stale(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_500() {
    api_row(
        Fault::InternalError,
        refused(StatusCode::INTERNAL_SERVER_ERROR, Some("5005100")),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_502_html() {
    api_row(
        Fault::BadGatewayHtml,
        refused(StatusCode::BAD_GATEWAY, None),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_200_html() {
    api_row(
        Fault::OkHtml,
        |e| matches!(e, CallError::InvalidResponse { status, .. } if *status == StatusCode::OK),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_truncated_json() {
    api_row(
        Fault::TruncatedJson,
        |e| matches!(e, CallError::InvalidResponse { status, .. } if *status == StatusCode::OK),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_100_mb_body() {
    for fault in [Fault::Huge, Fault::HugeChunked] {
        let server = api_row(
            fault.clone(),
            |e| matches!(e, CallError::ResponseTooLarge { limit } if *limit == CALL_LIMIT),
        )
        .await;
        assert_bounded(&server, &fault).await;
    }
}

/// A provider that rejects every token it issues (`401xx01`): each call
/// invalidates, fetches once more and retries once, then returns the
/// refusal. One token request per call, never a loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_rejecting_every_token() {
    let server = FaultServer::start().await;
    server.api_fault(Fault::Reject("4015101"));
    let client = client(&server);
    for n in 0..10 {
        let error = fails(&client, n).await;
        assert!(
            refused(StatusCode::UNAUTHORIZED, Some("4015101"))(&error),
            "{error:?}"
        );
    }
    assert_eq!(server.token_requests(), 11);
    assert_eq!(server.api_requests(), 20);

    // The token fetched for the last retry is still cached (the server
    // would accept it now): no token request.
    server.heal();
    works(&client, 10).await;
    assert_eq!(server.token_requests(), 11);
    assert_nothing_unsigned_or_stale(&server);
}

// ------------------------------------------------------------------
// Token lifetimes: the 30 s floor (token::MIN_LIFETIME) and the one-year
// cap (token::MAX_LIFETIME).
// ------------------------------------------------------------------

/// 50 calls on a token whose answer states `fields`: one token request.
async fn lifetime_row(fields: String) {
    let server = FaultServer::start().await;
    server.lifetime_fields(fields.clone());
    let client = client(&server);
    for n in 0..50 {
        works(&client, n).await;
    }
    assert_eq!(server.token_requests(), 1, "{fields}");
    assert_eq!(server.api_requests(), 50, "{fields}");
    assert_nothing_unsigned_or_stale(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetime_zero() {
    // Under the floor: the default, 900 s.
    lifetime_row(r#""expiresIn":"0""#.into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetime_negative() {
    lifetime_row(r#""expiresIn":-60"#.into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetime_under_the_floor() {
    lifetime_row(r#""expiresIn":"10""#.into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetime_huge() {
    // Cut to a year: no overflow, no refetch.
    lifetime_row(r#""expiresIn":1000000000000"#.into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetime_already_past() {
    lifetime_row(format!(
        r#""accessTokenExpiryTime":"{}""#,
        jakarta_in(-3600)
    ))
    .await;
}

// ------------------------------------------------------------------
// Clock skew: the client's injected clock an hour off the server's.
// ------------------------------------------------------------------

/// The system clock plus an adjustable offset.
#[derive(Debug, Clone, Default)]
struct SkewedClock(Arc<AtomicI64>);

impl SkewedClock {
    fn set(&self, seconds: i64) {
        self.0.store(seconds, Ordering::SeqCst);
    }
}

impl Clock for SkewedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::seconds(self.0.load(Ordering::SeqCst))
    }
}

type Layered = snap_bi::client::SnapService<
    hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Full<Bytes>,
    >,
>;

/// `SnapLayer` over hyper-util with a token cache, both on `clock`
/// (`SnapClient` takes no clock).
fn skewed_layer(server: &FaultServer, clock: &SkewedClock) -> Layered {
    let profile = ProviderProfile::aspi_standard();
    let key = Arc::new(RsaPrivateKey::from_pem(PRIVATE_PEM).unwrap());
    let token_signer =
        TokenRequestSigner::builder(CLIENT_ID, RsaPrivateKey::from_pem(PRIVATE_PEM).unwrap())
            .profile(&profile)
            .base_url(server.base_url())
            .build()
            .unwrap();
    let tokens = B2bTokenCache::builder(token_signer)
        .clock(Arc::new(clock.clone()))
        .build(hyper_client());
    let signer = RequestSigner::builder(profile)
        .private_key(key)
        .client_secret(ClientSecret::new(SECRET).unwrap())
        .partner_id(PARTNER_ID)
        .unwrap()
        .channel_id("95221")
        .unwrap()
        .clock(clock.clone())
        .build()
        .unwrap();
    SnapLayer::builder(signer)
        .token_source(tokens)
        .request_timeout(TIMEOUT)
        .build()
        .unwrap()
        .layer(hyper_client())
}

/// One call through the layer: the status and `responseCode`, or the
/// layer's error.
async fn layer_call(
    service: &Layered,
    server: &FaultServer,
    n: usize,
) -> Result<(StatusCode, String), tower::BoxError> {
    let body = serde_json::to_vec(&query(n)).unwrap();
    let request = Request::post(format!("{}/v1.0/qr/qr-mpm-query", server.base_url()))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let started = Instant::now();
    let response = service.clone().oneshot(request).await;
    assert!(started.elapsed() < TIMEOUT + MARGIN);
    let response = response?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    let code = serde_json::from_slice::<serde_json::Value>(&body)?["responseCode"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    Ok((status, code))
}

/// The token endpoint checks `X-TIMESTAMP`: refused (`4017300`) twice,
/// then the cache backs off; nothing reaches the API. Clock fixed and the
/// window passed, the next call works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_at_the_token_endpoint() {
    for skew in [3600, -3600] {
        let server = FaultServer::start().await;
        let clock = SkewedClock::default();
        clock.set(skew);
        let service = skewed_layer(&server, &clock);
        let mut retry_in = Duration::ZERO;
        for n in 0..10 {
            let error = layer_call(&service, &server, n).await.unwrap_err();
            let token = match error.downcast_ref::<ClientError>() {
                Some(ClientError::Token(token)) => token,
                _ => panic!("{skew}: {error:?}"),
            };
            match (n, token) {
                (0 | 1, TokenError::Refused { status, code, .. }) => {
                    assert_eq!(
                        (*status, code.as_str()),
                        (StatusCode::UNAUTHORIZED, "4017300")
                    );
                }
                (2.., TokenError::BackingOff { retry_in: wait, .. }) => retry_in = *wait,
                (_, other) => panic!("{skew} call {n}: {other:?}"),
            }
        }
        assert_eq!(server.token_requests(), 2, "{skew}");
        assert_eq!(server.api_requests(), 0, "{skew}");
        assert!(server.seen().iter().all(|s| s.signed && !s.fresh));

        clock.set(0);
        tokio::time::sleep(retry_in + Duration::from_millis(50)).await;
        let (status, code) = layer_call(&service, &server, 10).await.unwrap();
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::OK, "2005100"),
            "{skew}"
        );
        assert_eq!(server.token_requests(), 3, "{skew}");
    }
}

/// The token endpoint does not check `X-TIMESTAMP`, the API does: each
/// call is one API request refused `4015100` (not a token rejection, so
/// no token retry) — ten calls, ten API requests, one token request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_at_the_api() {
    for skew in [3600, -3600] {
        let server = FaultServer::start().await;
        server.token_checks_timestamp(false);
        let clock = SkewedClock::default();
        clock.set(skew);
        let service = skewed_layer(&server, &clock);
        for n in 0..10 {
            let (status, code) = layer_call(&service, &server, n).await.unwrap();
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNAUTHORIZED, "4015100")
            );
        }
        assert_eq!(server.token_requests(), 1, "{skew}");
        assert_eq!(server.api_requests(), 10, "{skew}");
        // Signed with a live token; stale only by the skew, and refused.
        assert!(
            server
                .api_seen()
                .iter()
                .all(|s| s.signed && s.token_live && !s.fresh)
        );

        clock.set(0);
        let (status, code) = layer_call(&service, &server, 10).await.unwrap();
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::OK, "2005100"),
            "{skew}"
        );
        assert_eq!(server.token_requests(), 1, "{skew}");
    }
}
