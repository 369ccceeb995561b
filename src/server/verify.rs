//! The verifying Tower layer: checks every SNAP request before the handler
//! sees it, and answers rejections itself with the exact SNAP error.
//!
//! [`VerifyLayer`] wraps any `tower::Service<http::Request<Full<Bytes>>>`
//! (an axum `Router` or route, a `service_fn`, …). It accepts requests with
//! any body type, reads the body up to a size limit, hashes the **received
//! bytes** (whitespace-minified only, per the profile's [`BodyPolicy`]) and
//! hands the inner service those bytes unchanged, with a [`VerifiedRequest`]
//! in the request extensions.
//!
//! Checks, in order, each with its SNAP answer (`xx` = the route's service
//! code; see [`VerifyLayerBuilder::route`]):
//!
//! | check | answer |
//! |---|---|
//! | a mandatory header is missing or empty | `400xx02 Invalid Mandatory Field [X-…]` |
//! | a header is malformed (`X-TIMESTAMP` not RFC 3339, non-ASCII, too long, `X-SIGNATURE` not base64/hex of the right length) | `400xx01 Invalid Field Format [X-…]` |
//! | `X-TIMESTAMP` outside the window (±5 min by default) | `401xx00 Unauthorized. [Timestamp out of window]` |
//! | unknown partner | `401xx00 Unauthorized. [Unknown partner]` |
//! | the partner has no key for the scheme | `401xx00 Unauthorized. [Key not found]` |
//! | B2B token invalid or expired / not found | `401xx01 Invalid Token (B2B)` / `401xx03` |
//! | customer token invalid / not found | `401xx02 Invalid Customer Token` / `401xx04` |
//! | body larger than the limit (1 MiB by default) | `413xx00 Payload Too Large` |
//! | body not JSON (under [`BodyPolicy::Minify`]) | `400xx00 Bad Request` |
//! | signature does not match | `401xx00 Unauthorized. [Signature]` (see [`SignatureRejectionHook`]) |
//! | same `X-EXTERNAL-ID` from the same partner on the same Jakarta day | `409xx00 Conflict` |
//! | same `X-SIGNATURE` from the same partner while its `X-TIMESTAMP` is in the window (a captured request re-sent with a new `X-EXTERNAL-ID`) | `409xx00 Conflict` |
//! | partner directory, token validator or replay store failed | `500xx01 Internal Server Error` (`429xx00` for a full replay store) |
//!
//! Tokens are checked before the body is read and before the signature, so
//! an expired but correctly signed request gets `401xx01` (which tells the
//! client to fetch a new token); the `X-EXTERNAL-ID` is recorded only once
//! everything else passed, so rejected requests never burn an id.
//!
//! ```
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use snap_bi::server::{Partner, StaticPartners, VerifiedRequest, VerifyLayer};
//! use snap_bi::timestamp::{FixedClock, TimestampFormat};
//! use snap_bi::{headers, BodyPolicy, CanonicalBody, ClientSecret, SymmetricSigner, TransactionParts};
//! use tower::{Layer, ServiceExt};
//!
//! let secret = ClientSecret::new("s3cret")?;
//! let partners = StaticPartners::builder()
//!     .partner(Partner::new("partner-01").with_client_secret(&secret))
//!     .build()?;
//! let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+07:00")?.to_utc();
//! let layer = VerifyLayer::builder(partners)
//!     .without_token_check() // a real server plugs a TokenValidator in here
//!     .clock(FixedClock(now))
//!     .build()?;
//!
//! let handler = tower::service_fn(|req: http::Request<Full<Bytes>>| async move {
//!     let who = req.extensions().get::<VerifiedRequest>().map(|v| v.partner_id().to_owned());
//!     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(who.unwrap_or_default()))))
//! });
//! let service = layer.layer(handler);
//!
//! // A client signs the exact bytes it sends.
//! let body = br#"{"originalPartnerReferenceNo":"2020102900000000000001"}"#;
//! let timestamp = TimestampFormat::JakartaSeconds.format(now);
//! let canonical = CanonicalBody::new(body, BodyPolicy::Minify)?;
//! let parts = TransactionParts::new("POST", "/v1.0/qr/qr-mpm-query", &canonical, timestamp.as_str());
//! let signature = SymmetricSigner::new(&secret).sign(&parts, "any-token");
//! let request = || {
//!     http::Request::post("/v1.0/qr/qr-mpm-query")
//!         .header(headers::X_TIMESTAMP, timestamp.as_str())
//!         .header(headers::X_SIGNATURE, signature.as_str())
//!         .header(headers::X_PARTNER_ID, "partner-01")
//!         .header(headers::X_EXTERNAL_ID, "41807553358950093184162180797837")
//!         .header(headers::CHANNEL_ID, "95221")
//!         .header(headers::AUTHORIZATION, "Bearer any-token")
//!         .body(Full::new(Bytes::from_static(body)))
//! };
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let response = service.clone().oneshot(request()?).await?;
//! assert_eq!(response.status(), 200);
//!
//! // The same request again: this X-EXTERNAL-ID was used today.
//! let replayed = service.oneshot(request()?).await?;
//! assert_eq!(replayed.status(), 409);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::headers::{HeaderState, display_name, header_state};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderName, Request, Response};
use http_body_util::{Either, Full};
use tower_layer::Layer;
use tower_service::Service;

use crate::asymmetric::AsymmetricVerifier;
use crate::body::CanonicalBody;
use crate::collect::CollectError;
use crate::endpoint::endpoint_url;
use crate::headers::{
    AUTHORIZATION, AUTHORIZATION_CUSTOMER, CHANNEL_ID, X_CLIENT_KEY, X_EXTERNAL_ID, X_PARTNER_ID,
    X_SIGNATURE, X_TIMESTAMP,
};
use crate::profile::{ProviderProfile, TransactionSignature};
use crate::response_code::{CaseCode, STANDARD_SERVICES, service_for_path};
use crate::signature::VerifyError;
use crate::string_to_sign::{TransactionParts, bare_token};
use crate::symmetric::SymmetricSigner;
use crate::timestamp::{Clock, SystemClock, Timestamp};

use super::claims::{TokenClaims, TokenKind, TokenRejection, TokenValidator};
use super::partner::{LookupError, Partner, PartnerDirectory};
use super::reject::{Rejection, ServiceCode};
use super::replay::{
    InMemoryReplayStore, JakartaDay, ReplayError, ReplayStore, ReplayVerdict, signature_sha256,
};
use crate::keys::RsaPublicKey;
use crate::token::BoxFuture;

/// Longest accepted `X-EXTERNAL-ID` (the standard's String(36)).
const MAX_EXTERNAL_ID: usize = 36;
/// Longest accepted partner id, client key or channel id. The standard says
/// String(36) / String(5); the slack tolerates providers' variants while
/// keeping hostile headers small.
const MAX_ID: usize = 64;
/// Longest accepted token (the standard's String(2048) plus slack).
const MAX_TOKEN: usize = 4096;

/// Which request header names the partner.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum PartnerHeader {
    /// `X-PARTNER-ID`, looked up with [`PartnerDirectory::by_partner_id`]
    /// (the standard for transactions and notifications).
    #[default]
    PartnerId,
    /// `X-CLIENT-KEY`, looked up with [`PartnerDirectory::by_client_id`].
    ClientKey,
}

impl PartnerHeader {
    fn header(self) -> HeaderName {
        match self {
            Self::PartnerId => X_PARTNER_ID,
            Self::ClientKey => X_CLIENT_KEY,
        }
    }
}

/// What to do with `Authorization-Customer` (B2B2C customer tokens).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum CustomerTokenPolicy {
    /// Not read.
    Ignored,
    /// Validated when present (the default).
    #[default]
    IfPresent,
    /// Mandatory and validated (B2B2C routes).
    Required,
}

/// What the layer verified, in the request extensions for the handler:
/// `req.extensions().get::<VerifiedRequest>()`.
#[derive(Debug, Clone)]
pub struct VerifiedRequest {
    partner: Arc<Partner>,
    external_id: Option<String>,
    channel_id: Option<String>,
    timestamp: Timestamp,
    service_code: ServiceCode,
    scheme: TransactionSignature,
    b2b_token: Option<TokenClaims>,
    customer_token: Option<TokenClaims>,
}

impl VerifiedRequest {
    /// The partner's `X-PARTNER-ID` (as registered in the directory).
    #[must_use]
    pub fn partner_id(&self) -> &str {
        self.partner.partner_id()
    }
    /// The partner's client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        self.partner.client_id()
    }
    /// The partner as the directory returned it.
    #[must_use]
    pub fn partner(&self) -> &Arc<Partner> {
        &self.partner
    }
    /// The `X-EXTERNAL-ID`, if the request had one.
    #[must_use]
    pub fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }
    /// The `CHANNEL-ID`, if the request had one.
    #[must_use]
    pub fn channel_id(&self) -> Option<&str> {
        self.channel_id.as_deref()
    }
    /// The verified `X-TIMESTAMP`.
    #[must_use]
    pub fn timestamp(&self) -> &Timestamp {
        &self.timestamp
    }
    /// The route's service code (for the handler's own `responseCode`s).
    #[must_use]
    pub fn service_code(&self) -> ServiceCode {
        self.service_code
    }
    /// Which signature scheme was verified.
    #[must_use]
    pub fn scheme(&self) -> TransactionSignature {
        self.scheme
    }
    /// Claims of the validated B2B token, if tokens are checked.
    #[must_use]
    pub fn b2b_token(&self) -> Option<&TokenClaims> {
        self.b2b_token.as_ref()
    }
    /// Claims of the validated customer token, if one was sent and checked.
    #[must_use]
    pub fn customer_token(&self) -> Option<&TokenClaims> {
        self.customer_token.as_ref()
    }
}

/// Everything known about a request whose signature did not match, for a
/// [`SignatureRejectionHook`] to diagnose.
///
/// Holds the access token and the received signature: a hook must not log
/// them. `Debug` redacts both.
#[non_exhaustive]
pub struct SignatureFailure<'a> {
    /// The partner, with its keys.
    pub partner: &'a Partner,
    /// The profile the layer verifies with.
    pub profile: &'a ProviderProfile,
    /// The HTTP method.
    pub method: &'a str,
    /// The request target as received (plus the mount prefix, if any).
    pub request_target: &'a str,
    /// The EndpointUrl the layer signed, per the profile's policy.
    pub endpoint_url: &'a str,
    /// The body bytes as received.
    pub raw_body: &'a [u8],
    /// The body as hashed (after the profile's body policy).
    pub body: &'a CanonicalBody<'a>,
    /// The `X-TIMESTAMP` header.
    pub timestamp: &'a str,
    /// The B2B token from `Authorization` (without `Bearer `), if any.
    pub access_token: Option<&'a str>,
    /// The received `X-SIGNATURE`.
    pub signature: &'a str,
}

impl fmt::Debug for SignatureFailure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureFailure")
            .field("partner", &self.partner)
            .field("profile", &self.profile.name())
            .field("method", &self.method)
            .field("request_target", &self.request_target)
            .field("endpoint_url", &self.endpoint_url)
            .field("body", &self.body)
            .field("timestamp", &self.timestamp)
            .field("access_token", &self.access_token.map(|_| "<redacted>"))
            .field("signature", &"<redacted>")
            .finish()
    }
}

/// Chooses the `responseMessage` of a `401xx00` signature rejection, e.g. to
/// add a diagnosis ("body hashed without minify?"). `None` keeps the
/// standard `Unauthorized. [Signature]`. A longer message is clipped to
/// [`MAX_RESPONSE_MESSAGE`](super::MAX_RESPONSE_MESSAGE) (150) characters.
///
/// Runs only for requests from a known partner with a fresh timestamp whose
/// signature failed. Closures `Fn(&SignatureFailure<'_>) -> Option<String>`
/// implement it; give a closure to
/// [`VerifyLayerBuilder::on_signature_rejection`] and any other
/// implementation (such as [`ExplainRejections`](super::ExplainRejections))
/// to [`VerifyLayerBuilder::signature_rejection_hook`].
pub trait SignatureRejectionHook: Send + Sync {
    /// The message to answer with, or `None` for the standard one.
    fn message(&self, failure: &SignatureFailure<'_>) -> Option<String>;
}

impl<F> SignatureRejectionHook for F
where
    F: Fn(&SignatureFailure<'_>) -> Option<String> + Send + Sync,
{
    fn message(&self, failure: &SignatureFailure<'_>) -> Option<String> {
        self(failure)
    }
}

/// A [`VerifyLayerBuilder`] setting that cannot work.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyConfigError {
    /// Neither a token validator nor `without_token_check()` was chosen.
    #[error(
        "choose how B2B tokens are checked: token_validator(..) or without_token_check() \
         (for notifications)"
    )]
    NoTokenPolicy,
    /// Customer tokens are required but there is no validator to check them.
    #[error("CustomerTokenPolicy::Required needs a token_validator(..)")]
    CustomerTokenWithoutValidator,
}

enum ReplaySetting {
    Default,
    Store(Arc<dyn ReplayStore>),
    Off,
}

struct VerifyConfig {
    directory: Arc<dyn PartnerDirectory>,
    profile: ProviderProfile,
    window: Duration,
    routes: Vec<(String, ServiceCode)>,
    fallback_service: ServiceCode,
    mount_prefix: String,
    mandatory: Vec<HeaderName>,
    /// `mandatory` minus the headers the layer reads itself.
    extra_mandatory: Vec<HeaderName>,
    validator: Option<Arc<dyn TokenValidator>>,
    customer: CustomerTokenPolicy,
    clock: Arc<dyn Clock>,
    replay: Option<Arc<dyn ReplayStore>>,
    signature_replay: bool,
    body_limit: usize,
    partner_header: PartnerHeader,
    fallback_partner: Option<String>,
    hook: Option<Arc<dyn SignatureRejectionHook>>,
}

impl fmt::Debug for VerifyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyConfig")
            .field("profile", &self.profile.name())
            .field("window", &self.window)
            .field("routes", &self.routes)
            .field("fallback_service", &self.fallback_service)
            .field("mount_prefix", &self.mount_prefix)
            .field("mandatory", &self.mandatory)
            .field("token_check", &self.validator.is_some())
            .field("customer", &self.customer)
            .field("clock", &self.clock)
            .field("replay_check", &self.replay.is_some())
            .field("signature_replay_check", &self.signature_replay)
            .field("body_limit", &self.body_limit)
            .field("partner_header", &self.partner_header)
            .field("fallback_partner", &self.fallback_partner)
            .field("hook", &self.hook.is_some())
            .finish()
    }
}

impl VerifyConfig {
    fn service_code(&self, path: &str) -> ServiceCode {
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        self.routes
            .iter()
            .filter(|(route, _)| path == route || path.ends_with(route.as_str()))
            .max_by_key(|(route, _)| route.len())
            .map(|(_, code)| *code)
            .or_else(|| standard_service(path))
            .unwrap_or(self.fallback_service)
    }

    fn now_header(&self) -> Timestamp {
        self.profile.timestamp_format().format(self.clock.now())
    }
}

/// The standard table by path, for [`standard_service`]; `None` if some
/// standard path does not start with `/` (then the table is scanned).
static STANDARD_BY_PATH: LazyLock<Option<(HashMap<&'static str, ServiceCode>, usize)>> =
    LazyLock::new(|| {
        let mut by_path = HashMap::new();
        let mut longest = 0;
        for service in STANDARD_SERVICES {
            if !service.path.starts_with('/') {
                return None;
            }
            // A later row wins, as in `service_for_path`'s `max_by_key`.
            by_path.insert(service.path, ServiceCode::of(service));
            longest = longest.max(service.path.len());
        }
        Some((by_path, longest))
    });

/// [`service_for_path`] without scanning the table on every request: the
/// standard paths start with `/`, so the longest one that ends `path` is the
/// longest suffix of `path` starting at a `/` that is in the table. Only the
/// last `longest` bytes are tried, so a hostile path of many slashes costs
/// no more than a short one.
fn standard_service(path: &str) -> Option<ServiceCode> {
    let Some((by_path, longest)) = STANDARD_BY_PATH.as_ref() else {
        return service_for_path(path).map(ServiceCode::of);
    };
    // The same normalisation as `service_for_path`.
    let path = path
        .split_once(['?', '#'])
        .map_or(path, |(before, _)| before);
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".htm").unwrap_or(path);
    let from = path.len().saturating_sub(*longest);
    // A `/` byte always starts a character, so `path[i..]` is a `str`.
    (from..path.len())
        .filter(|&i| path.as_bytes()[i] == b'/')
        .find_map(|i| by_path.get(path.get(i..)?).copied())
}

/// The verifying layer. Build it with [`VerifyLayer::builder`]; cheap to
/// clone (the configuration is shared).
#[derive(Clone, Debug)]
pub struct VerifyLayer {
    config: Arc<VerifyConfig>,
}

impl VerifyLayer {
    /// A builder over the application's partner directory.
    pub fn builder(directory: impl PartnerDirectory + 'static) -> VerifyLayerBuilder {
        VerifyLayerBuilder::new(Arc::new(directory))
    }

    /// The preset for a merchant receiving a PJP's notifications (QRIS MPM
    /// notify, payment webhooks): every request must carry an RSA
    /// (SHA256withRSA) signature that `pjp_public_key` verifies, no access
    /// token is checked, and each `X-EXTERNAL-ID` is accepted once per
    /// Jakarta day, as usual.
    ///
    /// The sender is whoever signs with the PJP's key: any `X-PARTNER-ID`
    /// is accepted and reported as [`VerifiedRequest::partner_id`] (the
    /// header stays mandatory, as the standard has it; see
    /// [`fallback_partner`](VerifyLayerBuilder::fallback_partner) for
    /// senders that omit it). The profile is the ASPI standard with
    /// asymmetric transaction signatures; a provider's own conventions go
    /// in with [`profile`](VerifyLayerBuilder::profile) (an asymmetric one).
    /// Everything else on the builder still applies (clock, routes,
    /// [`explain_rejections`](VerifyLayerBuilder::explain_rejections), …).
    ///
    /// It replaces this setup:
    /// `VerifyLayer::builder(one_partner_with(pjp_public_key)).profile(asymmetric).without_token_check()`.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http_body_util::Full;
    /// use snap_bi::client::RequestSigner;
    /// use snap_bi::server::{VerifiedRequest, VerifyLayer};
    /// use snap_bi::{ProviderProfile, RsaPrivateKey, RsaPublicKey, TransactionSignature};
    /// use tower::{Layer, ServiceExt};
    ///
    /// # let pjp_private_pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/keys/pjp-test-private.pem"));
    /// # let pjp_public_pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/keys/pjp-test-public.pem"));
    /// let verify = VerifyLayer::notifications(RsaPublicKey::from_pem(pjp_public_pem)?).build()?;
    /// let merchant = verify.layer(tower::service_fn(|req: http::Request<Full<Bytes>>| async move {
    ///     let from = req.extensions().get::<VerifiedRequest>().map(|v| v.partner_id().to_owned());
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(from.unwrap_or_default()))))
    /// }));
    ///
    /// // The PJP signs its notification with its private key.
    /// let pjp = RequestSigner::builder(
    ///     ProviderProfile::aspi_standard()
    ///         .to_builder()
    ///         .transaction_signature(TransactionSignature::Asymmetric)
    ///         .build(),
    /// )
    /// .private_key(RsaPrivateKey::from_pem(pjp_private_pem)?)
    /// .partner_id("PJP-01")?
    /// .channel_id("95221")?
    /// .build()?;
    /// let mut notification = http::Request::post("/v1.0/qr/qr-mpm-notify")
    ///     .body(Bytes::from_static(br#"{"originalReferenceNo":"A1","latestTransactionStatus":"00"}"#))?;
    /// pjp.sign(&mut notification, None, None)?;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let answer = merchant.oneshot(notification.map(Full::new)).await?;
    /// assert_eq!(answer.status(), 200);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn notifications(pjp_public_key: RsaPublicKey) -> VerifyLayerBuilder {
        let profile = ProviderProfile::aspi_standard()
            .to_builder()
            .name("notifications")
            .transaction_signature(TransactionSignature::Asymmetric)
            .build();
        VerifyLayerBuilder::new(Arc::new(AnySender(Arc::new(pjp_public_key))))
            .profile(profile)
            .without_token_check()
    }

    /// Like [`builder`](Self::builder), for a directory shared with other
    /// components (the token issuer).
    pub fn builder_shared(directory: Arc<dyn PartnerDirectory>) -> VerifyLayerBuilder {
        VerifyLayerBuilder::new(directory)
    }
}

impl<S> Layer<S> for VerifyLayer {
    type Service = VerifyService<S>;

    fn layer(&self, inner: S) -> VerifyService<S> {
        VerifyService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// Builds a [`VerifyLayer`].
#[must_use]
pub struct VerifyLayerBuilder {
    directory: Arc<dyn PartnerDirectory>,
    profile: ProviderProfile,
    window: Duration,
    routes: Vec<(String, ServiceCode)>,
    fallback_service: ServiceCode,
    mount_prefix: String,
    mandatory: Vec<HeaderName>,
    validator: Option<Arc<dyn TokenValidator>>,
    without_token_check: bool,
    customer: CustomerTokenPolicy,
    clock: Arc<dyn Clock>,
    replay: ReplaySetting,
    signature_replay: bool,
    body_limit: usize,
    partner_header: PartnerHeader,
    fallback_partner: Option<String>,
    hook: Option<Arc<dyn SignatureRejectionHook>>,
}

impl fmt::Debug for VerifyLayerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyLayerBuilder")
            .field("profile", &self.profile.name())
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl VerifyLayerBuilder {
    /// Default timestamp window: ±5 minutes.
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);
    /// Default body limit: 1 MiB.
    pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

    fn new(directory: Arc<dyn PartnerDirectory>) -> Self {
        Self {
            directory,
            profile: ProviderProfile::aspi_standard(),
            window: Self::DEFAULT_WINDOW,
            routes: Vec::new(),
            fallback_service: ServiceCode::UNKNOWN,
            mount_prefix: String::new(),
            mandatory: vec![X_PARTNER_ID, X_EXTERNAL_ID, CHANNEL_ID],
            validator: None,
            without_token_check: false,
            customer: CustomerTokenPolicy::default(),
            clock: Arc::new(SystemClock),
            replay: ReplaySetting::Default,
            signature_replay: true,
            body_limit: Self::DEFAULT_BODY_LIMIT,
            partner_header: PartnerHeader::default(),
            fallback_partner: None,
            hook: None,
        }
    }

    /// The provider profile: signature scheme (HMAC or RSA), EndpointUrl
    /// policy, empty-body rule, body policy and response timestamp format.
    /// Signatures are accepted in base64 and hex whatever the profile's
    /// encoding. Default: [`ProviderProfile::aspi_standard`].
    pub fn profile(mut self, profile: ProviderProfile) -> Self {
        self.profile = profile;
        self
    }

    /// How far `X-TIMESTAMP` may be from the clock, either way.
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Maps a route to a service code for `responseCode`s. `path` matches a
    /// request path equal to it or ending with it (so `/qr/qr-mpm-notify`
    /// also covers `/snap/v1.0/qr/qr-mpm-notify`); the longest match wins.
    /// Unmapped paths use the standard table
    /// ([`service_for_path`](crate::response_code::service_for_path)), then
    /// the [fallback](Self::fallback_service_code).
    pub fn route(mut self, path: impl Into<String>, service: ServiceCode) -> Self {
        self.routes.push((path.into(), service));
        self
    }

    /// The service code of routes nothing else matches (`00` by default).
    pub fn fallback_service_code(mut self, service: ServiceCode) -> Self {
        self.fallback_service = service;
        self
    }

    /// The path prefix the layer's router is mounted under, when the server
    /// strips it before the layer runs (axum's `Router::nest`). It is put
    /// back in front of the path for the signature and the service code.
    pub fn mounted_at(mut self, prefix: impl Into<String>) -> Self {
        self.mount_prefix = prefix.into().trim_end_matches('/').to_owned();
        self
    }

    /// The mandatory headers besides `X-TIMESTAMP`, `X-SIGNATURE` (always
    /// mandatory) and `Authorization` / `Authorization-Customer` (mandatory
    /// when their tokens are). Default: `X-PARTNER-ID`, `X-EXTERNAL-ID`,
    /// `CHANNEL-ID`.
    pub fn mandatory_headers(mut self, headers: impl IntoIterator<Item = HeaderName>) -> Self {
        self.mandatory = headers.into_iter().collect();
        self
    }

    /// Validates B2B tokens (`Authorization`, then mandatory) and customer
    /// tokens (per [`customer_token`](Self::customer_token)) with `validator`,
    /// e.g. a [`TokenIssuer`](crate::server::TokenIssuer).
    pub fn token_validator(self, validator: impl TokenValidator + 'static) -> Self {
        self.shared_token_validator(Arc::new(validator))
    }

    /// Like [`token_validator`](Self::token_validator), for a shared validator.
    pub fn shared_token_validator(mut self, validator: Arc<dyn TokenValidator>) -> Self {
        self.validator = Some(validator);
        self.without_token_check = false;
        self
    }

    /// Checks no tokens: for notifications (a PJP calling the merchant signs
    /// with its RSA key and usually sends no token). Under the symmetric
    /// scheme `Authorization` stays mandatory, since its token is signed.
    pub fn without_token_check(mut self) -> Self {
        self.validator = None;
        self.without_token_check = true;
        self
    }

    /// What to do with `Authorization-Customer`.
    pub fn customer_token(mut self, policy: CustomerTokenPolicy) -> Self {
        self.customer = policy;
        self
    }

    /// The clock for the timestamp window and response timestamps.
    pub fn clock(self, clock: impl Clock + 'static) -> Self {
        self.shared_clock(Arc::new(clock))
    }

    /// Like [`clock`](Self::clock), for a shared clock.
    pub fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where `X-EXTERNAL-ID`s are recorded. Default: a new
    /// [`InMemoryReplayStore`] on the layer's clock.
    pub fn replay_store(self, store: impl ReplayStore + 'static) -> Self {
        self.shared_replay_store(Arc::new(store))
    }

    /// Like [`replay_store`](Self::replay_store), for a shared store.
    pub fn shared_replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = ReplaySetting::Store(store);
        self
    }

    /// Records no `X-EXTERNAL-ID`s and no `X-SIGNATURE`s (the application
    /// deduplicates itself).
    pub fn without_replay_check(mut self) -> Self {
        self.replay = ReplaySetting::Off;
        self
    }

    /// Keeps the `X-EXTERNAL-ID` check but stops refusing a reused
    /// `X-SIGNATURE`. The signature check (on by default) closes the replay
    /// of a captured request with a new `X-EXTERNAL-ID` (SNAP does not sign
    /// that header); turn it off only for a partner that sends byte-identical
    /// requests (same body, token and `X-TIMESTAMP` second) on purpose —
    /// polling a status query more than once a second, say — which then
    /// look like replays and get `409`.
    pub fn without_signature_replay_check(mut self) -> Self {
        self.signature_replay = false;
        self
    }

    /// The largest body read, in bytes; larger ones get `413`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Which header names the partner (`X-PARTNER-ID` by default).
    pub fn partner_header(mut self, header: PartnerHeader) -> Self {
        self.partner_header = header;
        self
    }

    /// The partner id to look up when the partner header is absent (a
    /// notification endpoint with a single sender). The header then stops
    /// being mandatory.
    pub fn fallback_partner(mut self, partner_id: impl Into<String>) -> Self {
        self.fallback_partner = Some(partner_id.into());
        self
    }

    /// Chooses the message of signature rejections with a closure: it gets
    /// the [`SignatureFailure`] and returns the `responseMessage`, or `None`
    /// for the standard `Unauthorized. [Signature]`. A plain closure works,
    /// without a type annotation:
    ///
    /// ```
    /// # use snap_bi::server::{StaticPartners, VerifyLayer};
    /// let layer = VerifyLayer::builder(StaticPartners::default())
    ///     .without_token_check()
    ///     .on_signature_rejection(|failure| {
    ///         Some(format!("Unauthorized. [Signature] signed {} {}?", failure.method, failure.endpoint_url))
    ///     })
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_signature_rejection<F>(self, hook: F) -> Self
    where
        // A bound on the closure itself (not `impl SignatureRejectionHook`) so
        // that the compiler infers the higher-ranked `for<'a> Fn(&SignatureFailure<'a>)`.
        F: Fn(&SignatureFailure<'_>) -> Option<String> + Send + Sync + 'static,
    {
        self.signature_rejection_hook(hook)
    }

    /// Like [`on_signature_rejection`](Self::on_signature_rejection), for
    /// any [`SignatureRejectionHook`] implementation.
    pub fn signature_rejection_hook(mut self, hook: impl SignatureRejectionHook + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// Answers signature rejections with a diagnosis, e.g. `Unauthorized.
    /// [Signature] the body hash is over the raw, un-minified bytes`, from
    /// the same search as [`snap-bi explain`](crate::explain), using the
    /// keys the partner directory already holds (no second copy of any
    /// secret). The message is clipped to SNAP's 150 characters; it never
    /// contains a secret, token or signature.
    ///
    /// Each rejected signature then costs a bounded search (see
    /// [`ExplainRejections`](super::ExplainRejections), which
    /// [`signature_rejection_hook`](Self::signature_rejection_hook) takes
    /// with other bounds): cheap under HMAC, a few milliseconds under RSA.
    /// Meant for sandboxes, mock providers and partner onboarding.
    pub fn explain_rejections(self) -> Self {
        self.signature_rejection_hook(super::ExplainRejections::new())
    }

    /// The layer.
    ///
    /// # Errors
    /// [`VerifyConfigError`] when no token policy was chosen, or customer
    /// tokens are required without a validator.
    pub fn build(self) -> Result<VerifyLayer, VerifyConfigError> {
        if self.validator.is_none() && !self.without_token_check {
            return Err(VerifyConfigError::NoTokenPolicy);
        }
        if self.validator.is_none() && self.customer == CustomerTokenPolicy::Required {
            return Err(VerifyConfigError::CustomerTokenWithoutValidator);
        }
        let replay = match self.replay {
            ReplaySetting::Default => Some(Arc::new(
                InMemoryReplayStore::builder()
                    .shared_clock(Arc::clone(&self.clock))
                    .build(),
            ) as Arc<dyn ReplayStore>),
            ReplaySetting::Store(store) => Some(store),
            ReplaySetting::Off => None,
        };
        let partner_header = self.partner_header.header();
        let mut mandatory = self.mandatory;
        if self.fallback_partner.is_some() {
            mandatory.retain(|h| *h != partner_header);
        }
        let read_anyway = [
            X_TIMESTAMP,
            X_SIGNATURE,
            partner_header,
            X_EXTERNAL_ID,
            CHANNEL_ID,
            AUTHORIZATION,
        ];
        let extra_mandatory = mandatory
            .iter()
            .filter(|h| !read_anyway.contains(h))
            .cloned()
            .collect();
        Ok(VerifyLayer {
            config: Arc::new(VerifyConfig {
                directory: self.directory,
                profile: self.profile,
                window: self.window,
                routes: self.routes,
                fallback_service: self.fallback_service,
                mount_prefix: self.mount_prefix,
                mandatory,
                extra_mandatory,
                validator: self.validator,
                customer: self.customer,
                clock: self.clock,
                replay,
                signature_replay: self.signature_replay,
                body_limit: self.body_limit,
                partner_header: self.partner_header,
                fallback_partner: self.fallback_partner,
                hook: self.hook,
            }),
        })
    }
}

/// The service made by [`VerifyLayer`].
#[derive(Clone, Debug)]
pub struct VerifyService<S> {
    inner: S,
    config: Arc<VerifyConfig>,
}

impl<S> VerifyService<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }
    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// The response future of [`VerifyService`].
pub type VerifyFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, B, ResBody> Service<Request<B>> for VerifyService<S>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<tower::BoxError>,
{
    /// The inner service's response, or a SNAP rejection (`Either::Right`).
    type Response = Response<Either<ResBody, Full<Bytes>>>;
    /// The inner service's error; rejections are responses, not errors.
    type Error = S::Error;
    type Future = VerifyFuture<Self::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // Keep the service that was polled ready; leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            match verify(&config, request).await {
                Ok(verified) => inner.call(verified).await.map(|r| r.map(Either::Left)),
                Err(rejection) => Ok(rejection
                    .to_response(&config.now_header())
                    .map(Either::Right)),
            }
        })
    }
}

struct Checker<'a> {
    headers: &'a HeaderMap,
    service: ServiceCode,
}

impl<'a> Checker<'a> {
    fn reject(&self, case: CaseCode, detail: &str) -> Rejection {
        Rejection::with_detail(case, self.service, detail)
    }

    fn plain(&self, case: CaseCode) -> Rejection {
        Rejection::new(case, self.service)
    }

    fn header(
        &self,
        name: &HeaderName,
        mandatory: bool,
        max_len: usize,
    ) -> Result<Option<&'a str>, Rejection> {
        match header_state(self.headers, name, max_len) {
            HeaderState::Present(v) => Ok(Some(v)),
            HeaderState::Absent if mandatory => {
                Err(self.reject(CaseCode::InvalidMandatoryField, &display_name(name)))
            }
            HeaderState::Absent => Ok(None),
            HeaderState::Malformed => {
                Err(self.reject(CaseCode::InvalidFieldFormat, &display_name(name)))
            }
        }
    }

    fn token_rejection(&self, kind: TokenKind, why: &TokenRejection) -> Rejection {
        let case = match (kind, why) {
            (TokenKind::Customer, TokenRejection::Invalid) => CaseCode::InvalidCustomerToken,
            (TokenKind::Customer, TokenRejection::NotFound) => CaseCode::CustomerTokenNotFound,
            (_, TokenRejection::Invalid) => CaseCode::InvalidToken,
            (_, TokenRejection::NotFound) => CaseCode::TokenNotFound,
            (_, TokenRejection::Unavailable(_)) => CaseCode::InternalServerError,
        };
        self.plain(case)
    }
}

/// The token in an `Authorization` value, `None` for a bare `Bearer`.
fn token_of(value: &str) -> Option<&str> {
    let token = bare_token(value);
    (!token.is_empty() && !token.eq_ignore_ascii_case("bearer")).then_some(token)
}

fn visible_ascii(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic())
}

async fn validate_token(
    checker: &Checker<'_>,
    validator: &dyn TokenValidator,
    kind: TokenKind,
    token: &str,
    partner: &Partner,
) -> Result<TokenClaims, Rejection> {
    let claims = validator
        .validate(kind, token)
        .await
        .map_err(|why| checker.token_rejection(kind, &why))?;
    if claims
        .client_id
        .as_deref()
        .is_some_and(|client| client != partner.client_id())
    {
        // A valid token, but issued to another client.
        return Err(checker.token_rejection(kind, &TokenRejection::Invalid));
    }
    Ok(claims)
}

/// The directory of [`VerifyLayer::notifications`]: whatever partner id is
/// asked for, a partner with that id and the PJP's public key.
struct AnySender(Arc<RsaPublicKey>);

impl PartnerDirectory for AnySender {
    fn by_partner_id<'a>(
        &'a self,
        partner_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Partner>>, LookupError>> {
        let partner = Partner::new(partner_id).with_shared_public_key(Arc::clone(&self.0));
        Box::pin(std::future::ready(Ok(Some(Arc::new(partner)))))
    }

    fn by_client_id<'a>(
        &'a self,
        client_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Partner>>, LookupError>> {
        self.by_partner_id(client_id)
    }
}

/// The key that verifies a partner's signatures under the layer's scheme.
enum PartnerKey<'a> {
    Symmetric(&'a SymmetricSigner),
    Asymmetric(&'a AsymmetricVerifier),
}

/// Every check; on success, the request with its body buffered and a
/// [`VerifiedRequest`] attached. Traces the outcome (target `snap_bi::server`).
async fn verify<B>(
    config: &VerifyConfig,
    request: Request<B>,
) -> Result<Request<Full<Bytes>>, Rejection>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<tower::BoxError>,
{
    let (mut parts, body) = request.into_parts();
    match check(config, &parts, body).await {
        Ok((verified, raw)) => {
            tracing::debug!(
                target: "snap_bi::server",
                method = parts.method.as_str(),
                path = parts.uri.path(),
                partner_id = verified.partner_id(),
                external_id = verified.external_id(),
                service_code = verified.service_code().as_str(),
                body_len = raw.len(),
                "request verified"
            );
            parts.extensions.insert(verified);
            Ok(Request::from_parts(parts, Full::new(raw)))
        }
        Err(rejection) => {
            trace_rejection(config, &parts, &rejection);
            Err(rejection)
        }
    }
}

/// A rejection, at `INFO` (the client's fault) or `WARN` (ours: `5xx`).
/// The SNAP code and message only: never a header that carries a token or
/// signature.
fn trace_rejection(config: &VerifyConfig, parts: &http::request::Parts, rejection: &Rejection) {
    macro_rules! rejected {
        ($level:expr) => {
            tracing::event!(
                target: "snap_bi::server",
                $level,
                method = parts.method.as_str(),
                path = parts.uri.path(),
                partner = parts
                    .headers
                    .get(config.partner_header.header())
                    .and_then(|v| v.to_str().ok()),
                external_id = parts.headers.get(X_EXTERNAL_ID).and_then(|v| v.to_str().ok()),
                response_code = rejection.response_code().as_str(),
                response_message = rejection.message(),
                "request rejected"
            )
        };
    }
    if rejection.http_status().is_server_error() {
        rejected!(tracing::Level::WARN);
    } else {
        rejected!(tracing::Level::INFO);
    }
}

/// Every check; on success, what was verified and the body as received.
async fn check<B>(
    config: &VerifyConfig,
    parts: &http::request::Parts,
    body: B,
) -> Result<(VerifiedRequest, Bytes), Rejection>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<tower::BoxError>,
{
    let full_path: Cow<'_, str> = if config.mount_prefix.is_empty() {
        Cow::Borrowed(parts.uri.path())
    } else {
        Cow::Owned(format!("{}{}", config.mount_prefix, parts.uri.path()))
    };
    let checker = Checker {
        headers: &parts.headers,
        service: config.service_code(&full_path),
    };
    let is_mandatory = |name: &HeaderName| config.mandatory.contains(name);
    let symmetric = config.profile.transaction_signature() == TransactionSignature::Symmetric;

    // 1. Headers: presence and shape.
    let timestamp = checker.header(&X_TIMESTAMP, true, 64)?.unwrap_or_default();
    let timestamp = Timestamp::parse(timestamp)
        .map_err(|_| checker.reject(CaseCode::InvalidFieldFormat, "X-TIMESTAMP"))?;
    let signature = checker
        .header(&X_SIGNATURE, true, 2048)?
        .unwrap_or_default();
    let partner_name = config.partner_header.header();
    let partner_key = checker.header(
        &partner_name,
        config.fallback_partner.is_none() || is_mandatory(&partner_name),
        MAX_ID,
    )?;
    let external_id = checker.header(
        &X_EXTERNAL_ID,
        is_mandatory(&X_EXTERNAL_ID),
        MAX_EXTERNAL_ID,
    )?;
    let channel_id = checker.header(&CHANNEL_ID, is_mandatory(&CHANNEL_ID), MAX_ID)?;
    for (name, value) in [
        (&partner_name, partner_key),
        (&X_EXTERNAL_ID, external_id),
        (&CHANNEL_ID, channel_id),
    ] {
        if value.is_some_and(|v| !visible_ascii(v)) {
            return Err(checker.reject(CaseCode::InvalidFieldFormat, &display_name(name)));
        }
    }
    let token_needed = symmetric || config.validator.is_some() || is_mandatory(&AUTHORIZATION);
    let access_token = checker
        .header(&AUTHORIZATION, token_needed, MAX_TOKEN)?
        .and_then(token_of);
    if token_needed && access_token.is_none() {
        return Err(checker.reject(CaseCode::InvalidMandatoryField, "Authorization"));
    }
    let customer_token = match config.customer {
        CustomerTokenPolicy::Ignored => None,
        policy => checker
            .header(
                &AUTHORIZATION_CUSTOMER,
                policy == CustomerTokenPolicy::Required,
                MAX_TOKEN,
            )?
            .and_then(token_of),
    };
    if config.customer == CustomerTokenPolicy::Required && customer_token.is_none() {
        return Err(checker.reject(CaseCode::InvalidMandatoryField, "Authorization-Customer"));
    }
    for name in &config.extra_mandatory {
        // The other user-chosen mandatory headers: presence only.
        checker.header(name, true, usize::MAX)?;
    }

    // 2. Freshness.
    if !timestamp.within_window(config.clock.now(), config.window) {
        return Err(checker.reject(CaseCode::Unauthorized, "Timestamp out of window"));
    }

    // 3. The partner.
    let lookup = match (partner_key, &config.fallback_partner) {
        (Some(key), _) => match config.partner_header {
            PartnerHeader::PartnerId => config.directory.by_partner_id(key).await,
            PartnerHeader::ClientKey => config.directory.by_client_id(key).await,
        },
        (None, Some(fallback)) => config.directory.by_partner_id(fallback).await,
        (None, None) => Ok(None),
    };
    let partner = lookup
        .map_err(|_| checker.plain(CaseCode::InternalServerError))?
        .ok_or_else(|| checker.reject(CaseCode::Unauthorized, "Unknown partner"))?;
    let key = match (symmetric, partner.symmetric(), partner.asymmetric()) {
        (true, Some(signer), _) => PartnerKey::Symmetric(signer),
        (false, _, Some(verifier)) => PartnerKey::Asymmetric(verifier),
        _ => return Err(checker.reject(CaseCode::Unauthorized, "Key not found")),
    };

    // 4. Tokens.
    let mut b2b_claims = None;
    let mut customer_claims = None;
    if let Some(validator) = &config.validator {
        if let Some(token) = access_token {
            b2b_claims = Some(
                validate_token(
                    &checker,
                    validator.as_ref(),
                    TokenKind::B2b,
                    token,
                    &partner,
                )
                .await?,
            );
        }
        if let Some(token) = customer_token {
            customer_claims = Some(
                validate_token(
                    &checker,
                    validator.as_ref(),
                    TokenKind::Customer,
                    token,
                    &partner,
                )
                .await?,
            );
        }
    }

    // 5. The body, as received.
    let too_large = || Rejection::payload_too_large(checker.service);
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > config.body_limit as u64) {
        return Err(too_large());
    }
    let raw = match crate::collect::collect_limited(body, config.body_limit).await {
        Ok(raw) => raw,
        Err(CollectError::TooLarge { .. }) => return Err(too_large()),
        Err(CollectError::Read(_)) => return Err(checker.plain(CaseCode::BadRequest)),
    };
    let canonical = CanonicalBody::new(&raw, config.profile.body_policy())
        .map_err(|_| checker.plain(CaseCode::BadRequest))?;

    // 6. The signature, over exactly those bytes.
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |pq| pq.as_str());
    let endpoint = endpoint_url(&parts.uri, config.profile.endpoint_url_policy());
    let endpoint: Cow<'_, str> = if config.mount_prefix.is_empty() {
        endpoint
    } else {
        Cow::Owned(format!("{}{endpoint}", config.mount_prefix))
    };
    let method = parts.method.as_str();
    let signed = TransactionParts::new(method, &endpoint, &canonical, timestamp.as_str())
        .with_empty_body_rule(config.profile.empty_body_rule());
    let outcome = match key {
        PartnerKey::Symmetric(signer) => {
            signer.verify(&signed, access_token.unwrap_or_default(), signature)
        }
        PartnerKey::Asymmetric(verifier) => verifier.verify(&signed, signature),
    };
    match outcome {
        Ok(()) => {}
        Err(VerifyError::Malformed { .. }) => {
            return Err(checker.reject(CaseCode::InvalidFieldFormat, "X-SIGNATURE"));
        }
        Err(_) => {
            let standard = checker.reject(CaseCode::Unauthorized, "Signature");
            let target = if config.mount_prefix.is_empty() {
                Cow::Borrowed(target)
            } else {
                Cow::Owned(format!("{}{target}", config.mount_prefix))
            };
            let message = config.hook.as_ref().and_then(|hook| {
                hook.message(&SignatureFailure {
                    partner: &partner,
                    profile: &config.profile,
                    method,
                    request_target: &target,
                    endpoint_url: &endpoint,
                    raw_body: &raw,
                    body: &canonical,
                    timestamp: timestamp.as_str(),
                    access_token,
                    signature,
                })
            });
            return Err(match message {
                Some(message) => standard.with_message(message),
                None => standard,
            });
        }
    }

    // 7. Replay: only now, so that rejected requests never burn an id.
    if let Some(store) = &config.replay {
        let day = JakartaDay::of_timestamp(&timestamp);
        let window = chrono::TimeDelta::from_std(config.window).ok();
        let replay_answer = |verdict: Result<ReplayVerdict, ReplayError>| match verdict {
            Ok(ReplayVerdict::Fresh) => Ok(()),
            Ok(ReplayVerdict::Duplicate) => Err(checker.plain(CaseCode::Conflict)),
            Err(ReplayError::Full) => Err(checker.plain(CaseCode::TooManyRequests)),
            Err(ReplayError::Unavailable(_)) => {
                Err(Rejection::service_unavailable(checker.service))
            }
            Err(_) => Err(checker.plain(CaseCode::InternalServerError)),
        };
        if let Some(external_id) = external_id {
            let keep_until = window
                .and_then(|window| day.next_midnight().checked_add_signed(window))
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
            replay_answer(
                store
                    .check_and_insert(partner.partner_id(), external_id, day, keep_until)
                    .await,
            )?;
        }
        if config.signature_replay {
            // SNAP does not sign X-EXTERNAL-ID: without this, a captured
            // request with a new id would pass again inside the window. The
            // signature can be accepted only while its timestamp is in the
            // window, so that is how long it must be remembered.
            let keep_until = window
                .and_then(|window| timestamp.instant().to_utc().checked_add_signed(window))
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
            let digest = signature_sha256(signature);
            replay_answer(
                store
                    .check_and_insert_signature(partner.partner_id(), &digest, day, keep_until)
                    .await,
            )?;
        }
    }

    let verified = VerifiedRequest {
        partner: Arc::clone(&partner),
        external_id: external_id.map(str::to_owned),
        channel_id: channel_id.map(str::to_owned),
        service_code: checker.service,
        scheme: config.profile.transaction_signature(),
        timestamp,
        b2b_token: b2b_claims,
        customer_token: customer_claims,
    };
    drop(canonical);
    Ok((verified, raw))
}

#[cfg(test)]
mod tests;
