//! Sending token requests over any `tower::Service`: hyper-util's legacy
//! client, a reqwest adapter, a test service. No HTTP client is hard-wired.
//!
//! The service takes `http::Request<Full<Bytes>>` and answers
//! `http::Response<B>` for any body `B`; the answer is read up to a size
//! limit, so a hostile or broken endpoint cannot make the client buffer
//! without bound. Redirects are whatever the service does; hyper-util
//! never follows them, which is what a signed request wants.
//!
//! ```
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use snap_bi::timestamp::{FixedClock, Timestamp};
//! use snap_bi::token::{ResponseOptions, TokenRequestSigner, fetch_token};
//! use snap_bi::RsaPrivateKey;
//!
//! # let pem = include_str!("../../tests/vectors/keys/partner-test-private.pem");
//! // A stand-in for an HTTP client: any tower service of this shape works.
//! let provider = tower::service_fn(|_req: http::Request<Full<Bytes>>| async {
//!     let body = r#"{"responseCode":"2007300","accessToken":"t-1","tokenType":"Bearer","expiresIn":"900"}"#;
//!     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(body))))
//! });
//!
//! let signer = TokenRequestSigner::builder("client", RsaPrivateKey::from_pem(pem)?)
//!     .base_url("http://127.0.0.1:1")
//!     .build()?;
//! let request = signer.b2b(&Timestamp::parse("2024-09-10T13:24:42+07:00")?)?;
//! let clock = FixedClock(chrono::DateTime::from_timestamp(1_725_949_482, 0).ok_or("range")?);
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let grant = fetch_token(provider, request, &ResponseOptions::default(), &clock).await?;
//! assert_eq!(grant.access_token().expose_secret(), "t-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Request, Response};
use http_body::Body;
use http_body_util::Full;
use tokio::time::Instant;
use tower::{Service, ServiceExt};

use super::error::BoxError;
use super::{
    BoxFuture, ResponseOptions, TokenError, TokenGrant, TokenRequestSigner, parse_token_response,
};
use crate::collect::CollectError;
use crate::headers::X_TIMESTAMP;
use crate::timestamp::{Clock, Timestamp};

/// Sends `request` over `service` and reads the answer's body, at most
/// `max_body_bytes` of it.
///
/// # Errors
/// [`TokenError::Transport`] when the service or the body stream fails,
/// [`TokenError::BodyTooLarge`] when the body exceeds the limit.
pub async fn send_token_request<S, B>(
    service: S,
    request: Request<Bytes>,
    max_body_bytes: usize,
) -> Result<Response<Bytes>, TokenError>
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    let response = service
        .oneshot(request.map(Full::new))
        .await
        .map_err(TokenError::transport)?;
    let (parts, body) = response.into_parts();
    match crate::collect::collect_limited(body, max_body_bytes).await {
        Ok(bytes) => Ok(Response::from_parts(parts, bytes)),
        Err(CollectError::TooLarge { limit }) => Err(TokenError::BodyTooLarge {
            status: parts.status,
            limit,
        }),
        Err(CollectError::Read(e)) => Err(TokenError::transport(e)),
    }
}

/// One token exchange: sends `request`, reads the answer and parses it.
///
/// Absolute expiry times are measured against the response's
/// `X-TIMESTAMP` when it has a valid one (the provider's own clock), else
/// against `clock`.
///
/// # Errors
/// Any [`TokenError`] from [`send_token_request`] or
/// [`parse_token_response`].
pub async fn fetch_token<S, B>(
    service: S,
    request: Request<Bytes>,
    options: &ResponseOptions,
    clock: &dyn Clock,
) -> Result<TokenGrant, TokenError>
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    let response = send_token_request(service, request, options.max_body_bytes).await?;
    let now = provider_time(response.headers()).unwrap_or_else(|| clock.now());
    parse_token_response(response.status(), response.body(), options, now)
}

/// The response's `X-TIMESTAMP`, when valid.
fn provider_time(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let value = headers.get(X_TIMESTAMP)?.to_str().ok()?;
    Timestamp::parse(value).ok().map(|t| t.instant().to_utc())
}

/// A token transport with its service type erased, so caches are not
/// generic over the HTTP client.
pub(crate) trait Transport: Send + Sync {
    fn send(
        &self,
        request: Request<Bytes>,
        max_body_bytes: usize,
    ) -> BoxFuture<'static, Result<Response<Bytes>, TokenError>>;
}

/// [`Transport`] over a cloneable tower service. The service sits behind a
/// mutex (locked only to clone it) so that it need not be `Sync`.
pub(crate) struct ServiceTransport<S>(Mutex<S>);

impl<S> ServiceTransport<S> {
    pub(crate) fn new(service: S) -> Self {
        Self(Mutex::new(service))
    }
}

impl<S, B> Transport for ServiceTransport<S>
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    fn send(
        &self,
        request: Request<Bytes>,
        max_body_bytes: usize,
    ) -> BoxFuture<'static, Result<Response<Bytes>, TokenError>> {
        let service = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Box::pin(send_token_request(service, request, max_body_bytes))
    }
}

/// A configured token endpoint: how requests are built, sent and read.
/// Shared by the B2B and B2B2C caches.
pub(crate) struct Exchange {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) signer: TokenRequestSigner,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) response: ResponseOptions,
}

/// A parsed answer and when its request was sent.
pub(crate) struct Exchanged {
    pub(crate) grant: TokenGrant,
    /// Monotonic send time: lifetimes are counted from here, so time spent
    /// on the network shortens the cached lifetime rather than extending it.
    pub(crate) sent_at: Instant,
    /// Wall-clock send time (for customer tokens, which outlive the process).
    pub(crate) sent_wall: DateTime<Utc>,
}

impl Exchange {
    /// Builds a request with a fresh timestamp, sends it and parses the answer.
    pub(crate) async fn run(
        &self,
        build: impl FnOnce(&TokenRequestSigner, &Timestamp) -> Result<Request<Bytes>, TokenError>,
    ) -> Result<Exchanged, TokenError> {
        let sent_wall = self.clock.now();
        let timestamp = self.signer.timestamp_format().format(sent_wall);
        let request = build(&self.signer, &timestamp)?;
        let sent_at = Instant::now();
        let response = self
            .transport
            .send(request, self.response.max_body_bytes)
            .await?;
        let now = provider_time(response.headers()).unwrap_or_else(|| self.clock.now());
        let grant = parse_token_response(response.status(), response.body(), &self.response, now)?;
        tracing::debug!(
            target: "snap_bi::token",
            status = response.status().as_u16(),
            latency_ms = super::flight::millis(sent_at.elapsed()),
            expires_in_s = grant.lifetime().as_secs(),
            "token fetched"
        );
        Ok(Exchanged {
            grant,
            sent_at,
            sent_wall,
        })
    }
}

#[cfg(test)]
mod tests;
