//! Property tests of the token caches' state machines (issue 13).
//!
//! Random sequences of operations drive the real [`B2bTokenCache`]: the next
//! fetch's answer (a token with a lifetime from zero, negative, under the
//! 30 s floor, ordinary or huge, as seconds or as an absolute expiry time
//! that may be past; HTTP errors; refusals; malformed bodies; answers slower
//! than the fetch timeout), `k` concurrent callers, clock advances, wall-clock
//! jumps forward and backward, and invalidations of the current or a stale
//! token. The token endpoint is an instrumented `tower::Service` (the issue
//! wants the state machine; the HTTP variant is in `tests/token.rs`) that
//! keeps a reference model of what the cache must hold, and checks at every
//! request, every hand-out and after every operation:
//!
//! - at most one request is in flight at any instant;
//! - every request is justified: nothing cached, the token expired, was
//!   invalidated or is in its refresh window, and no backoff window is open;
//! - a token handed out was issued by a successful answer (error bodies
//!   carry bogus `accessToken`s that must never come back), is not past its
//!   expiry, and was not invalidated before the call began;
//! - an error handed out is the typed error of a fetch that failed at that
//!   instant, or `BackingOff` exactly while the model's window is open;
//! - `cached()` and `ready_token()` are exactly what the model predicts.
//!
//! The [`CustomerTokenCache`] gets the same treatment per customer, with
//! authorizations, `forget` and both ways to invalidate added: one refresh in
//! flight, never an expired or superseded refresh token sent, no token
//! handed out past its expiry by the cache's wall clock or after its
//! invalidation, the store holding what the model holds after every step.
//! Its expiry is wall-clock time, so a wall clock stepped back must not
//! revive an invalidated token. The three defects this found in it (and one
//! in the first fix) are pinned by the regression tests at the end.
//!
//! Time is Tokio's paused clock and the cache's injected wall clock, so a
//! case runs in milliseconds.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use snap_bi::RsaPrivateKey;
use snap_bi::timestamp::Clock;
use snap_bi::token::{
    AccessToken, B2bTokenCache, Backoff, CustomerKey, CustomerTokenCache, CustomerTokenStore,
    FixedJitter, InMemoryCustomerTokenStore, MAX_LIFETIME, MIN_LIFETIME, ResponseOptions,
    TokenError, TokenRequestSigner, TokenSource, refresh_margin,
};
use tokio::task::JoinHandle;
use tokio::time::Instant;

const PRIVATE: &str = include_str!("vectors/keys/partner-test-private.pem");

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The lifetime the cache assumes when an answer gives no usable one.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(120);
/// Slower than the fetch timeout: the request is abandoned.
const HANG_MS: u64 = 60_000;

fn backoff() -> Backoff {
    Backoff::new(Duration::from_secs(1), Duration::from_secs(8))
}

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

/// What one token request is answered with.
#[derive(Debug, Clone)]
enum Kind {
    /// `t-<n>`, living per `expiresIn` (seconds; as a JSON string or number)
    /// and/or `accessTokenExpiryTime` (seconds from the provider's now),
    /// with the provider's `X-TIMESTAMP` or without.
    Token {
        expires_in: Option<(i64, bool)>,
        expiry_offset: Option<i64>,
        x_timestamp: bool,
    },
    /// A non-2xx status, with a `responseCode` or without.
    Status { status: u16, with_code: bool },
    /// HTTP 200 carrying a refusal `responseCode`.
    RefusedOk,
    /// HTTP 200, not JSON.
    NotJson,
    /// HTTP 200, success code, no `accessToken`.
    NoToken,
    /// HTTP 200 with a token of an unsupported type.
    WrongType,
}

#[derive(Debug, Clone)]
struct Answer {
    kind: Kind,
    delay_ms: u64,
}

#[derive(Debug, Clone)]
enum Op {
    /// Queue the answer to the next request (unqueued requests get a plain
    /// 300 s token after 10 ms).
    Answer(Answer),
    /// `k` callers ask at once; `wait`: the test waits for all of them.
    Call { k: usize, wait: bool },
    /// Let time pass (timers fire in order on the paused clock).
    Advance(u64),
    /// Let time pass to `delta_ms` around the cached token's refresh point
    /// (or expiry): the boundaries, which random advances rarely hit.
    AdvanceTo { expiry: bool, delta_ms: i64 },
    /// The wall clock jumps by this many seconds (either way); the
    /// monotonic clock cannot go back.
    Skew(i64),
    /// `refresh()`: a forced fetch (or joining the running one).
    Refresh { wait: bool },
    /// Start (or stop) the background refresher.
    Refresher(bool),
    /// Invalidate the token the model says is cached.
    InvalidateCurrent,
    /// Invalidate an earlier token (or a never-issued one).
    InvalidateStale(Index),
}

fn lifetime_secs() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        -100i64..0,
        1i64..30,
        30i64..32,
        32i64..4_000,
        Just(1_000_000_000_000i64),
    ]
}

fn expiry_offset() -> impl Strategy<Value = i64> {
    prop_oneof![
        -100_000i64..0,
        0i64..30,
        30i64..4_000,
        Just(1_000_000_000i64)
    ]
}

fn delay_ms() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        3 => Just(10u64),
        2 => Just(1_500u64),
        2 => Just(4_000u64),
        1 => Just(6_000u64),
        1 => Just(HANG_MS),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        6 => (
            proptest::option::weighted(0.8, (lifetime_secs(), any::<bool>())),
            proptest::option::weighted(0.4, expiry_offset()),
            any::<bool>(),
        )
            .prop_map(|(expires_in, expiry_offset, x_timestamp)| Kind::Token {
                expires_in,
                expiry_offset,
                x_timestamp
            }),
        2 => (prop_oneof![Just(500u16), Just(503), Just(401), Just(404)], any::<bool>())
            .prop_map(|(status, with_code)| Kind::Status { status, with_code }),
        1 => Just(Kind::RefusedOk),
        1 => Just(Kind::NotJson),
        1 => Just(Kind::NoToken),
        1 => Just(Kind::WrongType),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (kind(), delay_ms()).prop_map(|(kind, delay_ms)| Op::Answer(Answer { kind, delay_ms })),
        5 => (1usize..=6, any::<bool>()).prop_map(|(k, wait)| Op::Call { k, wait }),
        4 => prop_oneof![
            0u64..100,
            100u64..10_000,
            10_000u64..600_000,
            600_000u64..20_000_000
        ]
        .prop_map(Op::Advance),
        2 => (any::<bool>(), prop_oneof![Just(0i64), -2i64..=2, 1i64..5_000])
            .prop_map(|(expiry, delta_ms)| Op::AdvanceTo { expiry, delta_ms }),
        1 => (-7_200i64..7_200).prop_map(Op::Skew),
        1 => any::<bool>().prop_map(|wait| Op::Refresh { wait }),
        1 => any::<bool>().prop_map(Op::Refresher),
        1 => Just(Op::InvalidateCurrent),
        1 => any::<Index>().prop_map(Op::InvalidateStale),
    ]
}

// ---------------------------------------------------------------------------------------
// The wall clock the cache is given
// ---------------------------------------------------------------------------------------

/// Tokio's paused clock on a wall-clock scale, plus a skew the test moves
/// either way. The provider's own clock is the same without the skew.
#[derive(Debug, Clone)]
struct SkewClock {
    start: DateTime<Utc>,
    origin: Instant,
    skew_ms: Arc<AtomicI64>,
}

impl SkewClock {
    fn provider_now(&self) -> DateTime<Utc> {
        let elapsed = TimeDelta::from_std(self.origin.elapsed()).unwrap_or(TimeDelta::MAX);
        self.start.checked_add_signed(elapsed).unwrap_or(self.start)
    }
}

impl Clock for SkewClock {
    fn now(&self) -> DateTime<Utc> {
        let skew = TimeDelta::milliseconds(self.skew_ms.load(Ordering::SeqCst));
        let now = self.provider_now();
        now.checked_add_signed(skew).unwrap_or(now)
    }
}

// ---------------------------------------------------------------------------------------
// The reference model, kept by the endpoint
// ---------------------------------------------------------------------------------------

/// A token the endpoint issued successfully.
#[derive(Debug, Clone, Copy)]
struct Issued {
    /// When its request arrived (the cache counts from when it sent it,
    /// the same instant on the paused clock).
    received_at: Instant,
    refresh_at: Instant,
    expires_at: Instant,
}

/// What the cache must be doing, and every violation seen.
#[derive(Debug, Default)]
struct World {
    queue: VecDeque<Answer>,
    next_n: usize,
    active: usize,
    requests: usize,
    issued: HashMap<String, Issued>,
    /// Issued tokens in order, for stale invalidations.
    history: Vec<String>,
    /// The token the cache holds.
    current: Option<String>,
    /// Token → sequence number of its invalidation while it was current.
    invalidated: HashMap<String, u64>,
    failures: u32,
    retry_at: Option<Instant>,
    /// When fetches failed (the instants their callers are told).
    failed_at: Vec<Instant>,
    seq: u64,
    /// When `refresh()` was last called: a fetch then needs no other reason.
    forced_at: Option<Instant>,
    violations: Vec<String>,
    stats: Stats,
}

/// How often each interesting thing happened, across all cases, so that a
/// generator gone blind fails the test instead of passing it vacuously.
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    fetches: usize,
    refresh_ahead: usize,
    handed_out: usize,
    errors: usize,
    backing_off: usize,
    timeouts: usize,
    invalidations: usize,
    forced: usize,
    default_lifetimes: usize,
    capped_lifetimes: usize,
    expiry_time_lifetimes: usize,
    concurrent_waits: usize,
}

impl World {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn violation(&mut self, message: String) {
        self.violations.push(message);
    }

    /// A request arrives at `now`: check it is allowed, then take its answer.
    fn arrive(&mut self, now: Instant) -> (usize, Answer) {
        if self.active > 0 {
            self.violation(format!(
                "request at {now:?} while {} in flight",
                self.active
            ));
        }
        let current = self.current.as_ref().and_then(|t| self.issued.get(t));
        let due = current.is_none_or(|c| now >= c.refresh_at) || self.forced_at == Some(now);
        if current.is_some_and(|c| now < c.expires_at) {
            self.stats.refresh_ahead += usize::from(due);
        }
        if !due {
            self.violation(format!(
                "request at {now:?} while the cached token was fresh"
            ));
        }
        if self.retry_at.is_some_and(|at| now < at) {
            self.violation(format!(
                "request at {now:?} inside the backoff window (until {:?})",
                self.retry_at
            ));
        }
        self.active += 1;
        self.requests += 1;
        self.stats.fetches += 1;
        self.next_n += 1;
        let answer = self.queue.pop_front().unwrap_or(Answer {
            kind: Kind::Token {
                expires_in: Some((300, true)),
                expiry_offset: None,
                x_timestamp: false,
            },
            delay_ms: 10,
        });
        (self.next_n, answer)
    }

    fn succeeded(&mut self, token: String, received_at: Instant, lifetime: Duration) {
        let expires_at = received_at + lifetime;
        let margin = refresh_margin(lifetime, None, 0.0);
        self.issued.insert(
            token.clone(),
            Issued {
                received_at,
                refresh_at: expires_at - margin,
                expires_at,
            },
        );
        self.history.push(token.clone());
        self.current = Some(token);
        self.failures = 0;
        self.retry_at = None;
    }

    fn failed(&mut self, now: Instant) {
        self.failures += 1;
        let delay = backoff().delay(self.failures, 0.0);
        self.retry_at = (!delay.is_zero()).then(|| now + delay);
        self.failed_at.push(now);
    }

    /// A caller that began with sequence number `seq` at `started` got
    /// `result` at `at`.
    fn check_result(
        &mut self,
        seq: u64,
        started: Instant,
        at: Instant,
        result: Result<AccessToken, TokenError>,
    ) {
        match result {
            Ok(token) => {
                self.stats.handed_out += 1;
                let token = token.expose_secret().to_owned();
                let Some(issued) = self.issued.get(&token).copied() else {
                    return self.violation(format!(
                        "handed out {token:?}, which no successful answer issued"
                    ));
                };
                if at >= issued.expires_at {
                    self.violation(format!(
                        "handed out {token:?} at {at:?}, expired at {:?} (issued at {:?})",
                        issued.expires_at, issued.received_at
                    ));
                }
                if self.invalidated.get(&token).is_some_and(|&inv| inv < seq) {
                    self.violation(format!(
                        "handed out {token:?} to a call that began after its invalidation"
                    ));
                }
            }
            Err(TokenError::BackingOff { retry_in, .. }) => {
                self.stats.backing_off += 1;
                let expected = self.retry_at.filter(|&r| started < r).map(|r| r - started);
                if at != started || expected != Some(retry_in) {
                    self.violation(format!(
                        "BackingOff {{ retry_in: {retry_in:?} }} at {at:?} (called at \
                         {started:?}); the model's window: {:?}",
                        self.retry_at
                    ));
                }
            }
            Err(error) => {
                self.stats.errors += 1;
                let expected_kind = match &error {
                    TokenError::Timeout { after } => {
                        self.stats.timeouts += 1;
                        *after == FETCH_TIMEOUT
                    }
                    TokenError::Refused { .. }
                    | TokenError::HttpStatus { .. }
                    | TokenError::NotJson { .. }
                    | TokenError::MissingAccessToken { .. }
                    | TokenError::UnsupportedTokenType { .. } => true,
                    _ => false,
                };
                if !expected_kind || !self.failed_at.contains(&at) {
                    self.violation(format!(
                        "error {error:?} at {at:?}, not the failure of a fetch ending then \
                         (failures ended at {:?})",
                        self.failed_at
                    ));
                }
            }
        }
    }

    /// `cached()` and `ready_token()` at `now` against the model.
    fn check_slot(&mut self, now: Instant, cached: Option<String>, ready: Option<String>) {
        let current = self
            .current
            .clone()
            .and_then(|t| self.issued.get(&t).map(|i| (t, *i)));
        let expect_cached = current
            .as_ref()
            .filter(|(_, i)| now < i.expires_at)
            .map(|(t, _)| t.clone());
        let expect_ready = current
            .as_ref()
            .filter(|(_, i)| now < i.refresh_at)
            .map(|(t, _)| t.clone());
        if cached != expect_cached || ready != expect_ready {
            self.violation(format!(
                "at {now:?}: cached() = {cached:?}, ready_token() = {ready:?}; the model \
                 expects {expect_cached:?} and {expect_ready:?}"
            ));
        }
    }
}

fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The lifetime the cache must give an answer: the parser's rules (30 s
/// floor, a year's cap, `expiresIn` then `accessTokenExpiryTime` then the
/// default), restated.
fn expected_lifetime(
    expires_in: Option<i64>,
    expiry_at: Option<DateTime<Utc>>,
    parse_now: DateTime<Utc>,
) -> (Duration, &'static str) {
    let usable = |d: Duration| (d >= MIN_LIFETIME).then(|| d.min(MAX_LIFETIME));
    if let Some(secs) = expires_in.and_then(|s| u64::try_from(s).ok())
        && let Some(lifetime) = usable(Duration::from_secs(secs))
    {
        return (lifetime, "expiresIn");
    }
    if let Some(at) = expiry_at
        && let Ok(until) = at.signed_duration_since(parse_now).to_std()
        && let Some(lifetime) = usable(until)
    {
        return (lifetime, "expiry time");
    }
    (DEFAULT_LIFETIME, "default")
}

/// Decrements the in-flight count when the request's future ends, whether
/// it answered or was dropped by the cache's timeout (then: a failure).
struct InFlight {
    world: Arc<Mutex<World>>,
    answered: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut world = lock(&self.world);
        world.active -= 1;
        if !self.answered {
            world.failed(Instant::now());
        }
    }
}

/// A deliberate defect, to show the checks can fail.
#[derive(Debug, Clone, Copy, Default)]
struct Mutant {
    /// The cache is built without backoff; the model still expects it.
    disable_backoff: bool,
}

/// The instrumented token endpoint.
fn endpoint(
    world: Arc<Mutex<World>>,
    clock: SkewClock,
) -> impl tower::Service<
    Request<Full<Bytes>>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    tower::service_fn(move |_req: Request<Full<Bytes>>| {
        let world = Arc::clone(&world);
        let clock = clock.clone();
        async move {
            let received_at = Instant::now();
            let (n, answer) = lock(&world).arrive(received_at);
            let mut guard = InFlight {
                world: Arc::clone(&world),
                answered: false,
            };
            tokio::time::sleep(Duration::from_millis(answer.delay_ms)).await;
            let mut w = lock(&world);
            let bogus = format!("bogus-{n}");
            let (status, body, header) = match answer.kind {
                Kind::Token {
                    expires_in,
                    expiry_offset,
                    x_timestamp,
                } => {
                    let provider_now = clock.provider_now();
                    let provider_secs = DateTime::from_timestamp(provider_now.timestamp(), 0)
                        .unwrap_or(provider_now);
                    let expiry_at = expiry_offset
                        .and_then(|o| provider_secs.checked_add_signed(TimeDelta::seconds(o)));
                    let parse_now = if x_timestamp {
                        provider_secs
                    } else {
                        clock.now()
                    };
                    let (lifetime, source) =
                        expected_lifetime(expires_in.map(|e| e.0), expiry_at, parse_now);
                    match source {
                        "default" => w.stats.default_lifetimes += 1,
                        "expiry time" => w.stats.expiry_time_lifetimes += 1,
                        _ => {}
                    }
                    w.stats.capped_lifetimes += usize::from(lifetime == MAX_LIFETIME);
                    let mut body = format!(
                        r#"{{"responseCode":"2007300","accessToken":"t-{n}","tokenType":"Bearer""#
                    );
                    match expires_in {
                        Some((secs, true)) => body.push_str(&format!(r#","expiresIn":"{secs}""#)),
                        Some((secs, false)) => body.push_str(&format!(r#","expiresIn":{secs}"#)),
                        None => {}
                    }
                    if let Some(at) = expiry_at {
                        let at = at.to_rfc3339_opts(SecondsFormat::Secs, true);
                        body.push_str(&format!(r#","accessTokenExpiryTime":"{at}""#));
                    }
                    body.push('}');
                    w.succeeded(format!("t-{n}"), received_at, lifetime);
                    let header = x_timestamp
                        .then(|| provider_secs.to_rfc3339_opts(SecondsFormat::Secs, true));
                    (200, body, header)
                }
                other => {
                    w.failed(Instant::now());
                    let (status, body) = match other {
                        Kind::Status {
                            status,
                            with_code: true,
                        } => (
                            status,
                            format!(
                                r#"{{"responseCode":"{status}7300","responseMessage":"no","accessToken":"{bogus}","expiresIn":"900"}}"#
                            ),
                        ),
                        Kind::Status { status, .. } => (
                            status,
                            format!(r#"{{"error":"down","accessToken":"{bogus}"}}"#),
                        ),
                        Kind::RefusedOk => (
                            200,
                            format!(
                                r#"{{"responseCode":"4017300","responseMessage":"Unauthorized","accessToken":"{bogus}","tokenType":"Bearer","expiresIn":"900"}}"#
                            ),
                        ),
                        Kind::NotJson => (200, format!("accessToken={bogus}")),
                        Kind::NoToken => (
                            200,
                            r#"{"responseCode":"2007300","expiresIn":"900"}"#.to_owned(),
                        ),
                        _ => (
                            200,
                            format!(
                                r#"{{"responseCode":"2007300","accessToken":"{bogus}","tokenType":"MAC","expiresIn":"900"}}"#
                            ),
                        ),
                    };
                    (status, body, None)
                }
            };
            drop(w);
            guard.answered = true;
            drop(guard);
            let mut response = Response::new(Full::new(Bytes::from(body)));
            *response.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if let Some(value) = header.and_then(|ts| http::HeaderValue::try_from(ts).ok()) {
                response.headers_mut().insert("x-timestamp", value);
            }
            Ok::<_, Infallible>(response)
        }
    })
}

// ---------------------------------------------------------------------------------------
// Running a sequence
// ---------------------------------------------------------------------------------------

/// Lets every task that can run, run (the paused clock does not move while
/// this task is ready).
async fn settle() {
    for _ in 0..32 {
        tokio::task::yield_now().await;
    }
}

fn spawn_caller(cache: B2bTokenCache, world: Arc<Mutex<World>>, force: bool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        let seq = {
            let mut w = lock(&world);
            if force {
                w.forced_at = Some(started);
                w.stats.forced += 1;
            }
            w.next_seq()
        };
        let result = if force {
            cache.refresh().await
        } else {
            cache.token().await
        };
        let at = Instant::now();
        lock(&world).check_result(seq, started, at, result);
    })
}

fn invalidate(cache: &B2bTokenCache, world: &Mutex<World>, token: &str) {
    let Ok(value) = AccessToken::new(token) else {
        return;
    };
    cache.invalidate(&value);
    let mut w = lock(world);
    let seq = w.next_seq();
    w.stats.invalidations += 1;
    if w.current.as_deref() == Some(token) {
        w.current = None;
        w.invalidated.insert(token.to_owned(), seq);
    }
}

/// Runs `ops` against a fresh cache; the violations (with the step each was
/// first seen at) and the statistics.
fn run(ops: &[Op], mutant: Mutant) -> (Vec<String>, Stats) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return (vec![format!("no runtime: {e}")], Stats::default()),
    };
    runtime.block_on(async {
        let world = Arc::new(Mutex::new(World::default()));
        let clock = SkewClock {
            start: DateTime::from_timestamp(1_725_949_482, 0).unwrap_or_default(),
            origin: Instant::now(),
            skew_ms: Arc::new(AtomicI64::new(0)),
        };
        let signer = match RsaPrivateKey::from_pem(PRIVATE)
            .map_err(|e| e.to_string())
            .and_then(|key| {
                TokenRequestSigner::builder("client", key)
                    .base_url("http://127.0.0.1:1")
                    .build()
                    .map_err(|e| e.to_string())
            }) {
            Ok(signer) => signer,
            Err(e) => return (vec![format!("no signer: {e}")], Stats::default()),
        };
        let cache = B2bTokenCache::builder(signer)
            .clock(Arc::new(clock.clone()))
            .jitter(Arc::new(FixedJitter::new(0.0)))
            .backoff(if mutant.disable_backoff {
                Backoff::disabled()
            } else {
                backoff()
            })
            .fetch_timeout(FETCH_TIMEOUT)
            .response_options(ResponseOptions::default().with_default_lifetime(DEFAULT_LIFETIME))
            .build(endpoint(Arc::clone(&world), clock.clone()));
        let mut callers = Vec::new();
        let mut refresher = None;
        let mut first_seen = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            match op {
                Op::Answer(answer) => lock(&world).queue.push_back(answer.clone()),
                Op::Call { k, wait } => {
                    let handles: Vec<_> = (0..*k)
                        .map(|_| spawn_caller(cache.clone(), Arc::clone(&world), false))
                        .collect();
                    if *wait {
                        settle().await;
                        if handles.iter().any(|h| !h.is_finished()) {
                            lock(&world).stats.concurrent_waits += 1;
                        }
                        for handle in handles {
                            if let Err(e) = handle.await {
                                lock(&world).violation(format!("a caller panicked: {e}"));
                            }
                        }
                    } else {
                        callers.extend(handles);
                    }
                }
                Op::Refresh { wait } => {
                    let handle = spawn_caller(cache.clone(), Arc::clone(&world), true);
                    if *wait {
                        if let Err(e) = handle.await {
                            lock(&world).violation(format!("a caller panicked: {e}"));
                        }
                    } else {
                        callers.push(handle);
                    }
                }
                Op::Refresher(true) => {
                    if refresher.is_none() {
                        match cache.spawn_refresher() {
                            Ok(guard) => refresher = Some(guard),
                            Err(e) => lock(&world).violation(format!("no refresher: {e}")),
                        }
                    }
                }
                Op::Refresher(false) => refresher = None,
                Op::Advance(ms) => tokio::time::sleep(Duration::from_millis(*ms)).await,
                Op::AdvanceTo { expiry, delta_ms } => {
                    let target = {
                        let w = lock(&world);
                        w.current
                            .as_ref()
                            .and_then(|t| w.issued.get(t))
                            .and_then(|i| {
                                let at = if *expiry { i.expires_at } else { i.refresh_at };
                                let delta = Duration::from_millis(delta_ms.unsigned_abs());
                                if *delta_ms < 0 {
                                    at.checked_sub(delta)
                                } else {
                                    at.checked_add(delta)
                                }
                            })
                    };
                    if let Some(target) = target {
                        tokio::time::sleep_until(target).await;
                    }
                }
                Op::Skew(secs) => {
                    clock.skew_ms.fetch_add(secs * 1_000, Ordering::SeqCst);
                }
                Op::InvalidateCurrent => {
                    let current = lock(&world).current.clone();
                    if let Some(token) = current {
                        invalidate(&cache, &world, &token);
                    }
                }
                Op::InvalidateStale(index) => {
                    let mut pool = lock(&world).history.clone();
                    pool.push("never-issued".to_owned());
                    let token = index.get(&pool).clone();
                    invalidate(&cache, &world, &token);
                }
            }
            settle().await;
            let now = Instant::now();
            let cached = cache.cached().map(|t| t.expose_secret().to_owned());
            let ready = cache.ready_token().map(|t| t.expose_secret().to_owned());
            let mut w = lock(&world);
            w.check_slot(now, cached, ready);
            let seen = w.violations.len();
            if first_seen.len() < seen {
                first_seen.extend(
                    w.violations[first_seen.len()..]
                        .iter()
                        .map(|v| format!("step {step} ({op:?}): {v}")),
                );
            }
        }
        drop(refresher);
        // Every caller gets an answer: a fetch ends within the timeout.
        tokio::time::sleep(FETCH_TIMEOUT * 2).await;
        settle().await;
        for handle in callers {
            if !handle.is_finished() {
                lock(&world).violation("a caller was still waiting".to_owned());
            }
        }
        let w = lock(&world);
        first_seen.extend(w.violations[first_seen.len()..].iter().cloned());
        (first_seen, w.stats)
    })
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

static CASES: AtomicUsize = AtomicUsize::new(0);

#[test]
fn the_b2b_cache_keeps_its_invariants_over_random_sequences() {
    // 256 cases (proptest's default; `PROPTEST_CASES` for a longer soak).
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let totals = Mutex::new(Stats::default());
    let result = runner.run(&proptest::collection::vec(op(), 1..48), |ops| {
        CASES.fetch_add(1, Ordering::SeqCst);
        let (violations, stats) = run(&ops, Mutant::default());
        {
            let mut t = totals.lock().unwrap_or_else(PoisonError::into_inner);
            t.fetches += stats.fetches;
            t.refresh_ahead += stats.refresh_ahead;
            t.handed_out += stats.handed_out;
            t.errors += stats.errors;
            t.backing_off += stats.backing_off;
            t.timeouts += stats.timeouts;
            t.invalidations += stats.invalidations;
            t.forced += stats.forced;
            t.default_lifetimes += stats.default_lifetimes;
            t.capped_lifetimes += stats.capped_lifetimes;
            t.expiry_time_lifetimes += stats.expiry_time_lifetimes;
            t.concurrent_waits += stats.concurrent_waits;
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(violations.join("\n")))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The generators must reach every corner, or the properties hold vacuously.
    let t = *totals.lock().unwrap_or_else(PoisonError::into_inner);
    eprintln!("{} cases: {t:?}", CASES.load(Ordering::SeqCst));
    assert!(t.fetches > 0, "{t:?}");
    assert!(t.refresh_ahead > 0, "{t:?}");
    assert!(t.handed_out > 0, "{t:?}");
    assert!(t.errors > 0, "{t:?}");
    assert!(t.backing_off > 0, "{t:?}");
    assert!(t.timeouts > 0, "{t:?}");
    assert!(t.invalidations > 0, "{t:?}");
    assert!(t.forced > 0, "{t:?}");
    assert!(t.default_lifetimes > 0, "{t:?}");
    assert!(t.capped_lifetimes > 0, "{t:?}");
    assert!(t.expiry_time_lifetimes > 0, "{t:?}");
    assert!(t.concurrent_waits > 0, "{t:?}");
}

/// The checks are not vacuous: a cache built without backoff, against a
/// model that expects it, is caught fetching inside the window.
#[test]
fn the_model_catches_a_fetch_inside_the_backoff_window() {
    let down = Answer {
        kind: Kind::Status {
            status: 503,
            with_code: false,
        },
        delay_ms: 0,
    };
    let ops = [
        Op::Answer(down.clone()),
        Op::Answer(down.clone()),
        Op::Answer(down),
        Op::Call { k: 1, wait: true },
        Op::Call { k: 1, wait: true },
        Op::Call { k: 1, wait: true },
    ];
    let (violations, _) = run(&ops, Mutant::default());
    assert!(violations.is_empty(), "{violations:#?}");
    let (violations, _) = run(
        &ops,
        Mutant {
            disable_backoff: true,
        },
    );
    assert!(
        violations
            .iter()
            .any(|v| v.contains("inside the backoff window")),
        "{violations:#?}"
    );
}

// =======================================================================================
// The customer (B2B2C) cache
// =======================================================================================

/// A customer token's answer: the access token's lifetime as for B2B, and
/// whether a new refresh token comes with it (else the old one is kept),
/// valid for `refresh_offset` seconds from the provider's now if given.
#[derive(Debug, Clone)]
struct CustomerAnswer {
    answer: Answer,
    rotate: bool,
    refresh_offset: Option<i64>,
}

#[derive(Debug, Clone)]
enum CustomerOp {
    Answer(CustomerAnswer),
    /// Exchange an authorization code.
    Authorize {
        wait: bool,
    },
    Call {
        k: usize,
        wait: bool,
    },
    Advance(u64),
    /// To `delta_ms` around the current token's refresh point or expiry (by
    /// the cache's wall clock).
    AdvanceTo {
        expiry: bool,
        delta_ms: i64,
    },
    Skew(i64),
    /// Through `CustomerTokenSource::invalidate` (`sync`) or
    /// `CustomerTokenCache::invalidate`.
    InvalidateCurrent {
        sync: bool,
    },
    InvalidateStale(Index),
    Forget,
}

fn customer_op() -> impl Strategy<Value = CustomerOp> {
    prop_oneof![
        3 => (kind(), delay_ms(), any::<bool>(), proptest::option::weighted(0.6, expiry_offset()))
            .prop_map(|(kind, delay_ms, rotate, refresh_offset)| CustomerOp::Answer(CustomerAnswer {
                answer: Answer { kind, delay_ms },
                rotate,
                refresh_offset,
            })),
        3 => any::<bool>().prop_map(|wait| CustomerOp::Authorize { wait }),
        5 => (1usize..=6, any::<bool>()).prop_map(|(k, wait)| CustomerOp::Call { k, wait }),
        3 => prop_oneof![0u64..100, 100u64..10_000, 10_000u64..600_000, 600_000u64..20_000_000]
            .prop_map(CustomerOp::Advance),
        3 => (any::<bool>(), prop_oneof![Just(0i64), -2i64..=2, 1i64..5_000])
            .prop_map(|(expiry, delta_ms)| CustomerOp::AdvanceTo { expiry, delta_ms }),
        2 => (-7_200i64..7_200).prop_map(CustomerOp::Skew),
        2 => any::<bool>().prop_map(|sync| CustomerOp::InvalidateCurrent { sync }),
        1 => any::<Index>().prop_map(CustomerOp::InvalidateStale),
        1 => Just(CustomerOp::Forget),
    ]
}

/// A customer's tokens as the model expects the cache (and its store) to
/// hold them; times are the cache's wall clock.
#[derive(Debug, Clone)]
struct CustomerTok {
    access: String,
    obtained: DateTime<Utc>,
    expires: DateTime<Utc>,
    refresh: Option<String>,
    refresh_expires: Option<DateTime<Utc>>,
}

impl CustomerTok {
    /// As the cache computes it: the margin of the lifetime as issued.
    fn refresh_at(&self) -> DateTime<Utc> {
        let lifetime = (self.expires - self.obtained).to_std().unwrap_or_default();
        let margin = TimeDelta::from_std(refresh_margin(lifetime, None, 0.0)).unwrap_or_default();
        self.expires
            .checked_sub_signed(margin)
            .unwrap_or(self.obtained)
    }

    /// Past its expiry, or invalidated (whatever the clock says since).
    fn expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires || self.expires <= self.obtained
    }

    fn usable_refresh(&self, now: DateTime<Utc>) -> Option<&str> {
        match self.refresh_expires {
            Some(at) if at <= now => None,
            _ => self.refresh.as_deref(),
        }
    }
}

#[derive(Debug, Default)]
struct CustomerWorld {
    queue: VecDeque<CustomerAnswer>,
    next_n: usize,
    /// Refresh requests in flight (authorizations are not single-flight).
    refreshing: usize,
    current: Option<CustomerTok>,
    /// Access token → its expiry as issued, the wall clock's skew when it
    /// was requested and the sequence number of its answer.
    issued: HashMap<String, (DateTime<Utc>, i64, u64)>,
    history: Vec<String>,
    invalidated: HashMap<String, u64>,
    /// Refresh failures the endpoint saw in a row, and when the last ended:
    /// a lower bound of the cache's backoff (failures it has without a
    /// request, such as "authorization required", only lengthen it).
    failures: u32,
    last_failure: Option<Instant>,
    failed_at: Vec<Instant>,
    /// `forget` ran while a refresh was in flight: its token is not kept.
    forgotten_during_refresh: bool,
    /// When such refreshes ended (their callers are told to authorize).
    discarded_at: Vec<Instant>,
    seq: u64,
    violations: Vec<String>,
    stats: CustomerStats,
}

#[derive(Debug, Default, Clone, Copy)]
struct CustomerStats {
    refreshes: usize,
    refresh_failures: usize,
    authorizations: usize,
    handed_out: usize,
    authorization_required: usize,
    backing_off: usize,
    errors: usize,
    invalidations: usize,
    backward_skews: usize,
}

impl CustomerWorld {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn violation(&mut self, message: String) {
        self.violations.push(message);
    }

    /// A request arrives; `refresh` is the refresh token it presents (none
    /// for an authorization code).
    fn arrive(
        &mut self,
        now: Instant,
        wall: DateTime<Utc>,
        refresh: Option<&str>,
    ) -> (usize, CustomerAnswer, Option<CustomerTok>) {
        let from = refresh.and(self.current.clone());
        if let Some(presented) = refresh {
            self.stats.refreshes += 1;
            if self.refreshing > 0 {
                self.violation(format!("refresh at {now:?} while one is in flight"));
            }
            match self.current.clone() {
                None => self.violation(format!("refresh with {presented:?} and no token held")),
                Some(c) => {
                    if c.usable_refresh(wall) != Some(presented) {
                        self.violation(format!(
                            "refresh with {presented:?}; the usable refresh token at {wall} is \
                             {:?} (expiring {:?})",
                            c.refresh, c.refresh_expires
                        ));
                    }
                    if !c.expired(wall) && wall < c.refresh_at() {
                        self.violation(format!(
                            "refresh at {wall} while {:?} is fresh until {}",
                            c.access,
                            c.refresh_at()
                        ));
                    }
                }
            }
            let window = self
                .last_failure
                .map(|at| at + backoff().delay(self.failures, 0.0));
            if window.is_some_and(|w| now < w) {
                self.violation(format!(
                    "refresh at {now:?} inside the backoff window (until {window:?})"
                ));
            }
            self.refreshing += 1;
        } else {
            self.stats.authorizations += 1;
        }
        self.next_n += 1;
        let answer = self.queue.pop_front().unwrap_or(CustomerAnswer {
            answer: Answer {
                kind: Kind::Token {
                    expires_in: Some((300, true)),
                    expiry_offset: None,
                    x_timestamp: false,
                },
                delay_ms: 10,
            },
            rotate: true,
            refresh_offset: None,
        });
        (self.next_n, answer, from)
    }

    fn failed(&mut self, now: Instant, refresh: bool) {
        if refresh {
            self.stats.refresh_failures += 1;
            self.failures += 1;
            self.last_failure = Some(now);
            self.failed_at.push(now);
        }
    }

    /// `skew` is the wall clock's skew at `wall`. A call that waited for a
    /// fetch gets its token as fetched: if the wall clock jumped since the
    /// request was sent, its expiry was counted from the clock before the
    /// jump, and a jump forward makes it look expired, which the cache
    /// cannot know (the next call renews it); not checked then.
    fn check_result(
        &mut self,
        seq: u64,
        at: Instant,
        (wall, skew): (DateTime<Utc>, i64),
        result: Result<AccessToken, TokenError>,
    ) {
        match result {
            Ok(token) => {
                self.stats.handed_out += 1;
                let token = token.expose_secret().to_owned();
                let Some((expires, sent_skew, answered)) = self.issued.get(&token).copied() else {
                    return self.violation(format!(
                        "handed out {token:?}, which no successful answer issued"
                    ));
                };
                let clock_stepped = answered > seq && sent_skew != skew;
                if wall >= expires && !clock_stepped {
                    self.violation(format!(
                        "handed out {token:?} at {wall} by the cache's clock, expired at {expires}"
                    ));
                }
                if self.invalidated.get(&token).is_some_and(|&inv| inv < seq) {
                    self.violation(format!(
                        "handed out {token:?} at {wall} to a call that began after its \
                         invalidation"
                    ));
                }
            }
            Err(TokenError::CustomerAuthorizationRequired) => {
                self.stats.authorization_required += 1;
                let allowed = self
                    .current
                    .as_ref()
                    .is_none_or(|c| c.expired(wall) && c.usable_refresh(wall).is_none());
                if !allowed && !self.discarded_at.contains(&at) {
                    self.violation(format!(
                        "authorization required at {wall} while the model holds {:?}",
                        self.current
                    ));
                }
            }
            Err(TokenError::BackingOff { retry_in, last }) => {
                self.stats.backing_off += 1;
                if retry_in.is_zero() || retry_in > backoff().max() {
                    self.violation(format!("BackingOff {{ retry_in: {retry_in:?}, {last:?} }}"));
                }
            }
            Err(error) => {
                self.stats.errors += 1;
                let expected_kind = match &error {
                    TokenError::Timeout { after } => *after == FETCH_TIMEOUT,
                    TokenError::Refused { .. }
                    | TokenError::HttpStatus { .. }
                    | TokenError::NotJson { .. }
                    | TokenError::MissingAccessToken { .. }
                    | TokenError::UnsupportedTokenType { .. } => true,
                    _ => false,
                };
                if !expected_kind || !self.failed_at.contains(&at) {
                    self.violation(format!(
                        "error {error:?} at {at:?}, not the failure of a refresh ending then"
                    ));
                }
            }
        }
    }
}

fn lock_customer(world: &Mutex<CustomerWorld>) -> MutexGuard<'_, CustomerWorld> {
    world.lock().unwrap_or_else(PoisonError::into_inner)
}

struct CustomerInFlight {
    world: Arc<Mutex<CustomerWorld>>,
    refresh: bool,
    answered: bool,
}

impl Drop for CustomerInFlight {
    fn drop(&mut self) {
        let mut world = lock_customer(&self.world);
        if self.refresh {
            world.refreshing -= 1;
            world.forgotten_during_refresh = false;
        }
        if !self.answered {
            world.failed(Instant::now(), self.refresh);
        }
    }
}

/// The instrumented B2B2C token endpoint.
fn customer_endpoint(
    world: Arc<Mutex<CustomerWorld>>,
    clock: SkewClock,
) -> impl tower::Service<
    Request<Full<Bytes>>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    use http_body_util::BodyExt;
    tower::service_fn(move |req: Request<Full<Bytes>>| {
        let world = Arc::clone(&world);
        let clock = clock.clone();
        async move {
            let body = match req.into_body().collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(never) => match never {},
            };
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let refresh = body
                .get("refreshToken")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            let is_refresh = refresh.is_some();
            let received_at = Instant::now();
            let sent_wall = clock.now();
            let sent_skew = clock.skew_ms.load(Ordering::SeqCst);
            // `from`: what a refresh renews (the cache read it as it sent).
            let (n, answer, from) =
                lock_customer(&world).arrive(received_at, sent_wall, refresh.as_deref());
            let mut guard = CustomerInFlight {
                world: Arc::clone(&world),
                refresh: is_refresh,
                answered: false,
            };
            tokio::time::sleep(Duration::from_millis(answer.answer.delay_ms)).await;
            let mut w = lock_customer(&world);
            let bogus = format!("bogus-{n}");
            let (status, body, header) = match answer.answer.kind {
                Kind::Token {
                    expires_in,
                    expiry_offset,
                    x_timestamp,
                } => {
                    let provider_now = clock.provider_now();
                    let provider_secs = DateTime::from_timestamp(provider_now.timestamp(), 0)
                        .unwrap_or(provider_now);
                    let at = |o: i64| provider_secs.checked_add_signed(TimeDelta::seconds(o));
                    let expiry_at = expiry_offset.and_then(at);
                    let parse_now = if x_timestamp {
                        provider_secs
                    } else {
                        clock.now()
                    };
                    let (lifetime, _) =
                        expected_lifetime(expires_in.map(|e| e.0), expiry_at, parse_now);
                    let access = format!("c-{n}");
                    let mut body = format!(
                        r#"{{"responseCode":"2007400","accessToken":"{access}","tokenType":"Bearer""#
                    );
                    match expires_in {
                        Some((secs, true)) => body.push_str(&format!(r#","expiresIn":"{secs}""#)),
                        Some((secs, false)) => body.push_str(&format!(r#","expiresIn":{secs}"#)),
                        None => {}
                    }
                    if let Some(at) = expiry_at {
                        let at = at.to_rfc3339_opts(SecondsFormat::Secs, true);
                        body.push_str(&format!(r#","accessTokenExpiryTime":"{at}""#));
                    }
                    let wall_plus = |d: Duration| {
                        TimeDelta::from_std(d)
                            .ok()
                            .and_then(|d| sent_wall.checked_add_signed(d))
                            .unwrap_or(sent_wall)
                    };
                    let (refresh, refresh_expires) = if answer.rotate {
                        body.push_str(&format!(r#","refreshToken":"r-{n}""#));
                        let expires = answer.refresh_offset.and_then(at).map(|at| {
                            body.push_str(&format!(
                                r#","refreshTokenExpiryTime":"{}""#,
                                at.to_rfc3339_opts(SecondsFormat::Secs, true)
                            ));
                            wall_plus(
                                at.signed_duration_since(parse_now)
                                    .to_std()
                                    .map_or(Duration::ZERO, |d| d.min(MAX_LIFETIME)),
                            )
                        });
                        (Some(format!("r-{n}")), expires)
                    } else {
                        // Not rotated: a refresh keeps the old one.
                        (
                            from.as_ref().and_then(|o| o.refresh.clone()),
                            from.as_ref().and_then(|o| o.refresh_expires),
                        )
                    };
                    body.push('}');
                    let token = CustomerTok {
                        access: access.clone(),
                        obtained: sent_wall,
                        expires: wall_plus(lifetime),
                        refresh,
                        refresh_expires,
                    };
                    let answered = w.next_seq();
                    w.issued
                        .insert(access.clone(), (token.expires, sent_skew, answered));
                    w.history.push(access);
                    let now_wall = clock.now();
                    let authorized_meanwhile = w.current.as_ref().is_some_and(|c| {
                        Some(&c.access) != from.as_ref().map(|f| &f.access) && !c.expired(now_wall)
                    });
                    if is_refresh && w.forgotten_during_refresh {
                        // The customer logged out meanwhile: not kept.
                        w.forgotten_during_refresh = false;
                        w.discarded_at.push(Instant::now());
                    } else if is_refresh && authorized_meanwhile {
                        // A newer authorization is kept instead.
                    } else {
                        w.current = Some(token);
                    }
                    // A refresh's success resets the backoff; an
                    // authorization's only when no refresh is running.
                    if is_refresh || w.refreshing == 0 {
                        w.failures = 0;
                        w.last_failure = None;
                    }
                    let header = x_timestamp
                        .then(|| provider_secs.to_rfc3339_opts(SecondsFormat::Secs, true));
                    (200, body, header)
                }
                other => {
                    w.failed(Instant::now(), is_refresh);
                    let (status, body) = match other {
                        Kind::Status { status, .. } => (
                            status,
                            format!(
                                r#"{{"responseCode":"{status}7400","responseMessage":"no","accessToken":"{bogus}","refreshToken":"r-{bogus}"}}"#
                            ),
                        ),
                        Kind::RefusedOk => (
                            200,
                            format!(
                                r#"{{"responseCode":"4017400","responseMessage":"Unauthorized","accessToken":"{bogus}","tokenType":"Bearer","expiresIn":"900"}}"#
                            ),
                        ),
                        Kind::NotJson => (200, format!("accessToken={bogus}")),
                        Kind::NoToken => (
                            200,
                            r#"{"responseCode":"2007400","refreshToken":"r-x"}"#.to_owned(),
                        ),
                        _ => (
                            200,
                            format!(
                                r#"{{"responseCode":"2007400","accessToken":"{bogus}","tokenType":"MAC"}}"#
                            ),
                        ),
                    };
                    (status, body, None)
                }
            };
            drop(w);
            guard.answered = true;
            drop(guard);
            let mut response = Response::new(Full::new(Bytes::from(body)));
            *response.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if let Some(value) = header.and_then(|ts| http::HeaderValue::try_from(ts).ok()) {
                response.headers_mut().insert("x-timestamp", value);
            }
            Ok::<_, Infallible>(response)
        }
    })
}

fn customer_invalidate(
    cache: &CustomerTokenCache,
    world: &Mutex<CustomerWorld>,
    token: &str,
    sync: bool,
) -> Option<impl std::future::Future<Output = Result<(), TokenError>> + use<>> {
    let value = AccessToken::new(token).ok()?;
    let alice = CustomerKey::new("alice");
    {
        let mut w = lock_customer(world);
        let seq = w.next_seq();
        w.stats.invalidations += 1;
        if let Some(c) = w.current.as_mut().filter(|c| c.access == token) {
            c.expires = c.expires.min(c.obtained);
            w.invalidated.insert(token.to_owned(), seq);
        }
    }
    if sync {
        cache.source(alice).invalidate(&value);
        None
    } else {
        let cache = cache.clone();
        Some(async move { cache.invalidate(&alice, &value).await })
    }
}

fn run_customer(ops: &[CustomerOp]) -> (Vec<String>, CustomerStats) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return (vec![format!("no runtime: {e}")], CustomerStats::default()),
    };
    runtime.block_on(async {
        let world = Arc::new(Mutex::new(CustomerWorld::default()));
        let clock = SkewClock {
            start: DateTime::from_timestamp(1_725_949_482, 0).unwrap_or_default(),
            origin: Instant::now(),
            skew_ms: Arc::new(AtomicI64::new(0)),
        };
        let signer = match RsaPrivateKey::from_pem(PRIVATE)
            .map_err(|e| e.to_string())
            .and_then(|key| {
                TokenRequestSigner::builder("client", key)
                    .base_url("http://127.0.0.1:1")
                    .build()
                    .map_err(|e| e.to_string())
            }) {
            Ok(signer) => signer,
            Err(e) => return (vec![format!("no signer: {e}")], CustomerStats::default()),
        };
        let store = Arc::new(InMemoryCustomerTokenStore::new());
        let cache = CustomerTokenCache::builder(signer)
            .store(Arc::clone(&store) as Arc<dyn CustomerTokenStore>)
            .clock(Arc::new(clock.clone()))
            .jitter(Arc::new(FixedJitter::new(0.0)))
            .backoff(backoff())
            .fetch_timeout(FETCH_TIMEOUT)
            .response_options(ResponseOptions::default().with_default_lifetime(DEFAULT_LIFETIME))
            .build(customer_endpoint(Arc::clone(&world), clock.clone()));
        let alice = CustomerKey::new("alice");
        let mut tasks: Vec<JoinHandle<()>> = Vec::new();
        let mut first_seen = Vec::new();
        let mut codes = 0u32;
        for (step, op) in ops.iter().enumerate() {
            let mut handles = Vec::new();
            let mut wait = false;
            match op {
                CustomerOp::Answer(answer) => {
                    lock_customer(&world).queue.push_back(answer.clone());
                }
                CustomerOp::Authorize { wait: w } => {
                    codes += 1;
                    let authorize = cache.authorize(&alice, &format!("code-{codes}"));
                    let world = Arc::clone(&world);
                    handles.push(tokio::spawn(async move {
                        if let Err(e) = authorize.await {
                            let mut w = lock_customer(&world);
                            if !matches!(
                                e,
                                TokenError::Timeout { .. }
                                    | TokenError::Refused { .. }
                                    | TokenError::HttpStatus { .. }
                                    | TokenError::NotJson { .. }
                                    | TokenError::MissingAccessToken { .. }
                                    | TokenError::UnsupportedTokenType { .. }
                            ) {
                                w.violation(format!("authorize failed with {e:?}"));
                            }
                        }
                    }));
                    wait = *w;
                }
                CustomerOp::Call { k, wait: w } => {
                    for _ in 0..*k {
                        let call = cache.token(&alice);
                        let world = Arc::clone(&world);
                        let clock = clock.clone();
                        let seq = lock_customer(&world).next_seq();
                        handles.push(tokio::spawn(async move {
                            let result = call.await;
                            let (at, wall) = (Instant::now(), clock.now());
                            let skew = clock.skew_ms.load(Ordering::SeqCst);
                            lock_customer(&world).check_result(seq, at, (wall, skew), result);
                        }));
                    }
                    wait = *w;
                }
                CustomerOp::Advance(ms) => tokio::time::sleep(Duration::from_millis(*ms)).await,
                CustomerOp::AdvanceTo { expiry, delta_ms } => {
                    let target = lock_customer(&world).current.as_ref().map(|c| {
                        let at = if *expiry { c.expires } else { c.refresh_at() };
                        at + TimeDelta::milliseconds(*delta_ms)
                    });
                    if let Some(wait) = target.and_then(|t| (t - clock.now()).to_std().ok()) {
                        tokio::time::sleep(wait).await;
                    }
                }
                CustomerOp::Skew(secs) => {
                    lock_customer(&world).stats.backward_skews += usize::from(*secs < 0);
                    clock.skew_ms.fetch_add(secs * 1_000, Ordering::SeqCst);
                }
                CustomerOp::InvalidateCurrent { sync } => {
                    let current = lock_customer(&world)
                        .current
                        .as_ref()
                        .map(|c| c.access.clone());
                    if let Some(token) = current
                        && let Some(save) = customer_invalidate(&cache, &world, &token, *sync)
                        && let Err(e) = save.await
                    {
                        lock_customer(&world).violation(format!("invalidate failed: {e:?}"));
                    }
                }
                CustomerOp::InvalidateStale(index) => {
                    let mut pool = lock_customer(&world).history.clone();
                    pool.push("never-issued".to_owned());
                    let token = index.get(&pool).clone();
                    if let Some(save) = customer_invalidate(&cache, &world, &token, false)
                        && let Err(e) = save.await
                    {
                        lock_customer(&world).violation(format!("invalidate failed: {e:?}"));
                    }
                }
                CustomerOp::Forget => {
                    {
                        let mut w = lock_customer(&world);
                        w.current = None;
                        w.forgotten_during_refresh = w.refreshing > 0;
                    }
                    if let Err(e) = cache.forget(&alice).await {
                        lock_customer(&world).violation(format!("forget failed: {e:?}"));
                    }
                }
            }
            if wait {
                for handle in handles {
                    if let Err(e) = handle.await {
                        lock_customer(&world).violation(format!("a task panicked: {e}"));
                    }
                }
            } else {
                tasks.extend(handles);
            }
            settle().await;
            // The store holds what the model holds.
            let stored = store.get(&alice).map(|t| {
                (
                    t.access_token().expose_secret().to_owned(),
                    t.access_expires_at(),
                )
            });
            let mut w = lock_customer(&world);
            let expected = w.current.as_ref().map(|c| (c.access.clone(), c.expires));
            if stored != expected {
                w.violation(format!(
                    "the store holds {stored:?}; the model {expected:?}"
                ));
            }
            let seen = w.violations.len();
            if first_seen.len() < seen {
                first_seen.extend(
                    w.violations[first_seen.len()..]
                        .iter()
                        .map(|v| format!("step {step} ({op:?}): {v}")),
                );
            }
        }
        tokio::time::sleep(FETCH_TIMEOUT * 2).await;
        settle().await;
        for task in tasks {
            if !task.is_finished() {
                lock_customer(&world).violation("a caller was still waiting".to_owned());
            }
        }
        let w = lock_customer(&world);
        first_seen.extend(w.violations[first_seen.len()..].iter().cloned());
        (first_seen, w.stats)
    })
}

#[test]
fn the_customer_cache_keeps_its_invariants_over_random_sequences() {
    // 256 cases (proptest's default; `PROPTEST_CASES` for a longer soak).
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let totals = Mutex::new(CustomerStats::default());
    let result = runner.run(&proptest::collection::vec(customer_op(), 1..48), |ops| {
        let (violations, stats) = run_customer(&ops);
        {
            let mut t = totals.lock().unwrap_or_else(PoisonError::into_inner);
            t.refreshes += stats.refreshes;
            t.refresh_failures += stats.refresh_failures;
            t.authorizations += stats.authorizations;
            t.handed_out += stats.handed_out;
            t.authorization_required += stats.authorization_required;
            t.backing_off += stats.backing_off;
            t.errors += stats.errors;
            t.invalidations += stats.invalidations;
            t.backward_skews += stats.backward_skews;
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(violations.join("\n")))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let t = *totals.lock().unwrap_or_else(PoisonError::into_inner);
    eprintln!("customer: {t:?}");
    assert!(t.refreshes > 0, "{t:?}");
    assert!(t.refresh_failures > 0, "{t:?}");
    assert!(t.authorizations > 0, "{t:?}");
    assert!(t.handed_out > 0, "{t:?}");
    assert!(t.authorization_required > 0, "{t:?}");
    assert!(t.backing_off > 0, "{t:?}");
    assert!(t.errors > 0, "{t:?}");
    assert!(t.invalidations > 0, "{t:?}");
    assert!(t.backward_skews > 0, "{t:?}");
}

// Regressions: the shortest sequences the customer machine found, one per
// defect it found in `CustomerTokenCache`.

fn answer_after(delay_ms: u64) -> CustomerOp {
    CustomerOp::Answer(CustomerAnswer {
        answer: Answer {
            kind: Kind::Token {
                expires_in: Some((120, true)),
                expiry_offset: None,
                x_timestamp: false,
            },
            delay_ms,
        },
        rotate: false,
        refresh_offset: None,
    })
}

fn assert_clean(ops: &[CustomerOp]) {
    let (violations, _) = run_customer(ops);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// An invalidation was recorded as "expires when obtained": a wall clock
/// stepped back before that instant served the rejected token again.
#[test]
fn an_invalidated_customer_token_stays_invalid_when_the_wall_clock_steps_back() {
    assert_clean(&[
        CustomerOp::Authorize { wait: true },
        CustomerOp::Skew(-1),
        CustomerOp::InvalidateCurrent { sync: false },
        CustomerOp::Call { k: 1, wait: true },
        CustomerOp::InvalidateCurrent { sync: true },
        CustomerOp::Call { k: 1, wait: true },
    ]);
}

/// `forget` during a refresh: the refresh stored its token afterwards,
/// bringing the logged-out customer back (in memory and in the store).
#[test]
fn forgetting_a_customer_during_a_refresh_keeps_them_forgotten() {
    assert_clean(&[
        CustomerOp::Authorize { wait: true },
        answer_after(10),
        // The refresh point of a 300 s token: served, renewed in the background.
        CustomerOp::Advance(270_000),
        CustomerOp::Call { k: 1, wait: false },
        CustomerOp::Forget,
        CustomerOp::Call { k: 2, wait: true },
        CustomerOp::Advance(1_000),
    ]);
}

/// An authorization completing during a refresh was overwritten by the
/// refresh's older token (and its older refresh token).
#[test]
fn an_authorization_during_a_refresh_is_not_overwritten() {
    assert_clean(&[
        CustomerOp::Authorize { wait: true },
        answer_after(1_500),
        CustomerOp::Advance(270_000),
        CustomerOp::Call { k: 1, wait: false },
        CustomerOp::Authorize { wait: true },
        CustomerOp::Call { k: 2, wait: false },
        CustomerOp::Advance(2_000),
        CustomerOp::Call { k: 1, wait: true },
    ]);
}

/// …but one that expired meanwhile (here: the wall clock jumped) is not
/// handed out in place of the refresh's fresh token.
#[test]
fn an_authorization_expired_during_a_refresh_does_not_replace_it() {
    assert_clean(&[
        CustomerOp::Authorize { wait: true },
        CustomerOp::InvalidateCurrent { sync: false },
        answer_after(10),
        CustomerOp::Call { k: 1, wait: false },
        answer_after(0),
        CustomerOp::Authorize { wait: false },
        CustomerOp::Skew(120),
        CustomerOp::Call { k: 1, wait: false },
        CustomerOp::Advance(1_000),
    ]);
}
