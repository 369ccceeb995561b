//! [`SnapClient`]: one builder chain to a working, typed SNAP client that
//! owns its B2B token cache, its signing layer and its HTTP client.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, Uri};
use http_body::Body;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use secrecy::{ExposeSecret, SecretString};
use tower::retry::Retry;
use tower::util::BoxCloneSyncService;
use tower::{BoxError, ServiceExt};
use tower_layer::Layer;
use tower_service::Service;

use super::call::{CallError, SnapCall, interpret};
use super::error::ConfigError;
use super::layer::{DEFAULT_BODY_LIMIT, SnapLayer, SnapResponseBody, SnapService};
use super::retry::{Idempotent, RetryPolicy};
use super::signer::{CustomerToken, RequestSigner};
use crate::asymmetric::AsymmetricSigner;
use crate::collect::{CollectError, collect_limited};
use crate::keys::RsaPrivateKey;
use crate::profile::ProviderProfile;
use crate::symmetric::ClientSecret;
use crate::token::{B2bTokenCache, BoxFuture, DEFAULT_FETCH_TIMEOUT, TokenRequestSigner};

/// Default timeout of one attempt.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The body of answers coming out of a [`SnapClient`]'s HTTP service.
pub type HttpBody = UnsyncBoxBody<Bytes, BoxError>;

/// The HTTP client a [`SnapClient`] sends through, type-erased: any
/// cloneable `tower::Service` taking `http::Request<Full<Bytes>>`.
pub type HttpService = BoxCloneSyncService<Request<Full<Bytes>>, Response<HttpBody>, BoxError>;

/// A typed SNAP client built in one chain by [`SnapClient::builder`].
///
/// Cheap to clone (clones share the token cache and the HTTP client's
/// connection pool).
///
/// # URLs
/// Service paths ([`SnapCall::PATH`], e.g. `/v1.0/qr/qr-mpm-query`) are
/// appended to the **base URL**, which therefore carries any provider
/// prefix: `https://host/snap` for Paydia. Token paths come from the
/// [`ProviderProfile`] and are absolute on the host (Paydia's is
/// `/snap/v1.0/access-token/b2b`), so they are joined to the base URL's
/// scheme and host only.
///
/// # Timeouts
/// - [`timeout`](SnapClientBuilder::timeout) (default 30 s) bounds each
///   attempt: getting the B2B token, signing, sending, and reading the whole
///   answer. A late attempt fails with [`CallError::Timeout`].
/// - A token fetch has its own timeout, inside the attempt's:
///   [`DEFAULT_FETCH_TIMEOUT`] (10 s), or nine tenths of the attempt's
///   timeout when that is shorter. A stalled fetch so ends within the
///   attempt that started it (as [`TokenError::Timeout`]), and the next
///   call starts a fresh one instead of waiting on the stale one.
/// - With a [`RetryPolicy`], a call makes at most `max_attempts` attempts;
///   see the [retry docs](super::RetryPolicy) for the bound on the whole call.
///
/// The client needs a Tokio runtime with its time driver (as the token cache
/// does).
///
/// [`TokenError::Timeout`]: crate::token::TokenError::Timeout
///
/// # Example
/// ```
/// use std::convert::Infallible;
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use snap_bi::client::SnapClient;
/// use snap_bi::qris::QrMpmQueryRequest;
/// use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey};
///
/// # let pem = include_str!("../../tests/vectors/keys/partner-test-private.pem");
/// // Stands in for the provider (over the network: leave `.http(..)` out,
/// // and the client uses reqwest).
/// let provider = tower::service_fn(|request: http::Request<Full<Bytes>>| async move {
///     let body: &'static [u8] = match request.uri().path() {
///         "/snap/v1.0/access-token/b2b" => br#"{"responseCode":"2007300","accessToken":"t-1","tokenType":"Bearer","expiresIn":"900"}"#,
///         _ => br#"{"responseCode":"2005100","responseMessage":"Success","latestTransactionStatus":"00"}"#,
///     };
///     Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(body))))
/// });
///
/// let client = SnapClient::builder(ProviderProfile::paydia())
///     .base_url("https://api.example.com/snap")
///     .client_id("35d1a1127182a65e4fe0256242a40a6d")
///     .private_key(RsaPrivateKey::from_pem(pem)?)
///     .client_secret(ClientSecret::new("a-client-secret")?)
///     .partner_id("35d1a1127182a65e4fe0256242a40a6d")
///     .channel_id("286")
///     .http(provider)
///     .build()?;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let mut query = QrMpmQueryRequest::new("51");
/// query.original_reference_no = Some("A1".into());
/// let status = client.call(&query).await?;
/// assert_eq!(status.response_code.as_str(), "2005100");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SnapClient {
    inner: Arc<Inner>,
}

struct Inner {
    profile: ProviderProfile,
    /// The base URL without a trailing `/`.
    base_url: String,
    tokens: B2bTokenCache,
    attempt: AttemptService,
    retry: Option<RetryPolicy>,
}

impl fmt::Debug for SnapClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapClient")
            .field("profile", &self.inner.profile.name())
            .field("base_url", &self.inner.base_url)
            .field("tokens", &self.inner.tokens)
            .field("timeout", &self.inner.attempt.timeout)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl SnapClient {
    /// Starts a client for `profile` (which decides the signature scheme,
    /// the token paths and the timestamp layout).
    pub fn builder(profile: ProviderProfile) -> SnapClientBuilder {
        SnapClientBuilder {
            profile,
            base_url: None,
            client_id: None,
            private_key: None,
            client_secret: None,
            partner_id: None,
            channel_id: None,
            http: HttpChoice::Default,
            timeout: DEFAULT_CALL_TIMEOUT,
            retry: None,
            response_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// Sends `request` and returns its typed response.
    ///
    /// The body is serialised once, and those bytes are signed and sent.
    ///
    /// # Errors
    /// [`CallError`]: a refusal (with the HTTP status, `responseCode` and raw
    /// body), an unparsable answer, a transport failure or timeout, or a
    /// request that could not be sent (then nothing was sent); a B2B2C
    /// service ([`SnapCall::CUSTOMER_TOKEN`]) needs
    /// [`call_as`](Self::call_as).
    pub fn call<T: SnapCall>(
        &self,
        request: &T,
    ) -> impl Future<Output = Result<T::Response, CallError>> + Send + use<T> {
        let prepared = self.prepare(request, None);
        self.clone().send::<T>(prepared)
    }

    /// [`call`](Self::call) for a B2B2C service: also sends the customer's
    /// token as `Authorization-Customer`.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub fn call_as<T: SnapCall>(
        &self,
        request: &T,
        customer: &CustomerToken,
    ) -> impl Future<Output = Result<T::Response, CallError>> + Send + use<T> {
        let prepared = self.prepare(request, Some(customer));
        self.clone().send::<T>(prepared)
    }

    /// The provider profile in use.
    pub fn profile(&self) -> &ProviderProfile {
        &self.inner.profile
    }

    /// The base URL service paths are appended to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The B2B token cache (e.g. to
    /// [`spawn_refresher`](B2bTokenCache::spawn_refresher)).
    pub fn tokens(&self) -> &B2bTokenCache {
        &self.inner.tokens
    }

    /// The unsigned request: serialised body, method, URL, and the
    /// extensions the layer and the retry policy read.
    fn prepare<T: SnapCall>(
        &self,
        request: &T,
        customer: Option<&CustomerToken>,
    ) -> Result<Request<Bytes>, CallError> {
        if T::CUSTOMER_TOKEN && customer.is_none() {
            return Err(CallError::MissingCustomerToken);
        }
        let body = serde_json::to_vec(request).map_err(CallError::Serialize)?;
        let uri = service_uri(&self.inner.base_url, T::PATH)
            .ok_or(CallError::InvalidPath { path: T::PATH })?;
        let mut prepared = Request::new(Bytes::from(body));
        *prepared.method_mut() = T::METHOD;
        *prepared.uri_mut() = uri;
        if let Some(customer) = customer {
            prepared.extensions_mut().insert(customer.clone());
        }
        if T::IDEMPOTENT {
            prepared.extensions_mut().insert(Idempotent);
        }
        Ok(prepared)
    }

    async fn send<T: SnapCall>(
        self,
        prepared: Result<Request<Bytes>, CallError>,
    ) -> Result<T::Response, CallError> {
        let request = prepared?;
        let attempt = self.inner.attempt.clone();
        let answer = match &self.inner.retry {
            Some(policy) => Retry::new(policy.clone(), attempt).oneshot(request).await?,
            None => attempt.oneshot(request).await?,
        };
        interpret::<T>(answer)
    }
}

/// `base` (no trailing `/`) followed by `path` (starting with `/`).
fn service_uri(base: &str, path: &str) -> Option<Uri> {
    if !path.starts_with('/') {
        return None;
    }
    let mut url = String::with_capacity(base.len() + path.len());
    url.push_str(base);
    url.push_str(path);
    Uri::try_from(url).ok()
}

/// One attempt: sign (through the layer), send, and read the whole answer,
/// within the timeout. The retry policy wraps this, so each attempt is
/// signed afresh.
#[derive(Clone)]
struct AttemptService {
    signed: SnapService<HttpService>,
    timeout: Duration,
    response_limit: usize,
}

impl Service<Request<Bytes>> for AttemptService {
    type Response = Response<Bytes>;
    type Error = CallError;
    type Future = BoxFuture<'static, Result<Response<Bytes>, CallError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        Service::<Request<Full<Bytes>>>::poll_ready(&mut self.signed, cx)
            .map_err(CallError::from_layer)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        // Named by its concrete type: holding the layer's future as the
        // `Service::Future` projection would make the compiler prove its
        // bounds for every lifetime when checking that this one is `Send`.
        let sent: SignedFuture = self.signed.call(request.map(Full::new));
        let (timeout, limit) = (self.timeout, self.response_limit);
        Box::pin(async move {
            match tokio::time::timeout(timeout, read_answer(sent, limit)).await {
                Ok(answer) => answer,
                Err(_) => Err(CallError::Timeout { after: timeout }),
            }
        })
    }
}

/// What the signing layer's service returns for one request.
type SignedFuture = BoxFuture<'static, Result<Response<SnapResponseBody<HttpBody>>, BoxError>>;

/// Waits for the answer and reads its whole body.
async fn read_answer(sent: SignedFuture, limit: usize) -> Result<Response<Bytes>, CallError> {
    let response = sent.await.map_err(CallError::from_layer)?;
    let (parts, body) = response.into_parts();
    let body = collect_limited(body, limit).await.map_err(|e| match e {
        CollectError::TooLarge { limit } => CallError::ResponseTooLarge { limit },
        CollectError::Read(e) => CallError::Transport(e),
    })?;
    Ok(Response::from_parts(parts, body))
}

/// A configuration mistake found by [`SnapClientBuilder::build`], naming
/// the builder field at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapClientConfigError {
    /// A required field was not set.
    #[error("SnapClient: `{field}` is required")]
    Missing {
        /// The builder method that sets it, e.g. `"client_secret"`.
        field: &'static str,
    },
    /// A field's value cannot work.
    #[error("SnapClient: `{field}` is invalid: {reason}")]
    Invalid {
        /// The builder method that set it.
        field: &'static str,
        /// What is wrong (never the value of a secret).
        reason: String,
    },
    /// The default HTTP client could not be built.
    #[error("SnapClient: the HTTP client could not be built")]
    Http(#[source] BoxError),
}

impl SnapClientConfigError {
    /// The builder field at fault (`"http"` for [`Http`](Self::Http)).
    pub fn field(&self) -> &'static str {
        match self {
            Self::Missing { field } | Self::Invalid { field, .. } => field,
            Self::Http(_) => "http",
        }
    }

    fn invalid(field: &'static str, reason: impl fmt::Display) -> Self {
        Self::Invalid {
            field,
            reason: reason.to_string(),
        }
    }
}

/// The private key as given: parsed, or PEM text parsed at build time.
enum KeyInput {
    Parsed(Arc<RsaPrivateKey>),
    Pem(SecretString),
}

/// Where the HTTP client comes from. A new source (a TLS configuration,
/// say) is one more variant here, one setter, and one arm in
/// [`HttpChoice::into_service`].
pub(crate) enum HttpChoice {
    /// `ReqwestService::new()` with feature `reqwest`, else hyper-util's
    /// plain-http client with feature `hyper`.
    Default,
    /// A service the caller built.
    Service(HttpService),
    /// A `reqwest::Client` the caller configured.
    #[cfg(feature = "reqwest")]
    Reqwest(reqwest::Client),
    /// The crate's own client with this TLS configuration: reqwest with
    /// feature `reqwest`, else hyper-util over hyper-rustls.
    #[cfg(feature = "rustls")]
    Tls(super::tls::TlsConfig),
}

impl HttpChoice {
    pub(crate) fn into_service(self) -> Result<HttpService, SnapClientConfigError> {
        match self {
            Self::Service(service) => Ok(service),
            #[cfg(all(feature = "rustls", feature = "reqwest"))]
            Self::Tls(tls) => super::ReqwestService::with_tls(&tls)
                .map(box_http)
                .map_err(|e| SnapClientConfigError::Http(e.into())),
            #[cfg(all(feature = "rustls", not(feature = "reqwest")))]
            Self::Tls(tls) => Ok(box_http(super::tls::hyper_https_client(&tls))),
            #[cfg(feature = "reqwest")]
            Self::Reqwest(client) => Ok(box_http(super::ReqwestService::from_client(client))),
            #[cfg(feature = "reqwest")]
            Self::Default => super::ReqwestService::new()
                .map(box_http)
                .map_err(|e| SnapClientConfigError::Http(e.into())),
            #[cfg(all(not(feature = "reqwest"), feature = "hyper"))]
            Self::Default => Ok(box_http(super::hyper_client())),
            #[cfg(not(any(feature = "reqwest", feature = "hyper")))]
            Self::Default => Err(SnapClientConfigError::Missing { field: "http" }),
        }
    }
}

/// Erases an HTTP client's type (and its body's).
pub(crate) fn box_http<S, B>(service: S) -> HttpService
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    BoxCloneSyncService::new(
        service
            .map_response(|response: Response<B>| {
                response.map(|body| body.map_err(Into::into).boxed_unsync())
            })
            .map_err(Into::into),
    )
}

/// Builds a [`SnapClient`]; see [`SnapClient::builder`].
///
/// Setters only store what they are given; [`build`](Self::build) checks
/// everything and names the field at fault.
#[must_use]
pub struct SnapClientBuilder {
    profile: ProviderProfile,
    base_url: Option<String>,
    client_id: Option<String>,
    private_key: Option<KeyInput>,
    client_secret: Option<ClientSecret>,
    partner_id: Option<String>,
    channel_id: Option<String>,
    http: HttpChoice,
    timeout: Duration,
    retry: Option<RetryPolicy>,
    response_limit: usize,
}

impl fmt::Debug for SnapClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapClientBuilder")
            .field("profile", &self.profile.name())
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "<redacted>"),
            )
            .field("client_secret", &self.client_secret)
            .field("partner_id", &self.partner_id)
            .field("channel_id", &self.channel_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl SnapClientBuilder {
    /// The provider's base URL, `http(s)://host[/prefix]`: service paths are
    /// appended to it (Paydia: `https://host/snap`). Required.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The client id the provider issued (`X-CLIENT-KEY` of token
    /// requests). Required.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The partner's RSA private key: signs token requests, and every call
    /// under an asymmetric profile. Required.
    pub fn private_key(mut self, key: impl Into<Arc<RsaPrivateKey>>) -> Self {
        self.private_key = Some(KeyInput::Parsed(key.into()));
        self
    }

    /// [`private_key`](Self::private_key) as PEM text (PKCS#8 or PKCS#1),
    /// parsed by [`build`](Self::build).
    pub fn private_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.private_key = Some(KeyInput::Pem(SecretString::from(pem.into())));
        self
    }

    /// The client secret (HMAC-SHA512 key). Required by symmetric profiles
    /// (every preset but DANA).
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// `X-PARTNER-ID` on every call (at Paydia, the client id). Required.
    pub fn partner_id(mut self, id: impl Into<String>) -> Self {
        self.partner_id = Some(id.into());
        self
    }

    /// `CHANNEL-ID` on every call. Required.
    pub fn channel_id(mut self, id: impl Into<String>) -> Self {
        self.channel_id = Some(id.into());
        self
    }

    /// The HTTP client: any cloneable `tower::Service` taking
    /// `http::Request<Full<Bytes>>` (hyper-util's legacy client, a
    /// [`ReqwestService`](super::ReqwestService), a test double). It must not
    /// follow redirects. Default: `ReqwestService::new()` (feature
    /// `reqwest`), else hyper-util's plain-http client (feature `hyper`).
    pub fn http<S, B>(mut self, service: S) -> Self
    where
        S: Service<Request<Full<Bytes>>, Response = Response<B>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.http = HttpChoice::Service(box_http(service));
        self
    }

    /// The HTTP client as a configured `reqwest::Client` (TLS roots, client
    /// certificate, proxy, pool settings). Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`.
    #[cfg(feature = "reqwest")]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = HttpChoice::Reqwest(client);
        self
    }

    /// The crate's TLS client for `https://` providers: the system's roots
    /// plus those in `tls`, and its client certificate for mTLS. Over
    /// reqwest with feature `reqwest` (redirects off, proxies from the
    /// environment), else over hyper-util. Replaces [`http`](Self::http) and
    /// [`http_client`](Self::http_client); the last of the three set wins.
    #[cfg(feature = "rustls")]
    pub fn tls(mut self, tls: super::tls::TlsConfig) -> Self {
        self.http = HttpChoice::Tls(tls);
        self
    }

    /// The timeout of one attempt (default 30 s); the token fetch's is
    /// at most nine tenths of it. See [Timeouts](SnapClient#timeouts).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries by `policy` (default: none). Only idempotent calls are
    /// retried unless the policy says otherwise.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest answer body read (default 1 MiB); a larger one fails with
    /// [`CallError::ResponseTooLarge`].
    pub fn response_body_limit(mut self, bytes: usize) -> Self {
        self.response_limit = bytes;
        self
    }

    /// Checks every field and builds the client (no network access).
    ///
    /// # Errors
    /// [`SnapClientConfigError`] naming the first field at fault: a missing
    /// required field, an invalid URL or header value, a private key that
    /// does not parse, a zero timeout, an unusable retry policy, or an HTTP
    /// client that cannot be built.
    pub fn build(self) -> Result<SnapClient, SnapClientConfigError> {
        use SnapClientConfigError as E;

        let base_url = required(self.base_url, "base_url")?;
        let (base_url, origin) = check_base_url(&base_url)?;
        let client_id = non_empty(required(self.client_id, "client_id")?, "client_id")?;
        let key = match required(self.private_key, "private_key")? {
            KeyInput::Parsed(key) => key,
            KeyInput::Pem(pem) => RsaPrivateKey::from_pem(pem.expose_secret())
                .map(Arc::new)
                .map_err(|e| E::invalid("private_key", e))?,
        };
        let partner_id = non_empty(required(self.partner_id, "partner_id")?, "partner_id")?;
        let channel_id = non_empty(required(self.channel_id, "channel_id")?, "channel_id")?;
        if self.timeout.is_zero() {
            return Err(E::invalid("timeout", "must be longer than zero"));
        }
        if let Some(policy) = &self.retry {
            policy
                .check()
                .map_err(|reason| E::invalid("retry", reason))?;
        }

        let mut signer = RequestSigner::builder(self.profile.clone())
            .private_key(Arc::clone(&key))
            .partner_id(&partner_id)
            .map_err(|_| E::invalid("partner_id", "not a valid header value"))?
            .channel_id(&channel_id)
            .map_err(|_| E::invalid("channel_id", "not a valid header value"))?;
        if let Some(secret) = self.client_secret {
            signer = signer.client_secret(secret);
        }
        let signer = signer.build().map_err(|e| match e {
            ConfigError::MissingClientSecret => E::Missing {
                field: "client_secret",
            },
            ConfigError::MissingPrivateKey => E::Missing {
                field: "private_key",
            },
            other => E::invalid("profile", other),
        })?;

        if HeaderValue::from_str(&client_id).is_err() {
            return Err(E::invalid("client_id", "not a valid header value"));
        }
        let token = self.profile.token();
        let token_requests =
            TokenRequestSigner::builder_with_signer(client_id, AsymmetricSigner::from_shared(key))
                .profile(&self.profile)
                .b2b_url(format!("{origin}{}", token.b2b_path()))
                .b2b2c_url(format!("{origin}{}", token.b2b2c_path()))
                .build()
                .map_err(|e| E::invalid("profile", e))?;

        let http = self.http.into_service()?;
        // A fetch that outlived the attempt starting it would hold every
        // later call (single flight) until its own timeout, after the
        // endpoint had healed; a tenth of the attempt is left for the
        // caller to receive the fetch's typed error.
        let tokens = B2bTokenCache::builder(token_requests)
            .fetch_timeout(token_fetch_timeout(self.timeout))
            .build(http.clone());
        let layer = SnapLayer::builder(signer)
            .shared_token_source(Arc::new(tokens.clone()))
            // The attempt's own timeout bounds this, and may be longer.
            .request_timeout(None)
            .build()
            .map_err(|e| E::invalid("profile", e))?;
        Ok(SnapClient {
            inner: Arc::new(Inner {
                profile: self.profile,
                base_url,
                tokens,
                attempt: AttemptService {
                    signed: layer.layer(http),
                    timeout: self.timeout,
                    response_limit: self.response_limit,
                },
                retry: self.retry,
            }),
        })
    }
}

/// The token fetch timeout of a client whose attempts last `attempt`.
fn token_fetch_timeout(attempt: Duration) -> Duration {
    DEFAULT_FETCH_TIMEOUT.min(attempt - attempt / 10)
}

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, SnapClientConfigError> {
    value.ok_or(SnapClientConfigError::Missing { field })
}

fn non_empty(value: String, field: &'static str) -> Result<String, SnapClientConfigError> {
    if value.trim().is_empty() {
        return Err(SnapClientConfigError::invalid(field, "is empty"));
    }
    Ok(value)
}

/// The base URL without a trailing `/`, and its `scheme://authority`.
fn check_base_url(url: &str) -> Result<(String, String), SnapClientConfigError> {
    let invalid = |reason: &str| SnapClientConfigError::invalid("base_url", reason);
    let uri = Uri::try_from(url).map_err(|_| invalid("not a URL"))?;
    let scheme = match uri.scheme_str() {
        Some(scheme @ ("http" | "https")) => scheme,
        _ => return Err(invalid("must start with http:// or https://")),
    };
    let authority = uri.authority().ok_or_else(|| invalid("has no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid("must not carry credentials"));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(invalid("must not have a query or fragment"));
    }
    let base = url.trim_end_matches('/').to_owned();
    Ok((base, format!("{scheme}://{authority}")))
}

#[cfg(test)]
mod tests;
