//! Unit tests of the parent module, kept in their own file.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::body::BodyDigest;

const SECRET: &str = "explain-test-secret";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln";
const TS: &str = "2024-03-05T10:37:16+07:00";

fn secret() -> ClientSecret {
    ClientSecret::new(SECRET).unwrap()
}

fn headers(signature: &str, timestamp: &str) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert(X_SIGNATURE, signature.parse().unwrap());
    map.insert(X_TIMESTAMP, timestamp.parse().unwrap());
    map.insert(AUTHORIZATION, format!("Bearer {TOKEN}").parse().unwrap());
    map
}

fn sign(message: &str) -> String {
    SymmetricSigner::new(&secret())
        .sign_bytes(message.as_bytes())
        .into_string()
}

#[test]
fn standard_request_is_valid() {
    let body = br#"{"a":"b"}"#;
    let digest = BodyDigest::of(body);
    let sig = sign(&format!("POST:/v1/x?q=1:{TOKEN}:{digest}:{TS}"));
    let map = headers(&sig, TS);
    let request = CapturedRequest::new("POST", "/v1/x?q=1", &map, body);
    let d = Explainer::new()
        .client_secret(&secret())
        .explain(&request)
        .unwrap();
    assert_eq!(d.verdict(), Verdict::Valid, "{d}");
    assert_eq!(d.summary(), "valid");
    assert_eq!(d.variants_tried(), 1);
    assert_eq!(d.matched(), Some(d.standard()));
    assert_eq!(d.rejection_message(), "Unauthorized. [Signature]");
    assert!(d.differences().next().is_none());
    assert_eq!(d.standard_body_sha256(), Some(digest.as_str()));
}

#[test]
fn missing_inputs_are_errors() {
    let body = b"";
    let mut map = HeaderMap::new();
    let request = CapturedRequest::new("GET", "/x", &map, body);
    assert!(matches!(
        Explainer::new().explain(&request),
        Err(ExplainError::MissingHeader {
            name: "X-SIGNATURE"
        })
    ));
    map.insert(X_SIGNATURE, "abc".parse().unwrap());
    let request = CapturedRequest::new("GET", "/x", &map, body);
    assert!(matches!(
        Explainer::new().client_secret(&secret()).explain(&request),
        Err(ExplainError::MissingHeader {
            name: "X-TIMESTAMP"
        })
    ));
    map.insert(X_TIMESTAMP, TS.parse().unwrap());
    let request = CapturedRequest::new("GET", "/x", &map, body);
    assert!(matches!(
        Explainer::new().explain(&request),
        Err(ExplainError::NoCredentials)
    ));
    assert!(matches!(
        Explainer::new()
            .client_secret(&secret())
            .expect_scheme(SignatureScheme::Asymmetric)
            .explain(&request),
        Err(ExplainError::MissingCredential {
            scheme: SignatureScheme::Asymmetric,
            ..
        })
    ));
    let request = CapturedRequest::new("GET", "no-path", &map, body);
    assert!(matches!(
        Explainer::new().client_secret(&secret()).explain(&request),
        Err(ExplainError::Target(_))
    ));
    map.insert(
        X_TIMESTAMP,
        http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
    );
    let request = CapturedRequest::new("GET", "/x", &map, body);
    assert!(matches!(
        Explainer::new().client_secret(&secret()).explain(&request),
        Err(ExplainError::HeaderNotText {
            name: "X-TIMESTAMP"
        })
    ));
}

#[test]
fn malformed_signature_names_the_sizes() {
    let map = headers("not a signature", TS);
    let request = CapturedRequest::new("GET", "/x", &map, b"");
    let d = Explainer::new()
        .client_secret(&secret())
        .explain(&request)
        .unwrap();
    assert_eq!(d.verdict(), Verdict::MalformedSignature);
    assert_eq!(
        d.summary(),
        "malformed: X-SIGNATURE is neither base64 nor hex of 64 bytes (HMAC-SHA512)"
    );
    assert_eq!(d.variants_tried(), 0);
    // An RSA-sized signature checked with only a client secret.
    let map = headers(&STANDARD.encode([1u8; 256]), TS);
    let request = CapturedRequest::new("GET", "/x", &map, b"");
    let d = Explainer::new()
        .client_secret(&secret())
        .explain(&request)
        .unwrap();
    assert!(
            d.summary().ends_with(
                "it decodes to 256 bytes, the size of a 2048-bit RSA signature: give the matching public key to check it"
            ),
            "{}",
            d.summary()
        );
}

#[test]
fn no_match_lists_causes_and_the_standard_string() {
    let map = headers(&sign("something else"), TS);
    let request = CapturedRequest::new("GET", "/x", &map, b"");
    let d = Explainer::new()
        .client_secret(&secret())
        .explain(&request)
        .unwrap();
    assert_eq!(d.verdict(), Verdict::NoMatch);
    assert_eq!(d.summary(), "no known variant matches");
    assert!(d.matched().is_none());
    assert_eq!(
        d.standard_string_to_sign(),
        format!(
            "GET:/x:<token eyJh…, {} chars>:{}:{TS}",
            TOKEN.len(),
            BodyDigest::EMPTY
        )
    );
    assert!(!d.likely_causes().is_empty());
    assert!(d.variants_tried() > 10);
    assert!(!d.human().contains(TOKEN));
}

#[test]
fn max_attempts_bounds_the_search() {
    let map = headers(&sign("something else"), TS);
    let request = CapturedRequest::new("POST", "/a/b/c?x=1", &map, br#"{"u":"a/b","n":1.50}"#);
    let d = Explainer::new()
        .client_secret(&secret())
        .max_attempts(7)
        .explain(&request)
        .unwrap();
    assert_eq!(d.variants_tried(), 7);
    assert!(
        d.notes()
            .iter()
            .any(|n| n.starts_with("the search stopped after 7 of "))
    );
}

#[test]
fn debug_hides_headers_and_body() {
    let map = headers("c2lnbmF0dXJl", TS);
    let request = CapturedRequest::new("POST", "/x", &map, b"{\"pan\":\"4111\"}");
    let debug = format!("{request:?}");
    assert!(
        !debug.contains("4111") && !debug.contains(TOKEN) && !debug.contains("c2ln"),
        "{debug}"
    );
    let explainer = Explainer::new().client_secret(&secret());
    assert!(!format!("{explainer:?}").contains(SECRET));
}

#[test]
fn from_parts_keeps_the_target() {
    let (parts, ()) = http::Request::post("/v1/x?q=1")
        .body(())
        .unwrap()
        .into_parts();
    assert_eq!(
        CapturedRequest::from_parts(&parts, b"").target(),
        "/v1/x?q=1"
    );
    let (parts, ()) = http::Request::post("https://h/v1/x?q=1")
        .body(())
        .unwrap()
        .into_parts();
    let request = CapturedRequest::from_parts(&parts, b"");
    assert_eq!(request.target(), "https://h/v1/x?q=1");
    assert_eq!(request.method(), "POST");
}
