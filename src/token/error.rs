//! [`TokenError`]: every way obtaining a token can fail, one variant each.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use crate::asymmetric::SignError;
use crate::response_code::ResponseCode;

/// A type-erased error, as transports and stores report them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why no token could be obtained.
///
/// Each way a token endpoint can answer badly is its own variant, carrying
/// the HTTP status and, where the body had them, the provider's
/// `responseCode` and `responseMessage`. No variant ever carries a token,
/// a signature or a response body.
///
/// Cheap to clone (sources are shared), so one failed fetch can be reported
/// to every caller that waited on it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The provider answered with a `responseCode` that is not a success
    /// code (whatever the HTTP status), e.g. `4017300` `"Unauthorized.
    /// [Signature]"`.
    #[error(
        "token request refused: HTTP {status}, responseCode {code:?}, responseMessage {message:?}"
    )]
    Refused {
        /// HTTP status of the answer.
        status: StatusCode,
        /// The `responseCode` as sent.
        code: String,
        /// The `responseMessage` as sent (empty when absent).
        message: String,
    },
    /// The HTTP status is not 2xx and the body carries no `responseCode`
    /// (a proxy's error page, a wrong path, a redirect, which is never
    /// followed).
    #[error("token endpoint answered HTTP {status} without a responseCode{}", describe_message(.message))]
    HttpStatus {
        /// HTTP status of the answer.
        status: StatusCode,
        /// A message from the body (`responseMessage`, `message` or `error`),
        /// empty when there is none.
        message: String,
    },
    /// A 2xx answer whose body is not a JSON object.
    #[error("token endpoint answered HTTP {status} with a body that is not a JSON object")]
    NotJson {
        /// HTTP status of the answer.
        status: StatusCode,
    },
    /// The answer's body is larger than the configured limit.
    #[error("token endpoint answered HTTP {status} with a body over {limit} bytes")]
    BodyTooLarge {
        /// HTTP status of the answer.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
    },
    /// A successful answer without an `accessToken`.
    #[error(
        "token endpoint answered HTTP {status}, responseCode {code:?}, responseMessage {message:?}, but no accessToken"
    )]
    MissingAccessToken {
        /// HTTP status of the answer.
        status: StatusCode,
        /// The `responseCode` as sent (empty when absent).
        code: String,
        /// The `responseMessage` as sent (empty when absent).
        message: String,
    },
    /// A field of a successful answer has an unusable value (an
    /// `accessToken` that is not a non-empty header-safe string, a
    /// `refreshToken` that is not a string, …).
    #[error("token endpoint answered HTTP {status} with an unusable {field}: {reason}")]
    MalformedField {
        /// HTTP status of the answer.
        status: StatusCode,
        /// The JSON field name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `tokenType` is present but is not a bearer type (compared
    /// case-insensitively; `Bearer`, `bearer` and `BearerToken` are bearer
    /// types).
    #[error("token endpoint issued a token of type {token_type:?}, not a bearer token")]
    UnsupportedTokenType {
        /// The `tokenType` as sent (at most 32 characters).
        token_type: String,
    },
    /// The HTTP exchange itself failed (connection, TLS, body stream).
    #[error("token request failed: {0}")]
    Transport(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// The token request did not complete within the configured timeout.
    #[error("token request timed out after {after:?}")]
    Timeout {
        /// The timeout.
        after: Duration,
    },
    /// Repeated failures: the endpoint is not asked again until the backoff
    /// delay has passed. `last` is the failure that started the delay.
    #[error(
        "token endpoint backing off after repeated failures (next attempt in {retry_in:?}): {last}"
    )]
    BackingOff {
        /// How long until the next attempt is allowed.
        retry_in: Duration,
        /// The most recent failure.
        #[source]
        last: Box<TokenError>,
    },
    /// Signing the token request failed in the crypto backend.
    #[error("signing the token request failed: {0}")]
    Sign(#[from] SignError),
    /// The token client is misconfigured (a URL that is not absolute, a
    /// header value with control characters, …).
    #[error("token client configuration: {0}")]
    Config(String),
    /// No Tokio runtime is running on this thread; token fetches run as
    /// Tokio tasks.
    #[error("token fetches need a Tokio runtime (with its time driver enabled)")]
    NoRuntime,
    /// The fetch task ended without an answer (its runtime shut down).
    #[error("the token fetch was aborted before it finished")]
    FetchAborted,
    /// No usable customer (B2B2C) token: none was stored for this customer,
    /// or it expired and there is no unexpired refresh token. The customer
    /// has to authorize again (authorization-code flow).
    #[error("no usable customer token; the customer has to authorize again")]
    CustomerAuthorizationRequired,
    /// The customer-token store failed.
    #[error("customer token store failed: {0}")]
    Store(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// The fleet's shared token store could not be used and the cache is
    /// configured to fail closed (or waiting for the fleet's lock holder
    /// took too long). Nothing was sent.
    #[error(transparent)]
    SharedStore(#[from] super::shared::SharedStoreError),
}

impl TokenError {
    /// Wraps a transport error.
    pub fn transport(error: impl Into<BoxError>) -> Self {
        Self::Transport(Arc::from(error.into()))
    }

    /// Wraps a customer-token store error.
    pub fn store(error: impl Into<BoxError>) -> Self {
        Self::Store(Arc::from(error.into()))
    }

    /// The HTTP status of the provider's answer, for the variants that come
    /// from one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Refused { status, .. }
            | Self::HttpStatus { status, .. }
            | Self::NotJson { status }
            | Self::BodyTooLarge { status, .. }
            | Self::MissingAccessToken { status, .. }
            | Self::MalformedField { status, .. } => Some(*status),
            Self::BackingOff { last, .. } => last.status(),
            _ => None,
        }
    }

    /// The provider's `responseCode`, when it sent a well-formed one.
    ///
    /// ```
    /// use snap_bi::token::TokenError;
    ///
    /// let refused = TokenError::Refused {
    ///     status: http::StatusCode::UNAUTHORIZED,
    ///     code: "4017300".into(),
    ///     message: "Unauthorized. [Signature]".into(),
    /// };
    /// assert_eq!(refused.response_code().map(|c| c.service_code().to_owned()).as_deref(), Some("73"));
    /// ```
    pub fn response_code(&self) -> Option<ResponseCode> {
        match self {
            Self::Refused { code, .. } | Self::MissingAccessToken { code, .. } => {
                ResponseCode::parse(code).ok()
            }
            Self::BackingOff { last, .. } => last.response_code(),
            _ => None,
        }
    }
}

fn describe_message(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" ({message:?})")
    }
}

#[cfg(test)]
mod tests;
