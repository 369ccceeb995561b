//! [`CallbackLayer`]: a Tower layer that receives Fazz callbacks.

use std::fmt;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{Either, Full};
use tower::BoxError;
use tower_layer::Layer;
use tower_service::Service;

use super::PaymentDocument;
use super::callback::CallbackVerifier;
use crate::collect::{CollectError, collect_limited};
use crate::token::BoxFuture;

/// The default most of a callback body the layer reads (1 MiB).
pub const DEFAULT_CALLBACK_BODY_LIMIT: usize = 1 << 20;

/// Receives Fazz callbacks in front of your handler.
///
/// Per request, in this order: a method other than `POST` is answered 405
/// (with `Allow: POST`); the body is read up to a limit (413 beyond it);
/// the HMAC-SHA256 of the **raw body** is checked in constant time against
/// the signature header ([`CallbackVerifier`]: `Xfers-Signature` unless
/// configured otherwise), else 401 (missing, repeated, malformed or wrong
/// signature); the body is parsed as a [`PaymentDocument`] (400 if it is not
/// one). The handler then gets the raw body unchanged as `Full<Bytes>` and
/// the parsed document in the request extensions.
///
/// **De-duplication.** The signature covers no timestamp and Fazz sends no
/// event id, so a replayed callback verifies again: de-duplicate on
/// `data.id` + status ([`PaymentDocument::dedup_key`]) and treat a status
/// you already recorded as a no-op; answer 200 once handled.
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::{BodyExt, Full};
/// use snap_bi::fazz::callback::{sign_callback, CallbackVerifier, SigningSecret};
/// use snap_bi::fazz::{CallbackLayer, PaymentDocument};
/// use tower::{Layer, ServiceExt};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let handler = tower::service_fn(|request: http::Request<Full<Bytes>>| async move {
///     let key = request.extensions().get::<PaymentDocument>().map(PaymentDocument::dedup_key);
///     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(key.unwrap_or_default()))))
/// });
/// let secret = SigningSecret::new("ss_test_secret")?;
/// let receiver = CallbackLayer::new(CallbackVerifier::new(secret.clone())).layer(handler);
///
/// let body: &[u8] = br#"{"data":{"id":"contract_1","type":"payment","attributes":{"status":"paid","amount":"100000.0"}}}"#;
/// let genuine = http::Request::post("/fazz/callback")
///     .header("xfers-signature", sign_callback(body, &secret))
///     .body(Full::new(Bytes::from_static(body)))?;
/// let answer = receiver.clone().oneshot(genuine).await?;
/// assert_eq!(answer.status(), 200);
///
/// let forged = http::Request::post("/fazz/callback")
///     .header("xfers-signature", "00".repeat(32))
///     .body(Full::new(Bytes::from_static(body)))?;
/// assert_eq!(receiver.oneshot(forged).await?.status(), 401);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CallbackLayer {
    verifier: CallbackVerifier,
    body_limit: usize,
}

impl fmt::Debug for CallbackLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackLayer")
            .field("verifier", &self.verifier)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

impl CallbackLayer {
    /// Accepts callbacks `verifier` accepts (its secret and header name).
    pub fn new(verifier: CallbackVerifier) -> Self {
        Self {
            verifier,
            body_limit: DEFAULT_CALLBACK_BODY_LIMIT,
        }
    }

    /// The most of a body read (default [`DEFAULT_CALLBACK_BODY_LIMIT`]).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}

impl<S> Layer<S> for CallbackLayer {
    type Service = CallbackService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallbackService {
            inner,
            config: self.clone(),
        }
    }
}

/// The service [`CallbackLayer`] builds.
#[derive(Clone, Debug)]
pub struct CallbackService<S> {
    inner: S,
    config: CallbackLayer,
}

impl<S, B, ResBody> Service<Request<B>> for CallbackService<S>
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
    config: &CallbackLayer,
    request: Request<B>,
) -> Result<Request<Full<Bytes>>, Response<Full<Bytes>>>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if request.method() != Method::POST {
        let mut refusal = refuse(StatusCode::METHOD_NOT_ALLOWED, "callbacks are POST");
        refusal
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(refusal);
    }
    let (mut parts, body) = request.into_parts();
    let raw = collect_limited(body, config.body_limit)
        .await
        .map_err(|e| match e {
            CollectError::TooLarge { .. } => refuse(StatusCode::PAYLOAD_TOO_LARGE, &e.to_string()),
            CollectError::Read(_) => refuse(StatusCode::BAD_REQUEST, "unreadable body"),
        })?;
    if let Err(error) = config.verifier.verify(&parts.headers, &raw) {
        tracing::warn!(target: "snap_bi::fazz", %error, "callback refused");
        return Err(refuse(StatusCode::UNAUTHORIZED, &error.to_string()));
    }
    let event = PaymentDocument::from_json(&raw).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            &format!("not a Payment document: {e}"),
        )
    })?;
    parts.extensions.insert(event);
    Ok(Request::from_parts(parts, Full::new(raw)))
}

/// A JSON:API error document, Fazz's own shape.
fn refuse(status: StatusCode, detail: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({"errors": [{
        "code": status.as_str(),
        "title": status.canonical_reason().unwrap_or("refused"),
        "detail": detail,
    }]})
    .to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::CONTENT_TYPE),
    );
    response
}
