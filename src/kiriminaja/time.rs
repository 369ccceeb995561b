//! KiriminAja's time fields, which do not mean what their labels say.
//!
//! - `created_at` (and `paid_at`) end in `Z` and are real UTC, although the
//!   document labels them "(UTC+7)": in the Express sample `created_at` is
//!   03:35:42Z = 10:35:42 in Jakarta, one minute before `pay_time`.
//! - `pay_time` is `yyyyMMddHHmmss` without a zone: Jakarta wall-clock time
//!   (UTC+7). It is set on *unpaid* payments too, so it is not a payment
//!   signal; `status_code` is.
//! - Older webhook payloads use `YYYY-MM-DD HH:MM:SS` without a zone; the
//!   official plugin reads those as UTC, and so does [`parse_timestamp`].
//!
//! ```
//! use snap_bi::kiriminaja::time::{parse_pay_time, parse_timestamp};
//!
//! let created = parse_timestamp("2021-07-12T03:35:42.000000Z")?;
//! let pay_time = parse_pay_time("20210712103644")?;
//! assert_eq!(pay_time.to_rfc3339(), "2021-07-12T10:36:44+07:00");
//! assert_eq!((pay_time - created).num_seconds(), 62);
//! # Ok::<(), snap_bi::kiriminaja::time::TimeError>(())
//! ```

use chrono::{DateTime, FixedOffset, NaiveDateTime};

/// Jakarta's offset (WIB, UTC+7, no daylight saving).
const JAKARTA_SECONDS_EAST: i32 = 7 * 3600;

/// A time field that does not have the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("time {input:?} is not {expected}")]
pub struct TimeError {
    /// The rejected input (cut to 40 bytes).
    pub input: String,
    /// The form expected.
    pub expected: &'static str,
}

fn error(input: &str, expected: &'static str) -> TimeError {
    TimeError {
        input: input.chars().take(40).collect(),
        expected,
    }
}

/// Parses `pay_time` (`yyyyMMddHHmmss`) as Jakarta wall-clock time.
///
/// # Errors
/// [`TimeError`] unless `input` is 14 digits forming a valid date and time.
pub fn parse_pay_time(input: &str) -> Result<DateTime<FixedOffset>, TimeError> {
    const EXPECTED: &str = "yyyyMMddHHmmss (Jakarta time)";
    if input.len() != 14 || !input.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(input, EXPECTED));
    }
    let naive =
        NaiveDateTime::parse_from_str(input, "%Y%m%d%H%M%S").map_err(|_| error(input, EXPECTED))?;
    let jakarta =
        FixedOffset::east_opt(JAKARTA_SECONDS_EAST).ok_or_else(|| error(input, EXPECTED))?;
    naive
        .and_local_timezone(jakarta)
        .single()
        .ok_or_else(|| error(input, EXPECTED))
}

/// Parses `created_at`, `paid_at` and webhook dates: RFC 3339 with its own
/// offset (KiriminAja's `Z` is real UTC), or the older `YYYY-MM-DD HH:MM:SS`
/// read as UTC.
///
/// # Errors
/// [`TimeError`] for any other form.
pub fn parse_timestamp(input: &str) -> Result<DateTime<FixedOffset>, TimeError> {
    const EXPECTED: &str = "an RFC 3339 time or YYYY-MM-DD HH:MM:SS (UTC)";
    if let Ok(time) = DateTime::parse_from_rfc3339(input) {
        return Ok(time);
    }
    NaiveDateTime::parse_from_str(input, "%Y-%m-%d %H:%M:%S")
        .map(|naive| naive.and_utc().fixed_offset())
        .map_err(|_| error(input, EXPECTED))
}
