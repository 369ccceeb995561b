//! A SNAP token endpoint on 127.0.0.1 for integration tests.
//!
//! It checks every request the way a provider does (method, `Content-Type`,
//! `X-CLIENT-KEY`, `X-TIMESTAMP`, and the SHA256withRSA `X-SIGNATURE` over
//! `clientId|timestamp` against the partner's public key), counts requests,
//! and answers as it is told: issue tokens with each `expiresIn` shape,
//! fail with a `responseCode`, delay, or return garbage. Paths ending in
//! `b2b2c` (or `b2b2c.htm`) are the customer-token endpoint: authorization
//! codes and refresh tokens are checked against what it issued.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use snap_bi::{AsymmetricVerifier, RsaPublicKey};
use tokio::task::JoinHandle;

/// The partner key pair the server trusts.
pub const PRIVATE_PEM: &str = include_str!("../vectors/keys/partner-test-private.pem");
/// The public half of [`PRIVATE_PEM`].
pub const PUBLIC_PEM: &str = include_str!("../vectors/keys/partner-test-public.pem");
/// A key the server does not trust.
pub const OTHER_PRIVATE_PEM: &str = include_str!("../vectors/keys/pjp-test-private.pem");
/// The client id the server expects.
pub const CLIENT_ID: &str = "partner-client-01";
/// Lifetime of issued customer tokens (given as `accessTokenExpiryTime`).
pub const CUSTOMER_TOKEN_SECS: i64 = 900;
/// The authorization code the B2B2C endpoint accepts.
pub const AUTH_CODE: &str = "auth-code-ok";

/// How `expiresIn` is written in issued B2B tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiresIn {
    /// `"expiresIn":"900"`.
    String(u64),
    /// `"expiresIn":900`.
    Number(u64),
    /// No `expiresIn`; the access token is a JWT whose `exp` is this many
    /// seconds after the wall-clock time of issue.
    JwtExp(u64),
    /// No `expiresIn` and an opaque token.
    Missing,
}

/// What the server answers.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// Issue tokens (`tok-<n>`, or a JWT), after `delay` (Tokio time).
    Issue {
        /// The `expiresIn` shape.
        expires_in: ExpiresIn,
        /// How long to wait before answering.
        delay: Duration,
    },
    /// Refuse with this HTTP status and SNAP code.
    Fail {
        /// HTTP status.
        status: u16,
        /// `responseCode`.
        code: &'static str,
        /// `responseMessage`.
        message: &'static str,
    },
    /// Answer exactly this (for malformed shapes).
    Raw {
        /// HTTP status.
        status: u16,
        /// Body bytes.
        body: Vec<u8>,
    },
}

impl Behavior {
    /// Issue tokens at once with `"expiresIn":"<secs>"`.
    pub fn issue(secs: u64) -> Self {
        Self::Issue {
            expires_in: ExpiresIn::String(secs),
            delay: Duration::ZERO,
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Request path.
    pub path: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// Request body.
    pub body: String,
}

struct Shared {
    verifier: AsymmetricVerifier,
    requests: AtomicUsize,
    behavior: Mutex<Behavior>,
    seen: Mutex<Vec<Seen>>,
    refresh_tokens: Mutex<HashSet<String>>,
}

/// A running token server; stops when dropped.
pub struct TokenServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl TokenServer {
    /// Starts a server on 127.0.0.1 (an ephemeral port) issuing
    /// `"expiresIn":"900"` tokens.
    pub async fn start() -> Self {
        Self::start_with(Behavior::issue(900)).await
    }

    /// Starts a server answering as `behavior` says.
    pub async fn start_with(behavior: Behavior) -> Self {
        let shared = Arc::new(Shared {
            verifier: AsymmetricVerifier::new(RsaPublicKey::from_pem(PUBLIC_PEM).unwrap()),
            requests: AtomicUsize::new(0),
            behavior: Mutex::new(behavior),
            seen: Mutex::new(Vec::new()),
            refresh_tokens: Mutex::new(HashSet::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, shared, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The standard B2B endpoint URL.
    pub fn b2b_url(&self) -> String {
        format!("{}/v1.0/access-token/b2b", self.base_url())
    }

    /// How many requests arrived (whatever their answer).
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Changes what the server answers from now on.
    pub fn set(&self, behavior: Behavior) {
        *self.shared.behavior.lock().unwrap() = behavior;
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A plain-HTTP hyper-util client of the shape the token caches take.
pub fn http_client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

fn snap(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    snap(
        status,
        json!({"responseCode": code, "responseMessage": message}),
    )
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let path = uri.path().to_owned();
    shared.seen.lock().unwrap().push(Seen {
        path: path.clone(),
        headers: headers.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let customer = path.trim_end_matches(".htm").ends_with("b2b2c");
    let service = if customer { "74" } else { "73" };
    let code = |status: u16, case: &str| format!("{status}{service}{case}");

    // Checks a provider makes before anything else.
    if method != Method::POST {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            &code(405, "00"),
            "Requested Function Is Not Found",
        );
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return refuse(
            StatusCode::BAD_REQUEST,
            &code(400, "02"),
            "Invalid Mandatory Field [Content-Type]",
        );
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(client), Some(timestamp), Some(signature)) = (
        header("x-client-key"),
        header("x-timestamp"),
        header("x-signature"),
    ) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            &code(400, "02"),
            "Invalid Mandatory Field",
        );
    };
    if snap_bi::Timestamp::parse(timestamp).is_err() {
        return refuse(
            StatusCode::BAD_REQUEST,
            &code(400, "01"),
            "Invalid Field Format [X-TIMESTAMP]",
        );
    }
    if client != CLIENT_ID {
        return refuse(
            StatusCode::UNAUTHORIZED,
            &code(401, "00"),
            "Unauthorized. [Unknown client]",
        );
    }
    if shared
        .verifier
        .verify_token(client, timestamp, signature)
        .is_err()
    {
        return refuse(
            StatusCode::UNAUTHORIZED,
            &code(401, "00"),
            "Unauthorized. [Signature]",
        );
    }
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, &code(400, "00"), "Bad Request");
    };
    let grant = request
        .get("grantType")
        .or_else(|| request.get("grant_type"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();

    let behavior = shared.behavior.lock().unwrap().clone();
    match behavior {
        Behavior::Fail {
            status,
            code,
            message,
        } => refuse(StatusCode::from_u16(status).unwrap(), code, message),
        Behavior::Raw { status, body } => {
            (StatusCode::from_u16(status).unwrap(), body).into_response()
        }
        Behavior::Issue { expires_in, delay } => {
            tokio::time::sleep(delay).await;
            if customer {
                issue_customer(&shared, &request, &grant, n)
            } else if grant != "client_credentials" {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "4007300",
                    "Invalid Field Format [grantType]",
                )
            } else {
                issue_b2b(expires_in, n)
            }
        }
    }
}

fn issue_b2b(expires_in: ExpiresIn, n: usize) -> Response {
    let mut body = json!({
        "responseCode": "2007300",
        "responseMessage": "Successful",
        "accessToken": format!("tok-{n}"),
        "tokenType": "Bearer",
        "additionalInfo": {}
    });
    match expires_in {
        ExpiresIn::String(secs) => body["expiresIn"] = json!(secs.to_string()),
        ExpiresIn::Number(secs) => body["expiresIn"] = json!(secs),
        ExpiresIn::JwtExp(secs) => body["accessToken"] = json!(jwt(n, secs)),
        ExpiresIn::Missing => {}
    }
    snap(StatusCode::OK, body)
}

/// An (unsigned-looking) JWT whose `exp` is `secs` after now.
fn jwt(n: usize, secs: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!(
        "{}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(json!({"iss": "test", "n": n, "exp": now + secs}).to_string())
    )
}

/// The wall-clock time `secs` from now, as a SNAP `+07:00` timestamp.
fn jakarta_in(secs: i64) -> String {
    let at = chrono::Utc::now() + chrono::TimeDelta::seconds(secs);
    snap_bi::TimestampFormat::JakartaSeconds
        .format(at)
        .into_string()
}

fn issue_customer(
    shared: &Shared,
    request: &serde_json::Map<String, Value>,
    grant: &str,
    n: usize,
) -> Response {
    let text = |name: &str| {
        request
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let accepted = match grant {
        "authorization_code" => text("authCode") == AUTH_CODE,
        // A refresh token is good once: it is rotated on every use.
        "refresh_token" => shared
            .refresh_tokens
            .lock()
            .unwrap()
            .remove(text("refreshToken")),
        _ => false,
    };
    if !accepted {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "4017401",
            "Invalid Customer Token",
        );
    }
    let refresh = format!("refresh-{n}");
    shared
        .refresh_tokens
        .lock()
        .unwrap()
        .insert(refresh.clone());
    snap(
        StatusCode::OK,
        json!({
            "responseCode": "2007400",
            "responseMessage": "Successful",
            "accessToken": format!("cust-{n}"),
            "tokenType": "Bearer",
            "accessTokenExpiryTime": jakarta_in(CUSTOMER_TOKEN_SECS),
            "refreshToken": refresh,
            "refreshTokenExpiryTime": jakarta_in(30 * 86_400),
            "additionalInfo": {}
        }),
    )
}
