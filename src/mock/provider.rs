//! [`MockProvider`]: a local SNAP provider (PJP) for integration tests, on
//! 127.0.0.1 or in-process.
//!
//! It issues B2B/B2B2C tokens ([`TokenIssuer`]), verifies every
//! transactional call with the crate's [`VerifyLayer`] (signature, token,
//! timestamp window, `X-EXTERNAL-ID` replay), and serves QRIS MPM generate,
//! query, cancel and refund over the in-memory [`Ledger`]. A control endpoint
//! marks a payment paid (or failed) and sends the asymmetric-signed
//! payment notification to the merchant's notify URL. A signature rejection
//! says what was wrong, from the same diagnosis as `snap-bi explain`.
//!
//! | route (under the optional prefix) | what |
//! |---|---|
//! | `POST /v1.0/access-token/b2b`, `…/b2b2c` (the profile's token paths, see [`MockProvider::token_paths`]) | token issuance (RSA over `clientId\|timestamp`); any other `…/access-token/…` path is `4040002` |
//! | `POST /v1.0/qr/qr-mpm-generate`, `-query`, `-cancel`, `-refund` | QRIS MPM services 47, 51, 77, 78 (HMAC-SHA512 with the issued token) |
//! | | under the Paydia profile, Query Payment also requires `Authorization-Customer`, raw (no `Bearer `): missing is `4015104`, unknown or `Bearer` `4015102` ([`MockProviderBuilder::require_customer_token_on_query`]); B2B2C `authCode`s: [`MockProvider::TEST_AUTH_CODE`] and [`MockProviderBuilder::auth_code`] |
//! | `POST /mock/qr-mpm-pay`, `/mock/qr-mpm-fail` | test control, unauthenticated: `{"originalReferenceNo":"…"}` marks the payment paid / failed and sends the notification (service 52) |
//! | KiriminAja's and Fazz's endpoints (features `kiriminaja`, `fazz`) | when configured with [`MockProviderBuilder::kiriminaja`] / [`MockProviderBuilder::fazz`]: see [`KiriminAjaMock`](super::KiriminAjaMock), [`FazzMock`](super::FazzMock) |
//!
//! ```
//! use snap_bi::mock::MockProvider;
//! use snap_bi::server::Partner;
//! use snap_bi::{ClientSecret, RsaPublicKey};
//!
//! # let pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/keys/partner-test-public.pem"));
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let provider = MockProvider::builder()
//!     .partner(
//!         Partner::new("PARTNER01")
//!             .with_client_id("CLIENT01")
//!             .with_public_key(RsaPublicKey::from_pem(pem)?),
//!         ClientSecret::new("partner-secret")?,
//!     )
//!     .prefix("/snap")
//!     .build()?;
//! let running = provider.bind(([127, 0, 0, 1], 0).into()).await?;
//! assert!(running.base_url().starts_with("http://127.0.0.1:"));
//! running.shutdown().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use tower::{BoxError, Layer, ServiceExt};
use tower_service::Service;

use crate::client::{RequestSigner, hyper_client};
use crate::collect::collect_limited;
use crate::keys::RsaPrivateKey;
use crate::mock::ledger::{CallContext, Ledger, LedgerConfig, TriggerError};
use crate::mock::serve::{ServeLimits, serve};
use crate::profile::{CustomerTokenStyle, ProviderProfile, TransactionSignature};
use crate::qris::{
    QrMpmCancelRequest, QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmRefundRequest,
    ServiceRequest, ServiceResponse,
};
use crate::server::reject::clip_message;
use crate::server::{
    Partner, ReplayStore, StaticAuthCodes, StaticPartners, TokenIssuer, VerifiedRequest,
    VerifyLayer, VerifyService,
};
use crate::symmetric::ClientSecret;
use crate::timestamp::{Clock, SystemClock};
use crate::token::BoxFuture;

/// Response body of the mock provider's service.
pub type MockBody = BoxBody<Bytes, BoxError>;

/// Why a [`MockProvider`] could not be built or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The configuration is inconsistent (duplicate partner, bad URL, …).
    #[error("mock provider configuration: {0}")]
    Config(String),
    /// Binding the listening socket failed.
    #[error("mock provider could not listen: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds a [`MockProvider`].
#[must_use]
pub struct MockProviderBuilder {
    partners: Vec<Partner>,
    prefix: String,
    profile: ProviderProfile,
    notify_url: Option<String>,
    notify_key: Option<RsaPrivateKey>,
    notify_partner_id: String,
    clock: Arc<dyn Clock>,
    ledger: Option<LedgerConfig>,
    limits: ServeLimits,
    #[cfg(feature = "kiriminaja")]
    kiriminaja: Option<super::KiriminAjaMock>,
    #[cfg(feature = "fazz")]
    fazz: Option<super::FazzMock>,
    auth_codes: StaticAuthCodes,
    query_needs_customer_token: Option<bool>,
    replay: Option<Arc<dyn ReplayStore>>,
    token_secret: Option<Vec<u8>>,
    refresh_lifetime: Option<Duration>,
}

impl fmt::Debug for MockProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockProviderBuilder")
            .field("partners", &self.partners.len())
            .field("prefix", &self.prefix)
            .field("profile", &self.profile.name())
            .field("notify_url", &self.notify_url)
            .finish_non_exhaustive()
    }
}

impl MockProviderBuilder {
    /// Timeouts and the connection cap of [`MockProvider::bind`] (default
    /// [`ServeLimits::default`]: 10 s for a request head, 30 s per request,
    /// 256 connections).
    pub fn limits(mut self, limits: ServeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Registers a partner: its ids and public key (for token requests), and
    /// its client secret (for transactional HMAC signatures).
    pub fn partner(mut self, partner: Partner, client_secret: ClientSecret) -> Self {
        self.partners
            .push(partner.with_client_secret(&client_secret));
        self
    }

    /// Serves every standard path under `prefix` (e.g. `/snap`: the query is
    /// then `/snap/v1.0/qr/qr-mpm-query`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().trim_end_matches('/').to_owned();
        self
    }

    /// The profile the provider verifies with (default ASPI standard).
    pub fn profile(mut self, profile: ProviderProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Where payment notifications go (the merchant's full notify URL,
    /// `http://127.0.0.1:…/…/qr-mpm-notify`), and the PJP private key that
    /// signs them (SHA256withRSA, 4-field).
    pub fn notify(mut self, url: impl Into<String>, pjp_key: RsaPrivateKey) -> Self {
        self.notify_url = Some(url.into());
        self.notify_key = Some(pjp_key);
        self
    }

    /// The `X-PARTNER-ID` the provider sends on notifications (default
    /// `MOCK-PJP`).
    pub fn notify_partner_id(mut self, id: impl Into<String>) -> Self {
        self.notify_partner_id = id.into();
        self
    }

    /// The clock for tokens, timestamp windows and the ledger.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The ledger settings (merchant, limits, status dialect).
    pub fn ledger(mut self, config: LedgerConfig) -> Self {
        self.ledger = Some(config);
        self
    }

    /// Also serves KiriminAja's endpoints ([`KiriminAjaMock`](super::KiriminAjaMock)).
    #[cfg(feature = "kiriminaja")]
    pub fn kiriminaja(mut self, kiriminaja: super::KiriminAjaMock) -> Self {
        self.kiriminaja = Some(kiriminaja);
        self
    }

    /// Also serves Fazz's endpoints ([`FazzMock`](super::FazzMock)).
    #[cfg(feature = "fazz")]
    pub fn fazz(mut self, fazz: super::FazzMock) -> Self {
        self.fazz = Some(fazz);
        self
    }

    /// Accepts `code` as a B2B2C `authCode` standing for `customer_id`
    /// (reusable, for tests), besides [`MockProvider::TEST_AUTH_CODE`].
    pub fn auth_code(mut self, code: impl Into<String>, customer_id: impl Into<String>) -> Self {
        self.auth_codes = self.auth_codes.with_code(code, customer_id);
        self
    }

    /// Whether Query Payment requires `Authorization-Customer` (a customer
    /// token this mock issued, written as the profile's
    /// [`CustomerTokenStyle`] says): missing is `4015104 Customer Token Not
    /// Found`; unknown, expired or (under a raw-token profile) sent with
    /// `Bearer ` is `4015102 Invalid Customer Token`. Default: on under the
    /// Paydia profile (seed 004: the query is issuer-side), off otherwise.
    pub fn require_customer_token_on_query(mut self, required: bool) -> Self {
        self.query_needs_customer_token = Some(required);
        self
    }

    /// How long issued B2B2C refresh tokens live (default 30 days, see
    /// [`TokenIssuerBuilder::refresh_lifetime`](crate::server::TokenIssuerBuilder::refresh_lifetime)).
    /// Under the Paydia profile the customer token outlives that default,
    /// so tests of a refresh at its expiry set a longer one.
    pub fn refresh_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.refresh_lifetime = Some(lifetime);
        self
    }

    /// Keeps `X-EXTERNAL-ID` replay protection in `store` instead of in
    /// this process (e.g. Redis, so that several mock instances reject
    /// each other's replays).
    pub fn replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = Some(store);
        self
    }

    /// Signs access tokens HS256 with `secret` (at least 32 bytes), so that
    /// instances sharing it accept each other's tokens, as a provider's
    /// instances behind one load balancer do. Default: a random secret.
    pub fn token_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.token_secret = Some(secret.into());
        self
    }

    /// The provider.
    ///
    /// # Errors
    /// [`MockError::Config`] for duplicate partners, an invalid ledger
    /// configuration or an unusable notify URL.
    pub fn build(self) -> Result<MockProvider, MockError> {
        let mut directory = StaticPartners::builder();
        for partner in self.partners {
            directory = directory.partner(partner);
        }
        let directory = Arc::new(
            directory
                .build()
                .map_err(|e| MockError::Config(e.to_string()))?,
        );
        let paydia = self.profile.name() == ProviderProfile::paydia().name();
        let mut issuer = TokenIssuer::builder_shared(directory.clone())
            .profile(self.profile.clone())
            .shared_clock(self.clock.clone())
            .auth_codes(self.auth_codes);
        if let Some(secret) = self.token_secret {
            issuer = issuer.hs256_secret(secret);
        }
        if let Some(lifetime) = self.refresh_lifetime {
            issuer = issuer.refresh_lifetime(lifetime);
        }
        if paydia {
            // The lifetimes of the seed's two JWTs.
            issuer = issuer
                .lifetime(crate::paydia::B2B_TOKEN_LIFETIME)
                .customer_lifetime(crate::paydia::CUSTOMER_TOKEN_LIFETIME);
        }
        let issuer = issuer
            .build()
            .map_err(|e| MockError::Config(e.to_string()))?;
        let mut verify = VerifyLayer::builder_shared(directory);
        if let Some(store) = self.replay {
            verify = verify.shared_replay_store(store);
        }
        let verify = verify
            .profile(self.profile.clone())
            .token_validator(issuer.clone())
            .shared_clock(self.clock.clone())
            // No `mounted_at`: `route` hands the layer the full path, prefix
            // included, so the layer signs exactly the received path.
            .explain_rejections()
            .build()
            .map_err(|e| MockError::Config(e.to_string()))?;
        let ledger_config = match self.ledger {
            Some(config) => config,
            None => LedgerConfig::builder()
                .status_dialect(self.profile.status_dialect())
                .build()
                .map_err(|e| MockError::Config(e.to_string()))?,
        };
        let notifier = match (self.notify_url, self.notify_key) {
            (Some(url), Some(key)) => {
                let uri: http::Uri = url
                    .parse()
                    .map_err(|_| MockError::Config(format!("invalid notify URL {url:?}")))?;
                let profile = ProviderProfile::aspi_standard()
                    .to_builder()
                    .name("mock-notify")
                    .transaction_signature(TransactionSignature::Asymmetric)
                    .build();
                let signer = RequestSigner::builder(profile)
                    .private_key(key)
                    .partner_id(&self.notify_partner_id)
                    .and_then(|b| b.channel_id("95221"))
                    .and_then(|b| b.build())
                    .map_err(|e| MockError::Config(e.to_string()))?;
                Some(Notifier { uri, signer })
            }
            _ => None,
        };
        let state = Arc::new(State {
            ledger: Ledger::new(ledger_config),
            clock: self.clock,
            notifier,
            ids: AtomicU64::new(0),
            id_prefix: uuid::Uuid::new_v4().as_u64_pair().0 % 1_000_000,
            query_needs_customer_token: self.query_needs_customer_token.unwrap_or(paydia),
            raw_customer_token: self.profile.customer_token_style() == CustomerTokenStyle::Raw,
        });
        let handler = QrisHandler {
            state: state.clone(),
        };
        let token = self.profile.token();
        let token_paths = [
            token_path(&self.prefix, token.b2b_path()),
            token_path(&self.prefix, token.b2b2c_path()),
        ];
        Ok(MockProvider {
            inner: Arc::new(Routes {
                token_paths,
                profile_name: self.profile.name().to_owned(),
                prefix: self.prefix,
                limits: self.limits,
                issuer,
                b2b_token_requests: AtomicU64::new(0),
                b2b2c_token_requests: AtomicU64::new(0),
                qris: verify.layer(handler),
                state,
                #[cfg(feature = "kiriminaja")]
                kiriminaja: self.kiriminaja.map(Arc::new),
                #[cfg(feature = "fazz")]
                fazz: self.fazz.map(Arc::new),
            }),
        })
    }
}

/// A local SNAP provider (see the [`mock`](crate::mock) module). Cheap to clone.
#[derive(Clone)]
pub struct MockProvider {
    inner: Arc<Routes>,
}

impl fmt::Debug for MockProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockProvider")
            .field("prefix", &self.inner.prefix)
            .field("payments", &self.inner.state.ledger.len())
            .finish_non_exhaustive()
    }
}

struct Routes {
    prefix: String,
    limits: ServeLimits,
    /// The B2B and B2B2C token paths, in full: the only token routes.
    token_paths: [String; 2],
    profile_name: String,
    issuer: TokenIssuer,
    /// Requests to the B2B token path, answered or not.
    b2b_token_requests: AtomicU64,
    /// Requests to the B2B2C token path (authorization codes and
    /// refreshes), answered or not.
    b2b2c_token_requests: AtomicU64,
    qris: VerifyService<QrisHandler>,
    state: Arc<State>,
    #[cfg(feature = "kiriminaja")]
    kiriminaja: Option<Arc<super::KiriminAjaMock>>,
    #[cfg(feature = "fazz")]
    fazz: Option<Arc<super::FazzMock>>,
}

struct State {
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    notifier: Option<Notifier>,
    ids: AtomicU64,
    id_prefix: u64,
    /// Query Payment needs a validated `Authorization-Customer`.
    query_needs_customer_token: bool,
    /// The profile sends `Authorization-Customer` without `Bearer `: the
    /// query refuses a `Bearer` one, as the seed's provider is documented.
    raw_customer_token: bool,
}

struct Notifier {
    uri: http::Uri,
    signer: RequestSigner,
}

impl State {
    /// A provider-minted id (`referenceNo`, `refundNo`): unique per process.
    fn mint(&self, kind: &str) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        format!("{kind}{:06}{n:010}", self.id_prefix)
    }
}

impl MockProvider {
    /// Starts a builder (ASPI standard profile, no prefix, system clock).
    pub fn builder() -> MockProviderBuilder {
        MockProviderBuilder {
            partners: Vec::new(),
            prefix: String::new(),
            profile: ProviderProfile::aspi_standard(),
            notify_url: None,
            notify_key: None,
            notify_partner_id: "MOCK-PJP".to_owned(),
            clock: Arc::new(SystemClock),
            ledger: None,
            limits: ServeLimits::default(),
            #[cfg(feature = "kiriminaja")]
            kiriminaja: None,
            #[cfg(feature = "fazz")]
            fazz: None,
            auth_codes: StaticAuthCodes::new()
                .with_code(Self::TEST_AUTH_CODE, Self::TEST_CUSTOMER_ID),
            query_needs_customer_token: None,
            replay: None,
            token_secret: None,
            refresh_lifetime: None,
        }
    }

    /// How many requests reached the B2B token endpoint so far (whatever
    /// the answer). Clone the provider before [`bind`](Self::bind) to read
    /// it while it serves.
    pub fn b2b_token_requests(&self) -> u64 {
        self.inner.b2b_token_requests.load(Ordering::SeqCst)
    }

    /// How many requests reached the B2B2C token endpoint so far
    /// (authorization-code exchanges and refreshes, whatever the answer).
    pub fn b2b2c_token_requests(&self) -> u64 {
        self.inner.b2b2c_token_requests.load(Ordering::SeqCst)
    }

    /// The B2B2C `authCode` every mock accepts (reusable), standing for the
    /// customer [`TEST_CUSTOMER_ID`](Self::TEST_CUSTOMER_ID). Real codes come
    /// from the provider's account-binding step and are single-use.
    pub const TEST_AUTH_CODE: &'static str = "MOCK-AUTH-CODE";

    /// The customer behind [`TEST_AUTH_CODE`](Self::TEST_AUTH_CODE).
    pub const TEST_CUSTOMER_ID: &'static str = "mock-customer";

    /// The full paths of the B2B and B2B2C token endpoints: the profile's
    /// token paths, under the prefix unless they already start with it. No
    /// other path issues tokens (a real provider would answer 404 there).
    pub fn token_paths(&self) -> [&str; 2] {
        let [b2b, b2b2c] = &self.inner.token_paths;
        [b2b, b2b2c]
    }

    /// The payment ledger (to inspect state in tests).
    pub fn ledger(&self) -> &Ledger {
        &self.inner.state.ledger
    }

    /// Serves on `addr` (use port 0 for a free port) until the returned
    /// handle is shut down or dropped, under the builder's
    /// [`limits`](MockProviderBuilder::limits): a head timeout, a
    /// per-request timeout (`408`), a connection cap and a pause after
    /// failed `accept`s (see [`ServeLimits`]).
    ///
    /// # Errors
    /// [`MockError::Io`] when the address cannot be bound.
    pub async fn bind(self, addr: SocketAddr) -> Result<RunningMock, MockError> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let prefix = self.inner.prefix.clone();
        let limits = self.inner.limits;
        let task = tokio::spawn(serve(listener, limits, self, stopped));
        Ok(RunningMock {
            addr: local,
            prefix,
            stop: Some(stop),
            task: Some(task),
        })
    }

    async fn route<B>(self, request: Request<B>) -> Response<MockBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let routes = &self.inner;
        let Some(path) = request.uri().path().strip_prefix(routes.prefix.as_str()) else {
            return not_found();
        };
        let path = path.to_owned();
        if routes.token_paths[0] == request.uri().path() {
            routes.b2b_token_requests.fetch_add(1, Ordering::SeqCst);
        } else if routes.token_paths[1] == request.uri().path() {
            routes.b2b2c_token_requests.fetch_add(1, Ordering::SeqCst);
        }
        if routes.token_paths.iter().any(|p| p == request.uri().path()) {
            let response = match routes.issuer.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            return response.map(box_full);
        }
        if path.contains("/access-token/") {
            // Any other token path is what the real provider would 404 on:
            // say where the token is instead of issuing one.
            return not_found_detail(&format!(
                "the token endpoints are {} and {} (profile {})",
                routes.token_paths[0], routes.token_paths[1], routes.profile_name
            ));
        }
        #[cfg(feature = "kiriminaja")]
        if let Some(kiriminaja) = &routes.kiriminaja
            && super::KiriminAjaMock::serves(&path)
        {
            return kiriminaja
                .handle(&path, request, routes.state.clock.now())
                .await;
        }
        #[cfg(feature = "fazz")]
        if let Some(fazz) = &routes.fazz
            && super::FazzMock::serves(&path)
        {
            return fazz.handle(&path, request, routes.state.clock.now()).await;
        }
        if let Some(action) = path.strip_prefix("/mock/") {
            return trigger(&routes.state, action, request).await;
        }
        if path.starts_with("/v1.0/qr/qr-mpm-") {
            return match routes.qris.clone().oneshot(request).await {
                Ok(response) => response.map(|body| body.boxed()),
                Err(never) => match never {},
            };
        }
        not_found()
    }
}

impl<B> Service<Request<B>> for MockProvider
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<MockBody>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let provider = self.clone();
        Box::pin(async move { Ok(provider.route(request).await) })
    }
}

fn box_full(body: Full<Bytes>) -> MockBody {
    body.map_err(|never| match never {}).boxed()
}

pub(super) fn json_response(status: StatusCode, body: Vec<u8>) -> Response<MockBody> {
    let mut response = Response::new(box_full(Full::new(Bytes::from(body))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub(super) fn not_found() -> Response<MockBody> {
    json_response(
        StatusCode::NOT_FOUND,
        br#"{"responseCode":"4040002","responseMessage":"Invalid Routing"}"#.to_vec(),
    )
}

/// `4040002 Invalid Routing` with what would have been right.
fn not_found_detail(detail: &str) -> Response<MockBody> {
    let body = serde_json::json!({
        "responseCode": "4040002",
        "responseMessage": clip_message(format!("Invalid Routing. {detail}").into()),
    });
    json_response(StatusCode::NOT_FOUND, body.to_string().into_bytes())
}

/// Where the mock serves a profile's token `path`: under the prefix, unless
/// the profile's path already starts with it (paydia's `/snap/v1.0/…` under
/// `--prefix /snap`), so that `base_url() + path` and the profile agree.
fn token_path(prefix: &str, path: &str) -> String {
    let under_prefix = path
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with('/'));
    if prefix.is_empty() || under_prefix {
        path.to_owned()
    } else {
        format!("{prefix}{path}")
    }
}

/// The verified QRIS handler behind the [`VerifyLayer`].
#[derive(Clone)]
struct QrisHandler {
    state: Arc<State>,
}

impl Service<Request<Full<Bytes>>> for QrisHandler {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
        let state = self.state.clone();
        Box::pin(async move { Ok(handle_qris(&state, request).await) })
    }
}

async fn handle_qris(state: &State, request: Request<Full<Bytes>>) -> Response<Full<Bytes>> {
    let verified = request.extensions().get::<VerifiedRequest>();
    let external_id = verified.and_then(|v| v.external_id()).map(str::to_owned);
    let has_customer_token = verified.is_some_and(|v| v.customer_token().is_some());
    let path = request.uri().path().to_owned();
    if state.query_needs_customer_token && path.ends_with("/qr-mpm-query") {
        // An invalid token was already refused by the verify layer
        // (4015102); here the header is absent or written the wrong way.
        let bearer = request
            .headers()
            .get(crate::headers::AUTHORIZATION_CUSTOMER)
            .and_then(|v| v.as_bytes().get(..7))
            .is_some_and(|p| p.eq_ignore_ascii_case(b"bearer "));
        let refusal: Option<&'static [u8]> = if !has_customer_token {
            Some(br#"{"responseCode":"4015104","responseMessage":"Customer Token Not Found"}"#)
        } else if bearer && state.raw_customer_token {
            Some(
                br#"{"responseCode":"4015102","responseMessage":"Invalid Customer Token. [Authorization-Customer is the raw token here, without Bearer]"}"#,
            )
        } else {
            None
        };
        if let Some(body) = refusal {
            tracing::info!(
                target: "snap_bi::mock",
                path = path.as_str(),
                bearer,
                "query refused: Authorization-Customer missing or not raw"
            );
            let mut response = Response::new(Full::new(Bytes::from_static(body)));
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            return response;
        }
    }
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let mut call = CallContext::at(state.clock.now());
    if let Some(id) = external_id {
        call = call.with_external_id(id);
    }
    let ledger = &state.ledger;
    let mut reference = None;
    let (action, (status, json)) = if path.ends_with("/qr-mpm-generate") {
        let minted = reference.insert(state.mint("QR"));
        let answered =
            answer::<QrMpmGenerateRequest, _>(&body, |r| ledger.generate(r, &call, minted));
        ("generate", answered)
    } else if path.ends_with("/qr-mpm-query") {
        let answered = answer::<QrMpmQueryRequest, _>(&body, |r| ledger.query(r, &call));
        ("query", answered)
    } else if path.ends_with("/qr-mpm-cancel") {
        let answered = answer::<QrMpmCancelRequest, _>(&body, |r| ledger.cancel(r, &call));
        ("cancel", answered)
    } else if path.ends_with("/qr-mpm-refund") {
        let minted = reference.insert(state.mint("RF"));
        let answered = answer::<QrMpmRefundRequest, _>(&body, |r| ledger.refund(r, &call, minted));
        ("refund", answered)
    } else {
        let routing = br#"{"responseCode":"4040002","responseMessage":"Invalid Routing"}"#;
        ("none", (StatusCode::NOT_FOUND, routing.to_vec()))
    };
    tracing::info!(
        target: "snap_bi::mock",
        action,
        path = path.as_str(),
        status = status.as_u16(),
        minted_reference = reference.as_deref(),
        "payment service answered"
    );
    let mut response = Response::new(Full::new(Bytes::from(json)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Parses a typed request and runs `op`, or answers the parse error.
fn answer<R, F>(body: &[u8], op: F) -> (StatusCode, Vec<u8>)
where
    R: ServiceRequest,
    R::Response: serde::Serialize,
    F: FnOnce(&R) -> R::Response,
{
    let response = match R::from_json(body) {
        Ok(request) => op(&request),
        Err(error) => R::reject(&error),
    };
    let status = response.response_code().http_status();
    let json = serde_json::to_vec(&response).unwrap_or_else(|_| {
        br#"{"responseCode":"5000000","responseMessage":"General Error"}"#.to_vec()
    });
    (status, json)
}

/// How long the mock waits for the merchant's answer to a notification.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// The most the mock reads of a control request or a merchant's answer to a
/// notification: both are small JSON documents.
pub(super) const CONTROL_BODY_LIMIT: usize = 64 * 1024;

/// `POST /mock/qr-mpm-pay` / `/mock/qr-mpm-fail`.
async fn trigger<B>(state: &State, action: &str, request: Request<B>) -> Response<MockBody>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    if request.method() != Method::POST {
        return not_found();
    }
    let Ok(body) = collect_limited(request.into_body(), CONTROL_BODY_LIMIT).await else {
        return control_error(StatusCode::BAD_REQUEST, "unreadable body");
    };
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Trigger {
        original_reference_no: Option<String>,
        original_partner_reference_no: Option<String>,
    }
    let Ok(trigger) = serde_json::from_slice::<Trigger>(&body) else {
        return control_error(
            StatusCode::BAD_REQUEST,
            "expected {\"originalReferenceNo\":\"…\"}",
        );
    };
    let Some(reference) = trigger
        .original_reference_no
        .or(trigger.original_partner_reference_no)
    else {
        return control_error(StatusCode::BAD_REQUEST, "originalReferenceNo is missing");
    };
    let call = CallContext::at(state.clock.now());
    let notification = match action {
        "qr-mpm-pay" => state.ledger.mark_paid(&reference, &call),
        "qr-mpm-fail" => state.ledger.mark_failed(&reference, &call),
        _ => return not_found(),
    };
    let notification = match notification {
        Ok(notification) => notification,
        Err(error @ TriggerError::NotFound { .. }) => {
            return control_error(StatusCode::NOT_FOUND, &error.to_string());
        }
        Err(error) => return control_error(StatusCode::CONFLICT, &error.to_string()),
    };
    tracing::info!(
        target: "snap_bi::mock",
        action,
        reference = reference.as_str(),
        status = ?notification.latest_transaction_status,
        "payment marked"
    );
    let Ok(notify_body) = serde_json::to_vec(&notification) else {
        return control_error(StatusCode::INTERNAL_SERVER_ERROR, "notification encoding");
    };
    let delivery = match &state.notifier {
        None => serde_json::json!({"sent": false, "reason": "no notify URL configured"}),
        Some(notifier) => match notifier.send(notify_body.clone()).await {
            Ok((status, answer)) => {
                tracing::info!(
                    target: "snap_bi::mock",
                    url = %notifier.uri,
                    merchant_status = status.as_u16(),
                    "notification sent"
                );
                serde_json::json!({
                "sent": true,
                "merchantStatus": status.as_u16(),
                "merchantResponse": String::from_utf8_lossy(&answer),
                })
            }
            Err(error) => {
                tracing::warn!(
                    target: "snap_bi::mock",
                    url = %notifier.uri,
                    %error,
                    "notification not delivered"
                );
                serde_json::json!({"sent": false, "reason": error.to_string()})
            }
        },
    };
    let notification_value: serde_json::Value =
        serde_json::from_slice(&notify_body).unwrap_or(serde_json::Value::Null);
    let body = serde_json::json!({
        "responseCode": "2000000",
        "responseMessage": "Successful",
        "notification": notification_value,
        "delivery": delivery,
    });
    json_response(StatusCode::OK, body.to_string().into_bytes())
}

fn control_error(status: StatusCode, message: &str) -> Response<MockBody> {
    let message = clip_message(message.to_owned().into());
    let body = serde_json::json!({"responseCode": format!("{}0000", status.as_u16()), "responseMessage": message});
    json_response(status, body.to_string().into_bytes())
}

impl Notifier {
    /// Signs and POSTs a notification; returns the merchant's status and body.
    async fn send(&self, body: Vec<u8>) -> Result<(StatusCode, Bytes), BoxError> {
        // `sign` canonicalises (and validates) the body itself.
        let mut request = Request::new(Bytes::from(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        self.signer.sign(&mut request, None, None)?;
        // Bounded: a stalling merchant must not hold the control request.
        let exchange = async {
            let response = hyper_client().request(request.map(Full::new)).await?;
            let status = response.status();
            let answer = collect_limited(response.into_body(), CONTROL_BODY_LIMIT).await?;
            Ok::<_, BoxError>((status, answer))
        };
        tokio::time::timeout(NOTIFY_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("the merchant did not answer within {NOTIFY_TIMEOUT:?}"))?
    }
}

/// A running [`MockProvider`]; stops on [`shutdown`](Self::shutdown) or drop.
#[derive(Debug)]
pub struct RunningMock {
    addr: SocketAddr,
    prefix: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningMock {
    /// The bound address (`127.0.0.1:PORT`).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by the prefix (e.g. `/snap`).
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.prefix)
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
