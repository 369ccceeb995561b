//! [`KiriminAjaClient`]: `get_payment` over HTTP, bearer-authenticated.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request};
use http_body_util::Full;
use tower_http::auth::AddAuthorizationLayer;

use super::legacy::legacy_instant_payment_path;
use super::{
    ApiKey, GetPayment, GetPaymentRequest, InvalidPaymentId, KiriminAjaError, PRODUCTION_BASE_URL,
    SANDBOX_BASE_URL, decode_get_payment,
};
use crate::provider_client::{
    ClientConfigError, Transport, TransportError, TransportOptions, base_url, request,
    transport_builder_methods,
};

const JSON: &str = "application/json";

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
    transport: Transport,
}

impl fmt::Debug for KiriminAjaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KiriminAjaClient")
            .field("base_url", &self.inner.base_url)
            .field("legacy_base_url", &self.inner.legacy_base_url)
            .field("timeout", &self.inner.transport.timeout)
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
            transport: TransportOptions::default(),
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
        let method = GetPaymentRequest::METHOD;
        self.send(request(method, &url, call.to_json(), Some(JSON), JSON)?)
            .await
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
        let method = super::legacy::LEGACY_INSTANT_METHOD;
        self.send(request(method, &url, Vec::new(), None, JSON)?)
            .await
    }

    async fn send(&self, request: Request<Full<Bytes>>) -> Result<GetPayment, KiriminAjaCallError> {
        self.inner.transport.call(request, decode_get_payment).await
    }
}

/// Builds a [`KiriminAjaClient`]; [`build`](Self::build) reports what is
/// missing or invalid.
#[must_use]
pub struct KiriminAjaClientBuilder {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    legacy_base_url: Option<String>,
    transport: TransportOptions,
}

impl fmt::Debug for KiriminAjaClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KiriminAjaClientBuilder")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("legacy_base_url", &self.legacy_base_url)
            .field("timeout", &self.transport.timeout)
            .finish_non_exhaustive()
    }
}

impl KiriminAjaClientBuilder {
    /// The API key sent as the bearer value. Required.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// The host of the legacy Instant call
    /// ([`legacy::LEGACY_INSTANT_SANDBOX_BASE_URL`](super::legacy::LEGACY_INSTANT_SANDBOX_BASE_URL)
    /// or the production one). Default: the base URL (what the embedded
    /// mock serves).
    pub fn legacy_instant_base_url(mut self, url: impl Into<String>) -> Self {
        self.legacy_base_url = Some(url.into());
        self
    }

    transport_builder_methods! {
        /// The base URL (`https://host`, or a local mock's). Required, unless
        /// [`sandbox`](Self::sandbox) or [`production`](Self::production) is
        /// used: there is no default host, so a test key never reaches
        /// production by accident.
        base_url;
        /// [`PRODUCTION_BASE_URL`].
        production;
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
        let authorization = AddAuthorizationLayer::bearer(api_key.expose_secret());
        let transport = self.transport.build(authorization)?;
        Ok(KiriminAjaClient {
            inner: Arc::new(Inner {
                base_url: base,
                legacy_base_url: legacy,
                transport,
            }),
        })
    }
}
