//! Access tokens: the B2B and B2B2C token lifecycle (snap-spec §1, §2).
//!
//! - [`AccessToken`], [`RefreshToken`], and the [`TokenSource`] seam through
//!   which the signing layer asks for "a valid B2B token".
//! - [`request`]: building and signing token requests, pure
//!   ([`TokenRequestSigner`]; provider variants come from the
//!   [`ProviderProfile`](crate::ProviderProfile)).
//! - [`response`]: lenient, precise parsing of token responses
//!   ([`parse_token_response`] → [`TokenGrant`], one [`TokenError`] variant
//!   per failure shape).
//! - [`transport`]: sending over any `tower::Service` ([`fetch_token`]).
//! - [`b2b`]: [`B2bTokenCache`], single-flight, refreshed ahead of expiry.
//! - [`customer`]: [`CustomerTokenCache`], B2B2C tokens per customer in a
//!   pluggable [`CustomerTokenStore`].
//! - [`policy`]: refresh margin, [`Backoff`], jitter.
//! - [`shared`]: one B2B token for a fleet of processes through a
//!   [`SharedTokenStore`], and customers' tokens through a
//!   [`SharedCustomerTokenStore`] (Redis with feature `redis`).
//!
//! Token values never appear in `Debug`, `Display` or error messages.
//!
//! ```
//! use snap_bi::token::{AccessToken, StaticToken, TokenSource};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let source = StaticToken::new(AccessToken::new("eyJhbGciOi...")?);
//! let token = source.token().await?;
//! assert_eq!(token.expose_secret(), "eyJhbGciOi...");
//! assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod b2b;
mod clock;
pub mod customer;
mod error;
mod flight;
pub mod policy;
pub mod request;
pub mod response;
pub mod shared;
pub mod transport;

pub use b2b::{B2bTokenCache, B2bTokenCacheBuilder, BackgroundRefresh, DEFAULT_FETCH_TIMEOUT};
pub use clock::TokioClock;
pub use customer::{
    CustomerKey, CustomerToken, CustomerTokenCache, CustomerTokenCacheBuilder, CustomerTokenSource,
    CustomerTokenStore, InMemoryCustomerTokenStore, SharedCustomerTokenStore, StoredCustomerToken,
};
pub use error::{BoxError, TokenError};
pub use policy::{Backoff, FixedJitter, JitterSource, RandomJitter, refresh_margin};
pub use request::{TokenRequestSigner, TokenRequestSignerBuilder};
pub use response::{
    LifetimeSource, MAX_LIFETIME, MIN_LIFETIME, ResponseOptions, TokenGrant, parse_token_response,
};
pub use shared::{
    SharedStoreError, SharedTokenSettings, SharedTokenStore, StoredToken, WhenStoreUnreachable,
};
pub use transport::{fetch_token, send_token_request};

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::HeaderValue;
use subtle::ConstantTimeEq;

/// A boxed, `Send` future, the return type of object-safe async trait methods
/// in this crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An access token (B2B or B2B2C) as issued by the provider, without the
/// `Bearer ` prefix.
///
/// Cheap to clone (shared). Redacted in `Debug`; equality is constant-time.
#[derive(Clone)]
pub struct AccessToken(Arc<TokenInner>);

/// The token and its `Authorization` header value, built once: every signed
/// request sends the header, so formatting and validating it per request
/// would be repeated work.
struct TokenInner {
    token: Box<str>,
    bearer: HeaderValue,
    /// The token alone, for providers that send the customer token without
    /// `Bearer ` (Paydia's `Authorization-Customer`).
    raw: HeaderValue,
}

impl AccessToken {
    /// Wraps a token string. A leading `Bearer ` (any case) is stripped, so
    /// the value is what goes into the string-to-sign.
    ///
    /// # Errors
    /// [`InvalidToken`] when the token is empty or cannot be an HTTP header
    /// value (control characters, non-visible ASCII).
    pub fn new(token: impl AsRef<str>) -> Result<Self, InvalidToken> {
        let token = crate::string_to_sign::bare_token(token.as_ref());
        if token.is_empty() {
            return Err(InvalidToken::Empty);
        }
        if !token.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(InvalidToken::NotHeaderSafe);
        }
        // Visible ASCII after `Bearer ` is always a valid header value, so
        // this cannot fail; the error stays typed rather than a panic.
        let mut bearer = HeaderValue::try_from(format!("Bearer {token}"))
            .map_err(|_| InvalidToken::NotHeaderSafe)?;
        bearer.set_sensitive(true);
        let mut raw = HeaderValue::try_from(token).map_err(|_| InvalidToken::NotHeaderSafe)?;
        raw.set_sensitive(true);
        Ok(Self(Arc::new(TokenInner {
            token: Box::from(token),
            bearer,
            raw,
        })))
    }

    /// The token itself. Handle with care: it is a bearer credential.
    pub fn expose_secret(&self) -> &str {
        &self.0.token
    }

    /// `Bearer <token>` as a header value marked sensitive (so HTTP/2 HPACK
    /// never indexes it and well-behaved loggers skip it).
    pub fn bearer_header_value(&self) -> HeaderValue {
        // Cloning shares the bytes built in `new` (a reference count).
        self.0.bearer.clone()
    }

    /// The token alone, without `Bearer `, as a header value marked
    /// sensitive: how Paydia's sample sends `Authorization-Customer`. No
    /// length limit beyond the header's (Paydia documents 64 characters and
    /// sends a 411-character JWT).
    pub fn raw_header_value(&self) -> HeaderValue {
        self.0.raw.clone()
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.0
            .token
            .as_bytes()
            .ct_eq(other.0.token.as_bytes())
            .into()
    }
}

impl Eq for AccessToken {}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// Why a string is not a usable [`AccessToken`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidToken {
    /// The token is empty (or only `Bearer `).
    #[error("the access token is empty")]
    Empty,
    /// The token has characters an HTTP header value cannot carry.
    #[error("the access token has characters outside visible ASCII")]
    NotHeaderSafe,
}

/// Where the signing layer gets its B2B access token.
///
/// Implemented by the crate's caching token clients and by [`StaticToken`];
/// applications can implement it to plug in their own token management.
pub trait TokenSource: Send + Sync {
    /// A token valid for at least the caller's next request, fetching one if
    /// none is cached (concurrent callers share one fetch).
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>>;

    /// The token [`token`](Self::token) would hand out at once, when it is
    /// at hand without waiting or side effects (a fresh cached token):
    /// lets the signing layer skip the boxed future on every request.
    /// `None` (the default) means "ask [`token`](Self::token)".
    fn ready_token(&self) -> Option<AccessToken> {
        None
    }

    /// Forget `rejected` because the provider answered `401xx01`/`401xx03`.
    ///
    /// Only drops the cached token if it is still `rejected`, so many
    /// concurrent rejections of the same token cause one refetch.
    fn invalidate(&self, rejected: &AccessToken);
}

impl<T: TokenSource + ?Sized> TokenSource for Arc<T> {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        (**self).token()
    }
    fn ready_token(&self) -> Option<AccessToken> {
        (**self).ready_token()
    }
    fn invalidate(&self, rejected: &AccessToken) {
        (**self).invalidate(rejected);
    }
}

/// A [`TokenSource`] that always hands out the same token: for tests, and for
/// applications that obtain tokens elsewhere. `invalidate` does nothing.
#[derive(Debug, Clone)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// A source that always returns `token`.
    pub fn new(token: AccessToken) -> Self {
        Self(token)
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
    fn ready_token(&self) -> Option<AccessToken> {
        Some(self.0.clone())
    }
    fn invalidate(&self, _rejected: &AccessToken) {}
}

/// A B2B2C refresh token. Redacted in `Debug`; equality is constant-time.
#[derive(Clone)]
pub struct RefreshToken(Arc<str>);

impl RefreshToken {
    /// Wraps a refresh token.
    ///
    /// # Errors
    /// [`InvalidToken::Empty`] when it is empty.
    pub fn new(token: impl AsRef<str>) -> Result<Self, InvalidToken> {
        let token = token.as_ref();
        if token.is_empty() {
            return Err(InvalidToken::Empty);
        }
        Ok(Self(Arc::from(token)))
    }

    /// The token itself, e.g. to persist it. Handle with care.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl PartialEq for RefreshToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for RefreshToken {}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests;
