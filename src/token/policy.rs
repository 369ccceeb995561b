//! When caches refresh and how they back off: the refresh margin, the
//! backoff after repeated failures, and the jitter that spreads both.
//!
//! ```
//! use std::time::Duration;
//! use snap_bi::token::{Backoff, refresh_margin};
//!
//! // A 900 s token is refreshed 60 s early (plus up to half that again as jitter).
//! assert_eq!(refresh_margin(Duration::from_secs(900), None, 0.0), Duration::from_secs(60));
//! assert_eq!(refresh_margin(Duration::from_secs(900), None, 1.0), Duration::from_secs(90));
//! // A 100 s token: lifetime / 10.
//! assert_eq!(refresh_margin(Duration::from_secs(100), None, 0.0), Duration::from_secs(10));
//!
//! // One failure may be retried at once; then 0.5 s, 1 s, 2 s … up to 30 s, each
//! // scaled by a jitter factor in [0.5, 1].
//! let backoff = Backoff::default();
//! assert_eq!(backoff.delay(1, 1.0), Duration::ZERO);
//! assert_eq!(backoff.delay(2, 1.0), Duration::from_millis(500));
//! assert_eq!(backoff.delay(4, 1.0), Duration::from_secs(2));
//! assert_eq!(backoff.delay(40, 1.0), Duration::from_secs(30));
//! assert_eq!(backoff.delay(40, 0.0), Duration::from_secs(15));
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::transport::{Exchange, Transport};
use super::{ResponseOptions, TokenRequestSigner};
use crate::timestamp::{Clock, SystemClock};

/// The default refresh margin's upper bound.
const MAX_AUTO_MARGIN: Duration = Duration::from_secs(60);

/// How long before expiry a token of `lifetime` is renewed.
///
/// `configured` is a fixed margin; `None` means `min(60 s, lifetime / 10)`.
/// Jitter (`jitter` in `[0, 1]`) adds up to half the margin again, so that
/// processes sharing a client id do not all refresh at the same instant.
/// The result never exceeds half the lifetime, so a short-lived token is
/// not refreshed on every request.
pub fn refresh_margin(lifetime: Duration, configured: Option<Duration>, jitter: f64) -> Duration {
    let base = configured.unwrap_or_else(|| MAX_AUTO_MARGIN.min(lifetime / 10));
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    base.saturating_add(base.mul_f64(jitter / 2.0))
        .min(lifetime / 2)
}

/// Exponential backoff after consecutive failed fetches.
///
/// The first failure opens no delay (the next caller retries at once; one
/// transient error should not stall requests). From the second
/// consecutive failure on, fetches are refused with
/// [`TokenError::BackingOff`](super::TokenError::BackingOff) for
/// `initial × 2^(failures − 2)`, capped at `max`, scaled by a jitter factor
/// in `[0.5, 1]`. A success resets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Default for Backoff {
    /// 500 ms doubling up to 30 s.
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// Delays starting at `initial`, doubling up to `max` (at least `initial`).
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max: max.max(initial),
        }
    }

    /// No delays at all (every call after a failure tries again).
    pub fn disabled() -> Self {
        Self::new(Duration::ZERO, Duration::ZERO)
    }

    /// The first delay.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The cap.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The delay after `consecutive_failures` failures in a row, with
    /// `jitter` in `[0, 1]`.
    pub fn delay(&self, consecutive_failures: u32, jitter: f64) -> Duration {
        if consecutive_failures < 2 {
            return Duration::ZERO;
        }
        let doublings = (consecutive_failures - 2).min(31);
        let base = self.initial.saturating_mul(1 << doublings).min(self.max);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        base.mul_f64(0.5 + jitter / 2.0)
    }
}

/// A source of jitter: numbers in `[0, 1)`.
///
/// The default, [`RandomJitter`], draws from the operating system's RNG;
/// tests use [`FixedJitter`] to stay deterministic.
pub trait JitterSource: Send + Sync + fmt::Debug {
    /// A number in `[0, 1)`.
    fn fraction(&self) -> f64;
}

/// Jitter from the operating system's RNG (through `uuid`'s v4 generator).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomJitter;

impl JitterSource for RandomJitter {
    fn fraction(&self) -> f64 {
        // The low 53 bits of a v4 UUID are random (version and variant bits
        // sit higher up); 53 bits fill an f64 mantissa exactly.
        let (_, low) = uuid::Uuid::new_v4().as_u64_pair();
        let bits = low & ((1 << 53) - 1);
        // Exact: both values are below 2^53.
        bits as f64 / (1u64 << 53) as f64
    }
}

/// The same jitter every time, for deterministic tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedJitter(f64);

impl FixedJitter {
    /// Always `fraction`, clamped into `[0, 1]` (NaN becomes 0).
    pub fn new(fraction: f64) -> Self {
        Self(if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        })
    }
}

impl JitterSource for FixedJitter {
    fn fraction(&self) -> f64 {
        self.0
    }
}

/// The settings both token caches take from their builders.
#[derive(Debug, Clone)]
pub(crate) struct CacheSettings {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) response: ResponseOptions,
    pub(crate) margin: Option<Duration>,
    pub(crate) fetch_timeout: Duration,
    pub(crate) backoff: Backoff,
    pub(crate) jitter: Arc<dyn JitterSource>,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            response: ResponseOptions::default(),
            margin: None,
            fetch_timeout: super::b2b::DEFAULT_FETCH_TIMEOUT,
            backoff: Backoff::default(),
            jitter: Arc::new(RandomJitter),
        }
    }
}

impl CacheSettings {
    /// The fetch rules of a cache that sends its token requests through
    /// `transport`, signed by `signer`.
    pub(crate) fn into_rules(
        self,
        transport: Arc<dyn Transport>,
        signer: TokenRequestSigner,
    ) -> FetchRules {
        FetchRules {
            exchange: Exchange {
                transport,
                signer,
                clock: self.clock,
                response: self.response,
            },
            margin: self.margin,
            fetch_timeout: self.fetch_timeout,
            backoff: self.backoff,
            jitter: self.jitter,
        }
    }
}

/// How a token cache fetches and when it refreshes: the same for the B2B
/// and the customer cache.
pub(crate) struct FetchRules {
    pub(crate) exchange: Exchange,
    /// How long before expiry a refresh starts (`None`: automatic).
    pub(crate) margin: Option<Duration>,
    pub(crate) fetch_timeout: Duration,
    pub(crate) backoff: Backoff,
    pub(crate) jitter: Arc<dyn JitterSource>,
}

/// The builder methods for [`CacheSettings`], shared by
/// `B2bTokenCacheBuilder` and `CustomerTokenCacheBuilder` (each holds a
/// `settings` field).
macro_rules! cache_settings_setters {
    () => {
        /// The clock for `X-TIMESTAMP`s and absolute expiry times (default:
        /// the system clock). Paused-clock tests pass a
        /// [`TokioClock`](crate::token::TokioClock).
        pub fn clock(mut self, clock: std::sync::Arc<dyn crate::timestamp::Clock>) -> Self {
            self.settings.clock = clock;
            self
        }

        /// How responses are read (body limit, lifetime when none is given).
        pub fn response_options(mut self, options: crate::token::ResponseOptions) -> Self {
            self.settings.response = options;
            self
        }

        /// A fixed refresh margin instead of `min(60 s, lifetime / 10)`.
        /// Jitter adds up to half of it again; it never exceeds half the
        /// lifetime.
        pub fn refresh_margin(mut self, margin: std::time::Duration) -> Self {
            self.settings.margin = Some(margin);
            self
        }

        /// The timeout of one token request (default 10 s).
        pub fn fetch_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.fetch_timeout = timeout;
            self
        }

        /// The backoff after repeated failures (default 500 ms doubling to
        /// 30 s).
        pub fn backoff(mut self, backoff: crate::token::Backoff) -> Self {
            self.settings.backoff = backoff;
            self
        }

        /// Where jitter comes from (default: the OS RNG). Tests pass a
        /// [`FixedJitter`](crate::token::FixedJitter).
        pub fn jitter(mut self, jitter: std::sync::Arc<dyn crate::token::JitterSource>) -> Self {
            self.settings.jitter = jitter;
            self
        }
    };
}
pub(crate) use cache_settings_setters;

#[cfg(test)]
mod tests;
