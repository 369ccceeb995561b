//! [`WebhookLayer`]: a Tower layer that receives KiriminAja webhooks.

use std::fmt;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{Either, Full};
use tower::BoxError;
use tower_layer::Layer;
use tower_service::Service;

use super::ApiKey;
use super::webhook::{WebhookEvent, verify_webhook_headers};
use crate::collect::{CollectError, collect_limited};
use crate::token::BoxFuture;

/// The default most of a webhook body the layer reads (1 MiB).
pub const DEFAULT_WEBHOOK_BODY_LIMIT: usize = 1 << 20;

/// Receives KiriminAja webhooks in front of your handler.
///
/// Per request, in this order: a method other than `POST` is answered 405
/// (with `Allow: POST`); the `Authorization` bearer value is compared with
/// your API key in constant time
/// ([`verify_webhook_headers`](super::webhook::verify_webhook_headers)),
/// else 401 — the body of an unauthenticated caller is not read; the body
/// is read up to a limit (413 beyond it) and parsed as a [`WebhookEvent`]
/// (400 if it is not one). The handler then gets the **raw body unchanged**
/// as `Full<Bytes>` and the parsed event in the request extensions.
///
/// **That bearer comparison is all the authentication KiriminAja offers**:
/// webhooks are not signed, carry no timestamp and no event id (the
/// `User-Agent: KiriminAja-Push-Services` header is informational; anyone
/// can send it). Serve the URL over TLS only, keep it unguessable, and
/// de-duplicate on `method` + `order_id` + the event's time.
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::{BodyExt, Full};
/// use snap_bi::kiriminaja::{ApiKey, WebhookLayer};
/// use snap_bi::kiriminaja::webhook::WebhookEvent;
/// use tower::{Layer, ServiceExt};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let handler = tower::service_fn(|request: http::Request<Full<Bytes>>| async move {
///     let kind = request.extensions().get::<WebhookEvent>().map(|e| format!("{:?}", e.kind()));
///     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(kind.unwrap_or_default()))))
/// });
/// let receiver = WebhookLayer::new(ApiKey::new("my-api-key")?).layer(handler);
///
/// let webhook = http::Request::post("/kiriminaja/webhook")
///     .header("authorization", "Bearer my-api-key")
///     .body(Full::new(Bytes::from_static(br#"{"method":"processed_packages","data":[]}"#)))?;
/// let answer = receiver.clone().oneshot(webhook).await?;
/// assert_eq!(answer.status(), 200);
/// assert_eq!(answer.into_body().collect().await?.to_bytes(), "ProcessedPackages");
///
/// let forged = http::Request::post("/kiriminaja/webhook")
///     .header("authorization", "Bearer guessed")
///     .body(Full::new(Bytes::from_static(b"{}")))?;
/// assert_eq!(receiver.clone().oneshot(forged).await?.status(), 401);
///
/// let probe = http::Request::get("/kiriminaja/webhook").body(Full::new(Bytes::new()))?;
/// assert_eq!(receiver.oneshot(probe).await?.status(), 405);
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
#[derive(Clone)]
pub struct WebhookLayer {
    api_key: ApiKey,
    body_limit: usize,
}

impl fmt::Debug for WebhookLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookLayer")
            .field("api_key", &self.api_key)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

impl WebhookLayer {
    /// Accepts webhooks whose bearer value is `api_key` (your own key).
    pub fn new(api_key: ApiKey) -> Self {
        Self {
            api_key,
            body_limit: DEFAULT_WEBHOOK_BODY_LIMIT,
        }
    }

    /// The most of a body read (default [`DEFAULT_WEBHOOK_BODY_LIMIT`]).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}

impl<S> Layer<S> for WebhookLayer {
    type Service = WebhookService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WebhookService {
            inner,
            config: self.clone(),
        }
    }
}

/// The service [`WebhookLayer`] builds.
#[derive(Clone, Debug)]
pub struct WebhookService<S> {
    inner: S,
    config: WebhookLayer,
}

impl<S, B, ResBody> Service<Request<B>> for WebhookService<S>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
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

async fn accept<B>(
    config: &WebhookLayer,
    request: Request<B>,
) -> Result<Request<Full<Bytes>>, Response<Full<Bytes>>>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if request.method() != Method::POST {
        let mut refusal = refuse(StatusCode::METHOD_NOT_ALLOWED, "webhooks are POST");
        refusal
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(refusal);
    }
    if let Err(error) = verify_webhook_headers(request.headers(), &config.api_key) {
        tracing::warn!(target: "snap_bi::kiriminaja", %error, "webhook refused");
        return Err(refuse(StatusCode::UNAUTHORIZED, &error.to_string()));
    }
    let (mut parts, body) = request.into_parts();
    let raw = collect_limited(body, config.body_limit)
        .await
        .map_err(|e| match e {
            CollectError::TooLarge { .. } => refuse(StatusCode::PAYLOAD_TOO_LARGE, &e.to_string()),
            CollectError::Read(_) => refuse(StatusCode::BAD_REQUEST, "unreadable body"),
        })?;
    let event = WebhookEvent::from_json(&raw).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            &format!("not a webhook event: {e}"),
        )
    })?;
    parts.extensions.insert(event);
    Ok(Request::from_parts(parts, Full::new(raw)))
}

/// `{"status":false,"text":…}`, KiriminAja's own error envelope.
fn refuse(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({"status": false, "text": text}).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
