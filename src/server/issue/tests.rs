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

/// A clock the test moves.
#[derive(Debug)]
struct MovingClock(std::sync::Mutex<DateTime<Utc>>);

impl Clock for MovingClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[test]
fn validated_tokens_are_remembered_but_still_expire_and_stay_kind_bound() {
    let t0 = at("2026-11-22T10:00:00+07:00");
    let clock = Arc::new(MovingClock(std::sync::Mutex::new(t0)));
    let issuer = TokenIssuer::builder(StaticPartners::default())
        .shared_clock(clock.clone())
        .build()
        .unwrap();
    let inner = &issuer.inner;
    let issued = issuer.issue_b2b("c1").unwrap();
    let token = issued.access_token.expose_secret();

    let first = inner.validate(TokenKind::B2b, token).unwrap();
    assert_eq!(inner.validated.len(), 1, "a valid token is remembered");
    // The remembered answer is the same answer.
    assert_eq!(inner.validate(TokenKind::B2b, token).unwrap(), first);
    assert_eq!(first.client_id.as_deref(), Some("c1"));
    assert_eq!(first.expires_at, Some(issued.expires_at));
    // Remembered as a B2B token, it is still no customer token.
    assert!(inner.validate(TokenKind::Customer, token).is_err());

    // One character off is another token, refused, and not remembered.
    let mut forged = token.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(inner.validate(TokenKind::B2b, &forged).is_err());
    assert_eq!(inner.validated.len(), 1);

    // Expired at `exp` on the issuer's clock, remembered or not.
    *clock.0.lock().unwrap() = issued.expires_at - TimeDelta::seconds(1);
    assert!(inner.validate(TokenKind::B2b, token).is_ok());
    *clock.0.lock().unwrap() = issued.expires_at;
    assert!(inner.validate(TokenKind::B2b, token).is_err());
    assert_eq!(inner.validated.len(), 0, "the expired token is forgotten");
    assert!(inner.validate(TokenKind::B2b, token).is_err());
    assert_eq!(inner.validated.len(), 0, "and not remembered again");
}

#[test]
fn the_validated_tokens_are_bounded() {
    let t0 = at("2026-11-22T10:00:00+07:00");
    let issuer = issuer_at(t0);
    for n in 0..validated::CAPACITY + 10 {
        let token = issuer.issue_b2b(&format!("client-{n}")).unwrap();
        let claims = issuer
            .inner
            .validate(TokenKind::B2b, token.access_token.expose_secret())
            .unwrap();
        assert_eq!(claims.client_id, Some(format!("client-{n}")));
        assert!(issuer.inner.validated.len() <= validated::CAPACITY);
    }
    assert!(issuer.inner.validated.len() >= 10);
}

#[test]
fn hs256_tokens_are_standard_jwts() {
    // The MAC comes from aws-lc-rs directly: the tokens must still verify
    // with an ordinary JWT library holding the same secret.
    let secret = b"0123456789abcdef0123456789abcdef".to_vec();
    let t0 = at("2026-11-22T10:00:00+07:00");
    let issuer = TokenIssuer::builder(StaticPartners::default())
        .hs256_secret(secret.clone())
        .clock(FixedClock(t0))
        .build()
        .unwrap();
    let token = issuer.issue_b2b("c1").unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let decoded = jsonwebtoken::decode::<serde_json::Value>(
        token.access_token.expose_secret(),
        &jsonwebtoken::DecodingKey::from_secret(&secret),
        &validation,
    )
    .unwrap();
    assert_eq!(decoded.claims["sub"], "c1");
    // And a token signed by the library is accepted, whatever its origin.
    let claims = serde_json::json!({
        "iss": decoded.claims["iss"], "sub": "c2", "tok": "b2b",
        "iat": t0.timestamp(), "exp": t0.timestamp() + 60, "jti": "j1",
    });
    let theirs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .unwrap();
    let ours = issuer.inner.validate(TokenKind::B2b, &theirs).unwrap();
    assert_eq!(ours.client_id.as_deref(), Some("c2"));
    // A different secret's token is refused.
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret-another-secret-xx"),
    )
    .unwrap();
    assert!(issuer.inner.validate(TokenKind::B2b, &forged).is_err());
}
