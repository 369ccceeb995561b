//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn credentials_are_redacted_by_length() {
    let token = HeaderValue::from_static("Bearer abcdef");
    assert_eq!(
        redacted(&AUTHORIZATION, &token),
        "Bearer <redacted, 6 chars>"
    );
    let signature = HeaderValue::from_static("c2lnbmF0dXJl");
    assert_eq!(redacted(&X_SIGNATURE, &signature), "<redacted, 12 chars>");
    let plain = HeaderValue::from_static("95221");
    assert_eq!(
        redacted(&HeaderName::from_static("channel-id"), &plain),
        "95221"
    );
}

#[test]
fn body_is_printed_on_one_line() {
    assert_eq!(one_line(b"{ \"a\" :\n 1 }\n"), b"{\"a\":1}");
    assert_eq!(one_line(b"not\njson\n"), b"not json");
    assert_eq!(one_line(b""), b"");
}

#[test]
fn refusal_names_status_code_and_message() {
    let e = refusal(
        http::StatusCode::UNAUTHORIZED,
        br#"{"responseCode":"4014700","responseMessage":"Unauthorized. [Signature]"}"#,
    );
    assert_eq!(
        e.to_string(),
        "refused: HTTP 401 Unauthorized, responseCode 4014700: Unauthorized. [Signature]"
    );
    let e = refusal(http::StatusCode::BAD_GATEWAY, b"<html>");
    assert_eq!(
        e.to_string(),
        "refused: HTTP 502 Bad Gateway without a responseCode"
    );
}

#[test]
fn https_is_accepted_and_trailing_slash_dropped() {
    assert_eq!(
        base_url("https://api.example.com/").ok(),
        Some("https://api.example.com")
    );
    assert!(base_url("ftp://x").is_err());
    assert_eq!(
        base_url("http://127.0.0.1:8080/snap/").ok(),
        Some("http://127.0.0.1:8080/snap")
    );
}
