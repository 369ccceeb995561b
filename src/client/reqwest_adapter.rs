//! Running the layer over `reqwest::Client`.

use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use tower_service::Service;

use crate::token::BoxFuture;

/// A `tower::Service<http::Request<Full<Bytes>>>` over a `reqwest::Client`,
/// so that `ServiceBuilder::new().layer(snap_layer).service(ReqwestService::new()?)`
/// signs every request and sends it with reqwest.
///
/// The body goes out as a buffered (replayable) `reqwest::Body`, exactly the
/// bytes the layer signed. Responses come back as
/// `http::Response<reqwest::Body>`.
///
/// # Connection pools
/// Every [`new`](Self::new) and [`with_tls`](Self::with_tls) call builds a
/// new `reqwest::Client`, and with it a **new connection pool** (and, for
/// TLS, a new session cache). Build the service once and **clone** it:
/// clones are cheap and share one client and one pool. To share a client
/// the application already has, use [`from_client`](Self::from_client);
/// [`client`](Self::client) hands the service's client to other code.
///
/// ```
/// use snap_bi::client::ReqwestService;
/// let service = ReqwestService::new()?; // redirects disabled, timeouts set
/// let for_the_token_cache = service.clone(); // same connection pool
/// # let _ = (service, for_the_token_cache);
/// # Ok::<(), reqwest::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReqwestService {
    client: reqwest::Client,
}

impl ReqwestService {
    /// A service over a new `reqwest::Client` (with its own connection
    /// pool, see [above](Self#connection-pools)) that never follows
    /// redirects (a signed request must not be replayed to another URL),
    /// gives up connecting after 10 s and on a whole request after 30 s.
    /// TLS, if compiled in, is reqwest's default; for custom roots or a
    /// client certificate use [`with_tls`](Self::with_tls).
    ///
    /// # Errors
    /// When reqwest cannot build its client (e.g. TLS backend failure).
    pub fn new() -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(Self { client })
    }

    /// A service over a new `reqwest::Client` (with its own connection
    /// pool, see [above](Self#connection-pools)) that uses `tls`: its roots
    /// and, for mTLS, its client certificate. Redirects are off and the
    /// timeouts are those of
    /// [`tls::reqwest_client_builder`](crate::client::tls::reqwest_client_builder),
    /// which also says how proxies (`HTTPS_PROXY`, `NO_PROXY`) apply; use
    /// that builder and [`from_client`](Self::from_client) to change them.
    ///
    /// # Errors
    /// When reqwest cannot build its client.
    #[cfg(feature = "rustls")]
    pub fn with_tls(tls: &crate::client::tls::TlsConfig) -> Result<Self, reqwest::Error> {
        let client = crate::client::tls::reqwest_client_builder(tls).build()?;
        Ok(Self { client })
    }

    /// A service over an existing client, sharing its connection pool.
    /// Build that client with `.redirect(reqwest::redirect::Policy::none())`:
    /// reqwest follows up to 10 redirects by default, which would replay
    /// signed requests.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }

    /// The underlying client (a cheap handle onto the same connection pool).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// Connect timeout of [`ReqwestService::new`].
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-request timeout of [`ReqwestService::new`].
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Service<http::Request<Full<Bytes>>> for ReqwestService {
    type Response = http::Response<reqwest::Body>;
    type Error = reqwest::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Full<Bytes>>) -> Self::Future {
        let request =
            request.map(|body| reqwest::Body::from(body.into_inner().unwrap_or_default()));
        let client = self.client.clone();
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let response = client.execute(request).await?;
            Ok(http::Response::from(response))
        })
    }
}
