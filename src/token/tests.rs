pub(super) mod support;

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

/// A source that only implements the required methods.
struct OnlyAsync(AccessToken);

impl TokenSource for OnlyAsync {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
    fn invalidate(&self, _rejected: &AccessToken) {}
}

#[test]
fn ready_token_is_offered_by_static_tokens_and_forwarded_through_arcs() {
    let token = AccessToken::new("static").expect("token");
    let source = StaticToken::new(token.clone());
    assert_eq!(source.ready_token(), Some(token.clone()));
    let shared: Arc<dyn TokenSource> = Arc::new(source);
    assert_eq!(shared.ready_token(), Some(token.clone()));
    assert_eq!(Arc::new(shared).ready_token(), Some(token.clone()));
    // Sources that do not offer one are asked through `token()`.
    let only_async: Arc<dyn TokenSource> = Arc::new(OnlyAsync(token));
    assert_eq!(only_async.ready_token(), None);
}
