//! Layer overhead: the same request through the same in-process inner
//! service, unsigned (`floor`) and through `SnapLayer` (`signed`), next to
//! the pure symmetric sign of the same body (`full-sign`). The issue's
//! target: `signed - floor <= full-sign + 1 µs`.
//!
//! The three run one after the other, seconds apart, and on a shared host
//! the speed can change between them. `layer-own` measures the same target
//! with the three interleaved in short rounds, so that a slow patch of the
//! host hits all of them alike: its time per iteration is
//! `signed - floor - full-sign`, the layer's own cost, and the target is
//! `layer-own <= 1 µs`.
//!
//! `client` is the one-call path: the same body as a typed
//! `QrMpmGenerateRequest` through `SnapClient::call` (serialise, sign through
//! the same layer, send to an in-process service answering a canned success,
//! read and parse the typed response; B2B token cached, no retry policy).
//! `client - signed` is what the client adds on top of `SnapLayer`.
//!
//! Run `cargo bench --bench layer`; `python3 scripts/bench-ratios.py` prints
//! the ratios and the added time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::Full;
use snap_bi::client::{RequestSigner, SnapClient, SnapLayer};
use snap_bi::qris::QrMpmGenerateRequest;
use snap_bi::token::StaticToken;
use snap_bi::{
    AccessToken, BodyPolicy, CanonicalBody, ClientSecret, ProviderProfile, RsaPrivateKey,
    SymmetricSigner, TransactionParts,
};
use tower::{Layer, ServiceExt};

const SECRET: &str = "paydia-like-secret";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJQYXlkaWEiLCJpYXQiOjE3MjU5NDkxMjgsImV4cCI6MTcyNjAzNTUyOCwiZGF0YSI6eyJlbnYiOiJkZXZlbG9wbWVudCJ9fQ.tqcLnoXj5BFjqarIFOx688YNATijPlzA9FzRpACGfe4";
const URL: &str = "http://127.0.0.1:8080/snap/v1.0/qr/qr-mpm-generate";
const TS: &str = "2024-09-10T13:24:42+07:00";
/// The ~250-byte compact QRIS MPM generate body of the signing bench.
const QRIS_COMPACT: &str = r#"{"partnerReferenceNo":"2020102900000000000001","amount":{"value":"12345678.00","currency":"IDR"},"feeAmount":{"value":"12345678.00","currency":"IDR"},"merchantId":"00007100010926","terminalId":"213141251124","validityPeriod":"2009-07-03T12:08:56+07:00"}"#;

fn request() -> http::Request<Full<Bytes>> {
    let mut request = http::Request::new(Full::new(Bytes::from_static(QRIS_COMPACT.as_bytes())));
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = http::Uri::from_static(URL);
    request
}

fn bench_layer(c: &mut Criterion) {
    // The layer's default request timeout needs the time driver.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let inner = tower::service_fn(|request: http::Request<Full<Bytes>>| async move {
        black_box(&request);
        Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::new())))
    });
    let secret = ClientSecret::new(SECRET).expect("secret");
    let signer = RequestSigner::builder(ProviderProfile::paydia())
        .client_secret(secret.clone())
        .partner_id("PARTNER01")
        .expect("partner")
        .channel_id("95221")
        .expect("channel")
        .build()
        .expect("signer");
    let layer = SnapLayer::builder(signer)
        .token_source(StaticToken::new(AccessToken::new(TOKEN).expect("token")))
        .build()
        .expect("layer");
    let signed = layer.layer(inner);
    let pure = SymmetricSigner::new(&secret);

    let floor = || rt.block_on(inner.oneshot(request())).expect("inner");
    let signed = || {
        rt.block_on(signed.clone().oneshot(request()))
            .expect("signed")
    };
    let full_sign = || {
        let body = CanonicalBody::new(black_box(QRIS_COMPACT.as_bytes()), BodyPolicy::Minify)
            .expect("body");
        let parts = TransactionParts::new("POST", "/snap/v1.0/qr/qr-mpm-generate", &body, TS);
        pure.sign(&parts, black_box(TOKEN))
    };

    // The client times each attempt out, so its runtime has a time driver.
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let client = one_call_client(secret.clone());
    let generate = QrMpmGenerateRequest::from_json(QRIS_COMPACT.as_bytes()).expect("body");
    assert_eq!(
        serde_json::to_vec(&generate).expect("serialise"),
        QRIS_COMPACT.as_bytes(),
        "the client sends the same bytes as the other benchmarks"
    );
    let call = || client_rt.block_on(client.call(&generate)).expect("client");
    // The first call fetches the B2B token; every measured one finds it cached.
    call();

    let mut group = c.benchmark_group("layer/250B-compact");
    group.bench_function("floor", |b| b.iter(floor));
    group.bench_function("signed", |b| b.iter(signed));
    group.bench_function("full-sign", |b| b.iter(full_sign));
    group.bench_function("client", |b| b.iter(call));
    group.bench_function("layer-own", |b| {
        b.iter_custom(|iters| {
            let mut spent = [Duration::ZERO; 3];
            let mut left = iters;
            while left > 0 {
                // Rounds of ~100 µs: short against the host's slow patches,
                // long against the cost of reading the clock.
                let round = left.min(32);
                left -= round;
                spent[0] += time(round, &signed);
                spent[1] += time(round, &floor);
                spent[2] += time(round, &full_sign);
            }
            spent[0].saturating_sub(spent[1] + spent[2])
        });
    });
    group.finish();
}

/// A `SnapClient` over an in-process provider: token requests get a token,
/// every other request the same canned generate success.
fn one_call_client(secret: ClientSecret) -> SnapClient {
    const TOKEN_BODY: &[u8] =
        br#"{"responseCode":"2007300","accessToken":"t-1","tokenType":"Bearer","expiresIn":"900"}"#;
    const GENERATED: &[u8] = br#"{"responseCode":"2004700","responseMessage":"Successful","referenceNo":"A1","partnerReferenceNo":"2020102900000000000001","qrContent":"00020101021226"}"#;
    let provider = tower::service_fn(|request: http::Request<Full<Bytes>>| async move {
        let body = if request.uri().path().ends_with("/access-token/b2b") {
            TOKEN_BODY
        } else {
            black_box(&request);
            GENERATED
        };
        Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from_static(body))))
    });
    SnapClient::builder(ProviderProfile::paydia())
        .base_url("http://127.0.0.1:8080/snap")
        .client_id("PARTNER01")
        .private_key(
            RsaPrivateKey::from_pem(include_str!(
                "../tests/vectors/keys/partner-test-private.pem"
            ))
            .expect("key"),
        )
        .client_secret(secret)
        .partner_id("PARTNER01")
        .channel_id("95221")
        .http(provider)
        .build()
        .expect("client")
}

/// The time `f` takes `n` times in a row.
fn time<T>(n: u64, f: &impl Fn() -> T) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    start.elapsed()
}

criterion_group!(benches, bench_layer);
criterion_main!(benches);
