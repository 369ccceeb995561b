#![cfg(all(feature = "hyper", feature = "reqwest-middleware"))]
//! The client layer over real HTTP on 127.0.0.1, against a test provider that
//! verifies every request byte for byte: signature over the received bytes,
//! body already canonical, SNAP headers, X-EXTERNAL-ID uniqueness.

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body as AxumBody;
use axum::extract::{Request as AxumRequest, State};
use axum::response::{IntoResponse, Response as AxumResponse};
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use snap_bi::client::{ClientError, EndUser, RequestSigner, SnapLayer};
use snap_bi::profile::TransactionSignature;
use snap_bi::timestamp::FixedClock;
use snap_bi::token::{BoxFuture, StaticToken};
use snap_bi::{
    AccessToken, AsymmetricVerifier, BodyPolicy, CanonicalBody, ClientSecret, ProviderProfile,
    RsaPrivateKey, RsaPublicKey, SymmetricSigner, Timestamp, TokenError, TokenSource,
    TransactionParts, endpoint_url, minify,
};
use tower::{Service, ServiceBuilder, ServiceExt};

const SECRET: &str = "provider-test-secret";
const PARTNER: &str = "PARTNER01";
const CHANNEL: &str = "95221";
const QUERY_BODY: &str = "{\n  \"originalReferenceNo\": \"A1\",\n  \"serviceCode\": \"47\"\n}";

fn key_file(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/vectors/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// What the test provider checks and records.
struct Provider {
    profile: ProviderProfile,
    secret: ClientSecret,
    verifier: AsymmetricVerifier,
    /// Token the provider currently accepts (`None`: no token check).
    valid_token: Mutex<Option<String>>,
    requests: AtomicUsize,
    external_ids: Mutex<HashSet<String>>,
    last: Mutex<Option<(HeaderMap, Bytes)>>,
}

impl Provider {
    fn new(profile: ProviderProfile) -> Arc<Self> {
        Arc::new(Self {
            profile,
            secret: ClientSecret::new(SECRET).unwrap(),
            verifier: AsymmetricVerifier::new(
                RsaPublicKey::from_pem(key_file("partner-test-public.pem")).unwrap(),
            ),
            valid_token: Mutex::new(Some("tok-1".into())),
            requests: AtomicUsize::new(0),
            external_ids: Mutex::new(HashSet::new()),
            last: Mutex::new(None),
        })
    }

    fn check(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<(), (StatusCode, &'static str, String)> {
        let bad = |code, msg: &str| Err((StatusCode::BAD_REQUEST, code, msg.to_owned()));
        let unauthorized = |code, msg: &str| Err((StatusCode::UNAUTHORIZED, code, msg.to_owned()));
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if minify(body)
            .map(|m| m.as_ref() != body.as_ref())
            .unwrap_or(true)
        {
            return bad("4000001", "body is not canonical JSON");
        }
        if header("content-type") != Some("application/json") {
            return bad("4000002", "Content-Type");
        }
        // The exact length of the wire body (not chunked); a request without
        // a body, such as a GET, may leave it out.
        let length_ok = match header("content-length") {
            Some(length) => length == body.len().to_string(),
            None => body.is_empty(),
        };
        if !length_ok {
            return bad("4000001", "Content-Length");
        }
        if header("x-partner-id") != Some(PARTNER) || header("channel-id") != Some(CHANNEL) {
            return bad("4000002", "X-PARTNER-ID / CHANNEL-ID");
        }
        let Some(external_id) = header("x-external-id") else {
            return bad("4000002", "X-EXTERNAL-ID");
        };
        if external_id.is_empty()
            || external_id.len() > 36
            || !external_id.bytes().all(|b| b.is_ascii_digit())
        {
            return bad("4000001", "X-EXTERNAL-ID");
        }
        let Some(timestamp) = header("x-timestamp") else {
            return bad("4000002", "X-TIMESTAMP");
        };
        if Timestamp::parse(timestamp).is_err() {
            return bad("4000001", "X-TIMESTAMP");
        }
        let Some(signature) = header("x-signature") else {
            return bad("4000002", "X-SIGNATURE");
        };
        let bearer = header("authorization").and_then(|a| a.strip_prefix("Bearer "));
        if let Some(valid) = self.valid_token.lock().unwrap().as_deref()
            && bearer != Some(valid)
        {
            return unauthorized("4010001", "Invalid Token (B2B)");
        }
        let endpoint = endpoint_url(uri, self.profile.endpoint_url_policy());
        let canonical = CanonicalBody::new(body, BodyPolicy::Raw).unwrap();
        let parts = TransactionParts::new(method.as_str(), &endpoint, &canonical, timestamp)
            .with_empty_body_rule(self.profile.empty_body_rule());
        let verified = match self.profile.transaction_signature() {
            TransactionSignature::Asymmetric => self.verifier.verify(&parts, signature),
            _ => SymmetricSigner::new(&self.secret).verify(
                &parts,
                bearer.unwrap_or_default(),
                signature,
            ),
        };
        if verified.is_err() {
            return unauthorized("4010000", "Unauthorized. [Signature]");
        }
        if !self
            .external_ids
            .lock()
            .unwrap()
            .insert(external_id.to_owned())
        {
            return Err((StatusCode::CONFLICT, "4090000", "Conflict".into()));
        }
        Ok(())
    }
}

async fn handle(State(provider): State<Arc<Provider>>, request: AxumRequest) -> AxumResponse {
    provider.requests.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    *provider.last.lock().unwrap() = Some((parts.headers.clone(), body.clone()));
    match provider.check(&parts.method, &parts.uri, &parts.headers, &body) {
        Ok(()) => (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"{"responseCode":"2005100","responseMessage":"Successful"}"#,
        )
            .into_response(),
        Err((status, code, message)) => (
            status,
            [("content-type", "application/json")],
            format!(r#"{{"responseCode":"{code}","responseMessage":"{message}"}}"#),
        )
            .into_response(),
    }
}

async fn serve(provider: Arc<Provider>) -> String {
    let app = axum::Router::new().fallback(handle).with_state(provider);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A token source that hands out `tok-N`, moving to the next N when the
/// current token is invalidated, and can be told to fail.
#[derive(Default)]
struct RotatingTokens {
    current: Mutex<u32>,
    fetches: AtomicUsize,
    invalidations: AtomicUsize,
    fail: AtomicBool,
}

impl RotatingTokens {
    fn starting_at(n: u32) -> Arc<Self> {
        let tokens = Self::default();
        *tokens.current.lock().unwrap() = n;
        Arc::new(tokens)
    }
}

impl TokenSource for RotatingTokens {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let result = if self.fail.load(Ordering::SeqCst) {
            Err(TokenError::Refused {
                status: StatusCode::UNAUTHORIZED,
                code: "4017300".into(),
                message: "Unauthorized. [Signature]".into(),
            })
        } else {
            let n = *self.current.lock().unwrap();
            Ok(AccessToken::new(format!("tok-{n}")).unwrap())
        };
        Box::pin(async move { result })
    }

    fn invalidate(&self, rejected: &AccessToken) {
        let mut current = self.current.lock().unwrap();
        if rejected.expose_secret() == format!("tok-{}", *current) {
            *current += 1;
            self.invalidations.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn signer(profile: ProviderProfile) -> RequestSigner {
    RequestSigner::builder(profile)
        .client_secret(ClientSecret::new(SECRET).unwrap())
        .private_key(RsaPrivateKey::from_pem(key_file("partner-test-private.pem")).unwrap())
        .partner_id(PARTNER)
        .unwrap()
        .channel_id(CHANNEL)
        .unwrap()
        .build()
        .unwrap()
}

fn layer(profile: ProviderProfile, tokens: Arc<RotatingTokens>) -> SnapLayer {
    SnapLayer::builder(signer(profile))
        .shared_token_source(tokens)
        .build()
        .unwrap()
}

fn post(base: &str, path: &str, body: &str) -> http::Request<Full<Bytes>> {
    http::Request::post(format!("{base}{path}"))
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

async fn body_string<B>(body: B) -> String
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    String::from_utf8(body.collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

/// Sends `n` concurrent signed calls through `client` and checks they all
/// verified with distinct external ids.
async fn concurrent_calls<S, RB>(client: S, base: &str, provider: &Provider, n: usize)
where
    S: Service<http::Request<Full<Bytes>>, Response = http::Response<RB>, Error = tower::BoxError>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    RB: http_body::Body + Send + 'static,
    RB::Data: Send,
    RB::Error: std::fmt::Debug,
{
    let mut tasks = Vec::new();
    for i in 0..n {
        let client = client.clone();
        let request = post(
            base,
            "/snap/v1.0/qr/qr-mpm-query?page=1",
            &format!("{{ \"originalReferenceNo\": \"A{i}\", \"serviceCode\": \"47\" }}"),
        );
        tasks.push(tokio::spawn(async move {
            let response = client.oneshot(request).await.unwrap();
            let status = response.status();
            (status, body_string(response.into_body()).await)
        }));
    }
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(provider.requests.load(Ordering::SeqCst), n);
    assert_eq!(provider.external_ids.lock().unwrap().len(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_util_500_concurrent_signed_calls_verify() {
    let provider = Provider::new(ProviderProfile::paydia());
    let base = serve(provider.clone()).await;
    let client = ServiceBuilder::new()
        .layer(layer(
            ProviderProfile::paydia(),
            RotatingTokens::starting_at(1),
        ))
        .service(snap_bi::client::hyper_client());
    concurrent_calls(client, &base, &provider, 500).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_500_concurrent_signed_calls_verify() {
    let provider = Provider::new(ProviderProfile::bca());
    let base = serve(provider.clone()).await;
    let client = ServiceBuilder::new()
        .layer(layer(
            ProviderProfile::bca(),
            RotatingTokens::starting_at(1),
        ))
        .service(snap_bi::client::ReqwestService::new().unwrap());
    concurrent_calls(client, &base, &provider, 500).await;
}

#[tokio::test]
async fn wire_body_is_the_signed_minified_body() {
    let provider = Provider::new(ProviderProfile::aspi_standard());
    let base = serve(provider.clone()).await;
    let client = ServiceBuilder::new()
        .layer(layer(
            ProviderProfile::aspi_standard(),
            RotatingTokens::starting_at(1),
        ))
        .service(snap_bi::client::hyper_client());
    let response = client
        .oneshot(post(&base, "/v1.0/qr/qr-mpm-query", QUERY_BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (headers, body) = provider.last.lock().unwrap().clone().unwrap();
    assert_eq!(
        body.as_ref(),
        br#"{"originalReferenceNo":"A1","serviceCode":"47"}"#
    );
    for name in ["x-signature", "authorization"] {
        // Sensitivity is a client-side flag; on the wire it must be present.
        assert!(headers.contains_key(name), "{name}");
    }
}

#[tokio::test]
async fn a_token_rejected_with_401xx01_is_refreshed_once_and_the_call_retried() {
    let provider = Provider::new(ProviderProfile::aspi_standard());
    *provider.valid_token.lock().unwrap() = Some("tok-2".into());
    let base = serve(provider.clone()).await;
    let tokens = RotatingTokens::starting_at(1);
    let client = ServiceBuilder::new()
        .layer(layer(ProviderProfile::aspi_standard(), tokens.clone()))
        .service(snap_bi::client::hyper_client());

    // The caller's own header and end-user extension go out on the retry
    // as well.
    let mut request = post(&base, "/v1.0/qr/qr-mpm-query", QUERY_BODY);
    request
        .headers_mut()
        .insert("x-caller-note", http::HeaderValue::from_static("kept"));
    request
        .extensions_mut()
        .insert(EndUser::new().device_id("device-7").unwrap());
    let response = client.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(provider.requests.load(Ordering::SeqCst), 2);
    let (retried, _) = provider.last.lock().unwrap().clone().unwrap();
    assert_eq!(retried["x-caller-note"], "kept");
    assert_eq!(retried["x-device-id"], "device-7");
    assert_eq!(retried["authorization"], "Bearer tok-2");
    assert_eq!(tokens.invalidations.load(Ordering::SeqCst), 1);
    assert_eq!(tokens.fetches.load(Ordering::SeqCst), 2);
    // The retry carried a fresh external id: both attempts were recorded
    // by the provider only once (the first was refused before recording).
    assert_eq!(provider.external_ids.lock().unwrap().len(), 1);

    // Still invalid after the refresh: one retry only, the 401 comes back
    // with its body intact.
    *provider.valid_token.lock().unwrap() = Some("tok-99".into());
    let response = client
        .oneshot(post(&base, "/v1.0/qr/qr-mpm-query", QUERY_BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(provider.requests.load(Ordering::SeqCst), 4);
    assert!(body_string(response.into_body()).await.contains("4010001"));
}

#[tokio::test]
async fn other_401s_are_returned_as_is_without_retry() {
    let provider = Provider::new(ProviderProfile::aspi_standard());
    let base = serve(provider.clone()).await;
    let tokens = RotatingTokens::starting_at(1);
    // A layer whose secret differs from the provider's: signature rejected.
    let signer = RequestSigner::builder(ProviderProfile::aspi_standard())
        .client_secret(ClientSecret::new("wrong-secret").unwrap())
        .partner_id(PARTNER)
        .unwrap()
        .channel_id(CHANNEL)
        .unwrap()
        .build()
        .unwrap();
    let layer = SnapLayer::builder(signer)
        .shared_token_source(tokens.clone())
        .build()
        .unwrap();
    let client = ServiceBuilder::new()
        .layer(layer)
        .service(snap_bi::client::hyper_client());
    let response = client
        .oneshot(post(&base, "/v1.0/qr/qr-mpm-query", QUERY_BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        body_string(response.into_body()).await,
        r#"{"responseCode":"4010000","responseMessage":"Unauthorized. [Signature]"}"#
    );
    assert_eq!(provider.requests.load(Ordering::SeqCst), 1);
    assert_eq!(tokens.invalidations.load(Ordering::SeqCst), 0);
}

/// A request body whose stream fails.
struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::other("disk on fire"))))
    }
}

#[tokio::test]
async fn bad_input_sends_nothing() {
    let provider = Provider::new(ProviderProfile::aspi_standard());
    let base = serve(provider.clone()).await;
    let tokens = RotatingTokens::starting_at(1);
    let layer = SnapLayer::builder(signer(ProviderProfile::aspi_standard()))
        .shared_token_source(tokens.clone())
        .body_limit(64)
        .build()
        .unwrap();
    let client = ServiceBuilder::new()
        .layer(layer.clone())
        .service(snap_bi::client::hyper_client());
    let error_of = |result: Result<_, tower::BoxError>| -> ClientError {
        let Err(err) = result else {
            panic!("must fail")
        };
        *err.downcast::<ClientError>().expect("a ClientError")
    };

    let oversize = post(
        &base,
        "/v1.0/qr/qr-mpm-query",
        &format!("\"{}\"", "x".repeat(100)),
    );
    let err = error_of(client.clone().oneshot(oversize).await);
    assert!(
        matches!(err, ClientError::BodyTooLarge { limit: 64 }),
        "{err:?}"
    );

    let invalid = post(&base, "/v1.0/qr/qr-mpm-query", r#"{"a":1,}"#);
    let err = error_of(client.clone().oneshot(invalid).await);
    assert!(matches!(err, ClientError::InvalidBody(_)), "{err:?}");

    tokens.fail.store(true, Ordering::SeqCst);
    let err = error_of(
        client
            .clone()
            .oneshot(post(&base, "/v1.0/qr/qr-mpm-query", "{}"))
            .await,
    );
    assert!(matches!(err, ClientError::Token(_)), "{err:?}");
    tokens.fail.store(false, Ordering::SeqCst);

    let streaming = ServiceBuilder::new()
        .layer(layer)
        .service(snap_bi::client::hyper_client());
    let request = http::Request::post(format!("{base}/v1.0/qr/qr-mpm-query"))
        .body(FailingBody)
        .unwrap();
    let err = error_of(streaming.oneshot(request).await);
    assert!(matches!(err, ClientError::BodyRead(_)), "{err:?}");

    assert_eq!(
        provider.requests.load(Ordering::SeqCst),
        0,
        "nothing was sent"
    );
}

#[tokio::test]
async fn every_preset_is_accepted_by_a_provider_with_that_profile() {
    for profile in ProviderProfile::presets() {
        let provider = Provider::new(profile.clone());
        let base = serve(provider.clone()).await;
        let client = ServiceBuilder::new()
            .layer(layer(profile.clone(), RotatingTokens::starting_at(1)))
            .service(snap_bi::client::hyper_client());
        for (method, path, body) in [
            (
                Method::POST,
                "/v1.0/qr/qr-mpm-query?b=2&a=%7E+1",
                QUERY_BODY,
            ),
            (Method::GET, "/v1.0/balance-inquiry?z=1&a=2", ""),
        ] {
            let request = http::Request::builder()
                .method(method.clone())
                .uri(format!("{base}{path}"))
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            let response = client.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let text = body_string(response.into_body()).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{} {method} {path}: {text}",
                profile.name()
            );
        }
        assert_eq!(
            provider.requests.load(Ordering::SeqCst),
            2,
            "{}",
            profile.name()
        );
    }
}

/// Each vector re-created through the layer: same clock, token and body give
/// the published signature and the published minified body on the wire.
#[tokio::test]
async fn presets_reproduce_the_conformance_vectors_through_the_layer() {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/symmetric.json")).unwrap();
    let preset_for = |name: &str| match name {
        "midtrans-demo-symmetric" => ProviderProfile::midtrans(),
        "hex-encoding-variant" => ProviderProfile::bri(),
        "qris-query-pretty-body" => ProviderProfile::paydia(),
        _ => ProviderProfile::aspi_standard(),
    };
    let captured: Arc<Mutex<Option<(HeaderMap, Bytes)>>> = Arc::default();
    let sink = captured.clone();
    let app = axum::Router::new().fallback(move |request: AxumRequest| {
        let sink = sink.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            *sink.lock().unwrap() = Some((parts.headers, body));
            AxumResponse::new(AxumBody::from("{}"))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    for vector in vectors.as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let profile = preset_for(name);
        let timestamp = vector["timestamp"].as_str().unwrap();
        let instant = Timestamp::parse(timestamp).unwrap().instant().to_utc();
        let mut profile_builder = profile.to_builder();
        // The vector fixes the timestamp layout where the preset is silent.
        for format in [
            snap_bi::TimestampFormat::JakartaSeconds,
            snap_bi::TimestampFormat::JakartaMillis,
            snap_bi::TimestampFormat::UtcSeconds,
            snap_bi::TimestampFormat::UtcMillis,
        ] {
            if format.format(instant).as_str() == timestamp {
                profile_builder = profile_builder.timestamp_format(format);
            }
        }
        let profile = profile_builder.build();
        let signer = RequestSigner::builder(profile)
            .client_secret(ClientSecret::new(vector["client_secret"].as_str().unwrap()).unwrap())
            .clock(FixedClock(instant))
            .build()
            .unwrap();
        let token = AccessToken::new(vector["access_token"].as_str().unwrap()).unwrap();
        let client = ServiceBuilder::new()
            .layer(
                SnapLayer::builder(signer)
                    .token_source(StaticToken::new(token))
                    .build()
                    .unwrap(),
            )
            .service(snap_bi::client::hyper_client());
        let request = http::Request::builder()
            .method(vector["method"].as_str().unwrap())
            .uri(format!(
                "{base}{}",
                vector["endpoint_url"].as_str().unwrap()
            ))
            .body(Full::new(Bytes::from(
                vector["body"].as_str().unwrap().to_owned(),
            )))
            .unwrap();
        client.oneshot(request).await.unwrap();
        let (headers, body) = captured.lock().unwrap().take().unwrap();
        assert_eq!(headers["x-timestamp"], timestamp, "{name}");
        assert_eq!(
            headers["x-signature"],
            vector["signature"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(body, vector["minified_body"].as_str().unwrap(), "{name}");
    }
}

#[tokio::test]
async fn reqwest_middleware_signs_and_retries_on_invalid_token() {
    let provider = Provider::new(ProviderProfile::aspi_standard());
    *provider.valid_token.lock().unwrap() = Some("tok-2".into());
    let base = serve(provider.clone()).await;
    let tokens = RotatingTokens::starting_at(1);
    let middleware = snap_bi::client::SnapMiddleware::new(
        signer(ProviderProfile::aspi_standard()),
        Some(tokens.clone()),
    )
    .unwrap();
    let client = reqwest_middleware::ClientBuilder::new(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    )
    .with(middleware)
    .build();
    let response = client
        .post(format!("{base}/v1.0/qr/qr-mpm-query?x=1"))
        .body(QUERY_BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{:?}",
        response.text().await
    );
    assert_eq!(provider.requests.load(Ordering::SeqCst), 2);
    assert_eq!(tokens.invalidations.load(Ordering::SeqCst), 1);
    let (_, body) = provider.last.lock().unwrap().clone().unwrap();
    assert_eq!(
        body.as_ref(),
        br#"{"originalReferenceNo":"A1","serviceCode":"47"}"#
    );

    // Invalid JSON: refused by the middleware, nothing sent.
    let err = client
        .post(format!("{base}/v1.0/qr/qr-mpm-query"))
        .body("{oops")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    assert_eq!(provider.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn asymmetric_profile_works_without_a_token_source() {
    let provider = Provider::new(ProviderProfile::dana());
    *provider.valid_token.lock().unwrap() = None;
    let base = serve(provider.clone()).await;
    let layer = SnapLayer::builder(signer(ProviderProfile::dana()))
        .build()
        .unwrap();
    let client = ServiceBuilder::new()
        .layer(layer)
        .service(snap_bi::client::ReqwestService::new().unwrap());
    let response = client
        .oneshot(post(
            &base,
            "/v1.0/qr/qr-mpm-query.htm?ignored=1",
            QUERY_BODY,
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (headers, _) = provider.last.lock().unwrap().clone().unwrap();
    assert!(headers.get("authorization").is_none());
    // A symmetric profile without a token source is a configuration error.
    assert!(matches!(
        SnapLayer::builder(signer(ProviderProfile::aspi_standard())).build(),
        Err(snap_bi::client::ConfigError::MissingTokenSource)
    ));
}
