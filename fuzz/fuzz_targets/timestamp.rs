//! `Timestamp::parse`: never panics; an accepted header keeps its exact text
//! and instant; window checks and formatting never panic.
#![no_main]

use chrono::{DateTime, Datelike, Utc};
use libfuzzer_sys::{arbitrary, fuzz_target};
use snap_bi::timestamp::{Timestamp, TimestampFormat};

#[derive(Debug, arbitrary::Arbitrary)]
struct Input<'a> {
    now_seconds: i64,
    now_nanos: u32,
    window_seconds: u64,
    format: u8,
    /// Last, so that it takes the rest of the input (seeds are plain text).
    header: &'a str,
}

fuzz_target!(|input: Input<'_>| {
    let now = DateTime::<Utc>::from_timestamp(input.now_seconds, input.now_nanos % 1_000_000_000)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let window = std::time::Duration::from_secs(input.window_seconds);
    let format = match input.format % 4 {
        0 => TimestampFormat::JakartaSeconds,
        1 => TimestampFormat::JakartaMillis,
        2 => TimestampFormat::UtcSeconds,
        _ => TimestampFormat::UtcMillis,
    };
    // Formatting never panics; for RFC 3339's four-digit years, parsing the
    // text gives the same timestamp. (chrono writes other years with a sign
    // or more digits, which `parse` rightly refuses.)
    let formatted = format.format(now);
    if (1..=9998).contains(&now.year()) {
        let reparsed = Timestamp::parse(formatted.as_str()).unwrap();
        assert_eq!(reparsed, formatted);
        assert_eq!(reparsed.instant(), formatted.instant());
    }
    if let Ok(exact) = format.try_format(now) {
        assert_eq!(exact, formatted);
        assert!(exact.within_window(now, std::time::Duration::from_secs(1)));
    }

    let Ok(ts) = Timestamp::parse(input.header) else {
        return;
    };
    assert_eq!(ts.as_str(), input.header);
    assert_eq!(
        ts.instant(),
        DateTime::parse_from_rfc3339(input.header).unwrap()
    );
    assert_eq!(Timestamp::parse(ts.as_str()).unwrap(), ts);
    let skew = ts.skew(now);
    let inside = ts.within_window(now, window);
    if inside {
        assert!(skew.abs().to_std().unwrap() <= window);
    }
    assert!(ts.within_window(ts.instant().to_utc(), std::time::Duration::ZERO));
});
