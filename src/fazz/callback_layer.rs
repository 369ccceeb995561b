//! [`CallbackLayer`]: a Tower layer that receives Fazz callbacks.

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use http_body_util::Full;

use super::PaymentDocument;
use super::callback::CallbackVerifier;
use crate::provider_client::receive::{
    DEFAULT_BODY_LIMIT, ReceiveLayer, ReceiveService, Receiver, json_refusal,
};

/// The default most of a callback body the layer reads (1 MiB).
pub const DEFAULT_CALLBACK_BODY_LIMIT: usize = DEFAULT_BODY_LIMIT;

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
pub type CallbackLayer = ReceiveLayer<CallbackVerifier>;

impl CallbackLayer {
    /// Accepts callbacks `verifier` accepts (its secret and header name),
    /// reading at most [`DEFAULT_CALLBACK_BODY_LIMIT`] of a body (see
    /// `body_limit`).
    pub fn new(verifier: CallbackVerifier) -> Self {
        Self::with_receiver(verifier)
    }
}

/// The service [`CallbackLayer`] builds.
pub type CallbackService<S> = ReceiveService<S, CallbackVerifier>;

impl Receiver for CallbackVerifier {
    type Event = PaymentDocument;
    const LAYER: &'static str = "CallbackLayer";
    const SERVICE: &'static str = "CallbackService";
    const FIELD: &'static str = "verifier";
    const POST_ONLY: &'static str = "callbacks are POST";

    fn verify_body(&self, headers: &HeaderMap, raw: &[u8]) -> Result<(), String> {
        self.verify(headers, raw).map_err(|error| {
            tracing::warn!(target: "snap_bi::fazz", %error, "callback refused");
            error.to_string()
        })
    }

    fn parse(raw: &[u8]) -> Result<PaymentDocument, String> {
        PaymentDocument::from_json(raw).map_err(|e| format!("not a Payment document: {e}"))
    }

    /// A JSON:API error document, Fazz's own shape.
    fn refuse(status: StatusCode, detail: &str) -> Response<Full<Bytes>> {
        let body = serde_json::json!({"errors": [{
            "code": status.as_str(),
            "title": status.canonical_reason().unwrap_or("refused"),
            "detail": detail,
        }]});
        json_refusal(status, body.to_string(), super::CONTENT_TYPE)
    }
}
