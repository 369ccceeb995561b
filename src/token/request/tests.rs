//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::asymmetric::AsymmetricVerifier;
use crate::keys::RsaPublicKey;
use crate::profile::{GrantTypeField, GrantValueCase};

const PRIVATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-private.pem"
));
const PUBLIC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-public.pem"
));
const TS: &str = "2024-09-10T13:24:42+07:00";

fn key() -> RsaPrivateKey {
    RsaPrivateKey::from_pem(PRIVATE).unwrap()
}

fn ts() -> Timestamp {
    Timestamp::parse(TS).unwrap()
}

#[test]
fn b2b_request_has_the_standard_shape_and_a_verifiable_signature() {
    let signer = TokenRequestSigner::builder("cid-1", key())
        .base_url("https://api.example.com/")
        .build()
        .unwrap();
    let req = signer.b2b(&ts()).unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(req.uri(), "https://api.example.com/v1.0/access-token/b2b");
    let h = req.headers();
    assert_eq!(h[CONTENT_TYPE], "application/json");
    assert_eq!(h[X_TIMESTAMP], TS);
    assert_eq!(h[X_CLIENT_KEY], "cid-1");
    assert!(h.get(X_PARTNER_ID).is_none());
    assert!(h[X_SIGNATURE].is_sensitive());
    let verifier = AsymmetricVerifier::new(RsaPublicKey::from_pem(PUBLIC).unwrap());
    verifier
        .verify_token("cid-1", TS, h[X_SIGNATURE].to_str().unwrap())
        .unwrap();
    assert_eq!(
        req.body().as_ref(),
        br#"{"grantType":"client_credentials"}"#
    );
    assert!(!format!("{signer:?}").contains("PRIVATE"));
}

#[test]
fn provider_variants_are_configuration() {
    let dana = TokenRequestSigner::builder("dana-client", key())
        .profile(&ProviderProfile::dana())
        .base_url("https://api.dana.test")
        .additional_info(" { \"k\" : [1, 2] } ")
        .header("channel-id", "95221")
        .build()
        .unwrap();
    let req = dana.b2b(&ts()).unwrap();
    assert_eq!(req.uri(), "https://api.dana.test/v1.0/access-token/b2b.htm");
    assert_eq!(req.headers()[X_PARTNER_ID], "dana-client");
    assert_eq!(req.headers()["channel-id"], "95221");
    assert_eq!(
        req.body().as_ref(),
        br#"{"grantType":"client_credentials","additionalInfo":{"k":[1,2]}}"#
    );
    let code = dana.authorization_code("auth\"code", &ts()).unwrap();
    assert_eq!(
        code.uri(),
        "https://api.dana.test/v1.0/access-token/b2b2c.htm"
    );
    assert_eq!(
            code.body().as_ref(),
            br#"{"grantType":"AUTHORIZATION_CODE","authCode":"auth\"code","additionalInfo":{"k":[1,2]}}"#
        );

    let snake = ProviderProfile::doku()
        .to_builder()
        .grant_type_field(GrantTypeField::SnakeCase)
        .grant_value_case(GrantValueCase::Lower)
        .build();
    let doku = TokenRequestSigner::builder("doku", key())
        .profile(&snake)
        .base_url("https://doku.test")
        .partner_id("ignored-without-flag")
        .build()
        .unwrap();
    let refresh = doku
        .refresh(&RefreshToken::new("r-1").unwrap(), &ts())
        .unwrap();
    assert_eq!(
        refresh.uri(),
        "https://doku.test/authorization/v1/access-token/b2b2c"
    );
    assert_eq!(
        refresh.body().as_ref(),
        br#"{"grant_type":"refresh_token","refreshToken":"r-1"}"#
    );
    assert!(refresh.headers().get(X_PARTNER_ID).is_none());
    assert_eq!(doku.timestamp_format(), TimestampFormat::UtcSeconds);
}

#[test]
fn explicit_urls_override_the_base() {
    let s = TokenRequestSigner::builder("c", key())
        .b2b_url("http://127.0.0.1:9/token")
        .b2b2c_url("http://127.0.0.1:9/customer-token")
        .partner_id("p")
        .token_profile(
            ProviderProfile::aspi_standard()
                .to_builder()
                .token_sends_partner_id(true)
                .build()
                .token()
                .clone(),
        )
        .build()
        .unwrap();
    assert_eq!(s.b2b_url(), "http://127.0.0.1:9/token");
    assert_eq!(
        s.b2b2c_url().map(ToString::to_string).as_deref(),
        Some("http://127.0.0.1:9/customer-token")
    );
    assert_eq!(s.b2b(&ts()).unwrap().headers()[X_PARTNER_ID], "p");
    assert_eq!(s.client_id(), "c");
}

#[test]
fn bad_configuration_is_a_typed_error() {
    let cases: Vec<(TokenRequestSignerBuilder, &str)> = vec![
        (TokenRequestSigner::builder("c", key()), "no b2b token URL"),
        (
            TokenRequestSigner::builder("c", key()).base_url("/relative"),
            "absolute",
        ),
        (
            TokenRequestSigner::builder("c", key()).base_url("ftp://x"),
            "absolute",
        ),
        (
            TokenRequestSigner::builder("c\n", key()).base_url("http://x"),
            "client id",
        ),
        (
            TokenRequestSigner::builder("", key()).base_url("http://x"),
            "client id is empty",
        ),
        (
            TokenRequestSigner::builder("c", key())
                .base_url("http://x")
                .additional_info("[1]"),
            "JSON object",
        ),
        (
            TokenRequestSigner::builder("c", key())
                .base_url("http://x")
                .additional_info("{"),
            "additionalInfo",
        ),
        (
            TokenRequestSigner::builder("c", key())
                .base_url("http://x")
                .header("bad name", "v"),
            "header name",
        ),
    ];
    for (builder, needle) in cases {
        match builder.build() {
            Err(TokenError::Config(reason)) => assert!(reason.contains(needle), "{reason}"),
            other => panic!("expected a config error containing {needle:?}, got {other:?}"),
        }
    }
}

#[test]
fn a_b2b_only_signer_needs_no_b2b2c_url() {
    let s = TokenRequestSigner::builder("c", key())
        .b2b_url("http://127.0.0.1:9/token")
        .build()
        .unwrap();
    assert!(s.b2b2c_url().is_none());
    assert!(s.b2b(&ts()).is_ok());
    let refused = s.authorization_code("code", &ts()).unwrap_err();
    assert!(
        matches!(&refused, TokenError::Config(m) if m.contains("no b2b2c token URL")),
        "{refused:?}"
    );
}
