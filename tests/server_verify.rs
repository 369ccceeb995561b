//! The serving side over real HTTP on 127.0.0.1: the verifying layer in axum
//! and on a bare hyper server, the token issuer, replay protection, and the
//! published asymmetric vectors. Clients are hand-built requests signed with
//! the crate's pure signers.
#![cfg(feature = "hyper")]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Deserialize;
use serde_json::Value;
use snap_bi::client::RequestSigner;
use snap_bi::headers::{
    AUTHORIZATION, AUTHORIZATION_CUSTOMER, CHANNEL_ID, X_CLIENT_KEY, X_EXTERNAL_ID, X_PARTNER_ID,
    X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::profile::{ProviderProfile, TransactionSignature};
use snap_bi::server::{
    CustomerTokenPolicy, Partner, ServiceCode, SignatureFailure, SignatureRejectionHook,
    StaticAuthCodes, StaticPartners, TokenIssuer, VerifiedRequest, VerifyLayer, VerifyLayerBuilder,
};
use snap_bi::timestamp::{Clock, FixedClock, TimestampFormat};
use snap_bi::{
    AsymmetricSigner, BodyPolicy, CanonicalBody, ClientSecret, RsaPrivateKey, RsaPublicKey,
    SignatureEncoding, SymmetricSigner, TransactionParts,
};
use tokio::net::TcpListener;
use tower::{Layer, ServiceExt};

const PARTNER_ID: &str = "partner-01";
const CLIENT_ID: &str = "client-01";
const SECRET: &str = "partner-01-client-secret";
const QUERY_PATH: &str = "/snap/v1.0/qr/qr-mpm-query";
const START: &str = "2026-11-22T10:00:00+07:00";

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keys")
}

fn key_text(file: &str) -> String {
    std::fs::read_to_string(keys_dir().join(file)).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// A clock the test moves by hand.
#[derive(Debug)]
struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn new(start: &str) -> Arc<Self> {
        Arc::new(Self(Mutex::new(at(start))))
    }
    fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
    fn advance(&self, d: TimeDelta) {
        *self.0.lock().unwrap() += d;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn partners() -> Arc<StaticPartners> {
    Arc::new(
        StaticPartners::builder()
            .partner(
                Partner::new(PARTNER_ID)
                    .with_client_id(CLIENT_ID)
                    .with_client_secret(&ClientSecret::new(SECRET).unwrap())
                    .with_public_key(
                        RsaPublicKey::from_pem(key_text("partner-test-public.pem")).unwrap(),
                    ),
            )
            .partner(
                Partner::new("partner-02")
                    .with_client_id("client-02")
                    .with_client_secret(&ClientSecret::new("partner-02-secret").unwrap()),
            )
            // Same key pair as partner-01: tokens must still be bound to the client.
            .partner(
                Partner::new("partner-03")
                    .with_client_id("client-03")
                    .with_public_key(
                        RsaPublicKey::from_pem(key_text("partner-test-public.pem")).unwrap(),
                    ),
            )
            .build()
            .unwrap(),
    )
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The answer to a request.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts a SNAP error answer, exactly.
    #[track_caller]
    fn assert_snap(&self, status: u16, code: &str, message: &str) {
        assert_eq!(self.status.as_u16(), status, "status; body {:?}", self.body);
        let json = self.json();
        assert_eq!(json["responseCode"], code, "{json}");
        assert_eq!(json["responseMessage"], message, "{json}");
        assert_eq!(json.as_object().map(|o| o.len()), Some(2), "{json}");
        assert_eq!(self.headers["content-type"], "application/json");
        let ts = self.headers["x-timestamp"].to_str().unwrap();
        assert!(snap_bi::Timestamp::parse(ts).is_ok(), "{ts}");
    }
}

/// A request under construction.
#[derive(Clone)]
struct TestRequest {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    headers: Vec<(HeaderName, String)>,
}

impl TestRequest {
    fn without(mut self, name: &HeaderName) -> Self {
        self.headers.retain(|(n, _)| n != name);
        self
    }
    fn with(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.into()));
        self
    }
    fn header(&self, name: &HeaderName) -> &str {
        &self.headers.iter().find(|(n, _)| n == name).unwrap().1
    }

    async fn send(&self, client: &HttpClient, addr: SocketAddr) -> Answer {
        let mut builder = Request::builder()
            .method(self.method)
            .uri(format!("http://{addr}{}", self.path))
            .header("content-type", "application/json");
        for (name, value) in &self.headers {
            builder = builder.header(name, HeaderValue::from_bytes(value.as_bytes()).unwrap());
        }
        let request = builder
            .body(Full::new(Bytes::from(self.body.clone())))
            .unwrap();
        let response = client.request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes(),
        }
    }
}

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The handler behind the layer: echoes the body bytes it was given and
/// what the layer verified.
async fn echo(Extension(verified): Extension<VerifiedRequest>, body: Bytes) -> (HeaderMap, Bytes) {
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        headers.insert(name, HeaderValue::from_str(value).unwrap());
    };
    put("x-verified-partner", verified.partner_id());
    put("x-verified-client", verified.client_id());
    put("x-verified-service", verified.service_code().as_str());
    put(
        "x-verified-external-id",
        verified.external_id().unwrap_or("-"),
    );
    put(
        "x-verified-token-client",
        verified
            .b2b_token()
            .and_then(|c| c.client_id.as_deref())
            .unwrap_or("-"),
    );
    put(
        "x-verified-customer",
        verified
            .customer_token()
            .and_then(|c| c.customer_id.as_deref())
            .unwrap_or("-"),
    );
    (headers, body)
}

/// A provider: token endpoints plus verified QRIS routes, on one clock.
struct Provider {
    addr: SocketAddr,
    clock: Arc<TestClock>,
    issuer: TokenIssuer,
    client: HttpClient,
    signer: SymmetricSigner,
    next_external_id: AtomicU64,
}

impl Provider {
    async fn start() -> Self {
        Self::start_with(|b| b).await
    }

    async fn start_with(configure: impl FnOnce(VerifyLayerBuilder) -> VerifyLayerBuilder) -> Self {
        let clock = TestClock::new(START);
        let partners = partners();
        let issuer = TokenIssuer::builder_shared(partners.clone())
            .shared_clock(clock.clone())
            .auth_codes(StaticAuthCodes::new().with_code("auth-code-1", "customer-77"))
            .build()
            .unwrap();
        let layer = configure(
            VerifyLayer::builder_shared(partners)
                .token_validator(issuer.clone())
                .shared_clock(clock.clone())
                .body_limit(64 * 1024),
        )
        .build()
        .unwrap();
        let app = Router::new()
            .route(QUERY_PATH, post(echo))
            .route("/snap/v1.0/qr/qr-mpm-status", post(echo))
            .route("/snap/v1.0/custom/thing", post(echo))
            .layer(layer)
            .route_service("/snap/v1.0/access-token/b2b", issuer.clone())
            .route_service("/snap/v1.0/access-token/b2b2c", issuer.clone());
        Self {
            addr: serve(app).await,
            clock,
            issuer,
            client: client(),
            signer: SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap()),
            next_external_id: AtomicU64::new(1),
        }
    }

    fn token(&self) -> String {
        self.issuer
            .issue_b2b(CLIENT_ID)
            .unwrap()
            .access_token
            .expose_secret()
            .to_owned()
    }

    fn external_id(&self) -> String {
        format!(
            "{:020}",
            self.next_external_id.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// A correctly signed symmetric request.
    fn signed(&self, path: &str, body: &[u8], token: &str) -> TestRequest {
        self.signed_with(&self.signer, path, body, token, PARTNER_ID)
    }

    fn signed_with(
        &self,
        signer: &SymmetricSigner,
        path: &str,
        body: &[u8],
        token: &str,
        partner_id: &str,
    ) -> TestRequest {
        let timestamp = TimestampFormat::JakartaSeconds.format(self.clock.now());
        let canonical = CanonicalBody::new(body, BodyPolicy::Minify).unwrap();
        let parts = TransactionParts::new("POST", path, &canonical, timestamp.as_str());
        let signature = signer.sign(&parts, token);
        TestRequest {
            method: "POST",
            path: path.to_owned(),
            body: body.to_vec(),
            headers: vec![
                (X_TIMESTAMP, timestamp.into_string()),
                (X_SIGNATURE, signature.into_string()),
                (X_PARTNER_ID, partner_id.to_owned()),
                (X_EXTERNAL_ID, self.external_id()),
                (CHANNEL_ID, "95221".to_owned()),
                (AUTHORIZATION, format!("Bearer {token}")),
            ],
        }
    }

    async fn send(&self, request: &TestRequest) -> Answer {
        request.send(&self.client, self.addr).await
    }

    /// A token request signed with the partner's RSA key.
    fn token_request(&self, path: &str, client_id: &str, body: &str) -> TestRequest {
        let timestamp = TimestampFormat::JakartaSeconds.format(self.clock.now());
        let signer = AsymmetricSigner::new(
            RsaPrivateKey::from_pem(key_text("partner-test-private.pem")).unwrap(),
        );
        let signature = signer.sign_token(client_id, timestamp.as_str()).unwrap();
        TestRequest {
            method: "POST",
            path: path.to_owned(),
            body: body.as_bytes().to_vec(),
            headers: vec![
                (X_TIMESTAMP, timestamp.into_string()),
                (X_CLIENT_KEY, client_id.to_owned()),
                (X_SIGNATURE, signature.into_string()),
            ],
        }
    }
}

/// Pretty-printed, with escapes a re-serialiser would rewrite.
const PRETTY_BODY: &str = r#"{
  "originalReferenceNo" : "e3201ef5c7f06db5d999867b8c220809804443bbedd76d5c43fe6217c5533645",
  "originalPartnerReferenceNo": "21df2838-c9e8-4aff-8c02-274ed4390e70",
  "serviceCode":	"51",
  "additionalInfo": {"callbackUrl": "https:\/\/a.id\/cb", "name": "Caf\u00e9", "amount": 10000.00}
}"#;

#[tokio::test]
async fn a_correctly_signed_request_passes_and_the_handler_sees_the_exact_bytes() {
    let p = Provider::start().await;
    let token = p.token();
    let request = p.signed(QUERY_PATH, PRETTY_BODY.as_bytes(), &token);
    let answer = p.send(&request).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body.as_ref(), PRETTY_BODY.as_bytes());
    assert_eq!(answer.headers["x-verified-partner"], PARTNER_ID);
    assert_eq!(answer.headers["x-verified-client"], CLIENT_ID);
    assert_eq!(answer.headers["x-verified-service"], "51");
    assert_eq!(answer.headers["x-verified-token-client"], CLIENT_ID);
    assert_eq!(answer.headers["x-verified-customer"], "-");
    assert_eq!(
        answer.headers["x-verified-external-id"],
        request.header(&X_EXTERNAL_ID)
    );

    // Hex signatures (BRI) are accepted as well.
    let hex_signer = SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap())
        .with_encoding(SignatureEncoding::Hex);
    let hex = p.signed_with(&hex_signer, QUERY_PATH, b"{}", &token, PARTNER_ID);
    assert_eq!(hex.header(&X_SIGNATURE).len(), 128);
    assert_eq!(p.send(&hex).await.status, StatusCode::OK);

    // Whitespace outside strings is not signed: re-indenting still verifies.
    // (A second later: the same signature again would be refused as a replay.)
    p.clock.advance(TimeDelta::seconds(1));
    let reindented = PRETTY_BODY.replace("\n  ", "\n\t\t");
    let mut moved = p.signed(QUERY_PATH, PRETTY_BODY.as_bytes(), &token);
    moved.body = reindented.clone().into_bytes();
    let answer = p.send(&moved).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body.as_ref(), reindented.as_bytes());

    // An empty body hashes as the empty string.
    let empty = p.signed(QUERY_PATH, b"", &token);
    assert_eq!(p.send(&empty).await.status, StatusCode::OK);
}

#[tokio::test]
async fn each_missing_mandatory_header_is_named() {
    let p = Provider::start().await;
    let token = p.token();
    for (header, name) in [
        (X_TIMESTAMP, "X-TIMESTAMP"),
        (X_SIGNATURE, "X-SIGNATURE"),
        (X_PARTNER_ID, "X-PARTNER-ID"),
        (X_EXTERNAL_ID, "X-EXTERNAL-ID"),
        (CHANNEL_ID, "CHANNEL-ID"),
        (AUTHORIZATION, "Authorization"),
    ] {
        let request = p.signed(QUERY_PATH, b"{}", &token).without(&header);
        p.send(&request).await.assert_snap(
            400,
            "4005102",
            &format!("Invalid Mandatory Field [{name}]"),
        );
        // Empty counts as missing.
        let request = p.signed(QUERY_PATH, b"{}", &token).with(header, "");
        p.send(&request).await.assert_snap(
            400,
            "4005102",
            &format!("Invalid Mandatory Field [{name}]"),
        );
    }
    // `Bearer ` with nothing after it is no token.
    let request = p
        .signed(QUERY_PATH, b"{}", &token)
        .with(AUTHORIZATION, "Bearer ");
    p.send(&request)
        .await
        .assert_snap(400, "4005102", "Invalid Mandatory Field [Authorization]");
}

#[tokio::test]
async fn malformed_headers_are_invalid_field_format() {
    let p = Provider::start().await;
    let token = p.token();
    for bad in [
        "2026-11-22 10:00:00+07:00",
        "2026-11-22T10:00:00",
        "1763780400",
        "2026-11-22T10:00:00+07:00 extra",
        "2026-11-22t10:00:00+07:00",
    ] {
        let request = p.signed(QUERY_PATH, b"{}", &token).with(X_TIMESTAMP, bad);
        p.send(&request)
            .await
            .assert_snap(400, "4005101", "Invalid Field Format [X-TIMESTAMP]");
    }
    for bad in ["not-a-signature", "AAAA", &"A".repeat(3000)] {
        let request = p.signed(QUERY_PATH, b"{}", &token).with(X_SIGNATURE, bad);
        p.send(&request)
            .await
            .assert_snap(400, "4005101", "Invalid Field Format [X-SIGNATURE]");
    }
    let long_id = "1".repeat(37);
    let request = p
        .signed(QUERY_PATH, b"{}", &token)
        .with(X_EXTERNAL_ID, long_id);
    p.send(&request)
        .await
        .assert_snap(400, "4005101", "Invalid Field Format [X-EXTERNAL-ID]");
    let request = p
        .signed(QUERY_PATH, b"{}", &token)
        .with(X_PARTNER_ID, "caf\u{e9}");
    p.send(&request)
        .await
        .assert_snap(400, "4005101", "Invalid Field Format [X-PARTNER-ID]");
}

#[tokio::test]
async fn the_timestamp_window_is_five_minutes_either_way() {
    let p = Provider::start().await;
    let token = p.token();
    let request = p.signed(QUERY_PATH, b"{}", &token);
    let signed_at = p.clock.now();

    // Received 5 min 1 s later: stale.
    p.clock.set(signed_at + TimeDelta::seconds(301));
    p.send(&request)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Timestamp out of window]");
    // Received 5 min 1 s earlier (the client clock runs ahead): refused too.
    p.clock.set(signed_at - TimeDelta::seconds(301));
    p.send(&request)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Timestamp out of window]");
    // Exactly at the edge: fine.
    p.clock.set(signed_at + TimeDelta::seconds(300));
    assert_eq!(p.send(&request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn single_tampers_with_body_path_or_signature_are_refused() {
    let p = Provider::start().await;
    let token = p.token();
    let good = p.signed(QUERY_PATH, PRETTY_BODY.as_bytes(), &token);

    // One byte inside a string value.
    let mut body = good.clone().with(X_EXTERNAL_ID, p.external_id());
    body.body = PRETTY_BODY.replacen("\"51\"", "\"52\"", 1).into_bytes();
    p.send(&body)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Signature]");
    // Whitespace inside a string is a body change, not formatting.
    let mut body = good.clone().with(X_EXTERNAL_ID, p.external_id());
    body.body = PRETTY_BODY.replacen("Caf", "Ca f", 1).into_bytes();
    p.send(&body)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Signature]");
    // A body that is not JSON.
    let mut body = good.clone().with(X_EXTERNAL_ID, p.external_id());
    body.body = b"{\"a\":".to_vec();
    p.send(&body)
        .await
        .assert_snap(400, "4005100", "Bad Request");

    // Another route (service 53), and a query string the client did not sign.
    let mut path = good.clone().with(X_EXTERNAL_ID, p.external_id());
    path.path = "/snap/v1.0/qr/qr-mpm-status".to_owned();
    p.send(&path)
        .await
        .assert_snap(401, "4015300", "Unauthorized. [Signature]");
    let mut query = good.clone().with(X_EXTERNAL_ID, p.external_id());
    query.path = format!("{QUERY_PATH}?x=1");
    p.send(&query)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Signature]");

    // The signature, one character changed; a timestamp changed after signing.
    let sig = good.header(&X_SIGNATURE).to_owned();
    let flipped = match sig.strip_prefix('A') {
        Some(rest) => format!("B{rest}"),
        None => format!("A{}", &sig[1..]),
    };
    let request = good
        .clone()
        .with(X_EXTERNAL_ID, p.external_id())
        .with(X_SIGNATURE, flipped);
    p.send(&request)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Signature]");
    let moved = TimestampFormat::JakartaSeconds.format(p.clock.now() + TimeDelta::seconds(1));
    let request = good
        .clone()
        .with(X_EXTERNAL_ID, p.external_id())
        .with(X_TIMESTAMP, moved.as_str());
    p.send(&request)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Signature]");

    // Signed with another partner's secret under this partner's id.
    let other = SymmetricSigner::new(&ClientSecret::new("partner-02-secret").unwrap());
    let request = p.signed_with(&other, QUERY_PATH, b"{}", &token, PARTNER_ID);
    p.send(&request)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Signature]");

    // And the untouched request still passes (no id was burnt by the failures).
    assert_eq!(p.send(&good).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_partners_are_unauthorized() {
    let p = Provider::start().await;
    let token = p.token();
    let request = p.signed_with(&p.signer, QUERY_PATH, b"{}", &token, "partner-99");
    p.send(&request)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Unknown partner]");
}

#[tokio::test]
async fn b2b_tokens_are_checked_before_the_signature() {
    let p = Provider::start().await;
    let token = p.token();

    // A token changed after signing: the token check speaks first.
    let request = p
        .signed(QUERY_PATH, b"{}", &token)
        .with(AUTHORIZATION, format!("Bearer {token}x"));
    p.send(&request)
        .await
        .assert_snap(401, "4015101", "Invalid Token (B2B)");
    // A correctly signed request with a token that was never issued.
    let request = p.signed(QUERY_PATH, b"{}", "forged.token.value");
    p.send(&request)
        .await
        .assert_snap(401, "4015101", "Invalid Token (B2B)");
    // A token issued to another client.
    let other = p
        .issuer
        .issue_b2b("client-02")
        .unwrap()
        .access_token
        .expose_secret()
        .to_owned();
    let request = p.signed(QUERY_PATH, b"{}", &other);
    p.send(&request)
        .await
        .assert_snap(401, "4015101", "Invalid Token (B2B)");

    // Expiry: valid for 900 s.
    p.clock.advance(TimeDelta::seconds(899));
    assert_eq!(
        p.send(&p.signed(QUERY_PATH, b"{}", &token)).await.status,
        StatusCode::OK
    );
    p.clock.advance(TimeDelta::seconds(1));
    p.send(&p.signed(QUERY_PATH, b"{}", &token))
        .await
        .assert_snap(401, "4015101", "Invalid Token (B2B)");
}

#[tokio::test]
async fn customer_tokens_are_validated_when_sent() {
    let p = Provider::start().await;
    let token = p.token();
    let customer = p.issuer.issue_b2b2c(CLIENT_ID, "customer-77").unwrap();

    let request = p.signed(QUERY_PATH, b"{}", &token).with(
        AUTHORIZATION_CUSTOMER,
        format!("Bearer {}", customer.access_token.expose_secret()),
    );
    let answer = p.send(&request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["x-verified-customer"], "customer-77");

    for bad in [
        format!("Bearer {}x", customer.access_token.expose_secret()),
        // A B2B token is not a customer token; neither is a refresh token.
        format!("Bearer {token}"),
        format!("Bearer {}", customer.refresh_token.expose_secret()),
    ] {
        let request = p
            .signed(QUERY_PATH, b"{}", &token)
            .with(AUTHORIZATION_CUSTOMER, bad);
        p.send(&request)
            .await
            .assert_snap(401, "4015102", "Invalid Customer Token");
    }
}

#[tokio::test]
async fn b2b2c_routes_can_require_the_customer_token() {
    let p = Provider::start_with(|b| b.customer_token(CustomerTokenPolicy::Required)).await;
    let request = p.signed(QUERY_PATH, b"{}", &p.token());
    p.send(&request).await.assert_snap(
        400,
        "4005102",
        "Invalid Mandatory Field [Authorization-Customer]",
    );
    let request = request.with(AUTHORIZATION_CUSTOMER, "Bearer ");
    p.send(&request).await.assert_snap(
        400,
        "4005102",
        "Invalid Mandatory Field [Authorization-Customer]",
    );
    let customer = p.issuer.issue_b2b2c(CLIENT_ID, "customer-1").unwrap();
    let request = request.with(
        AUTHORIZATION_CUSTOMER,
        format!("Bearer {}", customer.access_token.expose_secret()),
    );
    assert_eq!(p.send(&request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_repeated_external_id_is_a_conflict_on_the_same_jakarta_day() {
    let p = Provider::start().await;
    let token = p.token();
    let first = p.signed(QUERY_PATH, b"{}", &token);
    let id = first.header(&X_EXTERNAL_ID).to_owned();
    assert_eq!(p.send(&first).await.status, StatusCode::OK);
    p.send(&first).await.assert_snap(409, "4095100", "Conflict");
    // Re-signed later the same day with the same id: still a conflict.
    p.clock.advance(TimeDelta::hours(2));
    let token = p.token();
    // (X-EXTERNAL-ID is not signed, so swapping it keeps the signature valid.)
    let again = p.signed(QUERY_PATH, b"{}", &token).with(X_EXTERNAL_ID, &id);
    p.send(&again).await.assert_snap(409, "4095100", "Conflict");
    // Another partner may use the same id.
    let other = SymmetricSigner::new(&ClientSecret::new("partner-02-secret").unwrap());
    let token2 = p
        .issuer
        .issue_b2b("client-02")
        .unwrap()
        .access_token
        .expose_secret()
        .to_owned();
    let theirs = p
        .signed_with(&other, QUERY_PATH, b"{}", &token2, "partner-02")
        .with(X_EXTERNAL_ID, &id);
    assert_eq!(p.send(&theirs).await.status, StatusCode::OK);
    // The next Jakarta day it is fresh again.
    p.clock.set(at("2026-11-23T00:10:00+07:00"));
    let token = p.token();
    let tomorrow = p.signed(QUERY_PATH, b"{}", &token).with(X_EXTERNAL_ID, &id);
    assert_eq!(p.send(&tomorrow).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_replay_just_after_midnight_is_still_caught() {
    let p = Provider::start().await;
    p.clock.set(at("2026-11-22T23:59:50+07:00"));
    let token = p.token();
    let request = p.signed(QUERY_PATH, b"{}", &token);
    assert_eq!(p.send(&request).await.status, StatusCode::OK);
    // 15 s later it is the next day, but the signed timestamp is inside the
    // window and still names the previous day.
    p.clock.set(at("2026-11-23T00:00:05+07:00"));
    p.send(&request)
        .await
        .assert_snap(409, "4095100", "Conflict");
    // Once the window has passed, the old request is stale instead.
    p.clock.set(at("2026-11-23T00:05:00+07:00"));
    p.send(&request)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Timestamp out of window]");
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let p = Provider::start().await;
    let token = p.token();
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(64 * 1024));
    let request = p.signed(QUERY_PATH, big.as_bytes(), &token);
    p.send(&request)
        .await
        .assert_snap(413, "4135100", "Payload Too Large");
}

#[tokio::test]
async fn route_table_and_fallback_service_codes() {
    let p = Provider::start_with(|b| {
        b.route("/custom/thing", ServiceCode::new("US").unwrap())
            .fallback_service_code(ServiceCode::new("99").unwrap())
    })
    .await;
    let request = p
        .signed("/snap/v1.0/custom/thing", b"{}", &p.token())
        .without(&CHANNEL_ID);
    p.send(&request)
        .await
        .assert_snap(400, "400US02", "Invalid Mandatory Field [CHANNEL-ID]");
    // A path nothing knows (axum answers 404 only after the layer passed).
    let request = p.signed("/nowhere", b"{}", &p.token()).without(&CHANNEL_ID);
    p.send(&request)
        .await
        .assert_snap(400, "4009902", "Invalid Mandatory Field [CHANNEL-ID]");
}

#[tokio::test]
async fn the_signature_hook_can_explain() {
    let p = Provider::start_with(|b| {
        // A plain closure, no type annotation: the method's bound makes the
        // compiler infer the higher-ranked signature (this must compile).
        b.on_signature_rejection(|f| {
            Some(format!(
                "Unauthorized. [Signature] (signed {} {} over {} body bytes)",
                f.method,
                f.endpoint_url,
                f.body.bytes().len()
            ))
        })
    })
    .await;
    let request = p.signed(QUERY_PATH, b"{ }", &p.token()).with(
        X_SIGNATURE,
        SymmetricSigner::new(&ClientSecret::new("x").unwrap())
            .sign_bytes(b"x")
            .as_str(),
    );
    p.send(&request).await.assert_snap(
        401,
        "4015100",
        "Unauthorized. [Signature] (signed POST /snap/v1.0/qr/qr-mpm-query over 2 body bytes)",
    );
}

#[tokio::test]
async fn a_hook_struct_and_an_annotated_closure_still_work() {
    struct Fixed;
    impl SignatureRejectionHook for Fixed {
        fn message(&self, _: &SignatureFailure<'_>) -> Option<String> {
            Some("Unauthorized. [Signature] fixed".to_owned())
        }
    }
    let annotated = |_: &SignatureFailure<'_>| None;
    let _ = VerifyLayer::builder_shared(partners())
        .without_token_check()
        .on_signature_rejection(annotated)
        .build()
        .unwrap();
    let p = Provider::start_with(|b| b.signature_rejection_hook(Fixed)).await;
    let request = p.signed(QUERY_PATH, b"{}", &p.token()).with(
        X_SIGNATURE,
        SymmetricSigner::new(&ClientSecret::new("x").unwrap())
            .sign_bytes(b"x")
            .as_str(),
    );
    p.send(&request)
        .await
        .assert_snap(401, "4015100", "Unauthorized. [Signature] fixed");
}

#[tokio::test]
async fn explain_rejections_diagnoses_with_the_keys_of_the_directory() {
    let p = Provider::start_with(|b| b.explain_rejections()).await;
    let token = p.token();
    // Hashed as sent, without minifying: the classic mistake.
    let body = br#"{ "originalReferenceNo": "A1" }"#;
    let request = p.signed(QUERY_PATH, body, &token);
    let raw = CanonicalBody::new(body, BodyPolicy::Raw).unwrap();
    let parts = TransactionParts::new("POST", QUERY_PATH, &raw, request.header(&X_TIMESTAMP));
    let signature = p.signer.sign(&parts, &token).into_string();
    let request = request.with(X_SIGNATURE, signature);
    p.send(&request).await.assert_snap(
        401,
        "4015100",
        "Unauthorized. [Signature] the body hash is over the raw, un-minified bytes",
    );

    // Another key altogether: nothing matches, and the message says so.
    let other = SymmetricSigner::new(&ClientSecret::new("not-the-secret").unwrap());
    let request = p.signed_with(&other, QUERY_PATH, b"{}", &token, PARTNER_ID);
    let answer = p.send(&request).await;
    answer.assert_snap(
        401,
        "4015100",
        "Unauthorized. [Signature] no known signing variant matches: check the key, and that the body and X-TIMESTAMP are the ones signed",
    );
    // A correct request still passes.
    let answer = p.send(&p.signed(QUERY_PATH, b"{}", &token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
}

/// A PJP's notification to `addr`, signed with `key_file` at `START`.
fn notification(addr: SocketAddr, key_file: &str) -> Request<Full<Bytes>> {
    let profile = ProviderProfile::aspi_standard()
        .to_builder()
        .transaction_signature(TransactionSignature::Asymmetric)
        .build();
    let signer = RequestSigner::builder(profile)
        .private_key(RsaPrivateKey::from_pem(key_text(key_file)).unwrap())
        .partner_id("PJP-01")
        .unwrap()
        .channel_id("95221")
        .unwrap()
        .clock(FixedClock(at(START)))
        .build()
        .unwrap();
    let mut request = Request::post(format!("http://{addr}/merchant/v1.0/qr/qr-mpm-notify"))
        .body(Bytes::from_static(
            br#"{"originalReferenceNo":"A1","latestTransactionStatus":"00"}"#,
        ))
        .unwrap();
    signer.sign(&mut request, None, None).unwrap();
    request.map(Full::new)
}

async fn answer(client: &HttpClient, request: Request<Full<Bytes>>) -> Answer {
    let response = client.request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

#[tokio::test]
async fn the_notifications_preset_checks_the_pjp_signature_and_no_token() {
    let layer = VerifyLayer::notifications(
        RsaPublicKey::from_pem(key_text("pjp-test-public.pem")).unwrap(),
    )
    .clock(FixedClock(at(START)))
    .explain_rejections()
    .build()
    .unwrap();
    let addr = serve(
        Router::new()
            .route("/merchant/v1.0/qr/qr-mpm-notify", post(echo))
            .layer(layer),
    )
    .await;
    let client = client();

    let signed = notification(addr, "pjp-test-private.pem");
    assert!(signed.headers().get(AUTHORIZATION).is_none());
    let mut again = Request::post(signed.uri().clone())
        .body(signed.body().clone())
        .unwrap();
    *again.headers_mut() = signed.headers().clone();
    let accepted = answer(&client, signed).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    assert_eq!(accepted.headers["x-verified-partner"], "PJP-01");
    assert_eq!(accepted.headers["x-verified-service"], "52");
    assert_eq!(accepted.headers["x-verified-token-client"], "-");

    // The same notification again: its X-EXTERNAL-ID was used today.
    answer(&client, again)
        .await
        .assert_snap(409, "4095200", "Conflict");

    // Signed with another key: rejected, explained under RSA too.
    answer(&client, notification(addr, "partner-test-private.pem"))
        .await
        .assert_snap(
            401,
            "4015200",
            "Unauthorized. [Signature] no known signing variant matches: check the key, and that the body and X-TIMESTAMP are the ones signed",
        );
}

#[tokio::test]
async fn the_layer_works_under_an_axum_nest_with_mounted_at() {
    let clock = TestClock::new(START);
    let layer = VerifyLayer::builder_shared(partners())
        .without_token_check()
        .shared_clock(clock.clone())
        .mounted_at("/snap")
        .build()
        .unwrap();
    let inner = Router::new()
        .route("/v1.0/qr/qr-mpm-query", post(echo))
        .layer(layer);
    let addr = serve(Router::new().nest("/snap", inner)).await;
    let p = Provider {
        addr,
        clock,
        issuer: TokenIssuer::builder(StaticPartners::default())
            .build()
            .unwrap(),
        client: client(),
        signer: SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap()),
        next_external_id: AtomicU64::new(1),
    };
    let answer = p.send(&p.signed(QUERY_PATH, b"{}", "any-token")).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.headers["x-verified-service"], "51");
}

#[tokio::test]
async fn the_layer_runs_on_a_bare_hyper_server() {
    let clock = TestClock::new(START);
    let layer = VerifyLayer::builder_shared(partners())
        .without_token_check()
        .shared_clock(clock.clone())
        .build()
        .unwrap();
    let service = layer.layer(tower::service_fn(|req: Request<Full<Bytes>>| async move {
        let body = req.into_body().collect().await?.to_bytes();
        Ok::<_, Infallible>(http::Response::new(Full::new(body)))
    }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = service.clone();
            tokio::spawn(async move {
                let hyper_service =
                    hyper::service::service_fn(move |req| service.clone().oneshot(req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper_service)
                    .await;
            });
        }
    });
    let p = Provider {
        addr,
        clock,
        issuer: TokenIssuer::builder(StaticPartners::default())
            .build()
            .unwrap(),
        client: client(),
        signer: SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap()),
        next_external_id: AtomicU64::new(1),
    };
    let answer = p
        .send(&p.signed(QUERY_PATH, PRETTY_BODY.as_bytes(), "t"))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body.as_ref(), PRETTY_BODY.as_bytes());
    p.send(&p.signed(QUERY_PATH, b"{}", "t").without(&X_SIGNATURE))
        .await
        .assert_snap(400, "4005102", "Invalid Mandatory Field [X-SIGNATURE]");
}

// ---- Published asymmetric vectors (notifications) through the layer ----

#[derive(Deserialize)]
struct AsymmetricCase {
    name: String,
    kind: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    endpoint_url: String,
    timestamp: String,
    #[serde(default)]
    body: String,
    public_key: String,
    signature: String,
    valid: bool,
}

#[tokio::test]
async fn published_asymmetric_vectors_verify_through_the_layer() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/asymmetric.json"),
    )
    .unwrap();
    let cases: Vec<AsymmetricCase> = serde_json::from_str(&text).unwrap();
    let cases: Vec<_> = cases
        .into_iter()
        .filter(|c| c.kind == "transaction")
        .collect();
    assert!(cases.len() >= 8);
    let client = client();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        // A merchant receiving notifications from one PJP: RSA with the PJP's
        // public key, no token, no CHANNEL-ID required.
        let clock = TestClock::new(START);
        clock.set(at(&case.timestamp));
        let partners = StaticPartners::builder()
            .partner(
                Partner::new("pjp")
                    .with_public_key(RsaPublicKey::from_pem(key_text(&case.public_key)).unwrap()),
            )
            .build()
            .unwrap();
        let profile = ProviderProfile::aspi_standard()
            .to_builder()
            .transaction_signature(TransactionSignature::Asymmetric)
            .build();
        let layer = VerifyLayer::builder(partners)
            .profile(profile)
            .without_token_check()
            .mandatory_headers([X_EXTERNAL_ID])
            .fallback_partner("pjp")
            .shared_clock(clock.clone())
            .build()
            .unwrap();
        let addr = serve(Router::new().fallback(echo).layer(layer)).await;
        let request = TestRequest {
            method: "POST",
            path: case.endpoint_url.clone(),
            body: case.body.clone().into_bytes(),
            headers: vec![
                (X_TIMESTAMP, case.timestamp.clone()),
                (X_SIGNATURE, case.signature.clone()),
                (X_EXTERNAL_ID, format!("{i}")),
            ],
        };
        assert_eq!(case.method, "POST");
        let answer = request.send(&client, addr).await;
        if case.valid {
            if answer.status != StatusCode::OK || answer.body.as_ref() != case.body.as_bytes() {
                failures.push(format!(
                    "{}: {:?} {:?}",
                    case.name, answer.status, answer.body
                ));
            }
            // Tampered copies of a valid vector: body, path, timestamp.
            let mut body = request.clone().with(X_EXTERNAL_ID, format!("{i}b"));
            body.body = case.body.replacen("\"00\"", "\"01\"", 1).into_bytes();
            let mut path = request.clone().with(X_EXTERNAL_ID, format!("{i}p"));
            path.path = format!("{}x", case.endpoint_url);
            let stamp = request.clone().with(X_EXTERNAL_ID, format!("{i}t")).with(
                X_TIMESTAMP,
                TimestampFormat::UtcMillis
                    .format(at(&case.timestamp) + TimeDelta::seconds(1))
                    .into_string(),
            );
            for (what, tampered) in [("body", body), ("path", path), ("timestamp", stamp)] {
                let answer = tampered.send(&client, addr).await;
                let json: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
                if answer.status != StatusCode::UNAUTHORIZED
                    || json["responseMessage"] != "Unauthorized. [Signature]"
                {
                    failures.push(format!("{} ({what} tampered) passed: {json}", case.name));
                }
            }
        } else {
            let json: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
            let code = json["responseCode"].as_str().unwrap_or_default();
            if answer.status != StatusCode::UNAUTHORIZED
                || !code.starts_with("401")
                || !code.ends_with("00")
                || json["responseMessage"] != "Unauthorized. [Signature]"
            {
                failures.push(format!(
                    "{}: expected a signature rejection, got {json}",
                    case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn notification_routes_answer_with_their_service_code() {
    // The generated QRIS notify vector (service 52) with a wrong signature.
    let clock = TestClock::new("2026-11-22T10:01:02+07:00");
    let partners = StaticPartners::builder()
        .partner(
            Partner::new("pjp")
                .with_public_key(RsaPublicKey::from_pem(key_text("pjp-test-public.pem")).unwrap()),
        )
        .build()
        .unwrap();
    let layer = VerifyLayer::builder(partners)
        .profile(ProviderProfile::dana())
        .without_token_check()
        .shared_clock(clock.clone())
        .build()
        .unwrap();
    let addr = serve(Router::new().fallback(echo).layer(layer)).await;
    let signer =
        AsymmetricSigner::new(RsaPrivateKey::from_pem(key_text("pjp-test-private.pem")).unwrap());
    let body = br#"{"originalReferenceNo":"A1","latestTransactionStatus":"00"}"#;
    let ts = "2026-11-22T10:01:02+07:00";
    let canonical = CanonicalBody::new(body, BodyPolicy::Minify).unwrap();
    let signature = signer
        .sign(&TransactionParts::new(
            "POST",
            "/snap/v1.0/qr/qr-mpm-notify",
            &canonical,
            ts,
        ))
        .unwrap();
    let request = TestRequest {
        method: "POST",
        path: "/snap/v1.0/qr/qr-mpm-notify?trace=1".to_owned(),
        body: body.to_vec(),
        headers: vec![
            (X_TIMESTAMP, ts.to_owned()),
            (X_SIGNATURE, signature.into_string()),
            (X_PARTNER_ID, "pjp".to_owned()),
            (X_EXTERNAL_ID, "1".to_owned()),
            (CHANNEL_ID, "95221".to_owned()),
        ],
    };
    // DANA's profile signs the path only, so the query does not matter.
    let client = client();
    let answer = request.send(&client, addr).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.headers["x-verified-service"], "52");
    let wrong = request.clone().with(X_EXTERNAL_ID, "2").with(
        X_SIGNATURE,
        signer.sign_bytes(b"other").unwrap().into_string(),
    );
    wrong
        .send(&client, addr)
        .await
        .assert_snap(401, "4015200", "Unauthorized. [Signature]");
}

// ---- Token issuance ----

#[tokio::test]
async fn b2b_token_issuance_and_use() {
    let p = Provider::start().await;
    let request = p.token_request(
        "/snap/v1.0/access-token/b2b",
        CLIENT_ID,
        r#"{"grantType":"client_credentials","additionalInfo":{}}"#,
    );
    let answer = p.send(&request).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.headers["x-client-key"], CLIENT_ID);
    assert_eq!(answer.headers["content-type"], "application/json");
    let json = answer.json();
    assert_eq!(json["responseCode"], "2007300");
    assert_eq!(json["responseMessage"], "Successful");
    assert_eq!(json["tokenType"], "Bearer");
    assert_eq!(json["expiresIn"], "900");
    let token = json["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT");

    // The verifying layer accepts it.
    let answer = p.send(&p.signed(QUERY_PATH, b"{}", &token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.headers["x-verified-token-client"], CLIENT_ID);

    // grantType compared case-insensitively; snake_case field accepted.
    let request = p.token_request(
        "/snap/v1.0/access-token/b2b",
        CLIENT_ID,
        r#"{"grant_type":"CLIENT_CREDENTIALS"}"#,
    );
    assert_eq!(p.send(&request).await.json()["responseCode"], "2007300");
}

#[tokio::test]
async fn token_requests_are_refused_with_service_73_codes() {
    let p = Provider::start().await;
    let path = "/snap/v1.0/access-token/b2b";
    let body = r#"{"grantType":"client_credentials"}"#;
    let good = p.token_request(path, CLIENT_ID, body);

    // Bad signature: signed for another client id.
    let forged = p
        .token_request(path, "client-02", body)
        .with(X_CLIENT_KEY, CLIENT_ID);
    p.send(&forged)
        .await
        .assert_snap(401, "4017300", "Unauthorized. [Signature]");
    // Stale timestamp.
    p.clock.advance(TimeDelta::seconds(301));
    p.send(&good)
        .await
        .assert_snap(401, "4017300", "Unauthorized. [Timestamp out of window]");
    p.clock.advance(TimeDelta::seconds(-301));
    // Unknown client.
    let unknown = p.token_request(path, "client-99", body);
    p.send(&unknown)
        .await
        .assert_snap(401, "4017300", "Unauthorized. [Unknown client]");
    // A client without a registered public key.
    let keyless = p.token_request(path, "client-02", body);
    p.send(&keyless)
        .await
        .assert_snap(401, "4017300", "Unauthorized. [Key not found]");
    // Missing and malformed headers.
    p.send(&good.clone().without(&X_CLIENT_KEY))
        .await
        .assert_snap(400, "4007302", "Invalid Mandatory Field [X-CLIENT-KEY]");
    p.send(&good.clone().with(X_TIMESTAMP, "yesterday"))
        .await
        .assert_snap(400, "4007301", "Invalid Field Format [X-TIMESTAMP]");
    p.send(&good.clone().with(X_SIGNATURE, "%%%"))
        .await
        .assert_snap(400, "4007301", "Invalid Field Format [X-SIGNATURE]");
    // Bodies.
    let mut not_json = good.clone();
    not_json.body = b"grantType=client_credentials".to_vec();
    p.send(&not_json)
        .await
        .assert_snap(400, "4007300", "Bad Request");
    let mut no_grant = good.clone();
    no_grant.body = b"{}".to_vec();
    p.send(&no_grant)
        .await
        .assert_snap(400, "4007302", "Invalid Mandatory Field [grantType]");
    let mut wrong_grant = good.clone();
    wrong_grant.body = br#"{"grantType":"password"}"#.to_vec();
    p.send(&wrong_grant)
        .await
        .assert_snap(400, "4007301", "Invalid Field Format [grantType]");
    let mut number_grant = good.clone();
    number_grant.body = br#"{"grantType":7}"#.to_vec();
    p.send(&number_grant)
        .await
        .assert_snap(400, "4007301", "Invalid Field Format [grantType]");
    // The untouched request is fine.
    assert_eq!(p.send(&good).await.status, StatusCode::OK);
}

#[tokio::test]
async fn b2b2c_auth_code_exchange_and_refresh() {
    let p = Provider::start().await;
    let path = "/snap/v1.0/access-token/b2b2c";
    let is_iso = |v: &Value| {
        let s = v.as_str().unwrap_or_default();
        s.len() == 25 && s.ends_with("+07:00") && snap_bi::Timestamp::parse(s).is_ok()
    };

    let request = p.token_request(
        path,
        CLIENT_ID,
        r#"{"grantType":"AUTHORIZATION_CODE","authCode":"auth-code-1","additionalInfo":{}}"#,
    );
    let json = p.send(&request).await.json();
    assert_eq!(json["responseCode"], "2007400", "{json}");
    assert_eq!(json["tokenType"], "Bearer");
    assert!(is_iso(&json["accessTokenExpiryTime"]), "{json}");
    assert!(is_iso(&json["refreshTokenExpiryTime"]), "{json}");
    assert_eq!(json["accessTokenExpiryTime"], "2026-11-22T10:15:00+07:00");
    let customer_token = json["accessToken"].as_str().unwrap().to_owned();
    let refresh_token = json["refreshToken"].as_str().unwrap().to_owned();

    // The customer token works through the layer.
    let token = p.token();
    let request = p
        .signed(QUERY_PATH, b"{}", &token)
        .with(AUTHORIZATION_CUSTOMER, format!("Bearer {customer_token}"));
    let answer = p.send(&request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["x-verified-customer"], "customer-77");

    // Lower-case grant values (DOKU) are the same grant.
    let request = p.token_request(
        path,
        CLIENT_ID,
        r#"{"grantType":"authorization_code","authCode":"auth-code-1"}"#,
    );
    assert_eq!(p.send(&request).await.json()["responseCode"], "2007400");

    // Refresh, later.
    p.clock.advance(TimeDelta::hours(1));
    let request = p.token_request(
        path,
        CLIENT_ID,
        &format!(r#"{{"grantType":"REFRESH_TOKEN","refreshToken":"{refresh_token}"}}"#),
    );
    let json = p.send(&request).await.json();
    assert_eq!(json["responseCode"], "2007400", "{json}");
    assert_eq!(json["accessTokenExpiryTime"], "2026-11-22T11:15:00+07:00");
    assert_ne!(json["accessToken"], customer_token.as_str());

    // Refusals, all with service code 74.
    for (body, code, message) in [
        (
            r#"{"grantType":"AUTHORIZATION_CODE","authCode":"nope"}"#.to_owned(),
            "4017400",
            "Unauthorized. [Invalid authCode]",
        ),
        (
            r#"{"grantType":"AUTHORIZATION_CODE"}"#.to_owned(),
            "4007402",
            "Invalid Mandatory Field [authCode]",
        ),
        (
            format!(r#"{{"grantType":"REFRESH_TOKEN","refreshToken":"{customer_token}"}}"#),
            "4017400",
            "Unauthorized. [Invalid refreshToken]",
        ),
        (
            r#"{"grantType":"REFRESH_TOKEN"}"#.to_owned(),
            "4007402",
            "Invalid Mandatory Field [refreshToken]",
        ),
        (
            r#"{"grantType":"client_credentials"}"#.to_owned(),
            "4007401",
            "Invalid Field Format [grantType]",
        ),
    ] {
        let request = p.token_request(path, CLIENT_ID, &body);
        let status = code[..3].parse::<u16>().unwrap();
        p.send(&request).await.assert_snap(status, code, message);
    }

    // A refresh token presented by another client is refused.
    let request = p.token_request(
        path,
        "client-03",
        &format!(r#"{{"grantType":"REFRESH_TOKEN","refreshToken":"{refresh_token}"}}"#),
    );
    p.send(&request)
        .await
        .assert_snap(401, "4017400", "Unauthorized. [Invalid refreshToken]");
    // The refresh token's own client still can.
    let request = p.token_request(
        path,
        CLIENT_ID,
        &format!(r#"{{"grantType":"REFRESH_TOKEN","refreshToken":"{refresh_token}"}}"#),
    );
    assert_eq!(p.send(&request).await.json()["responseCode"], "2007400");
}

#[tokio::test]
async fn the_issuer_answers_routing_and_method_errors() {
    let p = Provider::start().await;
    let issuer = p.issuer.clone();
    let get = Request::get("/snap/v1.0/access-token/b2b")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = issuer.clone().oneshot(get).await.unwrap();
    assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["responseCode"], "4057300");
    let elsewhere = Request::post("/snap/v1.0/qr/qr-mpm-query")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = issuer.oneshot(elsewhere).await.unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}
