//! [`FazzClient`]: one-time payments over HTTP, Basic-authenticated.

use std::fmt;
use std::sync::Arc;

use http::Method;
use tower_http::auth::AddAuthorizationLayer;

use super::{
    CONTENT_TYPE, CreatePaymentRequest, Credentials, FazzError, PAYMENTS_PATH, PRODUCTION_BASE_URL,
    PaymentDocument, SANDBOX_BASE_URL, decode_payment_response, payment_path,
};
use crate::provider_client::{
    ClientConfigError, Transport, TransportError, TransportOptions, base_url, request,
    transport_builder_methods,
};

/// Why a Fazz call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FazzCallError {
    /// No complete answer (timeout, connection, size).
    #[error("Fazz: {0}")]
    Transport(#[from] TransportError),
    /// Fazz answered, but not with a payment (an error document, an HTTP
    /// error, a bad shape).
    #[error(transparent)]
    Provider(#[from] FazzError),
}

impl FazzCallError {
    /// The first error's `code` when Fazz refused the call.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Self::Provider(e) => e.api_code(),
            Self::Transport(_) => None,
        }
    }
}

/// A Fazz (Xfers) v4 client: `POST /payments` and `GET /payments/{id}`.
///
/// Every call carries HTTP Basic (API key as user, secret key as password),
/// added by tower-http's `AddAuthorization` and marked sensitive, and
/// `Content-Type`/`Accept: application/vnd.api+json`. Each call has a
/// timeout (default 30 s) over sending and reading the whole answer.
///
/// **Retrying a create.** `referenceId` is Fazz's idempotency key: to retry
/// a [`create_payment`](Self::create_payment) whose answer was lost (a
/// timeout, a dropped connection), send the **same**
/// [`CreatePaymentRequest`] again — same `referenceId` — never a new one, or
/// the payer may get two payment codes. The client does not retry on its own.
///
/// ```no_run
/// use snap_bi::fazz::{CreatePaymentRequest, Credentials, FazzClient, PaymentMethodOptions};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = FazzClient::builder()
///     .credentials(Credentials::new(std::env::var("FAZZ_API_KEY")?, std::env::var("FAZZ_SECRET_KEY")?)?)
///     .sandbox()
///     .build()?;
/// let request = CreatePaymentRequest::builder()
///     .reference_id("ORDER_0001")
///     .amount(100_000)
///     .options(PaymentMethodOptions::Qris { display_name: None })
///     .build()?;
/// let created = match client.create_payment(&request).await {
///     // The answer was lost: the same request (same referenceId) again.
///     Err(e) if e.to_string().contains("no complete answer") => client.create_payment(&request).await?,
///     other => other?,
/// };
/// let later = client.get_payment(created.id()).await?;
/// println!("{}", later.status());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FazzClient {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: String,
    transport: Transport,
}

impl fmt::Debug for FazzClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FazzClient")
            .field("base_url", &self.inner.base_url)
            .field("timeout", &self.inner.transport.timeout)
            .finish_non_exhaustive()
    }
}

impl FazzClient {
    /// Starts a builder.
    pub fn builder() -> FazzClientBuilder {
        FazzClientBuilder {
            credentials: None,
            base_url: None,
            transport: TransportOptions::default(),
        }
    }

    /// The base URL calls go to (`…/api/v4`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// `POST /payments`. Retry only with the same request (same
    /// `referenceId`), see [above](Self).
    ///
    /// # Errors
    /// [`FazzCallError`]: no answer, or Fazz's error document.
    pub async fn create_payment(
        &self,
        request: &CreatePaymentRequest,
    ) -> Result<PaymentDocument, FazzCallError> {
        self.call(Method::POST, PAYMENTS_PATH, request.to_json())
            .await
    }

    /// `GET /payments/{id}`, the id percent-encoded as one path segment.
    ///
    /// # Errors
    /// [`FazzCallError`]: no answer, or Fazz's error document (`004` not
    /// found).
    pub async fn get_payment(&self, payment_id: &str) -> Result<PaymentDocument, FazzCallError> {
        self.call(Method::GET, &payment_path(payment_id), Vec::new())
            .await
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<PaymentDocument, FazzCallError> {
        let url = format!("{}{path}", self.inner.base_url);
        let content_type = (method == Method::POST).then_some(CONTENT_TYPE);
        let request = request(method, &url, body, content_type, CONTENT_TYPE)?;
        self.inner
            .transport
            .call(request, decode_payment_response)
            .await
    }
}

/// Builds a [`FazzClient`]; [`build`](Self::build) reports what is missing
/// or invalid.
#[must_use]
pub struct FazzClientBuilder {
    credentials: Option<Credentials>,
    base_url: Option<String>,
    transport: TransportOptions,
}

impl fmt::Debug for FazzClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FazzClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("timeout", &self.transport.timeout)
            .finish_non_exhaustive()
    }
}

impl FazzClientBuilder {
    /// The API key and secret key. Required.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    transport_builder_methods! {
        /// The API base, `…/api/v4` included. Required unless
        /// [`sandbox`](Self::sandbox) or [`production`](Self::production) is
        /// used.
        base_url;
        /// [`PRODUCTION_BASE_URL`] (unconfirmed by a current Fazz page; prefer
        /// [`base_url`](Self::base_url) from your configuration).
        production;
    }

    /// The client.
    ///
    /// # Errors
    /// [`ClientConfigError`] naming the field: no credentials, no or a bad
    /// base URL, a zero timeout, or an HTTP client that cannot be built.
    pub fn build(self) -> Result<FazzClient, ClientConfigError> {
        let credentials = self.credentials.ok_or(ClientConfigError::Missing {
            field: "credentials",
        })?;
        if credentials.expose_api_key().contains(':') {
            // Basic's user name ends at the first colon.
            return Err(ClientConfigError::Invalid {
                field: "credentials",
                reason: "the API key contains ':'".to_owned(),
            });
        }
        let base = base_url(
            self.base_url
                .as_deref()
                .ok_or(ClientConfigError::Missing { field: "base_url" })?,
        )?;
        let authorization = AddAuthorizationLayer::basic(
            credentials.expose_api_key(),
            credentials.expose_secret_key(),
        );
        let transport = self.transport.build(authorization)?;
        Ok(FazzClient {
            inner: Arc::new(Inner {
                base_url: base,
                transport,
            }),
        })
    }
}
