//! Verification throughput for a symmetric request with a 1 KiB body: the
//! pure verify function (`SymmetricSigner::verify` after minify and hash),
//! and the same request through the verifying Tower layer, in process, with
//! a `tower::service_fn` inner service and no network.
//!
//! The layer adds, per request: header parsing, the timestamp window, the
//! partner lookup, the replay store (one mutex, one hash-map insert), the
//! body collection into `Bytes` and a boxed future; the "with token" variant
//! also validates an HS256 JWT from the crate's `TokenIssuer`.
//!
//! "floor: inner service alone" sends the same requests straight to the
//! inner service on the same runtime: the harness cost (request moves,
//! `block_on`) that is in the layer numbers but not the layer's doing.
//!
//! Run `cargo bench --bench verify`.

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::Full;
use snap_bi::headers::{
    AUTHORIZATION, CHANNEL_ID, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::server::{Partner, StaticPartners, TokenIssuer, VerifyLayer};
use snap_bi::timestamp::{FixedClock, TimestampFormat};
use snap_bi::{BodyPolicy, CanonicalBody, ClientSecret, SymmetricSigner, TransactionParts};
use tower::{Layer, ServiceExt};

const SECRET: &str = "paydia-like-secret";
const PATH: &str = "/snap/v1.0/qr/qr-mpm-query";
const PARTNER: &str = "partner-01";

/// A pretty-printed JSON body of about 1 KiB.
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
            "originalPartnerReferenceNo": "21df2838-c9e8-4aff-8c02-274ed4390e70",
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
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+07:00")
        .unwrap_or_default()
        .to_utc();
    let secret = ClientSecret::new(SECRET).unwrap_or_else(|e| panic!("{e}"));
    let signer = SymmetricSigner::new(&secret);
    let body = Bytes::from(body_1kib());
    let timestamp = TimestampFormat::JakartaSeconds.format(now);
    let partners = || {
        StaticPartners::builder()
            .partner(Partner::new(PARTNER).with_client_secret(&secret))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let issuer = TokenIssuer::builder(partners())
        .clock(FixedClock(now))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let jwt = issuer
        .issue_b2b(PARTNER)
        .unwrap_or_else(|e| panic!("{e}"))
        .access_token
        .expose_secret()
        .to_owned();

    let sign = |token: &str| {
        let canonical =
            CanonicalBody::new(&body, BodyPolicy::Minify).unwrap_or_else(|e| panic!("{e}"));
        signer
            .sign(
                &TransactionParts::new("POST", PATH, &canonical, timestamp.as_str()),
                token,
            )
            .into_string()
    };
    let signature = sign(&jwt);

    let mut group = c.benchmark_group("verify_symmetric_1KiB");
    group.throughput(Throughput::Bytes(body.len() as u64));

    group.bench_function("pure: minify + hash + SymmetricSigner::verify", |b| {
        b.iter(|| {
            let canonical = CanonicalBody::new(black_box(&body), BodyPolicy::Minify)
                .unwrap_or_else(|e| panic!("{e}"));
            let parts = TransactionParts::new("POST", PATH, &canonical, timestamp.as_str());
            black_box(signer.verify(&parts, &jwt, black_box(&signature)).is_ok())
        });
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let inner = tower::service_fn(|req: http::Request<Full<Bytes>>| async move {
        Ok::<_, Infallible>(http::Response::new(req.into_body()))
    });
    let next_id = AtomicU64::new(0);
    let request = || {
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        http::Request::post(PATH)
            .header(X_TIMESTAMP, timestamp.as_str())
            .header(X_SIGNATURE, signature.as_str())
            .header(X_PARTNER_ID, PARTNER)
            .header(X_EXTERNAL_ID, format!("{id:020}"))
            .header(CHANNEL_ID, "95221")
            .header(AUTHORIZATION, format!("Bearer {jwt}"))
            .body(Full::new(body.clone()))
            .unwrap_or_else(|e| panic!("{e}"))
    };

    let layers = [
        (
            "layer: no token check",
            VerifyLayer::builder(partners())
                .without_token_check()
                // Every iteration re-sends one signature (fresh
                // X-EXTERNAL-IDs only), which the signature replay check
                // would refuse with 409.
                .without_signature_replay_check()
                .clock(FixedClock(now))
                .build(),
        ),
        (
            "layer: HS256 token check",
            VerifyLayer::builder(partners())
                .token_validator(issuer.clone())
                .without_signature_replay_check()
                .clock(FixedClock(now))
                .build(),
        ),
    ];
    // The harness floor: the same request straight into the inner service
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
            BatchSize::SmallInput,
        );
    });
    for (name, layer) in layers {
        let service = layer.unwrap_or_else(|e| panic!("{e}")).layer(inner);
        // Each request is built outside the measurement (fresh X-EXTERNAL-ID).
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
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
