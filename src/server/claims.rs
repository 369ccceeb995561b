//! Access-token checks on the serving side: the [`TokenValidator`] seam.
//!
//! The verifying layer hands every `Authorization` (B2B) and
//! `Authorization-Customer` (B2B2C) token to a validator and puts what it
//! learns ([`TokenClaims`]) in the request extensions. The crate's
//! [`TokenIssuer`](crate::server::TokenIssuer) is one validator; an
//! application with its own token service implements the trait over it.
//!
//! ```
//! use snap_bi::server::{TokenClaims, TokenKind, TokenRejection, TokenValidator};
//! use snap_bi::token::BoxFuture;
//!
//! /// Accepts exactly one token (a test double).
//! struct OneToken(&'static str);
//!
//! impl TokenValidator for OneToken {
//!     fn validate<'a>(&'a self, kind: TokenKind, token: &'a str)
//!         -> BoxFuture<'a, Result<TokenClaims, TokenRejection>>
//!     {
//!         let ok = kind == TokenKind::B2b && token == self.0;
//!         Box::pin(async move {
//!             if ok { Ok(TokenClaims::new(kind).with_client_id("client-01")) }
//!             else { Err(TokenRejection::Invalid) }
//!         })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let validator = OneToken("eyJhbGciOi.test.token");
//! let claims = validator.validate(TokenKind::B2b, "eyJhbGciOi.test.token").await?;
//! assert_eq!(claims.client_id.as_deref(), Some("client-01"));
//! assert!(matches!(
//!     validator.validate(TokenKind::B2b, "other").await,
//!     Err(TokenRejection::Invalid)
//! ));
//! # Ok::<(), TokenRejection>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::token::BoxFuture;

/// Which token a validator is asked about.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// The B2B access token in `Authorization` (service 73).
    B2b,
    /// The B2B2C customer token in `Authorization-Customer` (service 74).
    Customer,
}

/// What a validator learned from a valid token; placed in
/// [`VerifiedRequest`](crate::server::VerifiedRequest) for the handler.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// Which token this is.
    pub kind: TokenKind,
    /// The client the token was issued to. When present, the verifying
    /// layer requires it to be the calling partner's client id.
    pub client_id: Option<String>,
    /// The customer a B2B2C token stands for.
    pub customer_id: Option<String>,
    /// When the token was issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// When the token expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// A unique id of the token (a JWT's `jti`).
    pub token_id: Option<String>,
}

impl TokenClaims {
    /// Claims of `kind` with nothing else known.
    #[must_use]
    pub fn new(kind: TokenKind) -> Self {
        Self {
            kind,
            client_id: None,
            customer_id: None,
            issued_at: None,
            expires_at: None,
            token_id: None,
        }
    }

    /// Sets the client id.
    #[must_use]
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Sets the customer id.
    #[must_use]
    pub fn with_customer_id(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }

    /// Sets the issue time.
    #[must_use]
    pub fn with_issued_at(mut self, at: DateTime<Utc>) -> Self {
        self.issued_at = Some(at);
        self
    }

    /// Sets the expiry time.
    #[must_use]
    pub fn with_expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// Sets the token id.
    #[must_use]
    pub fn with_token_id(mut self, id: impl Into<String>) -> Self {
        self.token_id = Some(id.into());
        self
    }
}

/// Why a token was not accepted. The verifying layer answers
/// `401xx01 Invalid Token (B2B)` / `401xx02 Invalid Customer Token` for
/// [`Invalid`](Self::Invalid), `401xx03` / `401xx04` for
/// [`NotFound`](Self::NotFound), `500xx01` for
/// [`Unavailable`](Self::Unavailable).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TokenRejection {
    /// Malformed, forged, expired or revoked.
    #[error("the token is invalid or expired")]
    Invalid,
    /// Well-formed, but no such token exists (token stores that can tell).
    #[error("the token was not found")]
    NotFound,
    /// The validator could not decide (its backing store failed).
    #[error("token validation is unavailable: {0}")]
    Unavailable(#[source] tower::BoxError),
}

/// Decides whether an access token is valid.
pub trait TokenValidator: Send + Sync {
    /// Validates `token` (without `Bearer `) as a token of `kind`.
    fn validate<'a>(
        &'a self,
        kind: TokenKind,
        token: &'a str,
    ) -> BoxFuture<'a, Result<TokenClaims, TokenRejection>>;
}

impl<T: TokenValidator + ?Sized> TokenValidator for Arc<T> {
    fn validate<'a>(
        &'a self,
        kind: TokenKind,
        token: &'a str,
    ) -> BoxFuture<'a, Result<TokenClaims, TokenRejection>> {
        (**self).validate(kind, token)
    }
}
