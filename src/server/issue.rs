//! Token issuance: the `POST …/access-token/b2b` and `…/b2b2c` endpoints.
//!
//! [`TokenIssuer`] is one Tower service answering both endpoints (route both
//! paths to it). It verifies the partner's SHA256withRSA signature over
//! `clientId|X-TIMESTAMP` with the public key from the [`PartnerDirectory`],
//! checks the timestamp window, and issues JWTs:
//!
//! - B2B (`client_credentials`): `2007300`, `accessToken`, `tokenType`
//!   `"Bearer"`, `expiresIn` `"900"`.
//! - B2B2C (`AUTHORIZATION_CODE` with an `authCode`, or `REFRESH_TOKEN` with a
//!   `refreshToken`; grant values compared case-insensitively): `2007400`,
//!   `accessToken`, `accessTokenExpiryTime`, `refreshToken`,
//!   `refreshTokenExpiryTime` (ISO-8601, `+07:00`).
//!
//! Errors use service code 73 or 74 (`4017300 Unauthorized. [Signature]`,
//! `4017300 Unauthorized. [Unknown client]`, …). The issuer is also a
//! [`TokenValidator`], so the verifying layer accepts exactly the tokens it
//! issued.
//!
//! JWTs are HS256 with a random per-issuer secret by default (tokens die
//! with the process; fine for one server and for mocks), HS256 with a given
//! secret (a fleet), or RS256 with a given [`RsaPrivateKey`]. HS256 goes
//! through jsonwebtoken's aws-lc provider named explicitly, never the
//! process-wide default provider (which panics when a dependency tree
//! enables both of jsonwebtoken's backends); RS256 signs with the crate's own
//! parsed key, because jsonwebtoken's RSA signer would re-parse the key on
//! every token.
//!
//! ```
//! use snap_bi::server::{Partner, StaticPartners, TokenIssuer, TokenKind, TokenValidator};
//! use snap_bi::RsaPublicKey;
//!
//! # let public_pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/keys/partner-test-public.pem"));
//! let partners = StaticPartners::builder()
//!     .partner(Partner::new("client-01").with_public_key(RsaPublicKey::from_pem(public_pem)?))
//!     .build()?;
//! let issuer = TokenIssuer::builder(partners).build()?;
//!
//! // Tokens can also be issued directly (tests, admin tools).
//! let issued = issuer.issue_b2b("client-01")?;
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let claims = issuer.validate(TokenKind::B2b, issued.access_token.expose_secret()).await?;
//! assert_eq!(claims.client_id.as_deref(), Some("client-01"));
//! // A B2B token is not a customer token.
//! assert!(issuer.validate(TokenKind::Customer, issued.access_token.expose_secret()).await.is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::headers::{HeaderState, display_name, header_state};
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;
use tower_service::Service;

use crate::collect::CollectError;
use crate::headers::{X_CLIENT_KEY, X_SIGNATURE, X_TIMESTAMP};
use crate::keys::{KeyError, RsaPrivateKey, RsaPublicKey};
use crate::profile::ProviderProfile;
use crate::response_code::{CaseCode, service_for_path};
use crate::signature::VerifyError;
use crate::timestamp::{Clock, SystemClock, Timestamp, TimestampFormat};
use crate::token::{AccessToken, BoxFuture};

use super::claims::{TokenClaims, TokenKind, TokenRejection, TokenValidator};
use super::partner::PartnerDirectory;
use super::reject::{Rejection, ServiceCode, json_response};
use validated::{Cached, ValidatedTokens};

/// Longest token the validator looks at.
const MAX_TOKEN: usize = 4096;
/// Longest client id accepted in `X-CLIENT-KEY`.
const MAX_CLIENT_ID: usize = 64;

/// Redeems B2B2C authorization codes: the customer id an `authCode` stands
/// for, or `None` for an unknown or used code.
pub trait AuthCodeValidator: Send + Sync {
    /// The customer behind `auth_code`, issued to `client_id`.
    fn redeem<'a>(
        &'a self,
        client_id: &'a str,
        auth_code: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, tower::BoxError>>;
}

impl<T: AuthCodeValidator + ?Sized> AuthCodeValidator for Arc<T> {
    fn redeem<'a>(
        &'a self,
        client_id: &'a str,
        auth_code: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, tower::BoxError>> {
        (**self).redeem(client_id, auth_code)
    }
}

/// A fixed set of reusable authorization codes, each standing for a
/// customer (for mocks and tests; real codes are single-use). Compared in
/// constant time; `Debug` shows only how many there are.
#[derive(Clone, Default)]
pub struct StaticAuthCodes {
    codes: Vec<(String, String)>,
}

impl StaticAuthCodes {
    /// No codes: every `authCode` is refused.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `code` for any client, as `customer_id`.
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>, customer_id: impl Into<String>) -> Self {
        self.codes.push((code.into(), customer_id.into()));
        self
    }
}

impl fmt::Debug for StaticAuthCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StaticAuthCodes(<{} codes>)", self.codes.len())
    }
}

impl AuthCodeValidator for StaticAuthCodes {
    fn redeem<'a>(
        &'a self,
        _client_id: &'a str,
        auth_code: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, tower::BoxError>> {
        // Look at every code so the time taken does not say which one matched.
        let mut found = None;
        for (code, customer) in &self.codes {
            if bool::from(code.as_bytes().ct_eq(auth_code.as_bytes())) {
                found = Some(customer.clone());
            }
        }
        Box::pin(std::future::ready(Ok(found)))
    }
}

/// A token issued by [`TokenIssuer`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuedToken {
    /// The access token.
    pub access_token: AccessToken,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// A B2B2C token pair issued by [`TokenIssuer`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuedCustomerToken {
    /// The customer access token (`Authorization-Customer`).
    pub access_token: AccessToken,
    /// When it expires.
    pub access_expires_at: DateTime<Utc>,
    /// The refresh token.
    pub refresh_token: AccessToken,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
}

/// A token could not be issued.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// The signing backend failed (not expected with a key that parsed).
    #[error("the token could not be signed")]
    Sign,
}

/// A [`TokenIssuerBuilder`] setting that cannot work.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssuerConfigError {
    /// An HS256 secret shorter than 32 bytes.
    #[error("the HS256 secret has {0} bytes; at least 32 are required")]
    WeakSecret(usize),
    /// The system random generator failed while making a secret.
    #[error("the system random generator failed")]
    Random,
    /// The RS256 key's public half could not be derived.
    #[error("the RS256 key is unusable: {0}")]
    Key(#[from] KeyError),
}

enum JwtKey {
    /// The HMAC key schedule runs once, here, not per token (boxed: the
    /// keyed state is over a kilobyte).
    Hs256(Box<aws_lc_rs::hmac::Key>),
    Rs256 {
        private: Arc<RsaPrivateKey>,
        public: RsaPublicKey,
    },
}

impl JwtKey {
    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Hs256(_) => Algorithm::HS256,
            Self::Rs256 { .. } => Algorithm::RS256,
        }
    }

    fn sign(&self, input: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Hs256(key) => Some(aws_lc_rs::hmac::sign(key, input).as_ref().to_vec()),
            // RS256 is RSASSA-PKCS1-v1_5 with SHA-256: SHA256withRSA.
            Self::Rs256 { private, .. } => private.sign_raw(input),
        }
    }

    fn verify(&self, input: &[u8], signature: &[u8]) -> bool {
        match self {
            // Constant-time comparison of the tags.
            Self::Hs256(key) => aws_lc_rs::hmac::verify(key, input, signature).is_ok(),
            Self::Rs256 { public, .. } => public.verify_raw(input, signature),
        }
    }
}

/// What the issuer puts in its JWTs.
#[derive(serde::Serialize, serde::Deserialize)]
struct JwtClaims {
    iss: String,
    /// The client id.
    sub: String,
    /// `b2b`, `b2b2c` or `refresh`.
    tok: String,
    /// The customer, for `b2b2c` and `refresh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cus: Option<String>,
    iat: i64,
    exp: i64,
    jti: String,
}

const USE_B2B: &str = "b2b";
const USE_B2B2C: &str = "b2b2c";
const USE_REFRESH: &str = "refresh";

/// Which endpoint a request is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    B2b,
    B2b2c,
}

impl Endpoint {
    fn service(self) -> ServiceCode {
        match self {
            Self::B2b => ServiceCode::ACCESS_TOKEN_B2B,
            Self::B2b2c => ServiceCode::ACCESS_TOKEN_B2B2C,
        }
    }
}

struct Issuer {
    directory: Arc<dyn PartnerDirectory>,
    key: JwtKey,
    /// The base64url JOSE header every token of this issuer starts with.
    header: String,
    lifetime: Duration,
    customer_lifetime: Duration,
    refresh_lifetime: Duration,
    clock: Arc<dyn Clock>,
    window: Duration,
    issuer: String,
    auth_codes: Arc<dyn AuthCodeValidator>,
    body_limit: usize,
    profile: ProviderProfile,
    /// Tokens already validated (see the `validated` module).
    validated: ValidatedTokens,
}

/// Issues SNAP access tokens and validates them. Cheap to clone.
///
/// As a `tower::Service<http::Request<B>>` it answers `POST` requests to the
/// profile's token paths, and to any path ending in `/access-token/b2b` or
/// `/access-token/b2b2c` (with or without `.htm`); other paths get
/// `4040002 Invalid Routing`.
#[derive(Clone)]
pub struct TokenIssuer {
    inner: Arc<Issuer>,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("algorithm", &self.inner.key.algorithm())
            .field("lifetime", &self.inner.lifetime)
            .field("refresh_lifetime", &self.inner.refresh_lifetime)
            .field("issuer", &self.inner.issuer)
            .field("profile", &self.inner.profile.name())
            .finish_non_exhaustive()
    }
}

/// Builds a [`TokenIssuer`].
#[must_use]
pub struct TokenIssuerBuilder {
    directory: Arc<dyn PartnerDirectory>,
    hs256_secret: Option<Vec<u8>>,
    rs256: Option<RsaPrivateKey>,
    lifetime: Duration,
    customer_lifetime: Option<Duration>,
    refresh_lifetime: Duration,
    clock: Arc<dyn Clock>,
    window: Duration,
    issuer: String,
    auth_codes: Arc<dyn AuthCodeValidator>,
    body_limit: usize,
    profile: ProviderProfile,
}

impl fmt::Debug for TokenIssuerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuerBuilder")
            .field("lifetime", &self.lifetime)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl TokenIssuer {
    /// A builder over the application's partner directory (looked up by
    /// client id).
    pub fn builder(directory: impl PartnerDirectory + 'static) -> TokenIssuerBuilder {
        Self::builder_shared(Arc::new(directory))
    }

    /// Like [`builder`](Self::builder), for a shared directory.
    pub fn builder_shared(directory: Arc<dyn PartnerDirectory>) -> TokenIssuerBuilder {
        TokenIssuerBuilder {
            directory,
            hs256_secret: None,
            rs256: None,
            lifetime: TokenIssuerBuilder::DEFAULT_LIFETIME,
            customer_lifetime: None,
            refresh_lifetime: TokenIssuerBuilder::DEFAULT_REFRESH_LIFETIME,
            clock: Arc::new(SystemClock),
            window: Duration::from_secs(300),
            issuer: "snap-bi".to_owned(),
            auth_codes: Arc::new(StaticAuthCodes::new()),
            body_limit: 64 * 1024,
            profile: ProviderProfile::aspi_standard(),
        }
    }

    /// Issues a B2B access token to `client_id` (no checks: the caller
    /// vouches for the client).
    ///
    /// # Errors
    /// [`IssueError::Sign`] if the signing backend fails.
    pub fn issue_b2b(&self, client_id: &str) -> Result<IssuedToken, IssueError> {
        let now = self.inner.clock.now();
        let (access_token, expires_at) =
            self.inner
                .mint(USE_B2B, client_id, None, now, self.inner.lifetime)?;
        Ok(IssuedToken {
            access_token,
            expires_at,
        })
    }

    /// Issues a B2B2C customer token and refresh token to `client_id` for
    /// `customer_id` (no checks).
    ///
    /// # Errors
    /// [`IssueError::Sign`] if the signing backend fails.
    pub fn issue_b2b2c(
        &self,
        client_id: &str,
        customer_id: &str,
    ) -> Result<IssuedCustomerToken, IssueError> {
        self.inner
            .mint_customer(client_id, customer_id, self.inner.clock.now())
    }
}

impl TokenIssuerBuilder {
    /// Default access-token lifetime: 900 s, the standard's.
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(900);
    /// Default refresh-token lifetime: 30 days.
    pub const DEFAULT_REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

    /// Signs HS256 with `secret` (at least 32 bytes), so that several
    /// servers accept each other's tokens. Default: a random secret per issuer.
    pub fn hs256_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.hs256_secret = Some(secret.into());
        self.rs256 = None;
        self
    }

    /// Signs RS256 with `key`.
    pub fn rs256(mut self, key: RsaPrivateKey) -> Self {
        self.rs256 = Some(key);
        self.hs256_secret = None;
        self
    }

    /// Access-token lifetime (`expiresIn`).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// B2B2C customer access-token lifetime; the B2B
    /// [`lifetime`](Self::lifetime) when not set. Paydia's customer tokens
    /// live about 182 days against a 24-hour B2B token.
    pub fn customer_lifetime(mut self, lifetime: Duration) -> Self {
        self.customer_lifetime = Some(lifetime);
        self
    }

    /// Refresh-token lifetime (B2B2C).
    pub fn refresh_lifetime(mut self, lifetime: Duration) -> Self {
        self.refresh_lifetime = lifetime;
        self
    }

    /// The clock for the timestamp window, issue and expiry times.
    pub fn clock(self, clock: impl Clock + 'static) -> Self {
        self.shared_clock(Arc::new(clock))
    }

    /// Like [`clock`](Self::clock), for a shared clock.
    pub fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How far `X-TIMESTAMP` may be from the clock (±5 min by default).
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The JWT `iss` (`snap-bi` by default); tokens with another are refused.
    pub fn issuer_name(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// Redeems B2B2C `authCode`s. Default: an empty [`StaticAuthCodes`].
    pub fn auth_codes(mut self, validator: impl AuthCodeValidator + 'static) -> Self {
        self.auth_codes = Arc::new(validator);
        self
    }

    /// The profile: token paths, grant-type field spelling and response
    /// `X-TIMESTAMP` format. Default: [`ProviderProfile::aspi_standard`].
    pub fn profile(mut self, profile: ProviderProfile) -> Self {
        self.profile = profile;
        self
    }

    /// The largest request body read (64 KiB by default).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The issuer.
    ///
    /// # Errors
    /// [`IssuerConfigError`] for a short HS256 secret, a failing random
    /// generator or an unusable RS256 key.
    pub fn build(self) -> Result<TokenIssuer, IssuerConfigError> {
        let key = match (self.rs256, self.hs256_secret) {
            (Some(private), _) => JwtKey::Rs256 {
                public: private.public_key()?,
                private: Arc::new(private),
            },
            (None, Some(secret)) if secret.len() < 32 => {
                return Err(IssuerConfigError::WeakSecret(secret.len()));
            }
            (None, secret) => {
                let secret = match secret {
                    Some(secret) => secret,
                    None => {
                        let mut random = vec![0u8; 32];
                        aws_lc_rs::rand::fill(&mut random)
                            .map_err(|_| IssuerConfigError::Random)?;
                        random
                    }
                };
                JwtKey::Hs256(Box::new(aws_lc_rs::hmac::Key::new(
                    aws_lc_rs::hmac::HMAC_SHA256,
                    &secret,
                )))
            }
        };
        // `{"typ":"JWT","alg":"HS256"}`: serialising a Header cannot fail.
        let header = URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&Header::new(key.algorithm())).unwrap_or_default());
        Ok(TokenIssuer {
            inner: Arc::new(Issuer {
                directory: self.directory,
                key,
                header,
                lifetime: self.lifetime,
                customer_lifetime: self.customer_lifetime.unwrap_or(self.lifetime),
                refresh_lifetime: self.refresh_lifetime,
                clock: self.clock,
                window: self.window,
                issuer: self.issuer,
                auth_codes: self.auth_codes,
                body_limit: self.body_limit,
                profile: self.profile,
                validated: ValidatedTokens::new(),
            }),
        })
    }
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

impl Issuer {
    fn mint(
        &self,
        token_use: &str,
        client_id: &str,
        customer_id: Option<&str>,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<(AccessToken, DateTime<Utc>), IssueError> {
        let expires_at = now
            .checked_add_signed(delta(lifetime))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let claims = JwtClaims {
            iss: self.issuer.clone(),
            sub: client_id.to_owned(),
            tok: token_use.to_owned(),
            cus: customer_id.map(str::to_owned),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let claims = serde_json::to_vec(&claims).map_err(|_| IssueError::Sign)?;
        let input = format!("{}.{}", self.header, URL_SAFE_NO_PAD.encode(claims));
        let signature = self.key.sign(input.as_bytes()).ok_or(IssueError::Sign)?;
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature));
        let token = AccessToken::new(token).map_err(|_| IssueError::Sign)?;
        Ok((token, expires_at))
    }

    fn mint_customer(
        &self,
        client_id: &str,
        customer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedCustomerToken, IssueError> {
        let (access_token, access_expires_at) = self.mint(
            USE_B2B2C,
            client_id,
            Some(customer_id),
            now,
            self.customer_lifetime,
        )?;
        let (refresh_token, refresh_expires_at) = self.mint(
            USE_REFRESH,
            client_id,
            Some(customer_id),
            now,
            self.refresh_lifetime,
        )?;
        Ok(IssuedCustomerToken {
            access_token,
            access_expires_at,
            refresh_token,
            refresh_expires_at,
        })
    }

    /// The claims of a token this issuer signed, of use `token_use`, not
    /// expired at `now`.
    fn decode(&self, token_use: &str, token: &str, now: DateTime<Utc>) -> Option<JwtClaims> {
        if token.len() > MAX_TOKEN {
            return None;
        }
        let (input, signature) = token.rsplit_once('.')?;
        let (header, claims) = input.split_once('.')?;
        // Exactly the header this issuer writes: one algorithm, no "alg"
        // confusion, and no header parsing on the hot path.
        if header != self.header || claims.contains('.') {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        if !self.key.verify(input.as_bytes(), &signature) {
            return None;
        }
        let claims: JwtClaims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
        let fresh = now.timestamp() < claims.exp;
        (claims.iss == self.issuer && claims.tok == token_use && fresh).then_some(claims)
    }

    fn validate(&self, kind: TokenKind, token: &str) -> Result<TokenClaims, TokenRejection> {
        let now = self.clock.now();
        match self.validated.get(kind, token, now) {
            Cached::Valid(claims) => return Ok(claims),
            Cached::Expired => return Err(TokenRejection::Invalid),
            Cached::Unknown => {}
        }
        let token_use = match kind {
            TokenKind::B2b => USE_B2B,
            TokenKind::Customer => USE_B2B2C,
        };
        let claims = self
            .decode(token_use, token, now)
            .ok_or(TokenRejection::Invalid)?;
        let expires = claims.exp;
        let mut out = TokenClaims::new(kind)
            .with_client_id(claims.sub)
            .with_token_id(claims.jti);
        out.customer_id = claims.cus;
        out.issued_at = DateTime::from_timestamp(claims.iat, 0);
        out.expires_at = DateTime::from_timestamp(expires, 0);
        self.validated.insert(kind, token, expires, &out, now);
        Ok(out)
    }

    fn endpoint(&self, path: &str) -> Option<Endpoint> {
        let token = self.profile.token();
        if path == token.b2b_path() {
            return Some(Endpoint::B2b);
        }
        if path == token.b2b2c_path() {
            return Some(Endpoint::B2b2c);
        }
        match service_for_path(path).map(|s| s.code) {
            Some("73") => Some(Endpoint::B2b),
            Some("74") => Some(Endpoint::B2b2c),
            _ => None,
        }
    }

    fn now_header(&self) -> Timestamp {
        self.profile
            .token()
            .timestamp_format()
            .format(self.clock.now())
    }

    async fn handle<B>(&self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<tower::BoxError>,
    {
        let Some(endpoint) = self.endpoint(request.uri().path()) else {
            return Rejection::new(CaseCode::InvalidRouting, ServiceCode::UNKNOWN)
                .to_response(&self.now_header());
        };
        // Cheap copies (shared bytes) for the trace after `process` took the request.
        let uri = request.uri().clone();
        let client_key = request.headers().get(X_CLIENT_KEY).cloned();
        let client_key = || client_key.as_ref().and_then(|v| v.to_str().ok());
        match self.process(endpoint, request).await {
            Ok(response) => {
                tracing::info!(
                    target: "snap_bi::server",
                    path = uri.path(),
                    client_id = client_key(),
                    "token issued"
                );
                response
            }
            Err(rejection) => {
                tracing::info!(
                    target: "snap_bi::server",
                    path = uri.path(),
                    client_id = client_key(),
                    response_code = rejection.response_code().as_str(),
                    response_message = rejection.message(),
                    "token request rejected"
                );
                rejection.to_response(&self.now_header())
            }
        }
    }

    async fn process<B>(
        &self,
        endpoint: Endpoint,
        request: Request<B>,
    ) -> Result<Response<Full<Bytes>>, Rejection>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<tower::BoxError>,
    {
        let service = endpoint.service();
        let reject = |case, detail: &str| Rejection::with_detail(case, service, detail);
        let plain = |case| Rejection::new(case, service);
        let (parts, body) = request.into_parts();
        if parts.method != Method::POST {
            return Err(plain(CaseCode::RequestedFunctionNotSupported));
        }

        // Headers.
        let header =
            |name: &http::HeaderName, max: usize| match header_state(&parts.headers, name, max) {
                HeaderState::Present(v) if v.bytes().all(|b| b.is_ascii_graphic()) => Ok(v),
                HeaderState::Absent => {
                    Err(reject(CaseCode::InvalidMandatoryField, &display_name(name)))
                }
                _ => Err(reject(CaseCode::InvalidFieldFormat, &display_name(name))),
            };
        let timestamp = header(&X_TIMESTAMP, 64)?;
        let timestamp = Timestamp::parse(timestamp)
            .map_err(|_| reject(CaseCode::InvalidFieldFormat, "X-TIMESTAMP"))?;
        let client_id = header(&X_CLIENT_KEY, MAX_CLIENT_ID)?;
        let signature = header(&X_SIGNATURE, 2048)?;

        if !timestamp.within_window(self.clock.now(), self.window) {
            return Err(reject(CaseCode::Unauthorized, "Timestamp out of window"));
        }

        // The client and its signature over `clientId|X-TIMESTAMP`.
        let partner = self
            .directory
            .by_client_id(client_id)
            .await
            .map_err(|_| plain(CaseCode::InternalServerError))?
            .ok_or_else(|| reject(CaseCode::Unauthorized, "Unknown client"))?;
        let verifier = partner
            .asymmetric()
            .ok_or_else(|| reject(CaseCode::Unauthorized, "Key not found"))?;
        match verifier.verify_token(client_id, timestamp.as_str(), signature) {
            Ok(()) => {}
            Err(VerifyError::Malformed { .. }) => {
                return Err(reject(CaseCode::InvalidFieldFormat, "X-SIGNATURE"));
            }
            Err(_) => return Err(reject(CaseCode::Unauthorized, "Signature")),
        }

        // The body: validated JSON object, then its fields.
        let raw = match crate::collect::collect_limited(body, self.body_limit).await {
            Ok(raw) => raw,
            Err(CollectError::TooLarge { .. }) => {
                return Err(Rejection::payload_too_large(service));
            }
            Err(CollectError::Read(_)) => return Err(plain(CaseCode::BadRequest)),
        };
        crate::minify::minify(&raw).map_err(|_| plain(CaseCode::BadRequest))?;
        let fields: Map<String, Value> =
            serde_json::from_slice(&raw).map_err(|_| plain(CaseCode::BadRequest))?;
        let grant_label = self.profile.token().grant_type_field().as_str();
        let grant_type = string_field(&fields, &["grantType", "grant_type"])
            .map_err(|case| reject(case, grant_label))?;

        let now = self.clock.now();
        let response = match endpoint {
            Endpoint::B2b => {
                if !grant_type.eq_ignore_ascii_case("client_credentials") {
                    return Err(reject(CaseCode::InvalidFieldFormat, grant_label));
                }
                let (token, _) = self
                    .mint(USE_B2B, partner.client_id(), None, now, self.lifetime)
                    .map_err(|_| plain(CaseCode::InternalServerError))?;
                serde_json::json!({
                    "responseCode": "2007300",
                    "responseMessage": "Successful",
                    "accessToken": token.expose_secret(),
                    "tokenType": "Bearer",
                    "expiresIn": self.lifetime.as_secs().to_string(),
                })
            }
            Endpoint::B2b2c => {
                let customer = if grant_type.eq_ignore_ascii_case("authorization_code") {
                    let code = string_field(&fields, &["authCode", "auth_code"])
                        .map_err(|case| reject(case, "authCode"))?;
                    self.auth_codes
                        .redeem(partner.client_id(), code)
                        .await
                        .map_err(|_| plain(CaseCode::InternalServerError))?
                        .ok_or_else(|| reject(CaseCode::Unauthorized, "Invalid authCode"))?
                } else if grant_type.eq_ignore_ascii_case("refresh_token") {
                    let refresh = string_field(&fields, &["refreshToken", "refresh_token"])
                        .map_err(|case| reject(case, "refreshToken"))?;
                    self.decode(USE_REFRESH, refresh, self.clock.now())
                        .filter(|c| c.sub == partner.client_id())
                        .and_then(|c| c.cus)
                        .ok_or_else(|| reject(CaseCode::Unauthorized, "Invalid refreshToken"))?
                } else {
                    return Err(reject(CaseCode::InvalidFieldFormat, grant_label));
                };
                let issued = self
                    .mint_customer(partner.client_id(), &customer, now)
                    .map_err(|_| plain(CaseCode::InternalServerError))?;
                let iso =
                    |t: DateTime<Utc>| TimestampFormat::JakartaSeconds.format(t).into_string();
                serde_json::json!({
                    "responseCode": "2007400",
                    "responseMessage": "Successful",
                    "accessToken": issued.access_token.expose_secret(),
                    "tokenType": "Bearer",
                    "accessTokenExpiryTime": iso(issued.access_expires_at),
                    "refreshToken": issued.refresh_token.expose_secret(),
                    "refreshTokenExpiryTime": iso(issued.refresh_expires_at),
                })
            }
        };
        let body =
            serde_json::to_vec(&response).map_err(|_| plain(CaseCode::InternalServerError))?;
        let mut response = json_response(StatusCode::OK, &self.now_header(), Bytes::from(body));
        if let Ok(value) = HeaderValue::from_str(partner.client_id()) {
            response.headers_mut().insert(X_CLIENT_KEY, value);
        }
        Ok(response)
    }
}

/// A mandatory string field, under any of `names`: `InvalidMandatoryField`
/// when absent (or empty), `InvalidFieldFormat` when not a string.
fn string_field<'a>(fields: &'a Map<String, Value>, names: &[&str]) -> Result<&'a str, CaseCode> {
    match names.iter().find_map(|n| fields.get(*n)) {
        None | Some(Value::Null) => Err(CaseCode::InvalidMandatoryField),
        Some(Value::String(s)) if s.is_empty() => Err(CaseCode::InvalidMandatoryField),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(CaseCode::InvalidFieldFormat),
    }
}

/// The response future of [`TokenIssuer`].
pub type IssueFuture =
    Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

impl<B> Service<Request<B>> for TokenIssuer
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<tower::BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = IssueFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move { Ok(inner.handle(request).await) })
    }
}

impl TokenValidator for TokenIssuer {
    fn validate<'a>(
        &'a self,
        kind: TokenKind,
        token: &'a str,
    ) -> BoxFuture<'a, Result<TokenClaims, TokenRejection>> {
        Box::pin(std::future::ready(self.inner.validate(kind, token)))
    }
}

mod validated;

#[cfg(test)]
mod tests;
