//! [`SnapLayer`]: the Tower layer that signs every outgoing SNAP request.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{Either, Full};
use tower::{BoxError, ServiceExt};
use tower_layer::Layer;
use tower_service::Service;

use crate::collect::CollectError;
use crate::response_code::ResponseCode;
use crate::token::{AccessToken, BoxFuture, TokenSource};

use super::error::{ClientError, ConfigError};
use super::signer::RequestSigner;

/// Default limit on a request body the layer buffers and signs: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Default bound on one call through the layer: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How much of a `401` response the layer reads to see whether the token was
/// the problem.
const REJECTION_BODY_LIMIT: usize = 64 * 1024;

/// The body of responses coming out of [`SnapService`]: the inner service's
/// body, or — for a `401` the layer had to read to decide on a retry — the
/// same bytes, buffered. A `401` body over 64 KiB is not a SNAP token
/// rejection: the layer returns the `401` as it is, with its body cut at
/// 64 KiB (no retry).
pub type SnapResponseBody<B> = Either<B, Full<Bytes>>;

/// Signs every request that goes through it; see the [module docs](super).
///
/// Build it with [`SnapLayer::builder`]. Cloning is cheap (shared state).
#[derive(Clone)]
pub struct SnapLayer {
    shared: Arc<Shared>,
}

struct Shared {
    signer: RequestSigner,
    tokens: Option<Arc<dyn TokenSource>>,
    body_limit: usize,
    retry_on_invalid_token: bool,
    timeout: Option<Duration>,
}

impl fmt::Debug for SnapLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapLayer")
            .field("profile", &self.shared.signer.profile().name())
            .field("token_source", &self.shared.tokens.is_some())
            .field("body_limit", &self.shared.body_limit)
            .field(
                "retry_on_invalid_token",
                &self.shared.retry_on_invalid_token,
            )
            .field("timeout", &self.shared.timeout)
            .finish()
    }
}

impl SnapLayer {
    /// Starts a layer around a configured [`RequestSigner`].
    pub fn builder(signer: RequestSigner) -> SnapLayerBuilder {
        SnapLayerBuilder {
            signer,
            tokens: None,
            body_limit: DEFAULT_BODY_LIMIT,
            retry_on_invalid_token: true,
            timeout: Some(DEFAULT_REQUEST_TIMEOUT),
        }
    }

    /// The signer in use.
    pub fn signer(&self) -> &RequestSigner {
        &self.shared.signer
    }
}

impl<S> Layer<S> for SnapLayer {
    type Service = SnapService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SnapService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// Builds a [`SnapLayer`].
#[must_use]
pub struct SnapLayerBuilder {
    signer: RequestSigner,
    tokens: Option<Arc<dyn TokenSource>>,
    body_limit: usize,
    retry_on_invalid_token: bool,
    timeout: Option<Duration>,
}

impl fmt::Debug for SnapLayerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapLayerBuilder")
            .field("profile", &self.signer.profile().name())
            .field("token_source", &self.tokens.is_some())
            .field("body_limit", &self.body_limit)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SnapLayerBuilder {
    /// Where B2B access tokens come from (required for symmetric profiles;
    /// optional for asymmetric ones, which then still send `Authorization`).
    pub fn token_source(mut self, tokens: impl TokenSource + 'static) -> Self {
        self.tokens = Some(Arc::new(tokens));
        self
    }

    /// Like [`token_source`](Self::token_source), for a source already
    /// shared with other parts of the application.
    pub fn shared_token_source(mut self, tokens: Arc<dyn TokenSource>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// The largest request body the layer accepts (default 1 MiB). Larger
    /// bodies fail with [`ClientError::BodyTooLarge`] and nothing is sent.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Whether a `401xx01`/`401xx03` answer (token invalid / not found)
    /// triggers one retry with a fresh token (default: yes).
    pub fn retry_on_invalid_token(mut self, retry: bool) -> Self {
        self.retry_on_invalid_token = retry;
        self
    }

    /// The longest one call through the layer may take, from the call to
    /// the response head: buffering and signing the body, the B2B token,
    /// sending, and the retry after a rejected token (default
    /// [`DEFAULT_REQUEST_TIMEOUT`], 30 s). A late call fails with
    /// [`ClientError::Timeout`], so a stalling provider cannot hold callers
    /// indefinitely. Reading the response body afterwards is the caller's
    /// to bound. `None` turns it off (for an inner client that enforces its
    /// own timeout; [`SnapClient`](super::SnapClient) does).
    ///
    /// Needs Tokio's time driver (`enable_time()` / `enable_all()` on the
    /// runtime builder; `#[tokio::main]` has it): Tokio panics when a timer
    /// is used on a runtime without one, so there pass `None`. Outside any
    /// Tokio runtime the timeout is skipped.
    pub fn request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// The finished layer.
    ///
    /// # Errors
    /// [`ConfigError::MissingTokenSource`] when the profile signs with the
    /// B2B token (symmetric) and no token source was given.
    pub fn build(self) -> Result<SnapLayer, ConfigError> {
        self.signer.check_token_source(self.tokens.is_some())?;
        Ok(SnapLayer {
            shared: Arc::new(Shared {
                signer: self.signer,
                tokens: self.tokens,
                body_limit: self.body_limit,
                retry_on_invalid_token: self.retry_on_invalid_token,
                timeout: self.timeout,
            }),
        })
    }
}

/// The service [`SnapLayer`] wraps around an HTTP client.
///
/// Accepts any `http::Request<B>` body; sends `http::Request<Full<Bytes>>`
/// to the inner service; errors are `tower::BoxError` (a [`ClientError`]
/// when the layer refused to send, else the inner service's error).
#[derive(Clone)]
pub struct SnapService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> fmt::Debug for SnapService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapService")
            .field("profile", &self.shared.signer.profile().name())
            .finish_non_exhaustive()
    }
}

impl<S> SnapService<S> {
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

impl<S, B, RB> Service<Request<B>> for SnapService<S>
where
    S: Service<Request<Full<Bytes>>, Response = Response<RB>> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    RB: Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Response = Response<SnapResponseBody<RB>>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The service polled ready goes into the future; a fresh clone stays
        // (tower-service's "be careful when cloning inner services").
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        // One future, no wrapping `async` block: a wrapper would keep its
        // own copy of the request next to the one inside `send`, and a
        // future too large for the allocator's fast path costs on every call.
        let (head, body) = request.into_parts();
        let send = Shared::send(self.shared.clone(), inner, head, body);
        match self.shared.timeout {
            // The timer is only polled inside a Tokio runtime; outside one
            // (no timer to ask) the call runs unbounded rather than panic.
            Some(after) if tokio::runtime::Handle::try_current().is_ok() => Box::pin(async move {
                match tokio::time::timeout(after, send).await {
                    Ok(answer) => answer,
                    Err(_) => Err(ClientError::Timeout { after }.into()),
                }
            }),
            _ => Box::pin(send),
        }
    }
}

/// What a second attempt needs besides the caller's request head, kept only
/// when one may happen.
struct Retry<S> {
    /// A fresh handle on the inner service (the first one is consumed).
    inner: S,
    /// The canonical body.
    body: Bytes,
}

impl Shared {
    /// Signs and sends one request.
    ///
    /// A plain `fn` returning an `async` block rather than an `async fn`: the
    /// latter would copy its arguments (the request head among them) into
    /// locals, and the future, boxed on every call, would carry both.
    #[allow(clippy::manual_async_fn)]
    fn send<S, B, RB>(
        shared: Arc<Self>,
        inner: S,
        mut head: Parts,
        body: B,
    ) -> impl Future<Output = Result<Response<SnapResponseBody<RB>>, BoxError>>
    where
        S: Service<Request<Full<Bytes>>, Response = Response<RB>> + Clone + Send + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
        RB: Body<Data = Bytes> + Send + 'static,
        RB::Error: Into<BoxError>,
    {
        async move {
            // No wrapping future around the collection: it would only add to
            // this one's size.
            let raw = crate::collect::collect_limited(body, shared.body_limit)
                .await
                .map_err(body_error)?;
            let body = shared.signer.canonical_body(raw)?;
            let token = current_token(shared.tokens.as_ref()).await?;
            // Only a retry needs a second handle on the inner service and the
            // caller's head a second time; otherwise the head moves into the
            // signed request (an empty one, which allocates nothing, is left).
            let retry = match (&token, shared.retry_on_invalid_token) {
                (Some(_), true) => Some(Retry {
                    inner: inner.clone(),
                    body: body.clone(),
                }),
                _ => None,
            };
            let first_head = match retry {
                Some(_) => copy_head(&head),
                None => std::mem::replace(&mut head, Request::new(()).into_parts().0),
            };
            let signed = shared.build(first_head, body, token.as_ref())?;
            // Polled ready again (a no-op after `SnapService::poll_ready`):
            // callers that skip `poll_ready` keep working.
            let response = inner.oneshot(signed).await.map_err(Into::into)?;

            let (Some(rejected), Some(retry), Some(tokens)) = (token, retry, &shared.tokens) else {
                return Ok(response.map(Either::Left));
            };
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response.map(Either::Left));
            }
            // Boxed: its state would otherwise enlarge every request's
            // future, and a 401 is rare.
            Box::pin(shared.retry(retry, head, tokens.as_ref(), rejected, response)).await
        }
    }

    /// Reads a `401`; when it says the token is invalid, signs the request
    /// again with a fresh token and sends it once more.
    async fn retry<S, RB>(
        &self,
        retry: Retry<S>,
        head: Parts,
        tokens: &dyn TokenSource,
        rejected: AccessToken,
        response: Response<RB>,
    ) -> Result<Response<SnapResponseBody<RB>>, BoxError>
    where
        S: Service<Request<Full<Bytes>>, Response = Response<RB>> + Send + 'static,
        S::Error: Into<BoxError>,
        RB: Body<Data = Bytes> + Send + 'static,
        RB::Error: Into<BoxError>,
    {
        let (response_parts, response_body) = response.into_parts();
        let (bytes, token_invalid) = read_rejection(response_body).await?;
        // Not a token rejection (or too large to be one): the provider's own
        // 401, returned as it is, with its body as far as read.
        if !token_invalid {
            return Ok(Response::from_parts(
                response_parts,
                Either::Right(Full::new(bytes)),
            ));
        }
        let fresh = refresh_after_rejection(tokens, &rejected).await?;
        // A new timestamp, signature and (unless the caller fixed it)
        // X-EXTERNAL-ID: the first attempt was refused, not processed.
        let signed = self.build(head, retry.body, Some(&fresh))?;
        let response = retry.inner.oneshot(signed).await.map_err(Into::into)?;
        Ok(response.map(Either::Left))
    }

    /// The signed request: the caller's head with the SNAP headers added,
    /// and the canonical body.
    fn build(
        &self,
        mut head: Parts,
        body: Bytes,
        token: Option<&AccessToken>,
    ) -> Result<Request<Full<Bytes>>, ClientError> {
        let signed = self.signer.sign_head(
            &head.method,
            &head.uri,
            &mut head.headers,
            &head.extensions,
            body,
            token,
            None,
        )?;
        Ok(Request::from_parts(head, Full::new(signed.body)))
    }
}

/// A copy of a request head (`http::request::Parts` is not `Clone`).
fn copy_head(head: &Parts) -> Parts {
    let (mut copy, ()) = Request::new(()).into_parts();
    copy.method = head.method.clone();
    copy.uri = head.uri.clone();
    copy.version = head.version;
    // Usually empty: then the new map already is the copy (cloning would
    // still walk its tables).
    if !head.headers.is_empty() {
        copy.headers = head.headers.clone();
    }
    copy.extensions = head.extensions.clone();
    copy
}

/// Why the request body could not be buffered, as the layer reports it.
fn body_error(err: CollectError) -> ClientError {
    match err {
        CollectError::TooLarge { limit } => ClientError::BodyTooLarge { limit },
        CollectError::Read(err) => ClientError::BodyRead(err),
    }
}

/// The current B2B token, when there is a token source (shared by the
/// layer and the reqwest-middleware adapter).
pub(crate) async fn current_token(
    tokens: Option<&Arc<dyn TokenSource>>,
) -> Result<Option<AccessToken>, ClientError> {
    match tokens {
        Some(tokens) => match tokens.ready_token() {
            // The usual case, without the boxed future of `token()`.
            Some(token) => Ok(Some(token)),
            None => tokens.token().await.map(Some).map_err(ClientError::Token),
        },
        None => Ok(None),
    }
}

/// Reads a `401` answer's body: the bytes (at most 64 KiB: a longer body
/// is cut there and is no SNAP token rejection), and whether they say the
/// B2B token is invalid or unknown, i.e. whether one retry is due.
pub(crate) async fn read_rejection<B>(body: B) -> Result<(Bytes, bool), CollectError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let (bytes, cut) = crate::collect::collect_prefix(body, REJECTION_BODY_LIMIT).await?;
    if cut {
        tracing::debug!(
            target: "snap_bi::client",
            limit = REJECTION_BODY_LIMIT,
            "401 body longer than the limit: returned cut, not retried"
        );
    }
    let token_invalid = !cut && token_rejected(&bytes);
    Ok((bytes, token_invalid))
}

/// Drops `rejected` (if still current) and takes a fresh token.
pub(crate) async fn refresh_after_rejection(
    tokens: &dyn TokenSource,
    rejected: &AccessToken,
) -> Result<AccessToken, ClientError> {
    tracing::debug!(
        target: "snap_bi::client",
        "token rejected (401xx01/401xx03), retrying once with a fresh token"
    );
    tokens.invalidate(rejected);
    tokens.token().await.map_err(ClientError::Token)
}

/// Whether a `401` body says the B2B token is invalid or unknown
/// (`401xx01` / `401xx03`).
fn token_rejected(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "responseCode")]
        response_code: Option<ResponseCode>,
    }
    serde_json::from_slice::<Answer>(body)
        .ok()
        .and_then(|a| a.response_code)
        .is_some_and(|code| code.is_token_invalid())
}

#[cfg(test)]
mod tests;
