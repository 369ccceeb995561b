//! Unit tests of the parent module, kept in their own file.

use super::*;
use chrono::{NaiveDate, TimeZone};
use proptest::prelude::*;
use std::time::Duration;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + TimeDelta::milliseconds(ms.into())
}

const ALL: [TimestampFormat; 4] = [
    TimestampFormat::JakartaSeconds,
    TimestampFormat::JakartaMillis,
    TimestampFormat::UtcSeconds,
    TimestampFormat::UtcMillis,
];

#[test]
fn formats() {
    // Sub-millisecond nanoseconds must be truncated, not rounded up to .197.
    let t = utc(2024, 9, 10, 6, 24, 42, 196) + TimeDelta::nanoseconds(999_999);
    let got: Vec<String> = ALL.iter().map(|f| f.format(t).into_string()).collect();
    assert_eq!(
        got,
        [
            "2024-09-10T13:24:42+07:00",
            "2024-09-10T13:24:42.196+07:00",
            "2024-09-10T06:24:42Z",
            "2024-09-10T06:24:42.196Z",
        ]
    );
    assert_eq!(TimestampFormat::default(), TimestampFormat::JakartaSeconds);
    assert_eq!(TimestampFormat::JakartaSeconds.format(t).as_str().len(), 25);
}

#[test]
fn jakarta_day_boundary() {
    let t = utc(2024, 12, 31, 17, 30, 0, 0);
    assert_eq!(
        TimestampFormat::JakartaSeconds.format(t).as_str(),
        "2025-01-01T00:30:00+07:00"
    );
    assert_eq!(
        TimestampFormat::UtcSeconds.format(t).as_str(),
        "2024-12-31T17:30:00Z"
    );
}

#[test]
fn millis_always_three_digits() {
    let t = utc(2024, 9, 10, 6, 24, 42, 0);
    assert_eq!(
        TimestampFormat::JakartaMillis.format(t).as_str(),
        "2024-09-10T13:24:42.000+07:00"
    );
    assert_eq!(
        TimestampFormat::UtcMillis.format(t).as_str(),
        "2024-09-10T06:24:42.000Z"
    );
    let t = utc(2024, 9, 10, 6, 24, 42, 999) + TimeDelta::nanoseconds(999_999);
    assert_eq!(
        TimestampFormat::UtcMillis.format(t).as_str(),
        "2024-09-10T06:24:42.999Z"
    );
}

#[test]
fn formatted_instant_is_truncated() {
    let t = utc(2024, 9, 10, 6, 24, 42, 196);
    let ts = TimestampFormat::JakartaSeconds.format(t);
    assert_eq!(ts.instant(), utc(2024, 9, 10, 6, 24, 42, 0));
    assert_eq!(ts.instant().offset().local_minus_utc(), 7 * 3600);
    assert_eq!(TimestampFormat::UtcMillis.format(t).instant(), t);
}

#[test]
fn parse_round_trips_and_keeps_bytes() {
    for s in [
        "2024-09-10T13:24:42+07:00",
        "2024-09-10T13:24:42.196+07:00",
        "2024-09-10T06:24:42Z",
        "2024-09-10T06:24:42.196Z",
        "2020-12-21T07:56:11.000Z",
        "2024-09-10T06:24:42-00:00",
        "2024-09-10T06:24:42.123456789+05:30",
    ] {
        let ts = Timestamp::parse(s).unwrap();
        assert_eq!(ts.as_str(), s);
        assert_eq!(ts.to_string(), s);
    }
    let a = Timestamp::parse("2024-09-10T13:24:42+07:00").unwrap();
    let b = Timestamp::parse("2024-09-10T06:24:42Z").unwrap();
    assert_eq!(a.instant(), b.instant());
    assert_ne!(a, b, "different header bytes sign differently");
    assert_eq!(
        a,
        TimestampFormat::JakartaSeconds.format(b.instant().to_utc())
    );
}

#[test]
fn parse_rejects() {
    for s in [
        "",
        "garbage",
        "2024-13-01T00:00:00+07:00",
        "2024-02-30T00:00:00+07:00",
        "2024-09-10T13:24:42",
        "2024-09-10T13:24:42+0700",
        "2024-09-10",
        "1725949482",
        " 2024-09-10T13:24:42+07:00",
        "2024-09-10T13:24:42+07:00 ",
    ] {
        assert!(
            matches!(Timestamp::parse(s), Err(TimestampError::Invalid { ref value, .. }) if value == s),
            "{s:?}"
        );
    }
    assert!(matches!(
        Timestamp::parse("2024-09-10t13:24:42+07:00"),
        Err(TimestampError::Separator { .. })
    ));
    assert!(matches!(
        Timestamp::parse("2024-09-10 13:24:42+07:00"),
        Err(TimestampError::Separator { .. })
    ));
    assert!(matches!(
        Timestamp::parse("2024-09-10T13:24:42z"),
        Err(TimestampError::LowercaseZ { .. })
    ));
    let long = format!("2024-09-10T13:24:42.{}Z", "1".repeat(60));
    match Timestamp::parse(&long) {
        Err(TimestampError::TooLong { prefix, len }) => {
            assert_eq!(len, long.len());
            assert_eq!(prefix, &long[..64]);
        }
        other => panic!("{other:?}"),
    }
    let err = Timestamp::parse("2024-13-01T00:00:00+07:00").unwrap_err();
    assert!(
        err.to_string().contains("2024-13-01T00:00:00+07:00"),
        "{err}"
    );
    // Multi-byte text at the cut must not panic.
    assert!(Timestamp::parse(&"é".repeat(40)).is_err());
}

#[test]
fn window_both_directions() {
    let ts = Timestamp::parse("2024-09-10T13:24:42+07:00").unwrap();
    let at = utc(2024, 9, 10, 6, 24, 42, 0);
    let w = Duration::from_secs(900);
    assert!(ts.within_window(at, w));
    assert!(ts.within_window(at + TimeDelta::seconds(900), w));
    assert!(ts.within_window(at - TimeDelta::seconds(900), w));
    assert!(!ts.within_window(at + TimeDelta::milliseconds(900_001), w));
    assert!(!ts.within_window(at - TimeDelta::milliseconds(900_001), w));
    assert_eq!(ts.skew(at + TimeDelta::seconds(5)), TimeDelta::seconds(5));
    assert_eq!(ts.skew(at - TimeDelta::seconds(5)), TimeDelta::seconds(-5));
    assert!(ts.within_window(at, Duration::ZERO));
}

#[test]
fn window_extremes_do_not_panic() {
    let ts = Timestamp::parse("2024-09-10T13:24:42+07:00").unwrap();
    assert!(ts.within_window(DateTime::<Utc>::MAX_UTC, Duration::MAX));
    assert!(ts.within_window(DateTime::<Utc>::MIN_UTC, Duration::MAX));
    assert!(!ts.within_window(DateTime::<Utc>::MIN_UTC, Duration::from_secs(1)));
    let far = Timestamp::parse("9999-12-31T23:59:59+07:00").unwrap();
    assert!(far.skew(DateTime::<Utc>::MIN_UTC) < TimeDelta::zero());
    let early = Timestamp::parse("0000-01-01T00:00:00Z").unwrap();
    assert!(early.skew(DateTime::<Utc>::MAX_UTC) > TimeDelta::zero());
}

#[test]
fn clocks() {
    let t = utc(2024, 9, 10, 6, 24, 42, 0);
    let fixed = FixedClock(t);
    assert_eq!(fixed.now(), t);
    let shared: Arc<dyn Clock> = Arc::new(fixed.clone());
    assert_eq!(shared.now(), t);
    assert_eq!(Arc::new(fixed).now(), t);
    let before = Utc::now();
    let now = SystemClock.now();
    assert!(now >= before);
}

fn truncate(t: DateTime<Utc>, format: TimestampFormat) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    let keep = match format {
        TimestampFormat::JakartaSeconds | TimestampFormat::UtcSeconds => 0,
        _ => nanos - nanos % 1_000_000,
    };
    t.with_nanosecond(keep).unwrap()
}

use chrono::Timelike;

proptest! {
    #[test]
    fn format_then_parse_round_trips(
        secs in NaiveDate::from_ymd_opt(1970, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp()
            ..NaiveDate::from_ymd_opt(2100, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp(),
        nanos in 0u32..1_000_000_000,
    ) {
        let t = DateTime::from_timestamp(secs, nanos).unwrap();
        for format in ALL {
            let ts = format.format(t);
            let parsed = Timestamp::parse(ts.as_str()).unwrap();
            prop_assert_eq!(parsed.instant(), truncate(t, format));
            prop_assert_eq!(parsed.instant(), ts.instant());
            prop_assert_eq!(&parsed, &ts);
        }
    }
}

/// What `format` wrote before it had its own writer: chrono's RFC 3339 formatter.
fn chrono_reference(format: TimestampFormat, t: DateTime<Utc>) -> String {
    let (digits, precision) = match format {
        TimestampFormat::JakartaSeconds | TimestampFormat::UtcSeconds => (0, SecondsFormat::Secs),
        _ => (3, SecondsFormat::Millis),
    };
    let t = t.trunc_subsecs(digits);
    match format {
        TimestampFormat::JakartaSeconds | TimestampFormat::JakartaMillis => t
            .with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap())
            .to_rfc3339_opts(precision, false),
        _ => t.to_rfc3339_opts(precision, true),
    }
}

fn assert_like_chrono(t: DateTime<Utc>) {
    for format in ALL {
        let ts = format.format(t);
        assert_eq!(ts.as_str(), chrono_reference(format, t), "{format:?} {t:?}");
    }
}

#[test]
fn four_digit_year_boundaries_match_chrono() {
    let cases = [
        // Year 0 and the years around it (written by chrono with a sign).
        utc(0, 1, 1, 0, 0, 0, 0),
        utc(0, 1, 1, 0, 0, 0, 0) - TimeDelta::nanoseconds(1),
        utc(0, 1, 1, 0, 0, 0, 0) - TimeDelta::hours(7),
        utc(-1, 12, 31, 16, 59, 59, 999),
        utc(-1, 12, 31, 17, 0, 0, 0),
        // Years before 1000 keep their leading zeros.
        utc(999, 12, 31, 23, 59, 59, 5),
        utc(1, 2, 3, 4, 5, 6, 7),
        // 9999 in UTC, 10000 in Jakarta.
        utc(9999, 12, 31, 16, 59, 59, 999),
        utc(9999, 12, 31, 17, 0, 0, 0),
        utc(9999, 12, 31, 23, 59, 59, 999) + TimeDelta::nanoseconds(999_999),
        utc(10000, 1, 1, 0, 0, 0, 0),
        // Leap day, end of month, midnight, noon.
        utc(2024, 2, 29, 16, 59, 59, 999),
        utc(2024, 2, 29, 17, 0, 0, 0),
        utc(2023, 2, 28, 17, 0, 0, 1),
        utc(2024, 1, 1, 12, 0, 0, 0),
        // Chrono's own extremes, as far as its formatter can go.
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC - TimeDelta::hours(8),
    ];
    for t in cases {
        assert_like_chrono(t);
    }
    assert_eq!(
        TimestampFormat::JakartaSeconds
            .format(utc(9999, 12, 31, 17, 0, 0, 0))
            .as_str(),
        "+10000-01-01T00:00:00+07:00"
    );
    assert_eq!(
        TimestampFormat::UtcMillis
            .format(utc(999, 1, 2, 3, 4, 5, 6))
            .as_str(),
        "0999-01-02T03:04:05.006Z"
    );
}

#[test]
fn leap_second_is_written_as_60_like_chrono() {
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_nano_opt(23, 59, 59, 1_234_567_890)
        .unwrap()
        .and_utc();
    assert_like_chrono(leap);
    assert_eq!(
        TimestampFormat::UtcMillis.format(leap).as_str(),
        "2016-12-31T23:59:60.234Z"
    );
    assert_eq!(
        TimestampFormat::JakartaSeconds.format(leap).as_str(),
        "2017-01-01T06:59:60+07:00"
    );
}

#[test]
fn formatted_strings_have_no_spare_capacity() {
    // The signer turns the string into a header value; exact capacity lets that reuse the
    // allocation.
    let t = utc(2024, 9, 10, 6, 24, 42, 196);
    for format in ALL {
        let raw = format.format(t).into_string();
        assert_eq!(raw.capacity(), raw.len(), "{format:?}");
    }
}

proptest! {
    #[test]
    fn format_matches_chrono_for_four_digit_years(
        // From a day before year 0 to a day after year 9999 (UTC).
        secs in -62_167_305_600i64..253_402_387_200,
        nanos in 0u32..1_000_000_000,
    ) {
        let t = DateTime::from_timestamp(secs, nanos).unwrap();
        for format in ALL {
            prop_assert_eq!(format.format(t).into_string(), chrono_reference(format, t));
        }
    }

    #[test]
    fn format_matches_chrono_across_chrono_range(
        secs in DateTime::<Utc>::MIN_UTC.timestamp()
            ..(DateTime::<Utc>::MAX_UTC - TimeDelta::hours(8)).timestamp(),
        nanos in 0u32..1_000_000_000,
    ) {
        let t = DateTime::from_timestamp(secs, nanos).unwrap();
        for format in ALL {
            prop_assert_eq!(format.format(t).into_string(), chrono_reference(format, t));
        }
    }

    #[test]
    fn format_matches_chrono_on_leap_seconds(
        days in -719_529i64..2_932_898,
        nanos in 1_000_000_000u32..2_000_000_000,
    ) {
        // A leap second can only follow second 59 of a minute.
        let t = DateTime::from_timestamp(days * 86_400 + 86_399, nanos).unwrap();
        for format in ALL {
            prop_assert_eq!(format.format(t).into_string(), chrono_reference(format, t));
        }
    }
}

#[test]
fn end_of_range_is_an_error_or_clamped_never_a_panic() {
    let max = DateTime::<Utc>::MAX_UTC;
    for format in [
        TimestampFormat::JakartaSeconds,
        TimestampFormat::JakartaMillis,
    ] {
        let err = format.try_format(max).unwrap_err();
        assert!(matches!(err, TimestampError::OutOfRange { .. }), "{err:?}");
        assert!(err.to_string().contains("cannot be written"), "{err}");
        // `format` clamps to the last instant WIB can write.
        let clamped = format.format(max);
        assert!(
            clamped.as_str().starts_with("+262142-12-31T23:59:59"),
            "{clamped:?}"
        );
        assert!(clamped.as_str().ends_with("+07:00"), "{clamped:?}");
        assert!(clamped.instant().to_utc() <= max);
        // Seven hours earlier is writable again.
        assert!(format.try_format(max - TimeDelta::hours(7)).is_ok());
    }
    for format in [TimestampFormat::UtcSeconds, TimestampFormat::UtcMillis] {
        assert!(format.try_format(max).is_ok());
        assert!(format.try_format(DateTime::<Utc>::MIN_UTC).is_ok());
    }
    for format in ALL {
        let _ = format.format(DateTime::<Utc>::MIN_UTC);
    }
}
