//! A load benchmark of the verifying side over loopback: the same hyper
//! server and handler twice, with and without
//! [`VerifyLayer`](snap_bi::server::VerifyLayer) (HS256 token check from a
//! `TokenIssuer`, the default in-memory replay store with its `X-EXTERNAL-ID`
//! and `X-SIGNATURE` records), so that the cost of verification is a ratio.
//!
//! C keep-alive connections (hyper HTTP/1.1 clients) per server each send
//! requests one after another, N seconds per server after a short warm-up,
//! the two servers taking turns in 250 ms slices so that whatever else the
//! machine is doing weighs on both alike. Every request has
//! its own `X-EXTERNAL-ID`, its own body and therefore its own signature,
//! timestamped now. Requests are signed in the client loop, identically for
//! both servers (pre-signing a run's worth would hold hundreds of
//! megabytes); the latency is timed from the send, after signing, to the
//! last byte of the answer. Clients and server share the machine's cores.
//! The server without the layer still reads the whole body, as a handler
//! that parses it must, so the ratio is verification proper.
//!
//! The layer's timestamp window is 10 s rather than 5 min, so that the
//! signature records it keeps for the window stay under the replay store's
//! bound at these rates (see the comment at the layer).
//!
//! Run `cargo run --release --example verify_load [-- --seconds N --connections C]`
//! (defaults: 5 s per server, 4 connections; 127.0.0.1 only). Exits non-zero
//! if any answer is not `200`.

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use snap_bi::headers::{
    AUTHORIZATION, CHANNEL_ID, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::server::{Partner, StaticPartners, TokenIssuer, VerifyLayer};
use snap_bi::timestamp::{Clock, SystemClock, TimestampFormat};
use snap_bi::{BodyPolicy, CanonicalBody, ClientSecret, SymmetricSigner, TransactionParts};
use tokio::net::{TcpListener, TcpStream};
use tower::{Layer, ServiceExt};

type Error = Box<dyn std::error::Error + Send + Sync>;

const PARTNER: &str = "partner-01";
const SECRET: &str = "load-test-secret";
const PATH: &str = "/v1.0/qr/qr-mpm-query";
/// The largest body either server reads (the layer's default limit).
const BODY_LIMIT: usize = 1 << 20;
/// No request may take longer than this; a stuck run fails instead of hanging.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

struct Options {
    seconds: f64,
    connections: usize,
}

fn options() -> Result<Options, Error> {
    let mut options = Options {
        seconds: 5.0,
        connections: 4,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => options.seconds = value()?.parse()?,
            "--connections" => options.connections = value()?.parse()?,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    if !(options.seconds > 0.0 && options.seconds <= 600.0) {
        return Err("--seconds must be in (0, 600]".into());
    }
    if !(1..=256).contains(&options.connections) {
        return Err("--connections must be in 1..=256".into());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let result = options().and_then(|options| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(run(options))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// How long each server is driven before the other takes its turn.
const SLICE: Duration = Duration::from_millis(250);

/// What one server did under load.
#[derive(Default)]
struct Outcome {
    requests: usize,
    elapsed: Duration,
    /// Sorted latencies.
    latencies: Vec<Duration>,
}

impl Outcome {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let last = self.latencies.len().saturating_sub(1);
        let at = ((last as f64) * p).round() as usize;
        self.latencies.get(at).copied().unwrap_or_default()
    }
}

async fn run(options: Options) -> Result<(), Error> {
    let secret = ClientSecret::new(SECRET)?;
    let partners = Arc::new(
        StaticPartners::builder()
            .partner(Partner::new(PARTNER).with_client_secret(&secret))
            .build()?,
    );
    let issuer = TokenIssuer::builder_shared(partners.clone()).build()?;
    let token = issuer
        .issue_b2b(PARTNER)?
        .access_token
        .expose_secret()
        .to_owned();
    // Signature records are kept for the timestamp window and never evicted
    // early (the layer answers 429 when the store is full): at tens of
    // thousands of requests per second a 5-minute window would fill the
    // default bound of 1 000 000 in about 20 s. A 10 s window keeps the store
    // at a few hundred thousand records, the size 1000 requests per second
    // reach with the standard window in production.
    let layer = VerifyLayer::builder_shared(partners)
        .token_validator(issuer)
        .timestamp_window(Duration::from_secs(10))
        .build()?;
    let client = Arc::new(Client {
        signer: SymmetricSigner::new(&secret),
        bearer: format!("Bearer {token}"),
        token,
    });

    let profile = if cfg!(debug_assertions) {
        "debug build: numbers not representative, use --release"
    } else {
        "release build"
    };
    println!(
        "verify_load: 127.0.0.1, {} keep-alive connections, {} s per server ({profile})",
        options.connections, options.seconds
    );
    println!("requests signed in the client loop for both servers; 200-byte bodies, HMAC-SHA512");

    // The handler: the same for both servers, given the body as bytes.
    let handler = tower::service_fn(|_request: http::Request<Full<Bytes>>| async {
        let body =
            Bytes::from_static(br#"{"responseCode":"2005100","responseMessage":"Successful"}"#);
        Ok::<_, Infallible>(http::Response::new(Full::new(body)))
    });

    let plain = tower::service_fn(
        move |request: http::Request<hyper::body::Incoming>| async move {
            let (parts, body) = request.into_parts();
            let handler = handler;
            // Read the body as the layer would, so the difference is verification.
            let body = match Limited::new(body, BODY_LIMIT).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => {
                    let mut refused = http::Response::new(Full::new(Bytes::new()));
                    *refused.status_mut() = http::StatusCode::BAD_REQUEST;
                    return Ok(refused);
                }
            };
            handler
                .oneshot(http::Request::from_parts(parts, Full::new(body)))
                .await
        },
    );
    let [without, with] = drive(
        serve(plain).await?,
        serve(layer.layer(handler)).await?,
        &options,
        &client,
    )
    .await?;

    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9}",
        "server", "requests", "rps", "p50", "p99"
    );
    for (name, outcome) in [
        ("without VerifyLayer", &without),
        ("VerifyLayer (HS256 token, replay)", &with),
    ] {
        println!(
            "{name:<34} {:>9} {:>9.0} {:>9} {:>9}",
            outcome.requests,
            outcome.rps(),
            micros(outcome.percentile(0.50)),
            micros(outcome.percentile(0.99)),
        );
    }
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "with / without: rps {:.2}x, p50 {:.2}x, p99 {:.2}x",
        with.rps() / without.rps().max(1e-9),
        ratio(with.percentile(0.50), without.percentile(0.50)),
        ratio(with.percentile(0.99), without.percentile(0.99)),
    );
    Ok(())
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// Serves `service` on a fresh 127.0.0.1 port until the runtime ends.
async fn serve<S, B>(service: S) -> Result<std::net::SocketAddr, Error>
where
    S: tower::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<B>,
            Error = Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(address)
}

/// What every connection needs to sign.
struct Client {
    signer: SymmetricSigner,
    token: String,
    bearer: String,
}

impl Client {
    /// A request of its own: id `id` in `X-EXTERNAL-ID` and in the body (so
    /// the signature is its own too), timestamped now.
    fn request(&self, id: u64) -> Result<http::Request<Full<Bytes>>, Error> {
        let external_id = format!("{id:020}");
        let body = format!(
            r#"{{"originalPartnerReferenceNo":"{external_id}","originalReferenceNo":"A120251122100000000001","serviceCode":"51","merchantId":"936000000000001","additionalInfo":{{"terminalId":"T0001"}}}}"#
        );
        let timestamp = TimestampFormat::JakartaSeconds.format(SystemClock.now());
        let canonical = CanonicalBody::new(body.as_bytes(), BodyPolicy::Minify)?;
        let signature = self.signer.sign(
            &TransactionParts::new("POST", PATH, &canonical, timestamp.as_str()),
            &self.token,
        );
        Ok(http::Request::post(PATH)
            .header(http::header::HOST, "127.0.0.1")
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(X_TIMESTAMP, timestamp.as_str())
            .header(X_SIGNATURE, signature.as_str())
            .header(X_PARTNER_ID, PARTNER)
            .header(X_EXTERNAL_ID, external_id)
            .header(CHANNEL_ID, "95221")
            .header(AUTHORIZATION, self.bearer.as_str())
            .body(Full::new(Bytes::from(body)))?)
    }
}

/// One keep-alive connection to one server.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    next_id: u64,
}

/// `count` connections to `address`, their ids starting at `first_id`.
async fn connect(
    address: std::net::SocketAddr,
    count: usize,
    first_id: u64,
) -> Result<Vec<Connection>, Error> {
    let mut connections = Vec::new();
    for n in 0..count {
        let stream = tokio::time::timeout(REQUEST_TIMEOUT, TcpStream::connect(address)).await??;
        stream.set_nodelay(true)?;
        let (sender, connection) = tokio::time::timeout(
            REQUEST_TIMEOUT,
            hyper::client::conn::http1::handshake(TokioIo::new(stream)),
        )
        .await??;
        tokio::spawn(connection);
        connections.push(Connection {
            sender,
            next_id: first_id + u64::try_from(n)? * 1_000_000_000,
        });
    }
    Ok(connections)
}

/// Every connection sends requests one after another for `length`; the
/// connections back, with the latencies and the wall time taken.
async fn slice(
    connections: Vec<Connection>,
    client: &Arc<Client>,
    length: Duration,
) -> Result<(Vec<Connection>, Vec<Duration>, Duration), Error> {
    let start = Instant::now();
    let end = start + length;
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|connection| {
            let client = Arc::clone(client);
            tokio::spawn(async move { connection_loop(connection, &client, end).await })
        })
        .collect();
    let mut connections = Vec::new();
    let mut latencies = Vec::new();
    for task in tasks {
        let (connection, taken) = task.await??;
        connections.push(connection);
        latencies.extend(taken);
    }
    Ok((connections, latencies, start.elapsed()))
}

/// Requests one after another until `end`: their latencies.
async fn connection_loop(
    mut connection: Connection,
    client: &Client,
    end: Instant,
) -> Result<(Connection, Vec<Duration>), Error> {
    let mut latencies = Vec::new();
    while Instant::now() < end {
        connection.next_id += 1;
        let id = connection.next_id;
        let request = client.request(id)?;
        let sender = &mut connection.sender;
        let sent = Instant::now();
        let status = tokio::time::timeout(REQUEST_TIMEOUT, async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status();
            response.into_body().collect().await?;
            Ok::<_, Error>(status)
        })
        .await??;
        latencies.push(sent.elapsed());
        if status != http::StatusCode::OK {
            return Err(format!("request {id} answered {status}").into());
        }
    }
    Ok((connection, latencies))
}

/// Drives both servers with the configured connections, alternating in
/// short slices so that whatever else the machine does weighs on both
/// alike: a warm-up, then `seconds` of measured time each.
async fn drive(
    without: std::net::SocketAddr,
    with: std::net::SocketAddr,
    options: &Options,
    client: &Arc<Client>,
) -> Result<[Outcome; 2], Error> {
    // Ids apart per server, per connection and per run (the clock keeps a
    // rerun within the day off the previous run's ids).
    let first_id = (epoch_seconds() % 10_000) * 100_000;
    let mut connections = [
        connect(without, options.connections, first_id).await?,
        connect(with, options.connections, first_id + 500_000_000).await?,
    ];
    let measure = Duration::from_secs_f64(options.seconds);
    let warm_up = (measure / 4).min(Duration::from_secs(1));
    for set in &mut connections {
        let (back, _, _) = slice(std::mem::take(set), client, warm_up).await?;
        *set = back;
    }
    let slices = (measure.as_secs_f64() / SLICE.as_secs_f64())
        .ceil()
        .max(1.0) as u32;
    let length = measure / slices;
    let mut outcomes = [Outcome::default(), Outcome::default()];
    for round in 0..slices {
        // Alternate which goes first, too.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for server in order {
            let (back, latencies, took) =
                slice(std::mem::take(&mut connections[server]), client, length).await?;
            connections[server] = back;
            let outcome = &mut outcomes[server];
            outcome.requests += latencies.len();
            outcome.latencies.extend(latencies);
            outcome.elapsed += took;
        }
    }
    for outcome in &mut outcomes {
        outcome.latencies.sort_unstable();
    }
    Ok(outcomes)
}

fn epoch_seconds() -> u64 {
    u64::try_from(SystemClock.now().timestamp()).unwrap_or_default()
}
