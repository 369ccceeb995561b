//! Unit tests of the parent module, kept in their own file.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-09-10T06:24:42Z")
        .unwrap()
        .to_utc()
}

fn ok(body: &str) -> TokenGrant {
    parse_token_response(
        StatusCode::OK,
        body.as_bytes(),
        &ResponseOptions::default(),
        now(),
    )
    .unwrap()
}

fn err(status: u16, body: &[u8]) -> TokenError {
    parse_token_response(
        StatusCode::from_u16(status).unwrap(),
        body,
        &ResponseOptions::default(),
        now(),
    )
    .unwrap_err()
}

fn jwt(claims: &str) -> String {
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    )
}

#[test]
fn expires_in_variants() {
    let secs = |g: TokenGrant| (g.lifetime().as_secs(), g.lifetime_source());
    assert_eq!(
        secs(ok(r#"{"accessToken":"t","expiresIn":"900"}"#)),
        (900, LifetimeSource::ExpiresIn)
    );
    assert_eq!(
        secs(ok(r#"{"accessToken":"t","expiresIn":899}"#)),
        (899, LifetimeSource::ExpiresIn)
    );
    assert_eq!(
        secs(ok(r#"{"accessToken":"t","expiresIn":" 600 "}"#)),
        (600, LifetimeSource::ExpiresIn)
    );
    assert_eq!(
        secs(ok(r#"{"access_token":"t","expires_in":300}"#)),
        (300, LifetimeSource::ExpiresIn)
    );
    // Durianpay's date-time in expiresIn.
    assert_eq!(
        secs(ok(
            r#"{"accessToken":"t","expiresIn":"2024-09-10 06:39:42.452492159 +0000 UTC"}"#
        )),
        (900, LifetimeSource::ExpiresInDateTime)
    );
    // Missing, zero, negative or garbage: the default.
    for body in [
        r#"{"accessToken":"t"}"#,
        r#"{"accessToken":"t","expiresIn":"0"}"#,
        r#"{"accessToken":"t","expiresIn":-5}"#,
        r#"{"accessToken":"t","expiresIn":"soon"}"#,
        r#"{"accessToken":"t","expiresIn":null}"#,
        r#"{"accessToken":"a.b","expiresIn":true}"#,
    ] {
        assert_eq!(secs(ok(body)), (900, LifetimeSource::Default), "{body}");
    }
    // Absurd lifetimes are capped.
    assert_eq!(
        ok(r#"{"accessToken":"t","expiresIn":1e300}"#).lifetime(),
        MAX_LIFETIME
    );
}

#[test]
fn jwt_exp_is_the_fallback_and_expiry_times_win_over_it() {
    let exp = now().timestamp() + 1200;
    let token = jwt(&format!(r#"{{"iss":"Paydia","exp":{exp}}}"#));
    let g = ok(&format!(
        r#"{{"accessToken":"{token}","tokenType":"Bearer"}}"#
    ));
    assert_eq!(
        (g.lifetime().as_secs(), g.lifetime_source()),
        (1200, LifetimeSource::JwtExp)
    );
    let g = ok(&format!(
        r#"{{"accessToken":"{token}","accessTokenExpiryTime":"2024-09-10T13:34:42+07:00"}}"#
    ));
    assert_eq!(
        (g.lifetime().as_secs(), g.lifetime_source()),
        (600, LifetimeSource::AccessTokenExpiryTime)
    );
    let g = ok(&format!(r#"{{"accessToken":"{token}","expiresIn":"60"}}"#));
    assert_eq!(g.lifetime_source(), LifetimeSource::ExpiresIn);
    // A JWT without exp, or not a JWT at all: the default.
    let no_exp = jwt(r#"{"iss":"x"}"#);
    assert_eq!(
        ok(&format!(r#"{{"accessToken":"{no_exp}"}}"#)).lifetime_source(),
        LifetimeSource::Default
    );
    assert_eq!(
        ok(r#"{"accessToken":"not.a.jwt"}"#).lifetime_source(),
        LifetimeSource::Default
    );
    // An exp in the past gives no usable lifetime: the default, never zero.
    let old = jwt(r#"{"exp":1000}"#);
    let g = ok(&format!(r#"{{"accessToken":"{old}"}}"#));
    assert_eq!(
        (g.lifetime(), g.lifetime_source()),
        (Duration::from_secs(900), LifetimeSource::Default)
    );
}

#[test]
fn every_source_under_the_floor_falls_through_to_the_next_one_alike() {
    // `now()` is 2024-09-10T06:24:42Z.
    let past = "2024-09-10T06:00:00Z";
    let soon = "2024-09-10T06:24:52Z"; // 10 s away: under the 30 s floor
    let later = "2024-09-10T06:39:42Z"; // 900 s away
    let old_jwt = jwt(r#"{"exp":1000}"#);
    let default = (Duration::from_secs(900), LifetimeSource::Default);
    let cases = [
        (r#"{"accessToken":"t","expiresIn":0}"#.to_owned(), default),
        (r#"{"accessToken":"t","expiresIn":"0"}"#.to_owned(), default),
        (r#"{"accessToken":"t","expiresIn":-5}"#.to_owned(), default),
        (r#"{"accessToken":"t","expiresIn":10}"#.to_owned(), default),
        (
            format!(r#"{{"accessToken":"t","expiresIn":"{past}"}}"#),
            default,
        ),
        (
            format!(r#"{{"accessToken":"t","expiresIn":"{soon}"}}"#),
            default,
        ),
        (
            format!(r#"{{"accessToken":"t","accessTokenExpiryTime":"{past}"}}"#),
            default,
        ),
        (format!(r#"{{"accessToken":"{old_jwt}"}}"#), default),
        // A skipped source hands over to the next usable one.
        (
            format!(r#"{{"accessToken":"t","expiresIn":0,"accessTokenExpiryTime":"{later}"}}"#),
            (
                Duration::from_secs(900),
                LifetimeSource::AccessTokenExpiryTime,
            ),
        ),
        (
            r#"{"accessToken":"t","expiresIn":30}"#.to_owned(),
            (Duration::from_secs(30), LifetimeSource::ExpiresIn),
        ),
    ];
    for (body, expected) in cases {
        let g = ok(&body);
        assert_eq!((g.lifetime(), g.lifetime_source()), expected, "{body}");
        assert!(g.lifetime() >= MIN_LIFETIME, "{body}");
    }
}

#[test]
fn b2b2c_fields() {
    let g = ok(r#"{"responseCode":"2007400","responseMessage":"Successful",
            "accessToken":"cust","tokenType":"BearerToken",
            "accessTokenExpiryTime":"2024-09-10T13:39:42+07:00",
            "refreshToken":"r-1","refreshTokenExpiryTime":"2024-09-11T06:24:42Z",
            "additionalInfo":{}}"#);
    assert_eq!(g.lifetime(), Duration::from_secs(900));
    assert_eq!(g.refresh_token().unwrap().expose_secret(), "r-1");
    assert_eq!(g.refresh_lifetime(), Some(Duration::from_secs(86_400)));
    assert_eq!(g.token_type(), Some("BearerToken"));
    assert_eq!(g.response_code(), Some("2007400"));
    assert_eq!(g.response_message(), Some("Successful"));
    let debug = format!("{g:?}");
    assert!(!debug.contains("cust") && !debug.contains("r-1"), "{debug}");
    // +0700 offsets parse too.
    let g = ok(r#"{"accessToken":"c","accessTokenExpiryTime":"2024-09-10T13:34:42+0700"}"#);
    assert_eq!(g.lifetime(), Duration::from_secs(600));
}

#[test]
fn each_failure_shape_has_its_own_error() {
    assert!(matches!(
        err(401, br#"{"responseCode":"4017300","responseMessage":"Unauthorized. [Signature]"}"#),
        TokenError::Refused { status, code, message }
            if status == 401 && code == "4017300" && message == "Unauthorized. [Signature]"
    ));
    // HTTP 200 but a refusal code (some gateways do this).
    assert!(matches!(
        err(200, br#"{"responseCode":"4007301","responseMessage":"Invalid field format [X-TIMESTAMP]"}"#),
        TokenError::Refused { status, code, .. } if status == 200 && code == "4007301"
    ));
    // A malformed code on a 2xx is not a success either; numeric codes are read.
    assert!(matches!(
        err(200, br#"{"responseCode":"00","accessToken":"t"}"#),
        TokenError::Refused { code, .. } if code == "00"
    ));
    assert!(ok(r#"{"responseCode":2007300,"accessToken":"t"}"#).response_code() == Some("2007300"));
    assert!(matches!(
        err(502, b"<html>Bad gateway</html>"),
        TokenError::HttpStatus { status, message } if status == 502 && message.is_empty()
    ));
    assert!(matches!(
        err(404, br#"{"message":"no route"}"#),
        TokenError::HttpStatus { message, .. } if message == "no route"
    ));
    assert!(matches!(err(200, b"<html>"), TokenError::NotJson { .. }));
    assert!(matches!(err(200, b"[1,2]"), TokenError::NotJson { .. }));
    assert!(matches!(err(200, b""), TokenError::NotJson { .. }));
    assert!(matches!(
        err(200, br#"{"responseCode":"2007300","responseMessage":"Successful"}"#),
        TokenError::MissingAccessToken { code, message, .. }
            if code == "2007300" && message == "Successful"
    ));
    assert!(matches!(
        err(200, br#"{"accessToken":null}"#),
        TokenError::MissingAccessToken { .. }
    ));
    assert!(matches!(
        err(200, br#"{"accessToken":""}"#),
        TokenError::MalformedField {
            field: "accessToken",
            ..
        }
    ));
    assert!(matches!(
        err(200, br#"{"accessToken":"a b"}"#),
        TokenError::MalformedField {
            field: "accessToken",
            ..
        }
    ));
    assert!(matches!(
        err(200, br#"{"accessToken":42}"#),
        TokenError::MalformedField {
            field: "accessToken",
            ..
        }
    ));
    assert!(matches!(
        err(200, br#"{"accessToken":"t","refreshToken":7}"#),
        TokenError::MalformedField {
            field: "refreshToken",
            ..
        }
    ));
    assert!(matches!(
        err(200, br#"{"accessToken":"t","tokenType":1}"#),
        TokenError::MalformedField {
            field: "tokenType",
            ..
        }
    ));
    assert!(matches!(
        err(200, br#"{"accessToken":"t","tokenType":"MAC"}"#),
        TokenError::UnsupportedTokenType { token_type } if token_type == "MAC"
    ));
    let big = vec![b' '; 64 * 1024 + 1];
    assert!(matches!(
        err(200, &big),
        TokenError::BodyTooLarge { limit: 65536, .. }
    ));
}

#[test]
fn error_messages_never_carry_the_token() {
    let e = err(200, br#"{"accessToken":"secret token"}"#);
    assert!(!e.to_string().contains("secret"));
    assert!(!format!("{e:?}").contains("secret"));
}

#[test]
fn options_builders() {
    let o = ResponseOptions::new()
        .with_max_body_bytes(19)
        .with_default_lifetime(Duration::from_secs(5));
    assert_eq!(o.max_body_bytes, 19);
    let g = parse_token_response(StatusCode::OK, br#"{"accessToken":"t"}"#, &o, now()).unwrap();
    // A default under the floor is raised to it.
    assert_eq!(g.lifetime(), MIN_LIFETIME);
    let e = parse_token_response(StatusCode::OK, br#"{"accessToken":"tt"}"#, &o, now());
    assert!(matches!(e, Err(TokenError::BodyTooLarge { limit: 19, .. })));
}

proptest::proptest! {
    #[test]
    fn never_panics_on_any_body(status in 100u16..600, body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let status = StatusCode::from_u16(status).unwrap();
        let _ = parse_token_response(status, &body, &ResponseOptions::default(), now());
    }

    #[test]
    fn never_panics_on_any_expiry(expires in ".{0,40}", at in ".{0,40}") {
        let body = serde_json::json!({"accessToken": "t", "expiresIn": expires, "accessTokenExpiryTime": at});
        let g = parse_token_response(StatusCode::OK, body.to_string().as_bytes(), &ResponseOptions::default(), now()).unwrap();
        proptest::prop_assert!(g.lifetime() <= MAX_LIFETIME);
    }
}
