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
use http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use http_body_util::Full;
use tower::util::BoxCloneSyncService;
use tower::{BoxError, ServiceBuilder, ServiceExt};
use tower_http::auth::AddAuthorizationLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;

use crate::client::{HttpChoice, HttpService};
use crate::collect::{CollectError, collect_limited};

pub(crate) mod receive;

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

/// What a provider client's builder collects for the transport: the HTTP
/// service, the timeout and the answer limit.
pub(crate) struct TransportOptions {
    pub(crate) http: HttpChoice,
    pub(crate) timeout: Duration,
    pub(crate) response_limit: usize,
}

impl Default for TransportOptions {
    fn default() -> Self {
        Self {
            http: HttpChoice::Default,
            timeout: DEFAULT_TIMEOUT,
            response_limit: DEFAULT_RESPONSE_LIMIT,
        }
    }
}

impl TransportOptions {
    /// The transport, every call carrying `authorization` (marked
    /// sensitive). Call it after the provider's own checks, so errors are
    /// reported in the builder's field order.
    pub(crate) fn build(
        self,
        authorization: AddAuthorizationLayer,
    ) -> Result<Transport, ClientConfigError> {
        if self.timeout.is_zero() {
            return Err(ClientConfigError::Invalid {
                field: "timeout",
                reason: "must be more than zero".to_owned(),
            });
        }
        let http = http_service(self.http)?;
        let service = ServiceBuilder::new()
            // Outermost first: the header is added, then marked sensitive
            // for everything below (the HTTP client's own logging).
            .layer(authorization.as_sensitive(true))
            .layer(SetSensitiveRequestHeadersLayer::new([
                header::AUTHORIZATION,
            ]))
            .service(http);
        Ok(Transport {
            service: BoxCloneSyncService::new(service),
            timeout: self.timeout,
            response_limit: self.response_limit,
        })
    }
}

/// The builder methods both provider clients have, over a
/// `base_url: Option<String>` and a `transport: TransportOptions` field:
/// `base_url`, `sandbox`, `production` (the caller's `SANDBOX_BASE_URL` and
/// `PRODUCTION_BASE_URL`, with the docs given), `timeout`,
/// `response_limit`, `http` and (feature `rustls`) `tls`.
macro_rules! transport_builder_methods {
    (
        $(#[$base_url_doc:meta])* base_url;
        $(#[$production_doc:meta])* production;
    ) => {
        $(#[$base_url_doc])*
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.base_url = Some(url.into());
            self
        }

        /// [`SANDBOX_BASE_URL`].
        pub fn sandbox(self) -> Self {
            self.base_url(SANDBOX_BASE_URL)
        }

        $(#[$production_doc])*
        pub fn production(self) -> Self {
            self.base_url(PRODUCTION_BASE_URL)
        }

        /// Timeout of one call (default 30 s).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.transport.timeout = timeout;
            self
        }

        /// The most of an answer read (default 1 MiB).
        pub fn response_limit(mut self, bytes: usize) -> Self {
            self.transport.response_limit = bytes;
            self
        }

        /// Sends through this service instead of the crate's default client
        /// (reqwest with feature `reqwest`, else hyper-util).
        pub fn http<S, B>(mut self, service: S) -> Self
        where
            S: ::tower_service::Service<
                    ::http::Request<::http_body_util::Full<::bytes::Bytes>>,
                    Response = ::http::Response<B>,
                > + Clone
                + Send
                + Sync
                + 'static,
            S::Error: Into<::tower::BoxError>,
            S::Future: Send + 'static,
            B: ::http_body::Body<Data = ::bytes::Bytes> + Send + 'static,
            B::Error: Into<::tower::BoxError>,
        {
            self.transport.http =
                $crate::client::HttpChoice::Service($crate::client::box_http(service));
            self
        }

        /// Uses the crate's TLS client with these roots and client identity.
        #[cfg(feature = "rustls")]
        pub fn tls(mut self, tls: $crate::client::tls::TlsConfig) -> Self {
            self.transport.http = $crate::client::HttpChoice::Tls(tls);
            self
        }
    };
}
pub(crate) use transport_builder_methods;

/// A provider client's HTTP service (authorization in front), timeout and
/// answer limit.
pub(crate) struct Transport {
    service: HttpService,
    pub(crate) timeout: Duration,
    response_limit: usize,
}

impl Transport {
    /// Sends `request`, then decodes the status and the whole answer.
    pub(crate) async fn call<T, E, CallError>(
        &self,
        request: Request<Full<Bytes>>,
        decode: impl FnOnce(u16, &[u8]) -> Result<T, E>,
    ) -> Result<T, CallError>
    where
        CallError: From<TransportError> + From<E>,
    {
        let (status, body) =
            send(&self.service, request, self.timeout, self.response_limit).await?;
        Ok(decode(status.as_u16(), &body)?)
    }
}

/// A request to `url`; `content_type` set when given, `accept` always.
pub(crate) fn request(
    method: Method,
    url: &str,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    accept: &'static str,
) -> Result<Request<Full<Bytes>>, TransportError> {
    let mut request = Request::new(Full::new(Bytes::from(body)));
    *request.method_mut() = method;
    *request.uri_mut() = url.parse().map_err(|e| TransportError::Send(Box::new(e)))?;
    if let Some(content_type) = content_type {
        request
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    request
        .headers_mut()
        .insert(header::ACCEPT, HeaderValue::from_static(accept));
    Ok(request)
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
