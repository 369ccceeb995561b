//! [`RetryPolicy`]: opt-in retries of idempotent SNAP calls, as a
//! [`tower::retry::Policy`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::header::RETRY_AFTER;
use http::{HeaderMap, Request, Response, StatusCode};

use super::call::{CallError, envelope};
use crate::timestamp::{Clock, SystemClock};
use crate::token::{JitterSource, RandomJitter};

/// Marks a request as safe to send more than once (a read): put it in the
/// request's extensions. [`SnapClient`](super::SnapClient) sets it from
/// [`SnapCall::IDEMPOTENT`](super::SnapCall::IDEMPOTENT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Idempotent;

/// Default number of attempts (the first one included).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Default first backoff.
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(200);
/// Default backoff cap.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Default longest `Retry-After` the policy waits for.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Which requests are retried, how often and after how long.
///
/// Implements [`tower::retry::Policy`] for buffered requests and answers
/// (`http::Request<Bytes>` / `http::Response<Bytes>`, errors
/// [`CallError`]); give it to
/// [`SnapClientBuilder::retry`](super::SnapClientBuilder::retry). Tower
/// clones the policy for every call, so the attempt count is per call.
///
/// A retry is decided from what came back, in this order:
///
/// 1. **Only idempotent requests** — those carrying the [`Idempotent`]
///    extension, which [`SnapClient`](super::SnapClient) sets for reads such
///    as Query Payment — are ever sent again, unless
///    [`retry_writes`](RetryPolicy::retry_writes) was switched on.
/// 2. **An answer is retried** when its `responseCode` is
///    [`ResponseCode::is_retryable`](crate::ResponseCode::is_retryable) (`500xx01`, `504xx00`, `429xx00`), or
///    when the HTTP status is `429` or `503` (which mean "later" in HTTP
///    whatever the body says), or when a `502`/`504` carries no SNAP
///    `responseCode` at all (a gateway's answer, not the provider's).
/// 3. **An error is retried** when it is a transport failure or an attempt
///    timeout ([`CallError::is_transient`]); never when the request was
///    refused before sending (bad body, no token, signing failure).
/// 4. **The wait** is the answer's `Retry-After` (delta-seconds or an
///    HTTP-date) when it has one, else exponential backoff
///    (`initial × 2^(retry − 1)`, capped) scaled by a jitter factor in
///    `[0.5, 1]`. A `Retry-After` longer than
///    [`max_retry_after`](RetryPolicy::max_retry_after) (default 30 s) ends
///    the retries: the provider asked for more patience than configured, and
///    trying earlier than asked would only be refused again.
///
/// The policy sits *outside* the signing layer, so every attempt is signed
/// afresh: a new `X-TIMESTAMP`, signature and `X-EXTERNAL-ID`.
///
/// # Timeouts
/// [`SnapClientBuilder::timeout`](super::SnapClientBuilder::timeout) bounds
/// each attempt (waiting for the B2B token, sending, and reading the whole
/// answer). With retries, a call takes at most
/// `max_attempts × timeout` plus the waits between attempts, each at most
/// `max(max_backoff, max_retry_after)`.
///
/// ```
/// use std::time::Duration;
/// use snap_bi::client::RetryPolicy;
///
/// // Up to 4 attempts, 100 ms doubling to 1 s between them, honouring a
/// // Retry-After of up to 10 s.
/// let policy = RetryPolicy::new()
///     .max_attempts(4)
///     .backoff(Duration::from_millis(100), Duration::from_secs(1))
///     .max_retry_after(Duration::from_secs(10));
/// assert_eq!(policy.get_max_attempts(), 4);
/// ```

#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    retry_writes: bool,
    jitter: Arc<dyn JitterSource>,
    clock: Arc<dyn Clock>,
    /// Attempts made so far in this call (this clone's state).
    attempts: u32,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_retry_after", &self.max_retry_after)
            .field("retry_writes", &self.retry_writes)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// 3 attempts, 200 ms doubling to 5 s (jittered), `Retry-After` honoured
    /// up to 30 s, reads only.
    pub fn new() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            retry_writes: false,
            jitter: Arc::new(RandomJitter),
            clock: Arc::new(SystemClock),
            attempts: 0,
        }
    }

    /// How many attempts a call may make in all, the first one included
    /// (at least 1; checked when the client is built).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The backoff when the answer gives no `Retry-After`: `initial`,
    /// doubling per retry up to `max` (each scaled by a jitter factor in
    /// `[0.5, 1]`).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The longest `Retry-After` to wait for; a longer one ends the retries.
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Also retry requests that are not [`Idempotent`] (generate, cancel,
    /// refund). Off by default, and only safe when the provider deduplicates
    /// by the body's reference number (`partnerReferenceNo`,
    /// `partnerRefundNo`): each attempt carries a new `X-EXTERNAL-ID`, and a
    /// timed-out attempt may have been executed.
    pub fn retry_writes(mut self, retry: bool) -> Self {
        self.retry_writes = retry;
        self
    }

    /// Where the jitter comes from (default: the OS RNG); tests pass a
    /// [`FixedJitter`](crate::token::FixedJitter).
    pub fn jitter(mut self, jitter: Arc<dyn JitterSource>) -> Self {
        self.jitter = jitter;
        self
    }

    /// The clock an HTTP-date `Retry-After` is measured against (default:
    /// the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configured number of attempts.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Why the settings cannot work, if they cannot.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self.max_attempts == 0 {
            return Err("max_attempts must be at least 1");
        }
        if self.initial_backoff > self.max_backoff {
            return Err("the initial backoff is longer than the maximum backoff");
        }
        Ok(())
    }

    /// Whether `request` may be sent more than once under this policy.
    fn allows<B>(&self, request: &Request<B>) -> bool {
        self.retry_writes || request.extensions().get::<Idempotent>().is_some()
    }

    /// The wait before retry number `retry` (1 for the first retry) after
    /// `outcome`, or `None` when it must not be retried. Pure: the current
    /// time and the jitter fraction are arguments.
    pub(crate) fn delay(
        &self,
        retry: u32,
        outcome: Outcome<'_>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<Duration> {
        let retry_after = match outcome {
            Outcome::Answer {
                status,
                headers,
                body,
            } => {
                if !answer_is_retryable(status, body) {
                    return None;
                }
                retry_after(headers, now)
            }
            Outcome::Failed(error) => {
                if !error.is_transient() {
                    return None;
                }
                None
            }
        };
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff_delay(retry, jitter)),
        }
    }

    /// `initial × 2^(retry − 1)`, capped, scaled into `[0.5, 1]` of itself.
    fn backoff_delay(&self, retry: u32, jitter: f64) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let base = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        base.mul_f64(0.5 + jitter / 2.0)
    }
}

/// What one attempt gave, as the policy reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome<'a> {
    /// The provider answered.
    Answer {
        status: StatusCode,
        headers: &'a HeaderMap,
        body: &'a [u8],
    },
    /// No answer.
    Failed(&'a CallError),
}

/// Whether an answer says "try again" (rule 2 of [`RetryPolicy`]'s docs).
fn answer_is_retryable(status: StatusCode, body: &[u8]) -> bool {
    let later = matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    );
    match envelope(body).code {
        Some(code) => code.is_retryable() || later,
        None => {
            later
                || matches!(
                    status,
                    StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT
                )
        }
    }
}

/// The answer's `Retry-After` as a wait from `now`: delta-seconds, or an
/// HTTP-date (IMF-fixdate; a date in the past means "now"). `None` when
/// absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is "very long": the cap applies.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

impl tower::retry::Policy<Request<Bytes>, Response<Bytes>, CallError> for RetryPolicy {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        request: &mut Request<Bytes>,
        result: &mut Result<Response<Bytes>, CallError>,
    ) -> Option<Self::Future> {
        self.attempts = self.attempts.saturating_add(1);
        if self.attempts >= self.max_attempts || !self.allows(request) {
            return None;
        }
        let outcome = match result {
            Ok(answer) => Outcome::Answer {
                status: answer.status(),
                headers: answer.headers(),
                body: answer.body(),
            },
            Err(error) => Outcome::Failed(error),
        };
        let wait = self.delay(
            self.attempts,
            outcome,
            self.clock.now(),
            self.jitter.fraction(),
        )?;
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, request: &Request<Bytes>) -> Option<Request<Bytes>> {
        // No copy for a request that will not be sent again.
        if self.attempts.saturating_add(1) >= self.max_attempts || !self.allows(request) {
            return None;
        }
        let mut copy = Request::new(request.body().clone());
        *copy.method_mut() = request.method().clone();
        *copy.uri_mut() = request.uri().clone();
        *copy.version_mut() = request.version();
        *copy.headers_mut() = request.headers().clone();
        *copy.extensions_mut() = request.extensions().clone();
        Some(copy)
    }
}

#[cfg(test)]
mod tests;
