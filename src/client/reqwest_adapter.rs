//! Running the layer over `reqwest::Client`.

use std::task::{Context, Poll};

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
/// ```
/// use snap_bi::client::ReqwestService;
/// let service = ReqwestService::new()?; // redirects disabled
/// # let _ = service;
/// # Ok::<(), reqwest::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReqwestService {
    client: reqwest::Client,
}

impl ReqwestService {
    /// A service over a new `reqwest::Client` that never follows redirects
    /// (a signed request must not be replayed to another URL).
    ///
    /// # Errors
    /// When reqwest cannot build its client (e.g. TLS backend failure).
    pub fn new() -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { client })
    }

    /// A service over an existing client. Build that client with
    /// `.redirect(reqwest::redirect::Policy::none())`: reqwest follows up to
    /// 10 redirects by default, which would replay signed requests.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

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
