//! [`TokioClock`]: a wall clock that moves with Tokio's clock.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

use crate::timestamp::Clock;

/// A wall clock that reads `start + (tokio::time::Instant::now() − origin)`.
///
/// Under `#[tokio::test(start_paused = true)]`, `tokio::time::advance`
/// moves it, so wall-clock logic (customer-token expiry, `X-TIMESTAMP`s)
/// is tested on a paused clock, like the monotonic B2B expiry, without
/// sleeps. Outside paused tests it is simply the wall clock at creation
/// plus monotonic elapsed time (immune to the system clock being set).
///
/// ```
/// use chrono::DateTime;
/// use snap_bi::timestamp::Clock;
/// use snap_bi::token::TokioClock;
///
/// let start = DateTime::from_timestamp(1_725_949_482, 0).ok_or("range")?;
/// let clock = TokioClock::starting_at(start);
/// assert!(clock.now() >= start);
/// # Ok::<(), &str>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start: DateTime<Utc>,
    origin: Instant,
}

impl TokioClock {
    /// A clock reading `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            start,
            origin: Instant::now(),
        }
    }

    /// A clock reading the system's wall-clock time now.
    pub fn from_system() -> Self {
        Self::starting_at(Utc::now())
    }

    fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(self.origin)
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        TimeDelta::from_std(self.elapsed())
            .ok()
            .and_then(|d| self.start.checked_add_signed(d))
            .unwrap_or(self.start)
    }
}

#[cfg(test)]
mod tests;
