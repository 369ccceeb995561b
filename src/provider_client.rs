//! What the non-SNAP provider clients ([`KiriminAjaClient`], [`FazzClient`])
//! share: their configuration errors, their transport errors, and one
//! bounded JSON call over the crate's HTTP service.
//!
//! Both clients send through the same kind of HTTP service as
//! [`SnapClient`](crate::client::SnapClient) (reqwest with feature
//! `reqwest`, else hyper-util; or any `tower::Service` given with `.http(..)`),
//! with tower-http's `AddAuthorization` in front (bearer for KiriminAja,
//! Basic for Fazz) and `SetSensitiveRequestHeaders` marking `Authorization`
//! sensitive, so no log line of the HTTP stack prints it. Every call has a
//! timeout covering the send and the whole answer, and the answer is read
//! up to a size limit.
//!
//! [`KiriminAjaClient`]: crate::kiriminaja::KiriminAjaClient
//! [`FazzClient`]: crate::fazz::FazzClient
//!
//! ```
//! use snap_bi::provider_client::{ClientConfigError, TransportError};
//! use std::time::Duration;
//!
//! let late = TransportError::Timeout(Duration::from_secs(30));
//! assert_eq!(late.to_string(), "no complete answer within 30s");
//! let missing = ClientConfigError::Missing { field: "base_url" };
//! assert_eq!(missing.field(), "base_url");
//! ```

use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode, Uri};
use http_body_util::Full;
use tower::{BoxError, ServiceExt};

use crate::client::HttpService;
use crate::collect::{CollectError, collect_limited};

/// Default timeout of one call: sending it and reading the whole answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The most of an answer a client reads (1 MiB).
pub const DEFAULT_RESPONSE_LIMIT: usize = 1 << 20;

/// Why a provider client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientConfigError {
    /// A required field was not set.
    #[error("`{field}` is required")]
    Missing {
        /// The builder method that sets it.
        field: &'static str,
    },
    /// A field's value cannot work.
    #[error("`{field}` is invalid: {reason}")]
    Invalid {
        /// The builder method that set it.
        field: &'static str,
        /// What is wrong (never the value of a secret).
        reason: String,
    },
    /// The default HTTP client could not be built.
    #[error("the HTTP client could not be built")]
    Http(#[source] BoxError),
}

impl ClientConfigError {
    /// The builder field at fault (`"http"` for [`Http`](Self::Http)).
    pub fn field(&self) -> &'static str {
        match self {
            Self::Missing { field } | Self::Invalid { field, .. } => field,
            Self::Http(_) => "http",
        }
    }
}

/// Why a call got no complete answer. Nothing here carries a credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No complete answer within the client's timeout.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// Connecting, sending or reading failed.
    #[error("the request could not be sent or its answer read")]
    Send(#[source] BoxError),
    /// The answer is larger than the client reads.
    #[error("the answer exceeds the {limit}-byte limit")]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// A checked base URL: `http(s)://host[:port][/prefix]`, kept without a
/// trailing `/` so a path starting with `/` appends to it.
pub(crate) fn base_url(url: &str) -> Result<String, ClientConfigError> {
    let trimmed = url.trim().trim_end_matches('/');
    let invalid = |reason: &str| ClientConfigError::Invalid {
        field: "base_url",
        reason: reason.to_owned(),
    };
    let uri: Uri = trimmed.parse().map_err(|_| invalid("not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(invalid("the scheme must be http or https")),
    }
    if uri.authority().is_none() {
        return Err(invalid("no host"));
    }
    if uri.query().is_some() {
        return Err(invalid("a base URL has no query"));
    }
    Ok(trimmed.to_owned())
}

/// The HTTP service chosen on a builder.
pub(crate) fn http_service(
    choice: crate::client::HttpChoice,
) -> Result<HttpService, ClientConfigError> {
    choice.into_service().map_err(|e| match e {
        crate::client::SnapClientConfigError::Http(source) => ClientConfigError::Http(source),
        other => ClientConfigError::Http(other.into()),
    })
}

/// Sends `request` and reads the whole answer within `timeout`, at most
/// `limit` bytes of it.
pub(crate) async fn send(
    service: &HttpService,
    request: Request<Full<Bytes>>,
    timeout: Duration,
    limit: usize,
) -> Result<(StatusCode, Bytes), TransportError> {
    let call = async {
        let response = service
            .clone()
            .oneshot(request)
            .await
            .map_err(TransportError::Send)?;
        let status = response.status();
        let body = collect_limited(response.into_body(), limit)
            .await
            .map_err(|e| match e {
                CollectError::TooLarge { limit } => TransportError::ResponseTooLarge { limit },
                CollectError::Read(source) => TransportError::Send(source),
            })?;
        Ok((status, body))
    };
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or(Err(TransportError::Timeout(timeout)))
}

#[cfg(test)]
mod tests;
