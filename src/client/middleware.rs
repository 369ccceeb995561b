//! Signing inside a reqwest-middleware chain.

use std::sync::Arc;

use bytes::Bytes;
use http::{Extensions, HeaderMap, StatusCode, Uri};
use reqwest_middleware::{Middleware, Next};

use crate::token::{AccessToken, TokenSource};

use super::error::{ClientError, ConfigError};
use super::layer::{current_token, read_rejection, refresh_after_rejection};
use super::signer::RequestSigner;

/// A `reqwest_middleware::Middleware` that signs each request it sees.
///
/// Attach it **after** (inside) any retry middleware, so that every attempt
/// is re-signed with a fresh `X-TIMESTAMP`, `X-EXTERNAL-ID` and signature:
///
/// ```
/// use snap_bi::client::{RequestSigner, SnapMiddleware};
/// use snap_bi::token::StaticToken;
/// use snap_bi::{AccessToken, ClientSecret, ProviderProfile};
///
/// let signer = RequestSigner::builder(ProviderProfile::aspi_standard())
///     .client_secret(ClientSecret::new("a-client-secret")?)
///     .build()?;
/// let middleware = SnapMiddleware::builder(signer)
///     .token_source(StaticToken::new(AccessToken::new("b2b-token")?))
///     .build()?;
/// let client = reqwest_middleware::ClientBuilder::new(
///     reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?,
/// )
/// // .with(RetryTransientMiddleware::new_with_policy(...))  <- retries go first
/// .with(middleware)
/// .build();
/// # let _ = client;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Bodies must be buffered (`reqwest::Body::from(Bytes | Vec<u8> | String)`,
/// which `.json()`/`.body()` produce); a streaming body cannot be hashed
/// before it is sent and is refused with [`ClientError::UnsupportedRequest`].
/// A `401xx01`/`401xx03` answer is retried once with a fresh token, as in
/// [`SnapLayer`](super::SnapLayer). Set a [`CustomerToken`](super::CustomerToken) or [`EndUser`](super::EndUser)
/// with `RequestBuilder::with_extension`.
#[derive(Clone)]
pub struct SnapMiddleware {
    signer: Arc<RequestSigner>,
    tokens: Option<Arc<dyn TokenSource>>,
    retry_on_invalid_token: bool,
}

impl std::fmt::Debug for SnapMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapMiddleware")
            .field("profile", &self.signer.profile().name())
            .field("token_source", &self.tokens.is_some())
            .field("retry_on_invalid_token", &self.retry_on_invalid_token)
            .finish()
    }
}

impl SnapMiddleware {
    /// Starts a middleware around a configured [`RequestSigner`], as
    /// [`SnapLayer::builder`](super::SnapLayer::builder) does for the layer.
    pub fn builder(signer: RequestSigner) -> SnapMiddlewareBuilder {
        SnapMiddlewareBuilder {
            signer,
            tokens: None,
            retry_on_invalid_token: true,
        }
    }

    /// A middleware signing with `signer`, getting B2B tokens from `tokens`;
    /// the same as the [builder](Self::builder) with
    /// [`shared_token_source`](SnapMiddlewareBuilder::shared_token_source).
    ///
    /// # Errors
    /// [`ConfigError::MissingTokenSource`] for a symmetric profile without
    /// a token source.
    pub fn new(
        signer: RequestSigner,
        tokens: Option<Arc<dyn TokenSource>>,
    ) -> Result<Self, ConfigError> {
        let builder = Self::builder(signer);
        match tokens {
            Some(tokens) => builder.shared_token_source(tokens),
            None => builder,
        }
        .build()
    }

    /// Signs `request`, whose caller headers were taken out into `headers`.
    fn sign(
        &self,
        request: &mut reqwest::Request,
        uri: &Uri,
        mut headers: HeaderMap,
        body: &Bytes,
        token: Option<&AccessToken>,
        extensions: &Extensions,
    ) -> Result<(), ClientError> {
        let signed = self.signer.sign_head(
            request.method(),
            uri,
            &mut headers,
            extensions,
            body.clone(),
            token,
            None,
        )?;
        *request.headers_mut() = headers;
        *request.body_mut() = Some(reqwest::Body::from(signed.body));
        Ok(())
    }
}

/// Builds a [`SnapMiddleware`]; see [`SnapMiddleware::builder`].
#[must_use]
pub struct SnapMiddlewareBuilder {
    signer: RequestSigner,
    tokens: Option<Arc<dyn TokenSource>>,
    retry_on_invalid_token: bool,
}

impl std::fmt::Debug for SnapMiddlewareBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapMiddlewareBuilder")
            .field("profile", &self.signer.profile().name())
            .field("token_source", &self.tokens.is_some())
            .field("retry_on_invalid_token", &self.retry_on_invalid_token)
            .finish()
    }
}

impl SnapMiddlewareBuilder {
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

    /// Whether a `401xx01`/`401xx03` answer (token invalid / not found)
    /// triggers one retry with a fresh token (default: yes).
    pub fn retry_on_invalid_token(mut self, retry: bool) -> Self {
        self.retry_on_invalid_token = retry;
        self
    }

    /// The finished middleware.
    ///
    /// # Errors
    /// [`ConfigError::MissingTokenSource`] when the profile signs with the
    /// B2B token (symmetric) and no token source was given.
    pub fn build(self) -> Result<SnapMiddleware, ConfigError> {
        self.signer.check_token_source(self.tokens.is_some())?;
        Ok(SnapMiddleware {
            signer: Arc::new(self.signer),
            tokens: self.tokens,
            retry_on_invalid_token: self.retry_on_invalid_token,
        })
    }
}

/// The request target (path and query) of `url`, as the signer reads it.
fn request_target(url: &reqwest::Url) -> Result<Uri, ClientError> {
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    Uri::try_from(target)
        .map_err(|_| ClientError::UnsupportedRequest("the URL is not a valid request target"))
}

#[async_trait::async_trait]
impl Middleware for SnapMiddleware {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let raw = match request.body() {
            None => Bytes::new(),
            Some(body) => match body.as_bytes() {
                Some(bytes) => Bytes::copy_from_slice(bytes),
                None => {
                    return Err(reqwest_middleware::Error::middleware(
                        ClientError::UnsupportedRequest("a streaming body cannot be signed"),
                    ));
                }
            },
        };
        let body = self
            .signer
            .canonical_body(raw)
            .map_err(reqwest_middleware::Error::middleware)?;
        let uri = request_target(request.url()).map_err(reqwest_middleware::Error::middleware)?;
        let token = current_token(self.tokens.as_ref())
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        // The unsigned request, kept only when a 401 may call for a retry.
        let retry = match (&token, &self.tokens) {
            (Some(_), Some(_)) if self.retry_on_invalid_token => request.try_clone(),
            _ => None,
        };
        let headers = std::mem::take(request.headers_mut());
        self.sign(
            &mut request,
            &uri,
            headers,
            &body,
            token.as_ref(),
            extensions,
        )
        .map_err(reqwest_middleware::Error::middleware)?;
        let response = next.clone().run(request, extensions).await?;

        let (Some(rejected), Some(mut retry), Some(tokens)) = (token, retry, &self.tokens) else {
            return Ok(response);
        };
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let response = http::Response::from(response);
        let (parts, response_body) = response.into_parts();
        let (bytes, token_invalid) = read_rejection(response_body)
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        if !token_invalid {
            return Ok(reqwest::Response::from(http::Response::from_parts(
                parts, bytes,
            )));
        }
        let fresh = refresh_after_rejection(tokens.as_ref(), &rejected)
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        let headers = std::mem::take(retry.headers_mut());
        self.sign(&mut retry, &uri, headers, &body, Some(&fresh), extensions)
            .map_err(reqwest_middleware::Error::middleware)?;
        next.run(retry, extensions).await
    }
}
