//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::server::{Partner, StaticPartners};
use crate::timestamp::FixedClock;

fn issuer_at(now: DateTime<Utc>) -> TokenIssuer {
    TokenIssuer::builder(StaticPartners::default())
        .clock(FixedClock(now))
        .build()
        .unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[test]
fn tokens_expire_and_are_kind_bound() {
    let t0 = at("2026-11-22T10:00:00+07:00");
    let issued = issuer_at(t0).issue_b2b("c1").unwrap();
    assert_eq!(issued.expires_at, t0 + TimeDelta::seconds(900));
    let token = issued.access_token.expose_secret().to_owned();
    // Same secret, different clock: rebuild the issuer around the same key.
    let issuer = issuer_at(t0);
    let inner = &issuer.inner;
    let t = inner
        .mint(USE_B2B, "c1", None, t0, inner.lifetime)
        .unwrap()
        .0;
    assert!(inner.validate(TokenKind::B2b, t.expose_secret()).is_ok());
    assert!(
        inner
            .validate(TokenKind::Customer, t.expose_secret())
            .is_err()
    );
    // Another issuer (another random secret) refuses it.
    assert!(inner.validate(TokenKind::B2b, &token).is_err());
    // Expired exactly at exp.
    let late = inner
        .mint(
            USE_B2B,
            "c1",
            None,
            t0 - TimeDelta::seconds(900),
            inner.lifetime,
        )
        .unwrap()
        .0;
    assert!(
        inner
            .validate(TokenKind::B2b, late.expose_secret())
            .is_err()
    );
    let almost = inner
        .mint(
            USE_B2B,
            "c1",
            None,
            t0 - TimeDelta::seconds(899),
            inner.lifetime,
        )
        .unwrap()
        .0;
    assert!(
        inner
            .validate(TokenKind::B2b, almost.expose_secret())
            .is_ok()
    );
}

#[test]
fn forged_and_malformed_tokens_are_refused() {
    let t0 = at("2026-11-22T10:00:00+07:00");
    let issuer = issuer_at(t0);
    let good = issuer.issue_b2b("c1").unwrap().access_token;
    let good = good.expose_secret();
    let (head, sig) = good.rsplit_once('.').unwrap();
    let mut flipped = sig.as_bytes().to_vec();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let forged = format!("{head}.{}", String::from_utf8(flipped).unwrap());
    for bad in [
        forged.as_str(),
        "",
        "a.b",
        "a.b.c.d",
        head,
        // alg "none"
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjMSJ9.",
    ] {
        assert!(
            issuer.inner.validate(TokenKind::B2b, bad).is_err(),
            "{bad:?} accepted"
        );
    }
}

#[test]
fn rs256_tokens_verify_with_the_public_half() {
    let key = RsaPrivateKey::from_pem(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/keys/pjp-test-private.pem"
    )))
    .unwrap();
    let issuer = TokenIssuer::builder(StaticPartners::default())
        .rs256(key)
        .clock(FixedClock(at("2026-11-22T10:00:00+07:00")))
        .build()
        .unwrap();
    let issued = issuer.issue_b2b2c("c1", "cust-9").unwrap();
    let header = jsonwebtoken::decode_header(issued.access_token.expose_secret()).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let claims = issuer
        .inner
        .validate(TokenKind::Customer, issued.access_token.expose_secret())
        .unwrap();
    assert_eq!(claims.customer_id.as_deref(), Some("cust-9"));
    // The refresh token is not an access token.
    assert!(
        issuer
            .inner
            .validate(TokenKind::Customer, issued.refresh_token.expose_secret())
            .is_err()
    );
}

#[test]
fn short_secrets_are_refused() {
    let err = TokenIssuer::builder(StaticPartners::default())
        .hs256_secret(vec![1u8; 31])
        .build()
        .unwrap_err();
    assert_eq!(err, IssuerConfigError::WeakSecret(31));
    let a = TokenIssuer::builder(StaticPartners::default())
        .hs256_secret(vec![7u8; 32])
        .build()
        .unwrap();
    let b = TokenIssuer::builder(
        StaticPartners::builder()
            .partner(Partner::new("x"))
            .build()
            .unwrap(),
    )
    .hs256_secret(vec![7u8; 32])
    .build()
    .unwrap();
    // A fleet sharing the secret accepts each other's tokens.
    let t = a.issue_b2b("c").unwrap().access_token;
    assert!(b.inner.validate(TokenKind::B2b, t.expose_secret()).is_ok());
}

#[test]
fn static_auth_codes_redeem_in_constant_time() {
    let codes = StaticAuthCodes::new()
        .with_code("code-1", "cust-1")
        .with_code("code-2", "cust-2");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(codes.redeem("c", "code-2")).unwrap(),
        Some("cust-2".to_owned())
    );
    assert_eq!(rt.block_on(codes.redeem("c", "code-3")).unwrap(), None);
    assert!(!format!("{codes:?}").contains("code-1"));
}
