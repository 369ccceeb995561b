//! [`KiriminAjaClient`]: `get_payment` over HTTP, bearer-authenticated.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, header};
use http_body_util::Full;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;
use tower_http::auth::AddAuthorizationLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;

use super::legacy::legacy_instant_payment_path;
use super::{
    ApiKey, GetPayment, GetPaymentRequest, InvalidPaymentId, KiriminAjaError, PRODUCTION_BASE_URL,
    SANDBOX_BASE_URL, decode_get_payment,
};
use crate::client::{HttpChoice, HttpService, box_http};
use crate::provider_client::{
    ClientConfigError, DEFAULT_RESPONSE_LIMIT, DEFAULT_TIMEOUT, TransportError, base_url,
    http_service, send,
};

/// Why a KiriminAja call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KiriminAjaCallError {
    /// The payment id cannot be sent; nothing was sent.
    #[error(transparent)]
    InvalidPaymentId(#[from] InvalidPaymentId),
    /// No complete answer (timeout, connection, size).
    #[error("KiriminAja: {0}")]
    Transport(#[from] TransportError),
    /// KiriminAja answered, but not with a payment (`status: false`, an
    /// HTTP error, a bad shape).
    #[error(transparent)]
    Provider(#[from] KiriminAjaError),
}

impl KiriminAjaCallError {
    /// KiriminAja's `code` when it refused the call.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Self::Provider(e) => e.api_code(),
            _ => None,
        }
    }
}

/// A KiriminAja client: `POST /api/mitra/v2/get_payment` (both products) and
/// the retired Instant `GET` as an explicit legacy option.
///
/// Every call carries `Authorization: Bearer <api key>`, added by
/// tower-http's `AddAuthorization` and marked sensitive; each call has a
/// timeout (default 30 s) over sending and reading the whole answer.
/// `get_payment` is a read: retrying it is safe. Cheap to clone.
///
/// ```no_run
/// use snap_bi::kiriminaja::{ApiKey, KiriminAjaClient};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = KiriminAjaClient::builder()
///     .api_key(ApiKey::new(std::env::var("KIRIMINAJA_API_KEY")?)?)
///     .sandbox()
///     .build()?;
/// let payment = client.get_payment("XID-5732095327").await?;
/// println!("{}", serde_json::to_string(&payment.summary())?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct KiriminAjaClient {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: String,
    legacy_base_url: String,
    service: HttpService,
    timeout: Duration,
    response_limit: usize,
}

impl fmt::Debug for KiriminAjaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KiriminAjaClient")
            .field("base_url", &self.inner.base_url)
            .field("legacy_base_url", &self.inner.legacy_base_url)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl KiriminAjaClient {
    /// Starts a builder.
    pub fn builder() -> KiriminAjaClientBuilder {
        KiriminAjaClientBuilder {
            api_key: None,
            base_url: None,
            legacy_base_url: None,
            http: HttpChoice::Default,
            timeout: DEFAULT_TIMEOUT,
            response_limit: DEFAULT_RESPONSE_LIMIT,
        }
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// `POST /api/mitra/v2/get_payment` with `{"payment_id": …}`.
    ///
    /// # Errors
    /// [`KiriminAjaCallError`]: an invalid id (nothing sent), no answer, or
    /// KiriminAja's refusal with its `code`.
    pub async fn get_payment(&self, payment_id: &str) -> Result<GetPayment, KiriminAjaCallError> {
        let call = GetPaymentRequest::new(payment_id)?;
        let url = format!("{}{}", self.inner.base_url, GetPaymentRequest::PATH);
        let mut request = Request::new(Full::new(Bytes::from(call.to_json())));
        *request.method_mut() = GetPaymentRequest::METHOD;
        *request.uri_mut() = url.parse().map_err(|e| TransportError::Send(Box::new(e)))?;
        request.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.send(request).await
    }

    /// The retired Instant call of seed 001,
    /// `GET /open-api/v1/instants/payment/{id}` on the legacy host (see
    /// [`legacy`](super::legacy); set with
    /// [`legacy_instant_base_url`](KiriminAjaClientBuilder::legacy_instant_base_url)).
    /// Only for accounts that still depend on it.
    ///
    /// # Errors
    /// As [`get_payment`](Self::get_payment).
    pub async fn get_payment_legacy_instant(
        &self,
        payment_id: &str,
    ) -> Result<GetPayment, KiriminAjaCallError> {
        let path = legacy_instant_payment_path(payment_id)?;
        let url = format!("{}{path}", self.inner.legacy_base_url);
        let mut request = Request::new(Full::new(Bytes::new()));
        *request.method_mut() = super::legacy::LEGACY_INSTANT_METHOD;
        *request.uri_mut() = url.parse().map_err(|e| TransportError::Send(Box::new(e)))?;
        self.send(request).await
    }

    async fn send(&self, request: Request<Full<Bytes>>) -> Result<GetPayment, KiriminAjaCallError> {
        let (status, body) = send(
            &self.inner.service,
            with_accept(request),
            self.inner.timeout,
            self.inner.response_limit,
        )
        .await?;
        Ok(decode_get_payment(status.as_u16(), &body)?)
    }
}

fn with_accept(mut request: Request<Full<Bytes>>) -> Request<Full<Bytes>> {
    request
        .headers_mut()
        .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    request
}

/// Builds a [`KiriminAjaClient`]; [`build`](Self::build) reports what is
/// missing or invalid.
#[must_use]
pub struct KiriminAjaClientBuilder {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    legacy_base_url: Option<String>,
    http: HttpChoice,
    timeout: Duration,
    response_limit: usize,
}

impl fmt::Debug for KiriminAjaClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KiriminAjaClientBuilder")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("legacy_base_url", &self.legacy_base_url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl KiriminAjaClientBuilder {
    /// The API key sent as the bearer value. Required.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// The base URL (`https://host`, or a local mock's). Required, unless
    /// [`sandbox`](Self::sandbox) or [`production`](Self::production) is
    /// used: there is no default host, so a test key never reaches
    /// production by accident.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// [`SANDBOX_BASE_URL`].
    pub fn sandbox(self) -> Self {
        self.base_url(SANDBOX_BASE_URL)
    }

    /// [`PRODUCTION_BASE_URL`].
    pub fn production(self) -> Self {
        self.base_url(PRODUCTION_BASE_URL)
    }

    /// The host of the legacy Instant call
    /// ([`legacy::LEGACY_INSTANT_SANDBOX_BASE_URL`](super::legacy::LEGACY_INSTANT_SANDBOX_BASE_URL)
    /// or the production one). Default: the base URL (what the embedded
    /// mock serves).
    pub fn legacy_instant_base_url(mut self, url: impl Into<String>) -> Self {
        self.legacy_base_url = Some(url.into());
        self
    }

    /// Timeout of one call (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most of an answer read (default 1 MiB).
    pub fn response_limit(mut self, bytes: usize) -> Self {
        self.response_limit = bytes;
        self
    }

    /// Sends through this service instead of the crate's default client
    /// (reqwest with feature `reqwest`, else hyper-util).
    pub fn http<S, B>(mut self, service: S) -> Self
    where
        S: tower_service::Service<Request<Full<Bytes>>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Error: Into<tower::BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<tower::BoxError>,
    {
        self.http = HttpChoice::Service(box_http(service));
        self
    }

    /// Uses the crate's TLS client with these roots and client identity.
    #[cfg(feature = "rustls")]
    pub fn tls(mut self, tls: crate::client::tls::TlsConfig) -> Self {
        self.http = HttpChoice::Tls(tls);
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`ClientConfigError`] naming the field: no API key, an API key that
    /// cannot be a header value, no or a bad base URL, a zero timeout, or
    /// an HTTP client that cannot be built.
    pub fn build(self) -> Result<KiriminAjaClient, ClientConfigError> {
        let api_key = self
            .api_key
            .ok_or(ClientConfigError::Missing { field: "api_key" })?;
        // tower-http panics on a bearer value that is not a header value:
        // refuse it here instead.
        if HeaderValue::try_from(format!("Bearer {}", api_key.expose_secret())).is_err() {
            return Err(ClientConfigError::Invalid {
                field: "api_key",
                reason: "not a valid HTTP header value".to_owned(),
            });
        }
        let base = base_url(
            self.base_url
                .as_deref()
                .ok_or(ClientConfigError::Missing { field: "base_url" })?,
        )?;
        let legacy = match self.legacy_base_url.as_deref() {
            Some(url) => base_url(url).map_err(|e| match e {
                ClientConfigError::Invalid { reason, .. } => ClientConfigError::Invalid {
                    field: "legacy_instant_base_url",
                    reason,
                },
                other => other,
            })?,
            None => base.clone(),
        };
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
            .layer(AddAuthorizationLayer::bearer(api_key.expose_secret()).as_sensitive(true))
            .layer(SetSensitiveRequestHeadersLayer::new([
                header::AUTHORIZATION,
            ]))
            .service(http);
        Ok(KiriminAjaClient {
            inner: Arc::new(Inner {
                base_url: base,
                legacy_base_url: legacy,
                service: BoxCloneSyncService::new(service),
                timeout: self.timeout,
                response_limit: self.response_limit,
            }),
        })
    }
}
