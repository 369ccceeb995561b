//! A misbehaving SNAP provider on 127.0.0.1 over raw TCP, for the fault
//! matrix (`tests/fault_matrix.rs`).
//!
//! Responses are written by hand, so each fault is exactly the bytes a bad
//! provider (or what sits in front of it) puts on the wire: a reset in the
//! middle of a body, a head that trickles in, a 100 MB body streamed from
//! one 64 KiB buffer. The token endpoint (`/v1.0/access-token/b2b`) and the
//! API (every other path) each play their own [`Fault`], so either can
//! misbehave while the other is healthy.
//!
//! Every request is recorded with the server's verdict on it, as a
//! provider would judge it: token requests by their SHA256withRSA
//! signature and `X-TIMESTAMP`; API requests by their bearer token (issued
//! here and not expired by the server's clock), their `X-TIMESTAMP` and
//! their HMAC-SHA512 `X-SIGNATURE`. One request per connection
//! (`Connection: close`), so a pooled connection never hides a refusal.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use snap_bi::body::CanonicalBody;
use snap_bi::{
    AsymmetricVerifier, ClientSecret, RsaPublicKey, SymmetricSigner, Timestamp, TimestampFormat,
    TransactionParts,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::token_server::{CLIENT_ID, PUBLIC_PEM};

/// The client secret the server checks HMAC signatures with.
pub const SECRET: &str = "fault-matrix-secret";
/// The token path (the `aspi_standard` profile's).
pub const TOKEN_PATH: &str = "/v1.0/access-token/b2b";
/// How long issued tokens really live, whatever the answer claims.
pub const SERVER_TOKEN_LIFETIME: Duration = Duration::from_secs(900);
/// The `X-TIMESTAMP` window the server accepts.
pub const TIMESTAMP_WINDOW: Duration = Duration::from_secs(300);
/// Size of the huge body.
pub const HUGE_BODY: u64 = 100 * 1024 * 1024;
/// How long a trickle goes on at most (the client gives up long before).
const TRICKLE_FOR: Duration = Duration::from_secs(15);
/// Pause between two trickled bytes.
const TRICKLE_EVERY: Duration = Duration::from_millis(100);

/// How one endpoint answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Checks the request and answers as a provider does.
    Healthy,
    /// A head promising 4096 bytes, 100 of them, then a TCP reset.
    ResetMidBody,
    /// The status line, then one header byte every 100 ms.
    SlowHeaders,
    /// A complete head (`Content-Length: 4096`), then one body byte every
    /// 100 ms.
    SlowBody,
    /// `429` with `Retry-After` (seconds) and a SNAP body.
    TooManyRequests {
        /// The `Retry-After` value.
        retry_after: u32,
    },
    /// `500` with a SNAP `500xx00` body.
    InternalError,
    /// `502` with an HTML body and no SNAP code (a gateway's page).
    BadGatewayHtml,
    /// `200` with an HTML body (a captive portal, a WAF's page).
    OkHtml,
    /// `200` with a 100 MB body announced by `Content-Length`, streamed.
    Huge,
    /// `200` with a 100 MB chunked body (no length to refuse up front:
    /// the client has to count).
    HugeChunked,
    /// `200` with JSON cut off in the middle (a correct `Content-Length`).
    TruncatedJson,
    /// `401` with this SNAP code on every API request, however good (a
    /// provider that rejects the tokens it issues).
    Reject(&'static str),
}

/// What a request is, and what the server thought of it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// True for the token endpoint.
    pub token: bool,
    /// Request path.
    pub path: String,
    /// `X-TIMESTAMP`.
    pub timestamp: Option<String>,
    /// The bearer token (API requests).
    pub bearer: Option<String>,
    /// Signed correctly (RSA for token requests, HMAC for API requests).
    pub signed: bool,
    /// `X-TIMESTAMP` within [`TIMESTAMP_WINDOW`] of the server's clock.
    pub fresh: bool,
    /// The bearer token was issued here and has not expired (API requests).
    pub token_live: bool,
}

struct State {
    token_fault: Mutex<Fault>,
    api_fault: Mutex<Fault>,
    /// JSON members describing the lifetime in token answers.
    lifetime_fields: Mutex<String>,
    /// Whether the token endpoint checks `X-TIMESTAMP` (the API always does).
    token_checks_timestamp: Mutex<bool>,
    issued: Mutex<HashMap<String, Instant>>,
    seen: Mutex<Vec<Seen>>,
    token_requests: AtomicUsize,
    api_requests: AtomicUsize,
    huge_written: AtomicU64,
    huge_done: AtomicUsize,
    verifier: AsymmetricVerifier,
    hmac: SymmetricSigner,
}

/// A running fault server; stops when dropped.
pub struct FaultServer {
    addr: SocketAddr,
    state: Arc<State>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl FaultServer {
    /// A healthy server on an ephemeral port of 127.0.0.1.
    pub async fn start() -> Self {
        let state = Arc::new(State {
            token_fault: Mutex::new(Fault::Healthy),
            api_fault: Mutex::new(Fault::Healthy),
            lifetime_fields: Mutex::new(r#""expiresIn":"900""#.to_owned()),
            token_checks_timestamp: Mutex::new(true),
            issued: Mutex::new(HashMap::new()),
            seen: Mutex::new(Vec::new()),
            token_requests: AtomicUsize::new(0),
            api_requests: AtomicUsize::new(0),
            huge_written: AtomicU64::new(0),
            huge_done: AtomicUsize::new(0),
            verifier: AsymmetricVerifier::new(RsaPublicKey::from_pem(PUBLIC_PEM).unwrap()),
            hmac: SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Self {
            addr,
            state,
            accept: Mutex::new(None),
        };
        server.serve(listener);
        server
    }

    fn serve(&self, listener: TcpListener) {
        let state = Arc::clone(&self.state);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(connection(Arc::clone(&state), stream));
            }
        });
        *self.accept.lock().unwrap() = Some(task);
    }

    /// Closes the listening socket: connections are refused from now on.
    pub async fn refuse_connections(&self) {
        if let Some(task) = self.accept.lock().unwrap().take() {
            task.abort();
        }
        // The abort takes effect at the task's next poll; wait until the
        // port really refuses.
        for _ in 0..100 {
            if TcpStream::connect(self.addr).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the listener did not close");
    }

    /// Listens again on the same port.
    pub async fn accept_connections(&self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the token endpoint does from now on.
    pub fn token_fault(&self, fault: Fault) {
        *self.state.token_fault.lock().unwrap() = fault;
    }

    /// What the API does from now on.
    pub fn api_fault(&self, fault: Fault) {
        *self.state.api_fault.lock().unwrap() = fault;
    }

    /// Both endpoints healthy.
    pub fn heal(&self) {
        self.token_fault(Fault::Healthy);
        self.api_fault(Fault::Healthy);
    }

    /// The members describing the lifetime in token answers, e.g.
    /// `"expiresIn":0` (default `"expiresIn":"900"`). Tokens still live
    /// [`SERVER_TOKEN_LIFETIME`] here.
    pub fn lifetime_fields(&self, fields: impl Into<String>) {
        *self.state.lifetime_fields.lock().unwrap() = fields.into();
    }

    /// Whether the token endpoint checks `X-TIMESTAMP` (default yes).
    pub fn token_checks_timestamp(&self, check: bool) {
        *self.state.token_checks_timestamp.lock().unwrap() = check;
    }

    /// Token requests received (complete heads and bodies).
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// API requests received.
    pub fn api_requests(&self) -> usize {
        self.state.api_requests.load(Ordering::SeqCst)
    }

    /// Body bytes of huge answers the server managed to write.
    pub fn huge_written(&self) -> u64 {
        self.state.huge_written.load(Ordering::SeqCst)
    }

    /// Huge answers that ended (the client hung up, or all was written).
    pub fn huge_done(&self) -> usize {
        self.state.huge_done.load(Ordering::SeqCst)
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Every API request received so far.
    pub fn api_seen(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| !s.token).collect()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        if let Some(task) = self.accept.lock().unwrap().take() {
            task.abort();
        }
    }
}

/// A parsed request.
struct Incoming {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// Reads one request (head ≤ 16 KiB, body ≤ 1 MiB) within 5 s.
async fn read_request(stream: &mut TcpStream) -> Option<Incoming> {
    tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            if buf.len() > 16 * 1024 {
                return None;
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = std::str::from_utf8(&buf[..head_end]).ok()?.to_owned();
        let mut lines = head.split("\r\n");
        let path = lines.next()?.split(' ').nth(1)?.to_owned();
        let headers: HashMap<String, String> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if length > 1024 * 1024 {
            return None;
        }
        let mut body = buf[head_end + 4..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(length);
        Some(Incoming {
            path,
            headers,
            body,
        })
    })
    .await
    .ok()
    .flatten()
}

async fn connection(state: Arc<State>, mut stream: TcpStream) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let token = request.path == TOKEN_PATH;
    let fault = if token {
        state.token_requests.fetch_add(1, Ordering::SeqCst);
        state.token_fault.lock().unwrap().clone()
    } else {
        state.api_requests.fetch_add(1, Ordering::SeqCst);
        state.api_fault.lock().unwrap().clone()
    };
    let seen = judge(&state, &request, token);
    state.seen.lock().unwrap().push(seen.clone());
    let service = if token { "73" } else { "51" };
    let _ = match fault {
        Fault::Healthy if token => token_answer(&state, &seen, &mut stream).await,
        Fault::Healthy => api_answer(&seen, &mut stream).await,
        Fault::ResetMidBody => {
            let _ = write_head(&mut stream, 200, "application/json", 4096, "").await;
            let _ = stream.write_all(&[b' '; 100]).await;
            let _ = stream.flush().await;
            // SO_LINGER 0: close sends RST, not FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
            Ok(())
        }
        Fault::SlowHeaders => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nX-Slow: ").await;
            trickle(&mut stream).await
        }
        Fault::SlowBody => {
            let _ = write_head(&mut stream, 200, "application/json", 4096, "").await;
            trickle(&mut stream).await
        }
        Fault::TooManyRequests { retry_after } => {
            let body = snap_body(&format!("429{service}00"), "Too Many Requests");
            write_answer(
                &mut stream,
                429,
                "application/json",
                &format!("Retry-After: {retry_after}\r\n"),
                body.as_bytes(),
            )
            .await
        }
        Fault::InternalError => {
            let body = snap_body(&format!("500{service}00"), "General Error");
            write_answer(&mut stream, 500, "application/json", "", body.as_bytes()).await
        }
        Fault::BadGatewayHtml => {
            write_answer(&mut stream, 502, "text/html", "", HTML.as_bytes()).await
        }
        Fault::OkHtml => write_answer(&mut stream, 200, "text/html", "", HTML.as_bytes()).await,
        Fault::Huge => huge(&state, &mut stream, false).await,
        Fault::HugeChunked => huge(&state, &mut stream, true).await,
        Fault::TruncatedJson => {
            let body = format!(r#"{{"responseCode":"200{service}00","responseMessage":"Succ"#);
            write_answer(&mut stream, 200, "application/json", "", body.as_bytes()).await
        }
        Fault::Reject(code) => {
            let body = snap_body(code, "Invalid Token (B2B)");
            write_answer(&mut stream, 401, "application/json", "", body.as_bytes()).await
        }
    };
}

const HTML: &str = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                    <body><h1>Bad Gateway</h1></body></html>";

fn snap_body(code: &str, message: &str) -> String {
    serde_json::json!({"responseCode": code, "responseMessage": message}).to_string()
}

/// The server's verdict on a request.
fn judge(state: &State, request: &Incoming, token: bool) -> Seen {
    let header = |name: &str| request.headers.get(name).map(String::as_str);
    let timestamp = header("x-timestamp").map(str::to_owned);
    let fresh = timestamp
        .as_deref()
        .and_then(|t| Timestamp::parse(t).ok())
        .is_some_and(|t| t.within_window(Utc::now(), TIMESTAMP_WINDOW));
    let signature = header("x-signature").unwrap_or_default();
    if token {
        let signed = header("x-client-key") == Some(CLIENT_ID)
            && timestamp.as_deref().is_some_and(|ts| {
                state
                    .verifier
                    .verify_token(CLIENT_ID, ts, signature)
                    .is_ok()
            });
        return Seen {
            token,
            path: request.path.clone(),
            timestamp,
            bearer: None,
            signed,
            fresh,
            token_live: false,
        };
    }
    let bearer = header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let token_live = bearer.as_deref().is_some_and(|b| {
        state
            .issued
            .lock()
            .unwrap()
            .get(b)
            .is_some_and(|&expires| Instant::now() < expires)
    });
    let signed = match (&bearer, &timestamp) {
        (Some(bearer), Some(ts)) => {
            let body = CanonicalBody::from_canonical(Cow::Borrowed(&request.body));
            let parts = TransactionParts::new("POST", &request.path, &body, ts);
            state.hmac.verify(&parts, bearer, signature).is_ok()
        }
        _ => false,
    };
    Seen {
        token,
        path: request.path.clone(),
        timestamp,
        bearer,
        signed,
        fresh,
        token_live,
    }
}

async fn token_answer(state: &State, seen: &Seen, stream: &mut TcpStream) -> std::io::Result<()> {
    let checks_timestamp = *state.token_checks_timestamp.lock().unwrap();
    if !seen.signed || (checks_timestamp && !seen.fresh) {
        let body = snap_body("4017300", "Unauthorized. [Signature or X-TIMESTAMP]");
        return write_answer(stream, 401, "application/json", "", body.as_bytes()).await;
    }
    let n = state.token_requests.load(Ordering::SeqCst);
    let token = format!("tok-{n}");
    state
        .issued
        .lock()
        .unwrap()
        .insert(token.clone(), Instant::now() + SERVER_TOKEN_LIFETIME);
    let lifetime = state.lifetime_fields.lock().unwrap().clone();
    let body = format!(
        r#"{{"responseCode":"2007300","responseMessage":"Successful","accessToken":"{token}","tokenType":"Bearer",{lifetime}}}"#
    );
    write_answer(stream, 200, "application/json", "", body.as_bytes()).await
}

async fn api_answer(seen: &Seen, stream: &mut TcpStream) -> std::io::Result<()> {
    let refuse = |code: &str, message: &str| snap_body(code, message);
    let (status, body) = if !seen.token_live {
        (401, refuse("4015101", "Invalid Token (B2B)"))
    } else if !seen.fresh {
        (401, refuse("4015100", "Unauthorized. [X-TIMESTAMP]"))
    } else if !seen.signed {
        (401, refuse("4015100", "Unauthorized. [Signature]"))
    } else {
        (
            200,
            r#"{"responseCode":"2005100","responseMessage":"Successful","latestTransactionStatus":"03"}"#
                .to_owned(),
        )
    };
    write_answer(stream, status, "application/json", "", body.as_bytes()).await
}

async fn write_head(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    length: u64,
    extra: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Status",
    };
    // The server's own X-TIMESTAMP is left out: the token cache would
    // read absolute expiry times against it, and the matrix wants the
    // client's clock to be the one that matters.
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n{extra}Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await
}

async fn write_answer(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &str,
    body: &[u8],
) -> std::io::Result<()> {
    write_head(stream, status, content_type, body.len() as u64, extra).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

/// One byte every [`TRICKLE_EVERY`] until the client hangs up.
async fn trickle(stream: &mut TcpStream) -> std::io::Result<()> {
    let until = Instant::now() + TRICKLE_FOR;
    while Instant::now() < until {
        stream.write_all(b"a").await?;
        tokio::time::sleep(TRICKLE_EVERY).await;
    }
    Ok(())
}

/// 100 MB of JSON-looking bytes from one 64 KiB buffer, counting what gets
/// written before the client hangs up.
async fn huge(state: &State, stream: &mut TcpStream, chunked: bool) -> std::io::Result<()> {
    static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
    let result = async {
        if chunked {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                      Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                )
                .await?;
        } else {
            write_head(stream, 200, "application/json", HUGE_BODY, "").await?;
        }
        let mut left = HUGE_BODY;
        while left > 0 {
            let n = left.min(CHUNK.len() as u64) as usize;
            if chunked {
                stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
            }
            stream.write_all(&CHUNK[..n]).await?;
            if chunked {
                stream.write_all(b"\r\n").await?;
            }
            state.huge_written.fetch_add(n as u64, Ordering::SeqCst);
            left -= n as u64;
        }
        if chunked {
            stream.write_all(b"0\r\n\r\n").await?;
        }
        Ok(())
    }
    .await;
    state.huge_done.fetch_add(1, Ordering::SeqCst);
    result
}

/// The wall-clock time `secs` from now (negative: ago) as an
/// `accessTokenExpiryTime`.
pub fn jakarta_in(secs: i64) -> String {
    TimestampFormat::JakartaSeconds
        .format(Utc::now() + chrono::TimeDelta::seconds(secs))
        .into_string()
}
