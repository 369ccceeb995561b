//! Unit tests of the parent module, kept in their own file.

use super::template::RequestHeaders;
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
    // Left to the HTTP client, which takes it from the body.
    assert!(!h.contains_key("content-length"));
    assert_eq!(h["x-timestamp"], "2024-09-10T13:24:42+07:00");
    assert_eq!(h["x-partner-id"], "P1");
    assert_eq!(h["channel-id"], "95221");
    assert_eq!(h["authorization"], "Bearer tok");
    assert_eq!(h["x-external-id"].len(), 32);
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
fn generated_ids_and_a_callers_content_length_corrected() {
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
    let mut req = request(b"{ }");
    req.headers_mut()
        .insert("x-external-id", HeaderValue::from_static("123"));
    // The length of the body as the caller wrote it, before minifying.
    req.headers_mut()
        .insert("content-length", HeaderValue::from_static("3"));
    signer.sign(&mut req, Some(&token), None).unwrap();
    assert_eq!(req.headers()["x-external-id"], "123");
    assert_eq!(req.headers()["content-length"], "2");
    let mut req = request(b"");
    signer.sign(&mut req, Some(&token), None).unwrap();
    assert_eq!(
        req.headers()["x-external-id"],
        "00000000000000420000000000000000"
    );
    assert!(!req.headers().contains_key("content-length"));
    let mut req = request(b"");
    *req.body_mut() = Bytes::from(format!("[ {}1]", "1,".repeat(5000)));
    req.headers_mut()
        .insert("content-length", HeaderValue::from_static("10004"));
    signer.sign(&mut req, Some(&token), None).unwrap();
    assert_eq!(
        req.headers()["x-external-id"],
        "00000000000000420000000000000001"
    );
    assert_eq!(req.headers()["content-length"], "10003");
}

/// Name, value and sensitivity of every header, in iteration order.
fn listed(headers: &HeaderMap) -> Vec<(String, Vec<u8>, bool)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                value.as_bytes().to_vec(),
                value.is_sensitive(),
            )
        })
        .collect()
}

fn request_headers(bearer: bool) -> RequestHeaders {
    let sensitive = |s: &'static str| {
        let mut value = HeaderValue::from_static(s);
        value.set_sensitive(true);
        value
    };
    RequestHeaders {
        content_length: None,
        timestamp: HeaderValue::from_static("2024-09-10T13:24:42+07:00"),
        external_id: Some(HeaderValue::from_static(
            "000000000000000000420000000000000000",
        )),
        authorization: bearer.then(|| sensitive("Bearer tok")),
        authorization_customer: None,
        signature: sensitive("c2lnbmF0dXJl"),
    }
}

#[test]
fn templates_give_exactly_what_inserting_gives() {
    for configured in 0..8 {
        let mut builder = RequestSigner::builder(ProviderProfile::aspi_standard())
            .client_secret(ClientSecret::new("secret").unwrap());
        if configured & 1 != 0 {
            builder = builder.partner_id("P1").unwrap();
        }
        if configured & 2 != 0 {
            builder = builder.channel_id("95221").unwrap();
        }
        if configured & 4 != 0 {
            builder = builder.origin("www.example.com").unwrap();
        }
        let signer = builder.build().unwrap();
        for bearer in [true, false] {
            let values = request_headers(bearer);
            let mut inserted = HeaderMap::new();
            signer.insert_headers(&mut inserted, values.clone());
            let Ok(filled) = signer.templates.fill(values) else {
                panic!("no template for {configured} {bearer}");
            };
            assert_eq!(listed(&filled), listed(&inserted), "{configured} {bearer}");
            assert!(filled.iter().all(|(_, value)| !value.is_empty()));
        }
    }
}

#[test]
fn templates_step_aside_for_customer_tokens_and_caller_ids() {
    let signer = symmetric(ProviderProfile::aspi_standard());
    let mut values = request_headers(true);
    values.authorization_customer = Some(HeaderValue::from_static("Bearer customer"));
    assert!(signer.templates.fill(values).is_err());
    let mut values = request_headers(true);
    values.external_id = None;
    assert!(signer.templates.fill(values).is_err());
    // An empty configured value is sent as it is, not taken for a placeholder.
    let signer = RequestSigner::builder(ProviderProfile::aspi_standard())
        .client_secret(ClientSecret::new("secret").unwrap())
        .partner_id("")
        .unwrap()
        .build()
        .unwrap();
    let Ok(filled) = signer.templates.fill(request_headers(true)) else {
        panic!("no template");
    };
    assert_eq!(filled["x-partner-id"], "");
    assert_eq!(filled["x-signature"], "c2lnbmF0dXJl");
}

#[test]
fn signing_into_an_empty_or_a_filled_map_agrees() {
    let signer = symmetric(ProviderProfile::aspi_standard());
    let token = AccessToken::new("tok").unwrap();
    let uri: http::Uri = "http://127.0.0.1:9/v1.0/qr/qr-mpm-query".parse().unwrap();
    let at = clock().0;
    let body = Bytes::from_static(b"{\"a\":1}");
    let mut empty = HeaderMap::new();
    signer
        .sign_parts_at(
            at,
            &Method::POST,
            &uri,
            &mut empty,
            body.clone(),
            Some(&token),
            None,
        )
        .unwrap();
    let mut caller = HeaderMap::new();
    caller.insert("x-caller-note", HeaderValue::from_static("kept"));
    signer
        .sign_parts_at(
            at,
            &Method::POST,
            &uri,
            &mut caller,
            body,
            Some(&token),
            None,
        )
        .unwrap();
    assert_eq!(caller["x-caller-note"], "kept");
    // Only the generated external ids differ (and `remove` would reorder).
    let id = |h: &HeaderMap| h["x-external-id"].to_str().unwrap().to_owned();
    assert_ne!(id(&empty), id(&caller));
    let without = |h: &HeaderMap| {
        let mut list = listed(h);
        list.retain(|(name, ..)| name != "x-external-id" && name != "x-caller-note");
        list
    };
    assert_eq!(without(&empty), without(&caller));
    assert_eq!(empty.len(), 7);
}

#[test]
fn a_clock_past_the_writable_range_is_a_typed_error_and_leaves_the_request_alone() {
    // Jakarta layouts cannot write chrono's last 7 hours.
    let signer = RequestSigner::builder(ProviderProfile::paydia())
        .client_secret(ClientSecret::new("secret").unwrap())
        .clock(FixedClock(DateTime::<Utc>::MAX_UTC))
        .build()
        .unwrap();
    let mut req = request(br#"{"a":1}"#);
    let before = req.headers().clone();
    let token = AccessToken::new("b2b").unwrap();
    let err = signer.sign(&mut req, Some(&token), None).unwrap_err();
    assert!(matches!(err, ClientError::Clock(_)), "{err:?}");
    assert_eq!(req.headers(), &before);
    assert_eq!(req.body().as_ref(), br#"{"a":1}"#);
}

/// The X-TIMESTAMP `signer` writes at `now`.
fn timestamp_at(signer: &RequestSigner, now: DateTime<Utc>) -> String {
    let mut headers = HeaderMap::new();
    let token = AccessToken::new("b2b").unwrap();
    signer
        .sign_parts_at(
            now,
            &Method::POST,
            &Uri::from_static("http://127.0.0.1/v1.0/qr/qr-mpm-query"),
            &mut headers,
            Bytes::from_static(b"{}"),
            Some(&token),
            None,
        )
        .unwrap();
    headers[names::X_TIMESTAMP].to_str().unwrap().to_owned()
}

#[test]
fn the_reused_timestamp_header_always_matches_the_instant_and_layout() {
    use chrono::TimeDelta;
    let jakarta = symmetric(ProviderProfile::paydia());
    let midtrans = symmetric(ProviderProfile::midtrans());
    let utc_seconds = symmetric(
        ProviderProfile::paydia()
            .to_builder()
            .timestamp_format(TimestampFormat::UtcSeconds)
            .build(),
    );
    let t = DateTime::from_timestamp(1_725_949_482, 0).unwrap();
    // Same second, twice; then the same instants through other layouts on the
    // same thread; then a later millisecond and second; then back.
    let steps = [
        (&jakarta, t, "2024-09-10T13:24:42+07:00"),
        (
            &jakarta,
            t + TimeDelta::milliseconds(999),
            "2024-09-10T13:24:42+07:00",
        ),
        (
            &midtrans,
            t + TimeDelta::milliseconds(999),
            "2024-09-10T06:24:42.999Z",
        ),
        (
            &midtrans,
            t + TimeDelta::milliseconds(5),
            "2024-09-10T06:24:42.005Z",
        ),
        (
            &utc_seconds,
            t + TimeDelta::milliseconds(5),
            "2024-09-10T06:24:42Z",
        ),
        (
            &jakarta,
            t + TimeDelta::seconds(1),
            "2024-09-10T13:24:43+07:00",
        ),
        (&jakarta, t, "2024-09-10T13:24:42+07:00"),
    ];
    for (signer, now, expected) in steps {
        assert_eq!(timestamp_at(signer, now), expected, "{now}");
        assert_eq!(
            timestamp_at(signer, now),
            signer.profile().timestamp_format().format(now).as_str()
        );
    }
    // A leap second shares `timestamp()` with the second before it.
    let before = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_milli_opt(23, 59, 59, 500)
        .unwrap()
        .and_utc();
    let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_milli_opt(23, 59, 59, 1_500)
        .unwrap()
        .and_utc();
    assert_eq!(before.timestamp(), leap.timestamp());
    assert_eq!(timestamp_at(&utc_seconds, before), "2016-12-31T23:59:59Z");
    assert_eq!(timestamp_at(&utc_seconds, leap), "2016-12-31T23:59:60Z");
    assert_eq!(timestamp_at(&midtrans, leap), "2016-12-31T23:59:60.500Z");
}

/// Seed 004's customer token: a 411-character HS256 JWT, sent without
/// `Bearer ` although Paydia's table says "64 max".
const SEED_CUSTOMER_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJQYXlkaWEiLCJpYXQiOjE3MjQ5MDA0MDEsImV4cCI6MTc0MDY2ODQwMSwianRpIjoiYjYwNDdiNTBkOTRmZWQ4YzA3ZjQzZTBjOGY0NGQ1NGMwMzUzZjE0NGM2NzI4YzhlOWYyMWNhYTBkNjFjMjBmNyIsImNsaWVudF9pZCI6ImRVVT0iLCJtZXJjaGFudF9taWQiOiJja1FFUzFVREJBSUJBZ0p3UUFSSiIsInNjb3BlIjoiUFVCTElDX0lEIiwic3RhdGUiOiI0YzVjOTZiNS04ZDJmLTQ2NzEtYTQ2Yy1kNzQ3ZDU3OTkxMjgifQ.Hmj5skRUj2TtA4fCCtREXwT9PkkdI2I83W-rDZx72n0";

#[test]
fn paydia_sends_the_seed_customer_token_raw_and_uncapped() {
    assert_eq!(SEED_CUSTOMER_TOKEN.len(), 411);
    let customer = AccessToken::new(SEED_CUSTOMER_TOKEN).unwrap();
    let token = AccessToken::new("b2b").unwrap();
    for with_caller_headers in [false, true] {
        let mut req = request(b"{}");
        if with_caller_headers {
            req.headers_mut()
                .insert("x-external-id", HeaderValue::from_static("1725949489"));
        }
        symmetric(ProviderProfile::paydia())
            .sign(&mut req, Some(&token), Some(&customer))
            .unwrap();
        let h = req.headers();
        assert_eq!(h["authorization-customer"], SEED_CUSTOMER_TOKEN);
        assert!(h["authorization-customer"].is_sensitive());
        assert_eq!(h["authorization"], "Bearer b2b");
    }
}

#[test]
fn the_standard_sends_the_customer_token_as_bearer() {
    let customer = AccessToken::new(SEED_CUSTOMER_TOKEN).unwrap();
    let mut req = request(b"{}");
    symmetric(ProviderProfile::aspi_standard())
        .sign(
            &mut req,
            Some(&AccessToken::new("b2b").unwrap()),
            Some(&customer),
        )
        .unwrap();
    assert_eq!(
        req.headers()["authorization-customer"],
        format!("Bearer {SEED_CUSTOMER_TOKEN}").as_str()
    );
}
