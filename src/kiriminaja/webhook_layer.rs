//! [`WebhookLayer`]: a Tower layer that receives KiriminAja webhooks.

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use http_body_util::Full;

use super::ApiKey;
use super::webhook::{WebhookEvent, verify_webhook_headers};
use crate::provider_client::receive::{
    DEFAULT_BODY_LIMIT, ReceiveLayer, ReceiveService, Receiver, json_refusal,
};

/// The default most of a webhook body the layer reads (1 MiB).
pub const DEFAULT_WEBHOOK_BODY_LIMIT: usize = DEFAULT_BODY_LIMIT;

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
pub type WebhookLayer = ReceiveLayer<ApiKey>;

impl WebhookLayer {
    /// Accepts webhooks whose bearer value is `api_key` (your own key),
    /// reading at most [`DEFAULT_WEBHOOK_BODY_LIMIT`] of a body (see
    /// `body_limit`).
    pub fn new(api_key: ApiKey) -> Self {
        Self::with_receiver(api_key)
    }
}

/// The service [`WebhookLayer`] builds.
pub type WebhookService<S> = ReceiveService<S, ApiKey>;

impl Receiver for ApiKey {
    type Event = WebhookEvent;
    const LAYER: &'static str = "WebhookLayer";
    const SERVICE: &'static str = "WebhookService";
    const FIELD: &'static str = "api_key";
    const POST_ONLY: &'static str = "webhooks are POST";

    fn verify_headers(&self, headers: &HeaderMap) -> Result<(), String> {
        verify_webhook_headers(headers, self).map_err(|error| {
            tracing::warn!(target: "snap_bi::kiriminaja", %error, "webhook refused");
            error.to_string()
        })
    }

    fn parse(raw: &[u8]) -> Result<WebhookEvent, String> {
        WebhookEvent::from_json(raw).map_err(|e| format!("not a webhook event: {e}"))
    }

    /// `{"status":false,"text":…}`, KiriminAja's own error envelope.
    fn refuse(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
        let body = serde_json::json!({"status": false, "text": text});
        json_refusal(status, body.to_string(), "application/json")
    }
}
