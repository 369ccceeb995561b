//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn errors_are_send_sync_clone_and_chain_sources() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<TokenError>();

    let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    let e = TokenError::BackingOff {
        retry_in: Duration::from_secs(2),
        last: Box::new(TokenError::transport(io)),
    };
    let copy = e.clone();
    assert!(copy.to_string().contains("next attempt in 2s"));
    let source = std::error::Error::source(&copy).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("token request failed: refused"));
    assert_eq!(copy.status(), None);
}

#[test]
fn http_status_message_is_optional_in_display() {
    let bare = TokenError::HttpStatus {
        status: StatusCode::BAD_GATEWAY,
        message: String::new(),
    };
    assert_eq!(
        bare.to_string(),
        "token endpoint answered HTTP 502 Bad Gateway without a responseCode"
    );
    let with = TokenError::HttpStatus {
        status: StatusCode::NOT_FOUND,
        message: "no route".into(),
    };
    assert!(with.to_string().ends_with("(\"no route\")"));
    assert_eq!(with.status(), Some(StatusCode::NOT_FOUND));
}
