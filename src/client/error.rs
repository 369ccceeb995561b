//! Errors of the client side. Every one of them means **nothing was sent**,
//! except [`ClientError::Timeout`] (the request may have been sent) and the
//! inner service's transport errors, which the layer passes through
//! unchanged.

use http::HeaderName;

use crate::asymmetric::SignError;
use crate::minify::MinifyError;
use crate::token::TokenError;

/// Why a request could not be signed; nothing was sent.
///
/// The Tower layer returns these boxed (`tower::BoxError`); recover the type
/// with `err.downcast_ref::<ClientError>()`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The request body is larger than the configured limit.
    #[error("request body exceeds the {limit}-byte limit; nothing was sent")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Reading the request body failed.
    #[error("reading the request body failed; nothing was sent")]
    BodyRead(#[source] tower::BoxError),
    /// The body is not valid JSON (under the validating body policy).
    #[error("request body is not valid JSON; nothing was sent")]
    InvalidBody(#[source] MinifyError),
    /// No B2B access token could be obtained.
    #[error("no access token; nothing was sent")]
    Token(#[source] TokenError),
    /// The symmetric scheme needs a token and none was available (the layer
    /// has no token source).
    #[error("the symmetric signature needs a B2B access token, and no token source is configured")]
    MissingToken,
    /// RSA signing failed.
    #[error("RSA signing failed; nothing was sent")]
    Signing(#[source] SignError),
    /// The request cannot be sent as is (for example a streaming reqwest
    /// body, which cannot be hashed before sending).
    #[error("{0}; nothing was sent")]
    UnsupportedRequest(&'static str),
    /// The clock gave an instant that cannot be written as an `X-TIMESTAMP`
    /// in the profile's layout (a broken or misconfigured clock).
    #[error("the clock's instant cannot be an X-TIMESTAMP; nothing was sent")]
    Clock(#[source] crate::timestamp::TimestampError),
    /// No response head within the layer's
    /// [`request_timeout`](super::SnapLayerBuilder::request_timeout). The
    /// request may have reached the provider: query its status before
    /// sending it again.
    #[error("no response within {after:?}; the request may have reached the provider")]
    Timeout {
        /// The timeout that elapsed.
        after: std::time::Duration,
    },
    /// A value that should always be a valid header was not; a bug.
    #[error("internal error building the {0}")]
    Internal(&'static str),
}

/// A configuration mistake found when building a signer or layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A symmetric (HMAC) profile needs the client secret.
    #[error("this provider profile signs with HMAC-SHA512 and needs a client secret")]
    MissingClientSecret,
    /// An asymmetric (RSA) profile needs the partner's private key.
    #[error("this provider profile signs with SHA256withRSA and needs a private key")]
    MissingPrivateKey,
    /// A symmetric profile needs a token source for the layer.
    #[error("this provider profile signs with the B2B access token and needs a token source")]
    MissingTokenSource,
    /// A configured value cannot be sent as this header.
    #[error("invalid value for the {header} header")]
    InvalidHeaderValue {
        /// The header concerned.
        header: HeaderName,
    },
}
