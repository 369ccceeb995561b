//! `Explainer::explain` on a captured request with arbitrary target, headers
//! and body: never panics, and a request signed by the standard for the
//! given secret is diagnosed valid.
#![no_main]

use std::sync::OnceLock;

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::{arbitrary, fuzz_target};
use snap_bi::explain::{CapturedRequest, Explainer};
use snap_bi::headers::{
    CHANNEL_ID, X_CLIENT_KEY, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::{
    BodyPolicy, CanonicalBody, ClientSecret, EndpointUrlPolicy, SymmetricSigner, TransactionParts,
    endpoint_url,
};

const SECRET: &str = "explain-fuzz-client-secret";
const NAMES: [HeaderName; 8] = [
    X_TIMESTAMP,
    X_SIGNATURE,
    http::header::AUTHORIZATION,
    X_CLIENT_KEY,
    X_PARTNER_ID,
    X_EXTERNAL_ID,
    CHANNEL_ID,
    http::header::CONTENT_TYPE,
];

#[derive(Debug, arbitrary::Arbitrary)]
struct Input<'a> {
    method: &'a str,
    target: &'a str,
    body: &'a [u8],
    timestamp: &'a str,
    token: &'a str,
    sign: bool,
    headers: Vec<(u8, &'a [u8])>,
}

fn explainer() -> &'static Explainer {
    static EXPLAINER: OnceLock<Explainer> = OnceLock::new();
    EXPLAINER.get_or_init(|| {
        Explainer::new()
            .client_secret(&ClientSecret::new(SECRET).unwrap())
            .max_attempts(64)
    })
}

fuzz_target!(|input: Input<'_>| {
    let mut headers = HeaderMap::new();
    let mut signed = false;
    // Only a request that carries the timestamp and token it was signed with
    // is a standard one: a value that is not a valid header (a NUL byte, say)
    // is left out, and the signature then covers something not sent; edge
    // whitespace is not part of a header value (HTTP strips it, and the
    // token is read after `Bearer ` with any further spaces).
    let edge_space = |v: &str| v.trim() != v;
    let mut sent_as_signed = !edge_space(input.timestamp) && !edge_space(input.token);
    match HeaderValue::from_str(input.timestamp) {
        Ok(ts) => drop(headers.insert(X_TIMESTAMP, ts)),
        Err(_) => sent_as_signed = false,
    }
    match HeaderValue::from_str(&format!("Bearer {}", input.token)) {
        Ok(auth) => drop(headers.insert(http::header::AUTHORIZATION, auth)),
        Err(_) => sent_as_signed = false,
    }
    if input.sign
        && sent_as_signed
        && let Ok(uri) = input.target.parse::<http::Uri>()
        && let Ok(canonical) = CanonicalBody::new(input.body, BodyPolicy::Minify)
    {
        let endpoint = endpoint_url(&uri, EndpointUrlPolicy::AsSent);
        let parts = TransactionParts::new(input.method, &endpoint, &canonical, input.timestamp);
        let signature =
            SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap()).sign(&parts, input.token);
        headers.insert(X_SIGNATURE, signature.to_header_value());
        signed = true;
    }
    let tampered = !input.headers.is_empty();
    for (which, value) in &input.headers {
        let name = NAMES[usize::from(*which) % NAMES.len()].clone();
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(name, value);
        }
    }
    let request = CapturedRequest::new(input.method, input.target, &headers, input.body);
    let Ok(diagnosis) = explainer().explain(&request) else {
        return;
    };
    let _ = (
        diagnosis.human(),
        diagnosis.details(),
        diagnosis.rejection_message(),
        diagnosis.summary(),
    );
    assert!(!diagnosis.details().contains(SECRET));
    if signed
        && !tampered
        && input.method.bytes().all(|b| b.is_ascii_uppercase())
        && !input.method.is_empty()
    {
        assert!(
            diagnosis.is_valid(),
            "standard signature not recognised: {}",
            diagnosis.details()
        );
    }
});
