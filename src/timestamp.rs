//! The `X-TIMESTAMP` header (snap-spec §5.1): formatting, strict parsing and skew checks.
//!
//! The standard format is `yyyy-MM-ddTHH:mm:ssTZD` in Jakarta time, but providers differ on
//! milliseconds and on `+07:00` versus UTC `Z`, so [`TimestampFormat`] picks one. A
//! [`Timestamp`] keeps the header string byte for byte, because the exact same string goes
//! into the header and the string-to-sign. Time is read through a [`Clock`] so that tests
//! and examples can pin it.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use snap_bi::timestamp::{Timestamp, TimestampFormat};
//!
//! let instant = Utc.with_ymd_and_hms(2024, 9, 10, 6, 24, 42).single().ok_or("bad date")?;
//! let ts = TimestampFormat::JakartaSeconds.format(instant);
//! assert_eq!(ts.as_str(), "2024-09-10T13:24:42+07:00");
//!
//! let received = Timestamp::parse("2024-09-10T06:24:42.196Z")?;
//! assert_eq!(received.as_str(), "2024-09-10T06:24:42.196Z");
//! assert!(received.within_window(instant, std::time::Duration::from_secs(900)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDateTime, SecondsFormat, SubsecRound, TimeDelta,
    Timelike, Utc,
};

use crate::digits;

/// Longest header accepted by [`Timestamp::parse`]. A SNAP timestamp is 20–29 bytes; the
/// slack allows nanosecond fractions while keeping hostile headers out of error messages.
const MAX_LEN: usize = 64;

/// Western Indonesia Time (WIB, Jakarta): UTC+7 all year, no daylight saving.
pub(crate) const WIB_OFFSET_SECS: i32 = 7 * 3600;
pub(crate) const WIB: Option<FixedOffset> = FixedOffset::east_opt(WIB_OFFSET_SECS);
// Compile-time proof that `WIB` is `Some`, so the fallback in `format` is dead code.
const _: () = assert!(WIB.is_some());

/// Which `X-TIMESTAMP` layout to send.
///
/// All four are RFC 3339; they differ in fractional seconds and time zone. The examples show
/// the instant `2024-09-10T06:24:42.196Z`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TimestampFormat {
    /// `2024-09-10T13:24:42+07:00`: Jakarta time, whole seconds.
    ///
    /// The ASPI standard and its samples, BCA and Paydia (fixed length 25), DANA, Winpay,
    /// Faspay, BNC and BRI's current SDK.
    #[default]
    JakartaSeconds,
    /// `2024-09-10T13:24:42.196+07:00`: Jakarta time with milliseconds.
    ///
    /// BRI's documentation for the token and notification APIs, Durianpay's samples.
    JakartaMillis,
    /// `2024-09-10T06:24:42Z`: UTC, whole seconds.
    ///
    /// DOKU, whose documentation requires UTC.
    UtcSeconds,
    /// `2024-09-10T06:24:42.196Z`: UTC with milliseconds (JavaScript's `toISOString()`).
    ///
    /// Midtrans' samples, DOKU's notification example, BRI's SDK for VA and QRIS notifications.
    UtcMillis,
}

impl TimestampFormat {
    /// Formats `instant` in this layout; sub-second digits beyond the layout's precision are
    /// truncated, not rounded. An instant in the last 7 hours of chrono's range (year
    /// 262143), which the Jakarta layouts cannot write, is clamped to the last one they can;
    /// [`try_format`](Self::try_format) reports it instead.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use snap_bi::timestamp::TimestampFormat;
    ///
    /// let t = Utc.with_ymd_and_hms(2024, 9, 10, 6, 24, 42).single().ok_or("bad date")?
    ///     + TimeDelta::milliseconds(196);
    /// assert_eq!(TimestampFormat::JakartaMillis.format(t).as_str(), "2024-09-10T13:24:42.196+07:00");
    /// assert_eq!(TimestampFormat::UtcSeconds.format(t).as_str(), "2024-09-10T06:24:42Z");
    /// # Ok::<(), &str>(())
    /// ```
    #[must_use]
    pub fn format(self, instant: DateTime<Utc>) -> Timestamp {
        // Only the last hours of chrono's range (year 262143) cannot be written in WIB;
        // an injected clock could still hand them over, and formatting must not panic.
        self.try_format(instant)
            .or_else(|_| self.try_format(last_wib_instant()))
            // Unreachable: every layout can write `last_wib_instant()`.
            .unwrap_or_else(|_| {
                let instant = last_wib_instant().fixed_offset();
                Timestamp {
                    raw: instant.to_rfc3339(),
                    instant,
                }
            })
    }

    /// Like [`format`](Self::format), but an instant that cannot be written in this layout
    /// (the last 7 hours of chrono's range, for the Jakarta layouts) is an error instead of
    /// being clamped to the last one that can. The signers use this, so that a broken clock
    /// is reported rather than signed.
    ///
    /// # Errors
    /// [`TimestampError::OutOfRange`].
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use snap_bi::timestamp::TimestampFormat;
    ///
    /// assert!(TimestampFormat::JakartaSeconds.try_format(DateTime::<Utc>::MAX_UTC).is_err());
    /// assert!(TimestampFormat::UtcSeconds.try_format(DateTime::<Utc>::MAX_UTC).is_ok());
    /// ```
    pub fn try_format(self, instant: DateTime<Utc>) -> Result<Timestamp, TimestampError> {
        let (digits, precision) = match self {
            Self::JakartaSeconds | Self::UtcSeconds => (0, SecondsFormat::Secs),
            Self::JakartaMillis | Self::UtcMillis => (3, SecondsFormat::Millis),
        };
        // Truncate first so that `instant()` equals what parsing the string would give.
        let instant = instant.trunc_subsecs(digits);
        let jakarta = matches!(self, Self::JakartaSeconds | Self::JakartaMillis);
        let (instant, zone) = match WIB {
            Some(wib) if jakarta => (instant.with_timezone(&wib), Zone::Jakarta),
            // UTC layouts (and the unreachable case of an invalid WIB offset): `Z` suffix.
            _ => (instant.fixed_offset(), Zone::Utc),
        };
        // chrono's formatter panics when the local date-time overflows its range.
        let local = instant
            .naive_utc()
            .checked_add_offset(*instant.offset())
            .ok_or(TimestampError::OutOfRange {
                instant: instant.to_utc(),
            })?;
        // The header is formatted on every signed request: write the fixed layout directly,
        // leaving chrono's general formatter for years outside 0..=9999, which are written
        // with a sign and more digits.
        let raw = write_four_digit_year(local, digits == 3, zone)
            .unwrap_or_else(|| instant.to_rfc3339_opts(precision, zone == Zone::Utc));
        Ok(Timestamp { raw, instant })
    }
}

/// The last instant the Jakarta layouts can write: chrono's maximum minus the WIB offset.
fn last_wib_instant() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC
        .checked_sub_signed(chrono::TimeDelta::seconds(i64::from(WIB_OFFSET_SECS)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The zone designator of a [`TimestampFormat`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// `+07:00`, the offset of `WIB`.
    Jakarta,
    /// `Z`.
    Utc,
}

impl Zone {
    fn suffix(self) -> &'static [u8] {
        match self {
            Self::Jakarta => b"+07:00",
            Self::Utc => b"Z",
        }
    }
}

/// The local date-time `local` as `yyyy-MM-ddTHH:mm:ss[.SSS]` plus the zone, byte for byte what chrono's
/// `to_rfc3339_opts` writes (a leap second included, as `:60`), or `None` for a local year
/// outside 0..=9999.
fn write_four_digit_year(local: NaiveDateTime, millis: bool, zone: Zone) -> Option<String> {
    let year = u32::try_from(local.year())
        .ok()
        .filter(|year| *year <= 9999)?;
    let (mut second, mut nanos) = (local.second(), local.nanosecond());
    // chrono keeps a leap second as nanoseconds past 10^9 within second 59.
    if nanos >= 1_000_000_000 {
        second += 1;
        nanos -= 1_000_000_000;
    }
    let [y0, y1] = digits::two_digits(year / 100);
    let [y2, y3] = digits::two_digits(year);
    let [mo0, mo1] = digits::two_digits(local.month());
    let [d0, d1] = digits::two_digits(local.day());
    let [h0, h1] = digits::two_digits(local.hour());
    let [mi0, mi1] = digits::two_digits(local.minute());
    let [s0, s1] = digits::two_digits(second);
    let suffix = zone.suffix();
    // Exactly the final length, so the string can later become a header value without
    // reallocating.
    let mut out = Vec::with_capacity(19 + if millis { 4 } else { 0 } + suffix.len());
    out.extend_from_slice(&[
        y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T', h0, h1, b':', mi0, mi1, b':', s0, s1,
    ]);
    if millis {
        let mut fraction = [b'.', 0, 0, 0];
        digits::write_digits(&mut fraction[1..], u64::from(nanos / 1_000_000));
        out.extend_from_slice(&fraction);
    }
    out.extend_from_slice(suffix);
    // Only ASCII was written.
    String::from_utf8(out).ok()
}

/// An `X-TIMESTAMP` header value: the exact string plus the instant it denotes.
///
/// Built either by [`TimestampFormat::format`] (sending) or [`Timestamp::parse`] (verifying a
/// received header). Equality and hashing compare the string, since that is what is signed.
#[derive(Clone, Debug)]
pub struct Timestamp {
    raw: String,
    instant: DateTime<FixedOffset>,
}

impl Timestamp {
    /// Validates a received header as RFC 3339 and keeps it byte for byte.
    ///
    /// Accepted: `yyyy-MM-ddTHH:mm:ss`, an optional fraction of any length, then `Z` or an
    /// offset `±hh:mm`. Rejected although RFC 3339 allows them: a lowercase `t` or a space
    /// between date and time, and a lowercase `z`, which no SNAP provider sends.
    ///
    /// # Errors
    ///
    /// [`TimestampError`] naming the value (cut to 64 bytes) and what is wrong with it.
    ///
    /// ```
    /// use snap_bi::timestamp::Timestamp;
    ///
    /// let ts = Timestamp::parse("2024-09-10T13:24:42+07:00")?;
    /// assert_eq!(ts.instant().timestamp(), 1_725_949_482);
    /// assert!(Timestamp::parse("2024-09-10 13:24:42+07:00").is_err());
    /// # Ok::<(), snap_bi::timestamp::TimestampError>(())
    /// ```
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        if s.len() > MAX_LEN {
            return Err(TimestampError::TooLong {
                prefix: prefix(s),
                len: s.len(),
            });
        }
        // chrono accepts these relaxed RFC 3339 forms; SNAP's `yyyy-MM-ddTHH:mm:ssTZD` does not.
        // RFC 3339 years have exactly four digits, so the separator is always byte 10.
        if matches!(s.as_bytes().get(10), Some(b't' | b' ')) {
            return Err(TimestampError::Separator {
                value: s.to_owned(),
            });
        }
        if s.ends_with('z') {
            return Err(TimestampError::LowercaseZ {
                value: s.to_owned(),
            });
        }
        let instant =
            DateTime::parse_from_rfc3339(s).map_err(|source| TimestampError::Invalid {
                value: s.to_owned(),
                source,
            })?;
        Ok(Self {
            raw: s.to_owned(),
            instant,
        })
    }

    /// The header string, exactly as formatted or received.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Consumes the timestamp, returning the header string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.raw
    }

    /// The instant the header denotes, with the offset it was written in.
    #[must_use]
    pub fn instant(&self) -> DateTime<FixedOffset> {
        self.instant
    }

    /// `now − instant`: positive when the timestamp lies in the past (the usual case for a
    /// received request), negative when it lies in the future.
    #[must_use]
    pub fn skew(&self, now: DateTime<Utc>) -> TimeDelta {
        // Both sides are within chrono's ±262 000-year range, whose difference fits TimeDelta.
        now.signed_duration_since(self.instant)
    }

    /// Whether the timestamp is at most `window` away from `now`, in either direction.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chrono::TimeDelta;
    /// use snap_bi::timestamp::Timestamp;
    ///
    /// let ts = Timestamp::parse("2024-09-10T13:24:42+07:00")?;
    /// let now = ts.instant().to_utc() + TimeDelta::seconds(901);
    /// assert!(!ts.within_window(now, Duration::from_secs(900)));
    /// assert!(ts.within_window(now, Duration::from_secs(901)));
    /// # Ok::<(), snap_bi::timestamp::TimestampError>(())
    /// ```
    #[must_use]
    pub fn within_window(&self, now: DateTime<Utc>, window: std::time::Duration) -> bool {
        // Compare as std durations: `abs()` is never negative, so `to_std` cannot fail, and no
        // window, however large, has to be converted into chrono's narrower range.
        self.skew(now)
            .abs()
            .to_std()
            .is_ok_and(|distance| distance <= window)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        // The string determines the instant, so comparing it alone is enough.
        self.raw == other.raw
    }
}

impl Eq for Timestamp {}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// An `X-TIMESTAMP` value was rejected by [`Timestamp::parse`], or an instant could not be
/// written by [`TimestampFormat::try_format`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Longer than any SNAP timestamp could be.
    #[error("X-TIMESTAMP starting {prefix:?} is {len} bytes long; at most 64 are accepted")]
    TooLong {
        /// The first bytes of the value (at most 64, cut at a character boundary).
        prefix: String,
        /// The full length in bytes.
        len: usize,
    },
    /// Date and time separated by a lowercase `t` or a space instead of `T`.
    #[error("X-TIMESTAMP {value:?} must separate date and time with an uppercase 'T'")]
    Separator {
        /// The rejected value.
        value: String,
    },
    /// UTC written as a lowercase `z` instead of `Z`.
    #[error("X-TIMESTAMP {value:?} must write UTC as an uppercase 'Z'")]
    LowercaseZ {
        /// The rejected value.
        value: String,
    },
    /// An instant [`TimestampFormat::try_format`] cannot write in the layout asked for: its
    /// local date-time lies past the end of the representable range (a broken clock).
    #[error("the instant {instant} cannot be written as an X-TIMESTAMP in this layout")]
    OutOfRange {
        /// The instant, in UTC.
        instant: DateTime<Utc>,
    },
    /// Not an RFC 3339 date-time (`yyyy-MM-ddTHH:mm:ss[.SSS]TZD`).
    #[error("X-TIMESTAMP {value:?} is not yyyy-MM-ddTHH:mm:ss[.SSS] followed by Z or ±hh:mm")]
    Invalid {
        /// The rejected value.
        value: String,
        /// chrono's reason.
        #[source]
        source: chrono::ParseError,
    },
}

/// At most `MAX_LEN` bytes of `s`, cut at a character boundary.
fn prefix(s: &str) -> String {
    let mut end = MAX_LEN.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// A source of the current time, injectable so that signing can be tested deterministically.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant, for tests and examples.
///
/// ```
/// use chrono::DateTime;
/// use snap_bi::timestamp::{Clock, FixedClock, TimestampFormat};
///
/// let clock = FixedClock(DateTime::from_timestamp(1_725_949_482, 0).ok_or("range")?);
/// assert_eq!(TimestampFormat::UtcSeconds.format(clock.now()).as_str(), "2024-09-10T06:24:42Z");
/// # Ok::<(), &str>(())
/// ```
#[derive(Debug, Clone)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

#[cfg(test)]
mod tests;
