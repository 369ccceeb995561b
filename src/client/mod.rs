//! The client side: sign every outgoing SNAP request.
//!
//! - [`RequestSigner`] is the pure part: request in, signed request out
//!   (body canonicalised, every SNAP header set, `X-SIGNATURE` computed by
//!   the [`ProviderProfile`](crate::ProviderProfile)'s scheme).
//! - [`SnapLayer`] is the Tower layer users put in front of the HTTP client
//!   they already have. Per request it buffers the body (with a limit),
//!   minifies it and **sends exactly the bytes it hashed**, gets a B2B token
//!   from a [`TokenSource`](crate::TokenSource), signs, and on a
//!   `401xx01`/`401xx03` answer retries once with a fresh token.
//! - Adapters: hyper-util's legacy `Client<_, Full<Bytes>>` works directly
//!   (see [`hyper_client`] with the `hyper` feature), `reqwest::Client` via
//!   [`ReqwestService`] (feature `reqwest`), and reqwest-middleware via
//!   [`SnapMiddleware`] (feature `reqwest-middleware`).
//! - [`SnapClient`] is the one-call client on top: built in one chain, it
//!   owns a B2B token cache, the layer and an HTTP client, and sends typed
//!   requests ([`SnapCall`]) for typed responses or a [`CallError`], with an
//!   opt-in [`RetryPolicy`] for idempotent reads.
//! - TLS, mTLS and proxies for the ready-made clients: the `tls` module
//!   (feature `rustls`).
//!
//! If anything goes wrong before sending — a body over the limit, invalid
//! JSON, no token, a body stream error — the call fails with a
//! [`ClientError`] and **nothing is sent**.
//!
//! # The retry on an invalid token
//! When the provider answers HTTP 401 with `responseCode` `401xx01` (token
//! invalid) or `401xx03` (token not found), the layer tells the token source
//! to [`invalidate`](crate::TokenSource::invalidate) that token (a no-op if
//! another request already replaced it), takes a fresh one and sends the
//! request once more with a new `X-TIMESTAMP`, signature and — when the layer
//! generated it — a new `X-EXTERNAL-ID`: the first attempt was refused
//! before processing, and a provider that records external ids early would
//! answer `409xx00` to a reused one. An `X-EXTERNAL-ID` the caller set is
//! kept as is. Any other answer, including every other 401, is returned
//! unchanged (the layer reads a 401's body to decide, so those come back
//! buffered, as [`SnapResponseBody`]'s `Right` side).
//!
//! # Redirects
//! A signed request covers its method, path, body and timestamp; following
//! a redirect would replay it (headers, token and signature included) to
//! another URL. Keep the layer *below* any redirect handling, and use a
//! client that does not follow redirects: [`ReqwestService::new`] builds
//! one; hyper-util's client never follows them.
//!
//! # Example
//! An in-process inner service stands in for the HTTP client here; over the
//! network it would be `hyper_client()` or `ReqwestService::new()?`.
//!
//! ```
//! use bytes::Bytes;
//! use http_body_util::{BodyExt, Full};
//! use snap_bi::client::{RequestSigner, SnapLayer};
//! use snap_bi::token::StaticToken;
//! use snap_bi::{AccessToken, ClientSecret, ProviderProfile};
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
//! let signer = RequestSigner::builder(ProviderProfile::paydia())
//!     .client_secret(ClientSecret::new("a-client-secret")?)
//!     .partner_id("PARTNER01")?
//!     .channel_id("95221")?
//!     .build()?;
//! let layer = SnapLayer::builder(signer)
//!     .token_source(StaticToken::new(AccessToken::new("b2b-token")?))
//!     .build()?;
//!
//! // The "provider": echoes the body it received and the signature header.
//! let provider = tower::service_fn(|req: http::Request<Full<Bytes>>| async move {
//!     let signature = req.headers()["x-signature"].clone();
//!     let body = req.into_body().collect().await?.to_bytes();
//!     Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
//!         http::Response::builder().header("x-signature", signature).body(Full::new(body))?,
//!     )
//! });
//! let client = ServiceBuilder::new().layer(layer).service(provider);
//!
//! let request = http::Request::post("http://127.0.0.1:8080/snap/v1.0/qr/qr-mpm-query")
//!     .body(Full::new(Bytes::from_static(b"{ \"originalReferenceNo\" : \"A1\" }")))?;
//! let response = client.oneshot(request).await?;
//! assert_eq!(response.headers()["x-signature"].len(), 88); // base64 of 64 bytes
//! let sent = response.into_body().collect().await?.to_bytes();
//! assert_eq!(sent, r#"{"originalReferenceNo":"A1"}"#);
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```

mod call;
mod error;
mod layer;
#[cfg(feature = "reqwest-middleware")]
mod middleware;
#[cfg(feature = "reqwest")]
mod reqwest_adapter;
mod retry;
mod signer;
mod snap_client;
#[cfg(feature = "rustls")]
pub mod tls;

pub use error::{ClientError, ConfigError};
pub use layer::{
    DEFAULT_BODY_LIMIT, DEFAULT_REQUEST_TIMEOUT, SnapLayer, SnapLayerBuilder, SnapResponseBody,
    SnapService,
};
#[cfg(feature = "reqwest-middleware")]
pub use middleware::{SnapMiddleware, SnapMiddlewareBuilder};
#[cfg(feature = "reqwest")]
pub use reqwest_adapter::ReqwestService;
pub use signer::{CustomerToken, EndUser, RequestSigner, RequestSignerBuilder, SignedRequest};

pub use call::{CallError, RawBody, SnapCall};
pub use retry::{
    DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_BACKOFF, DEFAULT_MAX_RETRY_AFTER,
    Idempotent, RetryPolicy,
};
pub use snap_client::{
    DEFAULT_CALL_TIMEOUT, HttpBody, HttpService, SnapClient, SnapClientBuilder,
    SnapClientConfigError,
};

/// A hyper-util legacy client for plain `http://` with the body type the
/// layer emits (`Full<Bytes>`). For `https://`, use
/// `tls::hyper_https_client` (feature `rustls`) or build the same client
/// with your own TLS connector — the layer does not care.
#[cfg(feature = "hyper")]
pub fn hyper_client() -> hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<bytes::Bytes>,
> {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

#[cfg(any(feature = "kiriminaja", feature = "fazz"))]
pub(crate) use snap_client::{HttpChoice, box_http};
