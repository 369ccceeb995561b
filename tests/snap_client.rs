#![cfg(all(feature = "hyper", feature = "reqwest"))]
//! `SnapClient` over real HTTP on 127.0.0.1 against the embedded
//! `MockProvider` (Paydia profile, paths under `/snap`): one builder chain,
//! typed calls, refusals with status, code and body, configuration errors at
//! `build()`, and retries of reads only — behind a local front that answers
//! `503` + `Retry-After` after the mock has processed the request, so a
//! retry that reused the first attempt's `X-EXTERNAL-ID` would be refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full};
use snap_bi::client::{CallError, RetryPolicy, SnapClient, SnapClientConfigError, hyper_client};
use snap_bi::mock::{MockBody, MockProvider, RunningMock};
use snap_bi::qris::{
    Amount, Money, QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmRefundRequest, StatusDialect,
    StatusMeaning,
};
use snap_bi::server::Partner;
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};
use tower::ServiceExt;

const CLIENT_ID: &str = "35d1a1127182a65e4fe0256242a40a6d";
const SECRET: &str = "paydia-like-secret";

fn key(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/vectors/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn provider() -> MockProvider {
    // B2B calls only here; the Paydia query's customer token is tested in
    // tests/paydia.rs.
    MockProvider::builder()
        .profile(ProviderProfile::paydia())
        .require_customer_token_on_query(false)
        .prefix("/snap")
        .partner(
            Partner::new(CLIENT_ID)
                .with_client_id(CLIENT_ID)
                .with_public_key(RsaPublicKey::from_pem(key("partner-test-public.pem")).unwrap()),
            ClientSecret::new(SECRET).unwrap(),
        )
        .build()
        .unwrap()
}

async fn start() -> RunningMock {
    provider().bind(([127, 0, 0, 1], 0).into()).await.unwrap()
}

/// The whole configuration in one chain; the HTTP client is the default
/// (reqwest).
fn configured(base_url: &str) -> snap_bi::client::SnapClientBuilder {
    SnapClient::builder(ProviderProfile::paydia())
        .base_url(base_url)
        .client_id(CLIENT_ID)
        .private_key(RsaPrivateKey::from_pem(key("partner-test-private.pem")).unwrap())
        .client_secret(ClientSecret::new(SECRET).unwrap())
        .partner_id(CLIENT_ID)
        .channel_id("286")
}

fn generate(reference: &str) -> QrMpmGenerateRequest {
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some(reference.into());
    generate.amount = Some(Money::idr(Amount::parse("12000.00").unwrap()));
    generate
}

fn query(reference: &str) -> QrMpmQueryRequest {
    let mut query = QrMpmQueryRequest::new("51");
    query.original_reference_no = Some(reference.into());
    query
}

/// The mock's test trigger: the customer pays.
async fn pay(mock_base: &str, reference: &str) {
    let response = reqwest::Client::new()
        .post(format!("{mock_base}/mock/qr-mpm-pay"))
        .body(format!(r#"{{"originalReferenceNo":"{reference}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_chain_then_typed_generate_query_and_refund() {
    let running = start().await;
    let client = configured(&running.base_url()).build().unwrap();

    let generated = client.call(&generate("INV-0001")).await.unwrap();
    assert_eq!(generated.response_code.as_str(), "2004700");
    assert!(generated.qr_content.is_some());
    let reference = generated.reference_no.unwrap();

    let unpaid = client.call(&query(&reference)).await.unwrap();
    assert_eq!(unpaid.response_code.as_str(), "2005100");
    assert_ne!(
        unpaid
            .latest_transaction_status
            .map(|s| s.meaning(StatusDialect::Paydia)),
        Some(StatusMeaning::Success)
    );

    pay(&running.base_url(), &reference).await;
    // The same query body again within the same X-TIMESTAMP second would
    // carry the same signature, which the provider refuses as a replay
    // (409): SNAP does not sign X-EXTERNAL-ID.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let paid = client.call(&query(&reference)).await.unwrap();
    assert_eq!(paid.response_code.as_str(), "2005100");
    assert_eq!(
        paid.latest_transaction_status
            .map(|s| s.meaning(StatusDialect::Paydia)),
        Some(StatusMeaning::Success)
    );
    assert_eq!(paid.amount.map(|m| m.value.minor_units()), Some(1_200_000));

    let mut refund = QrMpmRefundRequest::new("INV-0001", "RF-0001");
    refund.refund_amount = Some(Money::idr(Amount::parse("12000.00").unwrap()));
    let refunded = client.call(&refund).await.unwrap();
    assert_eq!(refunded.response_code.as_str(), "2007800");
    assert!(refunded.refund_no.is_some());
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_keeps_the_status_the_code_and_the_raw_body() {
    let running = start().await;
    let client = configured(&running.base_url()).build().unwrap();
    let error = client.call(&query("NO-SUCH-PAYMENT")).await.unwrap_err();
    let CallError::Refused {
        status,
        code,
        message,
        body,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*status, StatusCode::NOT_FOUND);
    assert_eq!(code.as_ref().map(|c| c.as_str()), Some("4045101"));
    assert!(message.is_some());
    let raw: serde_json::Value = serde_json::from_slice(body.as_bytes()).unwrap();
    assert_eq!(raw["responseCode"], "4045101");
    assert!(error.to_string().contains("4045101"), "{error}");

    // A wrong secret: the mock refuses the signature (401), typed as well.
    let client = configured(&running.base_url())
        .client_secret(ClientSecret::new("not-the-secret").unwrap())
        .build()
        .unwrap();
    let error = client.call(&query("X")).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(
        error.response_code().map(|c| c.case_code()),
        Some("00"),
        "{error:?}"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hyper_util_client_works_as_well() {
    let running = start().await;
    let client = configured(&running.base_url())
        .http(hyper_client())
        .build()
        .unwrap();
    let generated = client.call(&generate("INV-HYPER")).await.unwrap();
    assert_eq!(generated.response_code.as_str(), "2004700");
    running.shutdown().await;
}

#[tokio::test]
async fn configuration_errors_surface_at_build_and_name_the_field() {
    let missing = SnapClient::builder(ProviderProfile::paydia())
        .base_url("http://127.0.0.1:1/snap")
        .client_id(CLIENT_ID)
        .private_key(RsaPrivateKey::from_pem(key("partner-test-private.pem")).unwrap())
        .partner_id(CLIENT_ID)
        .channel_id("286")
        .build()
        .unwrap_err();
    assert!(matches!(
        missing,
        SnapClientConfigError::Missing {
            field: "client_secret"
        }
    ));
    let error = configured("127.0.0.1/snap").build().unwrap_err();
    assert_eq!(error.field(), "base_url");
    let error = configured("http://127.0.0.1:1/snap")
        .private_key_pem("not a key")
        .build()
        .unwrap_err();
    assert_eq!(error.field(), "private_key");
    assert!(
        error
            .to_string()
            .starts_with("SnapClient: `private_key` is invalid")
    );
}

/// A front on 127.0.0.1 that forwards everything to the mock, but turns the
/// mock's answer to the QRIS calls numbered in `fail` (0-based) into
/// `503 Retry-After: 1`.
struct Front {
    base_url: String,
    qris_calls: Arc<AtomicUsize>,
}

async fn start_front(mock: MockProvider, fail: &'static [usize]) -> Front {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let qris_calls = Arc::new(AtomicUsize::new(0));
    let counter = qris_calls.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (mock, counter) = (mock.clone(), counter.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: http::Request<hyper::body::Incoming>| {
                        let (mock, counter) = (mock.clone(), counter.clone());
                        async move {
                            let qris = request.uri().path().contains("/qr/");
                            let answer = mock.oneshot(request).await?;
                            if qris && fail.contains(&counter.fetch_add(1, Ordering::SeqCst)) {
                                let mut busy: http::Response<MockBody> = http::Response::new(
                                Full::new(Bytes::from_static(
                                    br#"{"responseCode":"5035100","responseMessage":"Service Unavailable"}"#,
                                ))
                                .map_err(|never| match never {})
                                .boxed(),
                            );
                                *busy.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                                busy.headers_mut().insert(
                                    http::header::RETRY_AFTER,
                                    HeaderValue::from_static("1"),
                                );
                                return Ok::<_, std::convert::Infallible>(busy);
                            }
                            Ok(answer)
                        }
                    },
                );
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    Front {
        base_url: format!("http://{addr}/snap"),
        qris_calls,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retryable_read_is_retried_after_retry_after_and_a_write_never() {
    let mock = provider();
    let front = start_front(mock.clone(), &[0]).await;
    let client = configured(&front.base_url)
        .retry(RetryPolicy::new())
        .build()
        .unwrap();

    // The first generate is answered 503 (after the mock processed it): a
    // write is not retried, the refusal comes back.
    let error = client.call(&generate("INV-RETRY")).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(error.response_code().map(|c| c.as_str()), Some("5035100"));
    assert_eq!(front.qris_calls.load(Ordering::SeqCst), 1);
    assert_eq!(mock.ledger().len(), 1);

    // A front that fails the first query once.
    let mock = provider();
    let front = start_front(mock.clone(), &[1]).await;
    let client = configured(&front.base_url)
        .retry(RetryPolicy::new())
        .build()
        .unwrap();
    let generated = client.call(&generate("INV-RETRY-2")).await.unwrap();
    let reference = generated.reference_no.unwrap();
    let started = Instant::now();
    let status = client.call(&query(&reference)).await.unwrap();
    assert_eq!(status.response_code.as_str(), "2005100");
    // Two query attempts, the second after the 1 s Retry-After, and signed
    // afresh: the mock refuses a reused X-EXTERNAL-ID with 409.
    assert_eq!(front.qris_calls.load(Ordering::SeqCst), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // Without a retry policy the same 503 comes straight back.
    let mock = provider();
    let front = start_front(mock.clone(), &[1]).await;
    let client = configured(&front.base_url).build().unwrap();
    let reference = client
        .call(&generate("INV-RETRY-3"))
        .await
        .unwrap()
        .reference_no
        .unwrap();
    let error = client.call(&query(&reference)).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(front.qris_calls.load(Ordering::SeqCst), 2);
}

#[cfg(feature = "reqwest-middleware")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_middleware_builder_mirrors_the_layer_builder() {
    use snap_bi::client::{ConfigError, RequestSigner, SnapMiddleware};
    use snap_bi::token::{B2bTokenCache, TokenRequestSigner};

    let signer = || {
        RequestSigner::builder(ProviderProfile::paydia())
            .client_secret(ClientSecret::new(SECRET).unwrap())
            .partner_id(CLIENT_ID)
            .unwrap()
            .channel_id("286")
            .unwrap()
            .build()
            .unwrap()
    };
    // A symmetric profile needs a token source: refused at build().
    assert!(matches!(
        SnapMiddleware::builder(signer()).build(),
        Err(ConfigError::MissingTokenSource)
    ));

    let running = start().await;
    let origin = format!("http://{}", running.local_addr());
    let token_requests = TokenRequestSigner::builder(
        CLIENT_ID,
        RsaPrivateKey::from_pem(key("partner-test-private.pem")).unwrap(),
    )
    .profile(&ProviderProfile::paydia())
    .base_url(origin.as_str())
    .build()
    .unwrap();
    let tokens = B2bTokenCache::builder(token_requests).build(hyper_client());
    let middleware = SnapMiddleware::builder(signer())
        .token_source(tokens)
        .retry_on_invalid_token(false)
        .build()
        .unwrap();
    let client = reqwest_middleware::ClientBuilder::new(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    )
    .with(middleware)
    .build();
    let response = client
        .post(format!("{}/v1.0/qr/qr-mpm-generate", running.base_url()))
        .body(serde_json::to_vec(&generate("INV-MIDDLEWARE")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["responseCode"], "2004700");
    running.shutdown().await;
}
