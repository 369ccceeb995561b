use super::*;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Mutex;

use http::{HeaderMap, Method, StatusCode};

use crate::qris::{Amount, Money, QrMpmGenerateRequest, QrMpmQueryRequest};
use crate::token::FixedJitter;

const PEM: &str = include_str!("../../../tests/vectors/keys/partner-test-private.pem");
const TOKEN_BODY: &str =
    r#"{"responseCode":"2007300","accessToken":"t-1","tokenType":"Bearer","expiresIn":"900"}"#;
const PAID: &str =
    r#"{"responseCode":"2005100","responseMessage":"Success","latestTransactionStatus":"00"}"#;

/// A scripted answer: HTTP status, `Retry-After`, body.
type Scripted = (u16, Option<&'static str>, &'static str);

/// What the in-process provider saw.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

/// An in-process provider: token requests get a token, every other request
/// the next scripted answer (the last one repeats).
#[derive(Clone, Default)]
struct Provider {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Scripted>>>,
}

impl Provider {
    fn answering(script: &[Scripted]) -> Self {
        let provider = Self::default();
        provider
            .script
            .lock()
            .unwrap()
            .extend(script.iter().copied());
        provider
    }

    /// The transactional requests seen (token requests left out).
    fn calls(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| !s.uri.path().contains("/access-token/"))
            .cloned()
            .collect()
    }
}

impl Service<Request<Full<Bytes>>> for Provider {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Full<Bytes>>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
        let provider = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            provider.seen.lock().unwrap().push(Seen {
                method: parts.method,
                uri: parts.uri.clone(),
                headers: parts.headers,
                body,
            });
            let (status, retry_after, body) = if parts.uri.path().contains("/access-token/") {
                (200, None, TOKEN_BODY)
            } else {
                let mut script = provider.script.lock().unwrap();
                let next = if script.len() > 1 {
                    script.pop_front()
                } else {
                    script.front().copied()
                };
                next.unwrap_or((200, None, PAID))
            };
            let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            if let Some(value) = retry_after {
                response
                    .headers_mut()
                    .insert(http::header::RETRY_AFTER, HeaderValue::from_static(value));
            }
            Ok(response)
        })
    }
}

fn builder() -> SnapClientBuilder {
    SnapClient::builder(ProviderProfile::paydia())
        .base_url("https://api.example.com/snap/")
        .client_id("CLIENT01")
        .private_key(RsaPrivateKey::from_pem(PEM).unwrap())
        .client_secret(ClientSecret::new("a-client-secret").unwrap())
        .partner_id("PARTNER01")
        .channel_id("95221")
}

fn query() -> QrMpmQueryRequest {
    let mut query = QrMpmQueryRequest::new("51");
    query.original_reference_no = Some("A1".into());
    query
}

#[tokio::test]
async fn a_typed_call_signs_the_serialised_bytes_and_sends_them_to_base_url_plus_path() {
    let provider = Provider::default();
    let client = builder().http(provider.clone()).build().unwrap();
    assert_eq!(client.base_url(), "https://api.example.com/snap");
    assert_eq!(client.profile().name(), "paydia");

    let response = client.call(&query()).await.unwrap();
    assert_eq!(response.response_code.as_str(), "2005100");

    let seen = provider.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    // The token request goes to the host plus the profile's token path.
    assert_eq!(
        seen[0].uri,
        "https://api.example.com/snap/v1.0/access-token/b2b"
    );
    assert_eq!(seen[0].headers["x-client-key"], "CLIENT01");
    let call = &seen[1];
    assert_eq!(call.method, Method::POST);
    assert_eq!(
        call.uri,
        "https://api.example.com/snap/v1.0/qr/qr-mpm-query"
    );
    assert_eq!(call.body, serde_json::to_vec(&query()).unwrap());
    assert_eq!(call.headers["x-partner-id"], "PARTNER01");
    assert_eq!(call.headers["channel-id"], "95221");
    assert_eq!(call.headers["authorization"], "Bearer t-1");
    assert!(call.headers.get("authorization-customer").is_none());
    // The signature covers those bytes at that path.
    let signer = crate::SymmetricSigner::new(&ClientSecret::new("a-client-secret").unwrap());
    let body = crate::CanonicalBody::new(&call.body, crate::BodyPolicy::Minify).unwrap();
    let timestamp = call.headers["x-timestamp"].to_str().unwrap();
    let parts =
        crate::TransactionParts::new("POST", "/snap/v1.0/qr/qr-mpm-query", &body, timestamp);
    assert_eq!(
        call.headers["x-signature"].to_str().unwrap(),
        signer.sign(&parts, "t-1").as_str()
    );

    // The token is cached: a second call sends one request.
    client.call(&query()).await.unwrap();
    assert_eq!(provider.seen.lock().unwrap().len(), 3);
}

#[derive(serde::Serialize)]
struct AccountInquiry {
    #[serde(rename = "accountNo")]
    account_no: &'static str,
}

impl SnapCall for AccountInquiry {
    type Response = serde_json::Value;
    const SERVICE_CODE: &'static str = "11";
    const PATH: &'static str = "/v1.0/balance-inquiry";
    const IDEMPOTENT: bool = true;
    const CUSTOMER_TOKEN: bool = true;
}

#[tokio::test]
async fn b2b2c_calls_need_the_customer_token() {
    let provider = Provider::default();
    let client = builder().http(provider.clone()).build().unwrap();
    let inquiry = AccountInquiry { account_no: "123" };

    let error = client.call(&inquiry).await.unwrap_err();
    assert!(
        matches!(error, CallError::MissingCustomerToken),
        "{error:?}"
    );
    assert!(provider.seen.lock().unwrap().is_empty(), "nothing was sent");

    let customer = CustomerToken(crate::AccessToken::new("customer-1").unwrap());
    let answer = client.call_as(&inquiry, &customer).await.unwrap();
    assert_eq!(answer["responseCode"], "2005100");
    let calls = provider.calls();
    assert_eq!(calls.len(), 1);
    // Paydia (the builder's profile) sends the customer token raw.
    assert_eq!(calls[0].headers["authorization-customer"], "customer-1");
    assert!(calls[0].headers["authorization-customer"].is_sensitive());
    assert_eq!(calls[0].uri.path(), "/snap/v1.0/balance-inquiry");
}

#[tokio::test(start_paused = true)]
async fn a_retry_policy_resends_reads_signed_afresh_and_never_writes() {
    let busy = (
        503,
        Some("2"),
        r#"{"responseCode":"5035100","responseMessage":"Busy"}"#,
    );
    let ok = (200, None, PAID);
    let provider = Provider::answering(&[busy, ok]);
    let client = builder()
        .http(provider.clone())
        .retry(RetryPolicy::new().jitter(Arc::new(FixedJitter::new(0.0))))
        .build()
        .unwrap();

    let start = tokio::time::Instant::now();
    client.call(&query()).await.unwrap();
    // Retry-After: 2 was honoured.
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let calls = provider.calls();
    assert_eq!(calls.len(), 2);
    assert_ne!(
        calls[0].headers["x-external-id"],
        calls[1].headers["x-external-id"]
    );
    assert_eq!(calls[0].body, calls[1].body);

    // A generate is sent once, whatever the answer.
    let provider = Provider::answering(&[busy, ok]);
    let client = builder()
        .http(provider.clone())
        .retry(RetryPolicy::new())
        .build()
        .unwrap();
    let mut generate = QrMpmGenerateRequest::new();
    generate.amount = Some(Money::idr(Amount::parse("1.00").unwrap()));
    let error = client.call(&generate).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(provider.calls().len(), 1);

    // Attempts are bounded: the last refusal comes back.
    let provider = Provider::answering(&[busy]);
    let client = builder()
        .http(provider.clone())
        .retry(RetryPolicy::new().max_attempts(4))
        .build()
        .unwrap();
    let error = client.call(&query()).await.unwrap_err();
    assert_eq!(error.response_code().map(|c| c.as_str()), Some("5035100"));
    assert_eq!(provider.calls().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn each_attempt_is_bounded_by_the_timeout() {
    // Tokens at once; the call itself stalls.
    let slow = tower::service_fn(|request: Request<Full<Bytes>>| async move {
        if !request.uri().path().contains("/access-token/") {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
            TOKEN_BODY.as_bytes(),
        ))))
    });
    let client = builder()
        .http(slow)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let error = client.call(&query()).await.unwrap_err();
    assert!(
        matches!(error, CallError::Timeout { after } if after == Duration::from_secs(5)),
        "{error:?}"
    );
}

/// Regression (fault matrix, issue 13): the token fetch used to keep its
/// own 10 s timeout under a shorter attempt timeout, so after a stalled
/// token endpoint healed, every call for the rest of those 10 s joined the
/// stale fetch and timed out too.
#[tokio::test(start_paused = true)]
async fn a_stalled_token_fetch_ends_inside_the_attempt_and_is_not_joined_later() {
    let token_requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&token_requests);
    // The first token request never answers; everything else is healthy.
    let provider = tower::service_fn(move |request: Request<Full<Bytes>>| {
        let token = request.uri().path().contains("/access-token/");
        let n = if token {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        } else {
            usize::MAX
        };
        async move {
            if n == 0 {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            let body = if token { TOKEN_BODY } else { PAID };
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                body.as_bytes(),
            ))))
        }
    });
    let client = builder()
        .http(provider)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(
        format!("{client:?}").contains("fetch_timeout: 1.8s"),
        "{client:?}"
    );

    let started = tokio::time::Instant::now();
    let error = client.call(&query()).await.unwrap_err();
    assert!(
        matches!(
            &error,
            CallError::Client(super::super::ClientError::Token(
                crate::token::TokenError::Timeout { after }
            )) if *after == Duration::from_millis(1800)
        ),
        "{error:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_millis(1800));

    // At once: a new fetch, not the stalled one.
    let status = client.call(&query()).await.unwrap();
    assert_eq!(status.response_code.as_str(), "2005100");
    assert_eq!(started.elapsed(), Duration::from_millis(1800));
    assert_eq!(token_requests.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn the_token_fetch_timeout_stays_inside_the_attempt() {
    assert_eq!(
        token_fetch_timeout(DEFAULT_CALL_TIMEOUT),
        DEFAULT_FETCH_TIMEOUT
    );
    assert_eq!(
        token_fetch_timeout(Duration::from_secs(5)),
        Duration::from_millis(4500)
    );
    assert_eq!(
        token_fetch_timeout(Duration::from_nanos(1)),
        Duration::from_nanos(1)
    );
}

#[tokio::test]
async fn a_large_answer_is_refused() {
    let provider = Provider::answering(&[(200, None, PAID)]);
    let client = builder()
        .http(provider.clone())
        .response_body_limit(16)
        .build()
        .unwrap();
    let error = client.call(&query()).await.unwrap_err();
    assert!(
        matches!(error, CallError::ResponseTooLarge { limit: 16 }),
        "{error:?}"
    );
}

fn field_of(builder: SnapClientBuilder) -> (&'static str, String) {
    let error = builder.http(Provider::default()).build().unwrap_err();
    (error.field(), error.to_string())
}

#[test]
fn configuration_errors_name_the_field() {
    let bare = || SnapClient::builder(ProviderProfile::paydia());
    assert_eq!(field_of(bare()).0, "base_url");
    assert_eq!(field_of(bare().base_url("https://h")).0, "client_id");
    assert_eq!(
        field_of(bare().base_url("https://h").client_id("C")).0,
        "private_key"
    );
    let keyed = || {
        bare()
            .base_url("https://h")
            .client_id("C")
            .private_key(RsaPrivateKey::from_pem(PEM).unwrap())
    };
    assert_eq!(field_of(keyed()).0, "partner_id");
    assert_eq!(field_of(keyed().partner_id("P")).0, "channel_id");
    // Paydia signs with HMAC: the secret is required.
    let (field, text) = field_of(keyed().partner_id("P").channel_id("1"));
    assert_eq!(field, "client_secret");
    assert_eq!(text, "SnapClient: `client_secret` is required");
    // DANA signs with RSA: no secret needed.
    assert!(
        SnapClient::builder(ProviderProfile::dana())
            .base_url("https://h")
            .client_id("C")
            .private_key(RsaPrivateKey::from_pem(PEM).unwrap())
            .partner_id("P")
            .channel_id("1")
            .http(Provider::default())
            .build()
            .is_ok()
    );

    for url in [
        "api.example.com",
        "/snap",
        "ftp://h/snap",
        "https://h/snap?x=1",
        "https://h/snap#top",
        "https://user:pw@h/snap",
        "https://h/sn ap",
    ] {
        assert_eq!(field_of(builder().base_url(url)).0, "base_url", "{url}");
    }
    assert_eq!(field_of(builder().client_id(" ")).0, "client_id");
    assert_eq!(field_of(builder().client_id("C\n1")).0, "client_id");
    assert_eq!(field_of(builder().partner_id("P\n1")).0, "partner_id");
    assert_eq!(field_of(builder().channel_id("")).0, "channel_id");
    assert_eq!(field_of(builder().channel_id("9\r5")).0, "channel_id");
    assert_eq!(
        field_of(builder().private_key_pem("-----BEGIN PRIVATE KEY-----")).0,
        "private_key"
    );
    assert_eq!(field_of(builder().timeout(Duration::ZERO)).0, "timeout");
    assert_eq!(
        field_of(builder().retry(RetryPolicy::new().max_attempts(0))).0,
        "retry"
    );
    // The PEM form parses at build time.
    assert!(
        builder()
            .private_key_pem(PEM)
            .http(Provider::default())
            .build()
            .is_ok()
    );
}

#[test]
fn debug_never_shows_secrets() {
    let builder = builder().private_key_pem(PEM);
    let debug = format!("{builder:?}");
    assert!(!debug.contains("a-client-secret"), "{debug}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    let client = builder.http(Provider::default()).build().unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("a-client-secret"), "{debug}");
    assert!(debug.contains("https://api.example.com/snap"), "{debug}");
}

#[test]
fn urls_are_joined_as_documented() {
    let (base, origin) = check_base_url("http://127.0.0.1:8080/snap/").unwrap();
    assert_eq!(base, "http://127.0.0.1:8080/snap");
    assert_eq!(origin, "http://127.0.0.1:8080");
    let (base, origin) = check_base_url("https://h").unwrap();
    assert_eq!((base.as_str(), origin.as_str()), ("https://h", "https://h"));
    assert_eq!(
        service_uri("https://h/snap", "/v1.0/qr/qr-mpm-query").unwrap(),
        "https://h/snap/v1.0/qr/qr-mpm-query"
    );
    assert!(service_uri("https://h", "v1.0/x").is_none());
    assert!(service_uri("https://h", "/bad path").is_none());
}
