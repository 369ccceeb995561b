//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::keys::RsaPublicKey;
use crate::timestamp::FixedClock;
use crate::{AsymmetricVerifier, CanonicalBody, SignatureEncoding};

fn clock() -> FixedClock {
    FixedClock(DateTime::from_timestamp(1_725_949_482, 0).unwrap())
}

fn symmetric(profile: ProviderProfile) -> RequestSigner {
    RequestSigner::builder(profile)
        .client_secret(ClientSecret::new("secret").unwrap())
        .partner_id("P1")
        .unwrap()
        .channel_id("95221")
        .unwrap()
        .clock(clock())
        .build()
        .unwrap()
}

fn request(body: &'static [u8]) -> http::Request<Bytes> {
    http::Request::post("http://127.0.0.1:9/v1.0/qr/qr-mpm-query?b=2&a=1")
        .body(Bytes::from_static(body))
        .unwrap()
}

#[test]
fn symmetric_headers_and_signature_verify() {
    let signer = symmetric(ProviderProfile::aspi_standard());
    let token = AccessToken::new("tok").unwrap();
    let mut req = request(b"{ \"a\" : 1 }");
    signer.sign(&mut req, Some(&token), None).unwrap();
    let h = req.headers();
    assert_eq!(req.body().as_ref(), b"{\"a\":1}");
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["content-length"], "7");
    assert_eq!(h["x-timestamp"], "2024-09-10T13:24:42+07:00");
    assert_eq!(h["x-partner-id"], "P1");
    assert_eq!(h["channel-id"], "95221");
    assert_eq!(h["authorization"], "Bearer tok");
    assert_eq!(h["x-external-id"].len(), 36);
    assert!(h["x-signature"].is_sensitive());
    let body = CanonicalBody::new(req.body(), crate::BodyPolicy::Minify).unwrap();
    let parts = TransactionParts::new(
        "POST",
        "/v1.0/qr/qr-mpm-query?b=2&a=1",
        &body,
        "2024-09-10T13:24:42+07:00",
    );
    SymmetricSigner::new(&ClientSecret::new("secret").unwrap())
        .verify(&parts, "tok", h["x-signature"].to_str().unwrap())
        .unwrap();
}

#[test]
fn caller_headers_are_kept_and_missing_token_is_an_error() {
    let signer = symmetric(ProviderProfile::bri());
    let mut req = request(b"{}");
    req.headers_mut()
        .insert("x-external-id", HeaderValue::from_static("123"));
    req.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    let before = req.headers().clone();
    assert!(matches!(
        signer.sign(&mut req, None, None),
        Err(ClientError::MissingToken)
    ));
    assert_eq!(req.headers(), &before, "headers untouched on error");
    signer
        .sign(&mut req, Some(&AccessToken::new("t").unwrap()), None)
        .unwrap();
    assert_eq!(req.headers()["x-external-id"], "123");
    assert_eq!(
        req.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    // BRI: lowercase hex, 128 chars.
    let sig = req.headers()["x-signature"].to_str().unwrap();
    assert_eq!(sig.len(), 128);
    assert!(
        sig.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}

#[test]
fn invalid_json_leaves_request_untouched() {
    let signer = symmetric(ProviderProfile::aspi_standard());
    let mut req = request(b"{\"a\":");
    let err = signer
        .sign(&mut req, Some(&AccessToken::new("t").unwrap()), None)
        .unwrap_err();
    assert!(matches!(err, ClientError::InvalidBody(_)));
    assert!(req.headers().is_empty());
    assert_eq!(req.body().as_ref(), b"{\"a\":");
}

#[test]
fn asymmetric_profile_signs_without_token_and_customer_token_is_sent() {
    let pem = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/keys/partner-test-private.pem"
    ));
    let public = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/keys/partner-test-public.pem"
    ));
    let key = RsaPrivateKey::from_pem(pem).unwrap();
    let signer = RequestSigner::builder(ProviderProfile::dana())
        .private_key(key)
        .clock(clock())
        .build()
        .unwrap();
    assert!(!signer.needs_token());
    let mut req = request(b"{\"x\":[1, 2]}");
    req.extensions_mut()
        .insert(CustomerToken(AccessToken::new("cust").unwrap()));
    req.extensions_mut()
        .insert(EndUser::new().device_id("dev").unwrap());
    signer.sign(&mut req, None, None).unwrap();
    let h = req.headers();
    assert!(h.get("authorization").is_none());
    assert_eq!(h["authorization-customer"], "Bearer cust");
    assert!(h["authorization-customer"].is_sensitive());
    assert_eq!(h["x-device-id"], "dev");
    let body = CanonicalBody::new(req.body(), crate::BodyPolicy::Minify).unwrap();
    // DANA signs the path only.
    let parts = TransactionParts::new(
        "POST",
        "/v1.0/qr/qr-mpm-query",
        &body,
        "2024-09-10T13:24:42+07:00",
    );
    AsymmetricVerifier::new(RsaPublicKey::from_pem(public).unwrap())
        .verify(&parts, h["x-signature"].to_str().unwrap())
        .unwrap();
}

#[test]
fn build_checks_credentials_against_scheme() {
    assert!(matches!(
        RequestSigner::builder(ProviderProfile::aspi_standard()).build(),
        Err(ConfigError::MissingClientSecret)
    ));
    assert!(matches!(
        RequestSigner::builder(ProviderProfile::dana()).build(),
        Err(ConfigError::MissingPrivateKey)
    ));
    assert!(matches!(
        RequestSigner::builder(ProviderProfile::aspi_standard()).partner_id("a\nb"),
        Err(ConfigError::InvalidHeaderValue { header }) if header == names::X_PARTNER_ID
    ));
    let _ = SignatureEncoding::Hex;
}

#[test]
fn generated_ids_and_content_length() {
    let signer = RequestSigner::builder(ProviderProfile::aspi_standard())
        .client_secret(ClientSecret::new("secret").unwrap())
        .clock(clock())
        .external_ids(
            ExternalIdGenerator::builder()
                .prefix_seed(42)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let token = AccessToken::new("tok").unwrap();
    // A caller's id is kept and does not use up a generated one.
    let mut req = request(b"{}");
    req.headers_mut()
        .insert("x-external-id", HeaderValue::from_static("123"));
    signer.sign(&mut req, Some(&token), None).unwrap();
    assert_eq!(req.headers()["x-external-id"], "123");
    assert_eq!(req.headers()["content-length"], "2");
    let mut req = request(b"");
    signer.sign(&mut req, Some(&token), None).unwrap();
    assert_eq!(
        req.headers()["x-external-id"],
        "000000000000000000420000000000000000"
    );
    assert_eq!(req.headers()["content-length"], "0");
    let mut req = request(b"");
    *req.body_mut() = Bytes::from(format!("[{}1]", "1,".repeat(5000)));
    signer.sign(&mut req, Some(&token), None).unwrap();
    assert_eq!(
        req.headers()["x-external-id"],
        "000000000000000000420000000000000001"
    );
    assert_eq!(req.headers()["content-length"], "10003");
}
