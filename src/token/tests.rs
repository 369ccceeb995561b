use super::*;

#[test]
fn bearer_header_value_is_the_prefixed_token_and_sensitive() {
    let token = AccessToken::new("bearer  eyJhbGciOi.x-y_z").expect("token");
    assert_eq!(token.expose_secret(), "eyJhbGciOi.x-y_z");
    let value = token.bearer_header_value();
    assert_eq!(value, "Bearer eyJhbGciOi.x-y_z");
    assert!(value.is_sensitive());
    // Every call hands out the same, still sensitive, value.
    let again = token.clone().bearer_header_value();
    assert_eq!(again, value);
    assert!(again.is_sensitive());
}

#[test]
fn rejects_empty_and_non_visible_tokens() {
    assert_eq!(AccessToken::new("").err(), Some(InvalidToken::Empty));
    assert_eq!(AccessToken::new("Bearer ").err(), Some(InvalidToken::Empty));
    for bad in ["a b", "a\tb", "tok\u{e9}n", "a\nb", "a\u{7f}"] {
        assert_eq!(
            AccessToken::new(bad).err(),
            Some(InvalidToken::NotHeaderSafe),
            "{bad:?}"
        );
    }
}

#[test]
fn debug_is_redacted_and_equality_compares_the_token() {
    let token = AccessToken::new("secret-token").expect("token");
    assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
    assert_eq!(
        token,
        AccessToken::new("Bearer secret-token").expect("token")
    );
    assert_ne!(token, AccessToken::new("secret-tokem").expect("token"));
    assert_ne!(token, AccessToken::new("secret-token2").expect("token"));
}
