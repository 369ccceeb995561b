//! The Tower layer behind [`fazz::CallbackLayer`] and
//! [`kiriminaja::WebhookLayer`]: one request pipeline (POST only, a bounded
//! body, the provider's check, the provider's parse) parameterised by a
//! [`Receiver`], so both providers refuse the same way in their own words.
//!
//! The module is private: its types are reached only through the
//! providers' aliases, whose docs carry the runnable examples.
//!
//! [`fazz::CallbackLayer`]: crate::fazz::CallbackLayer
//! [`kiriminaja::WebhookLayer`]: crate::kiriminaja::WebhookLayer

use std::fmt;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{Either, Full};
use tower::BoxError;
use tower_layer::Layer;
use tower_service::Service;

use crate::collect::{CollectError, collect_limited};
use crate::token::BoxFuture;

/// The default most of a body the layer reads (1 MiB).
pub(crate) const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// What differs between providers: the check, the event and the refusal.
///
/// Public only so the providers' public aliases can name it; the module is
/// private, so nothing outside the crate implements it.
pub trait Receiver: Clone + fmt::Debug + Send + Sync + 'static {
    /// The parsed body put in the request extensions.
    type Event: Clone + Send + Sync + 'static;
    /// The layer's name in `Debug` output (the public alias).
    const LAYER: &'static str;
    /// The service's name in `Debug` output (the public alias).
    const SERVICE: &'static str;
    /// The `Debug` field name of the receiver.
    const FIELD: &'static str;
    /// The 405 detail, e.g. `"webhooks are POST"`.
    const POST_ONLY: &'static str;

    /// Checked before the body is read (so an unauthenticated caller's body
    /// is never read); the error is the 401 detail.
    fn verify_headers(&self, _headers: &HeaderMap) -> Result<(), String> {
        Ok(())
    }

    /// Checked on the raw body (a signature over it); the error is the 401
    /// detail.
    fn verify_body(&self, _headers: &HeaderMap, _raw: &[u8]) -> Result<(), String> {
        Ok(())
    }

    /// The event, or the 400 detail.
    fn parse(raw: &[u8]) -> Result<Self::Event, String>;

    /// The refusal in the provider's own error shape.
    fn refuse(status: StatusCode, detail: &str) -> Response<Full<Bytes>>;
}

/// A JSON refusal: `body` with `status` and `content_type`.
pub(crate) fn json_refusal(
    status: StatusCode,
    body: String,
    content_type: &'static str,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The layer; see the providers' aliases for what it does.
#[derive(Clone)]
pub struct ReceiveLayer<R> {
    receiver: R,
    body_limit: usize,
}

impl<R: Receiver> fmt::Debug for ReceiveLayer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(R::LAYER)
            .field(R::FIELD, &self.receiver)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

impl<R> ReceiveLayer<R> {
    /// Accepts what `receiver` accepts, reading at most the default limit.
    pub(crate) fn with_receiver(receiver: R) -> Self {
        Self {
            receiver,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// The most of a body read (default 1 MiB).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}

impl<S, R: Clone> Layer<S> for ReceiveLayer<R> {
    type Service = ReceiveService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        ReceiveService {
            inner,
            config: self.clone(),
        }
    }
}

/// The service the layer builds.
#[derive(Clone)]
pub struct ReceiveService<S, R> {
    inner: S,
    config: ReceiveLayer<R>,
}

impl<S: fmt::Debug, R: Receiver> fmt::Debug for ReceiveService<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(R::SERVICE)
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish()
    }
}

impl<S, R, B, ResBody> Service<Request<B>> for ReceiveService<S, R>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    R: Receiver,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    /// The handler's response, or the layer's refusal (`Either::Right`).
    type Response = Response<Either<ResBody, Full<Bytes>>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The ready clone is the one to call; keep a fresh one for next time.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        Box::pin(async move {
            match accept(&config, request).await {
                Ok(accepted) => inner.call(accepted).await.map(|r| r.map(Either::Left)),
                Err(refusal) => Ok(refusal.map(Either::Right)),
            }
        })
    }
}

async fn accept<R, B>(
    config: &ReceiveLayer<R>,
    request: Request<B>,
) -> Result<Request<Full<Bytes>>, Response<Full<Bytes>>>
where
    R: Receiver,
    B: Body,
    B::Error: Into<BoxError>,
{
    if request.method() != Method::POST {
        let mut refusal = R::refuse(StatusCode::METHOD_NOT_ALLOWED, R::POST_ONLY);
        refusal
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(refusal);
    }
    let unauthorized = |detail: String| R::refuse(StatusCode::UNAUTHORIZED, &detail);
    config
        .receiver
        .verify_headers(request.headers())
        .map_err(unauthorized)?;
    let (mut parts, body) = request.into_parts();
    let raw = collect_limited(body, config.body_limit)
        .await
        .map_err(|e| match e {
            CollectError::TooLarge { .. } => {
                R::refuse(StatusCode::PAYLOAD_TOO_LARGE, &e.to_string())
            }
            CollectError::Read(_) => R::refuse(StatusCode::BAD_REQUEST, "unreadable body"),
        })?;
    config
        .receiver
        .verify_body(&parts.headers, &raw)
        .map_err(unauthorized)?;
    let event = R::parse(&raw).map_err(|detail| R::refuse(StatusCode::BAD_REQUEST, &detail))?;
    parts.extensions.insert(event);
    Ok(Request::from_parts(parts, Full::new(raw)))
}
