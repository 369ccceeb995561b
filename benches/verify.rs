//! Verification throughput for a symmetric request with a 1 KiB body: the
//! pure verify function (`SymmetricSigner::verify` after minify and hash),
//! and the same request through the verifying Tower layer, in process, with
//! a `tower::service_fn` inner service and no network.
//!
//! The layer adds, per request: header parsing, the timestamp window, the
//! partner lookup, the replay store (the `X-EXTERNAL-ID` record and, by
//! default, the `X-SIGNATURE` record), the body collection into `Bytes` and
//! a boxed future; the "HS256 token" variants also validate a JWT from the
//! crate's `TokenIssuer`. Each layer runs in its default configuration
//! (signature replay check on) and without the signature replay check.
//!
//! The clock advances 1 ms per request and every request is signed for its
//! own instant, with its own `X-EXTERNAL-ID` and its own body (so its own
//! signature): the replay store fills, evicts and expires as it would under
//! a steady 1000 requests per second. Requests are built and signed outside
//! the measurement (`iter_batched`), 32 at a time, so that the request the
//! layer reads is in cache as one just received would be, not one of
//! thousands built long before.
//!
//! "floor: inner service alone" sends the same requests straight to the
//! inner service on the same runtime: the harness cost (request moves,
//! `block_on`) that is in the layer numbers but not the layer's doing.
//!
//! Run `cargo bench --bench verify`.

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::Full;
use snap_bi::headers::{
    AUTHORIZATION, CHANNEL_ID, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::server::{Partner, StaticPartners, TokenIssuer, VerifyLayer, VerifyLayerBuilder};
use snap_bi::timestamp::{Clock, TimestampFormat};
use snap_bi::{BodyPolicy, CanonicalBody, ClientSecret, SymmetricSigner, TransactionParts};
use tower::{Layer, ServiceExt};

const SECRET: &str = "paydia-like-secret";
const PATH: &str = "/snap/v1.0/qr/qr-mpm-query";
const PARTNER: &str = "partner-01";
/// Where each request writes its number into the body, so that bodies and
/// therefore signatures differ.
const MARK: &str = "00000000000000000000";

/// A clock the request generator moves: 1 ms per request.
#[derive(Debug, Clone)]
struct StepClock(Arc<AtomicI64>);

impl StepClock {
    fn advance(&self) -> DateTime<Utc> {
        let ms = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }
}

impl Clock for StepClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0.load(Ordering::Relaxed)).unwrap_or_default()
    }
}

/// A pretty-printed JSON body of about 1 KiB, with [`MARK`] in it once.
fn body_1kib() -> Vec<u8> {
    let mut items = Vec::new();
    let mut i = 0;
    loop {
        items.push(serde_json::json!({
            "refundNo": format!("96194816941239{i:04}"),
            "refundAmount": {"value": "12345678.00", "currency": "IDR"},
            "reason": "Customer Complain"
        }));
        let v = serde_json::json!({
            "originalReferenceNo": "e3201ef5c7f06db5d999867b8c220809804443bbedd76d5c43fe6217c5533645",
            "originalPartnerReferenceNo": MARK,
            "serviceCode": "51",
            "additionalInfo": {"refundHistory": items}
        });
        let s = serde_json::to_vec_pretty(&v).unwrap_or_default();
        if s.len() >= 1024 || i > 100 {
            return s;
        }
        i += 1;
    }
}

fn verify(c: &mut Criterion) {
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+07:00")
        .unwrap_or_default()
        .to_utc();
    let clock = StepClock(Arc::new(AtomicI64::new(start.timestamp_millis())));
    let secret = ClientSecret::new(SECRET).unwrap_or_else(|e| panic!("{e}"));
    let signer = SymmetricSigner::new(&secret);
    let template = body_1kib();
    let mark_at = template
        .windows(MARK.len())
        .position(|w| w == MARK.as_bytes())
        .unwrap_or_else(|| panic!("no mark in the body"));
    let partners = || {
        StaticPartners::builder()
            .partner(Partner::new(PARTNER).with_client_secret(&secret))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    // A day-long token: the bench's clock runs 1000 s per million requests.
    let issuer = TokenIssuer::builder(partners())
        .shared_clock(Arc::new(clock.clone()))
        .lifetime(Duration::from_secs(24 * 3600))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let jwt = issuer
        .issue_b2b(PARTNER)
        .unwrap_or_else(|e| panic!("{e}"))
        .access_token
        .expose_secret()
        .to_owned();
    let bearer = format!("Bearer {jwt}");

    let sign = |body: &[u8], timestamp: &str| {
        let canonical =
            CanonicalBody::new(body, BodyPolicy::Minify).unwrap_or_else(|e| panic!("{e}"));
        signer
            .sign(
                &TransactionParts::new("POST", PATH, &canonical, timestamp),
                &jwt,
            )
            .into_string()
    };

    let mut group = c.benchmark_group("verify_symmetric_1KiB");
    group.throughput(Throughput::Bytes(template.len() as u64));

    {
        let body = Bytes::from(template.clone());
        let timestamp = TimestampFormat::JakartaSeconds.format(start);
        let signature = sign(&body, timestamp.as_str());
        group.bench_function("pure: minify + hash + SymmetricSigner::verify", |b| {
            b.iter(|| {
                let canonical = CanonicalBody::new(black_box(&body), BodyPolicy::Minify)
                    .unwrap_or_else(|e| panic!("{e}"));
                let parts = TransactionParts::new("POST", PATH, &canonical, timestamp.as_str());
                black_box(signer.verify(&parts, &jwt, black_box(&signature)).is_ok())
            });
        });
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let inner = tower::service_fn(|req: http::Request<Full<Bytes>>| async move {
        Ok::<_, Infallible>(http::Response::new(req.into_body()))
    });
    let next_id = AtomicU64::new(0);
    // A request of its own: the next millisecond, a fresh id, a body and a
    // signature of its own.
    let request = || {
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let now = clock.advance();
        let timestamp = TimestampFormat::JakartaSeconds.format(now);
        let mut body = template.clone();
        body[mark_at..mark_at + MARK.len()].copy_from_slice(format!("{id:020}").as_bytes());
        let signature = sign(&body, timestamp.as_str());
        http::Request::post(PATH)
            .header(X_TIMESTAMP, timestamp.as_str())
            .header(X_SIGNATURE, signature)
            .header(X_PARTNER_ID, PARTNER)
            .header(X_EXTERNAL_ID, format!("{id:020}"))
            .header(CHANNEL_ID, "95221")
            .header(AUTHORIZATION, bearer.as_str())
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_else(|e| panic!("{e}"))
    };

    let base = || VerifyLayer::builder(partners()).shared_clock(Arc::new(clock.clone()));
    let no_token = || base().without_token_check();
    let hs256 = || base().token_validator(issuer.clone());
    let layers: [(&str, VerifyLayerBuilder); 4] = [
        ("layer: no token check", no_token()),
        (
            "layer: no token check, no signature replay check",
            no_token().without_signature_replay_check(),
        ),
        ("layer: HS256 token check", hs256()),
        (
            "layer: HS256 token check, no signature replay check",
            hs256().without_signature_replay_check(),
        ),
    ];
    // The harness floor: the same requests straight into the inner service
    // (block_on, boxed nothing), so the layer's own cost is the difference.
    group.bench_function("floor: inner service alone", |b| {
        b.iter_batched(
            request,
            |req| {
                let response = runtime
                    .block_on(inner.oneshot(req))
                    .unwrap_or_else(|e| match e {});
                black_box(response)
            },
            BatchSize::NumIterations(32),
        );
    });
    for (name, builder) in layers {
        let service = builder
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
            .layer(inner);
        group.bench_function(name, |b| {
            b.iter_batched(
                request,
                |req| {
                    let response = runtime
                        .block_on(service.clone().oneshot(req))
                        .unwrap_or_else(|e| match e {});
                    assert_eq!(response.status(), 200);
                    black_box(response)
                },
                BatchSize::NumIterations(32),
            );
        });
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
