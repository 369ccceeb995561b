//! Signing-core benches, each next to its floor: the same work written
//! directly against the crypto crates with nothing SNAP-specific around it.
//!
//! Run `cargo bench --bench signing`; `python3 scripts/bench-ratios.py`
//! then prints every measurement as a ratio to its floor.

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};
use snap_bi::{
    AsymmetricSigner, BodyPolicy, CanonicalBody, ClientSecret, RsaPrivateKey, SymmetricSigner,
    TransactionParts, minify,
};

const SECRET: &str = "paydia-like-secret";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJQYXlkaWEiLCJpYXQiOjE3MjU5NDkxMjgsImV4cCI6MTcyNjAzNTUyOCwiZGF0YSI6eyJlbnYiOiJkZXZlbG9wbWVudCJ9fQ.tqcLnoXj5BFjqarIFOx688YNATijPlzA9FzRpACGfe4";
const URL: &str = "/snap/v1.0/qr/qr-mpm-generate";
const TS: &str = "2024-09-10T13:24:42+07:00";
const PRIVATE_PEM: &str = include_str!("../tests/vectors/keys/partner-test-private.pem");

/// A ~250-byte compact QRIS MPM generate request.
const QRIS_COMPACT: &str = r#"{"partnerReferenceNo":"2020102900000000000001","amount":{"value":"12345678.00","currency":"IDR"},"feeAmount":{"value":"12345678.00","currency":"IDR"},"merchantId":"00007100010926","terminalId":"213141251124","validityPeriod":"2009-07-03T12:08:56+07:00"}"#;

/// A pretty-printed (2-space indent) QRIS notification-like body of about
/// `target` bytes: the shape real notifications have, with a growing
/// `additionalInfo.refundHistory` array.
fn pretty_body(target: usize) -> String {
    let item = |i: usize| {
        serde_json::json!({
            "refundNo": format!("9619481694123981{i:04}"),
            "partnerReferenceNo": format!("23985091820498120597{i:04}"),
            "refundAmount": {"value": "12345678.00", "currency": "IDR"},
            "refundStatus": "00",
            "refundDate": "2020-12-23T07:44:16+07:00",
            "reason": "Customer Complain"
        })
    };
    let mut n = 0;
    loop {
        let history: Vec<_> = (0..n).map(item).collect();
        let v = serde_json::json!({
            "originalReferenceNo": "e3201ef5c7f06db5d999867b8c220809804443bbedd76d5c43fe6217c5533645",
            "originalPartnerReferenceNo": "21df2838-c9e8-4aff-8c02-274ed4390e70",
            "latestTransactionStatus": "00",
            "transactionStatusDesc": "Success",
            "amount": {"value": "12000.00", "currency": "IDR"},
            "additionalInfo": {"refundHistory": history}
        });
        let s = serde_json::to_string_pretty(&v).unwrap_or_default();
        if s.len() >= target || n > 10_000 {
            return s;
        }
        n += 1;
    }
}

/// Floor (a): SHA-256 of the already-minified body, then HMAC-SHA512 from a
/// pre-keyed state (cloned per call) over the same string-to-sign, then base64.
fn floor_symmetric(keyed: &Hmac<Sha512>, minified: &[u8]) -> String {
    let hash = Sha256::digest(minified);
    let mut hex = [0u8; 64];
    let _ = hex::encode_to_slice(hash.as_slice(), &mut hex);
    let mut mac = keyed.clone();
    mac.update(b"POST:");
    mac.update(URL.as_bytes());
    mac.update(b":");
    mac.update(TOKEN.as_bytes());
    mac.update(b":");
    mac.update(&hex);
    mac.update(b":");
    mac.update(TS.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes().as_slice())
}

fn symmetric(c: &mut Criterion) {
    let signer = SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap_or_else(|e| panic!("{e}")));
    let keyed = <Hmac<Sha512> as KeyInit>::new_from_slice(SECRET.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        ("250B-compact", QRIS_COMPACT.to_owned()),
        ("1KiB-pretty", pretty_body(1024)),
        ("16KiB-pretty", pretty_body(16 * 1024)),
    ];
    for (name, body) in &cases {
        let raw = body.as_bytes();
        let minified = minify(raw).unwrap_or_else(|e| panic!("{e}")).into_owned();
        let mut g = c.benchmark_group(format!("symmetric/{name}"));
        g.throughput(Throughput::Bytes(raw.len() as u64));
        g.bench_function("floor", |b| {
            b.iter(|| floor_symmetric(&keyed, black_box(&minified)))
        });
        g.bench_function("minify", |b| {
            b.iter(|| minify(black_box(raw)).map(|m| m.len()))
        });
        g.bench_function("sha256-of-raw-bytes", |b| {
            b.iter(|| Sha256::digest(black_box(raw)))
        });
        g.bench_function("body-digest", |b| {
            b.iter(|| snap_bi::body::body_digest(black_box(&minified)))
        });
        g.bench_function("sign", |b| {
            b.iter(|| {
                let body = CanonicalBody::new(black_box(raw), BodyPolicy::Minify)?;
                let parts = TransactionParts::new("POST", URL, &body, TS);
                Ok::<_, snap_bi::MinifyError>(signer.sign(&parts, TOKEN))
            })
        });
        let sig = {
            let body =
                CanonicalBody::new(raw, BodyPolicy::Minify).unwrap_or_else(|e| panic!("{e}"));
            signer.sign(&TransactionParts::new("POST", URL, &body, TS), TOKEN)
        };
        g.bench_function("verify", |b| {
            b.iter(|| {
                let body = CanonicalBody::new(black_box(raw), BodyPolicy::Minify)?;
                let parts = TransactionParts::new("POST", URL, &body, TS);
                Ok::<_, snap_bi::MinifyError>(signer.verify(&parts, TOKEN, sig.as_str()).is_ok())
            })
        });
        g.finish();
    }
}

fn rsa(c: &mut Criterion) {
    let key = RsaPrivateKey::from_pem(PRIVATE_PEM).unwrap_or_else(|e| panic!("{e}"));
    let signer = AsymmetricSigner::new(key);
    // Floor (b): aws-lc-rs directly, key parsed once.
    let der = pem::parse(PRIVATE_PEM).unwrap_or_else(|e| panic!("{e}"));
    let pair =
        aws_lc_rs::rsa::KeyPair::from_pkcs8(der.contents()).unwrap_or_else(|e| panic!("{e}"));
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let msg = format!("partner-client-01|{TS}");
    let mut g = c.benchmark_group("rsa-token");
    g.sample_size(30);
    g.bench_function("floor", |b| {
        b.iter(|| {
            let mut sig = vec![0u8; pair.public_modulus_len()];
            let _ = pair.sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                black_box(msg.as_bytes()),
                &mut sig,
            );
            STANDARD.encode(&sig)
        })
    });
    g.bench_function("sign", |b| {
        b.iter(|| signer.sign_token(black_box("partner-client-01"), black_box(TS)))
    });
    g.finish();
}

criterion_group!(benches, symmetric, rsa);
criterion_main!(benches);
