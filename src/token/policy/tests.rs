//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn margins() {
    let s = Duration::from_secs;
    assert_eq!(refresh_margin(s(3600), None, 0.0), s(60));
    assert_eq!(refresh_margin(s(10), None, 0.0), s(1));
    assert_eq!(refresh_margin(s(100), Some(s(30)), 0.0), s(30));
    // Capped at half the lifetime, whatever was configured.
    assert_eq!(refresh_margin(s(100), Some(s(300)), 0.0), s(50));
    assert_eq!(refresh_margin(Duration::ZERO, None, 0.5), Duration::ZERO);
    assert_eq!(refresh_margin(s(900), None, f64::NAN), s(60));
    assert_eq!(refresh_margin(s(900), None, 7.0), s(90));
}

#[test]
fn backoff_is_bounded() {
    let b = Backoff::new(Duration::from_secs(1), Duration::from_millis(10));
    assert_eq!(b.max(), Duration::from_secs(1));
    assert_eq!(b.delay(u32::MAX, 1.0), Duration::from_secs(1));
    assert_eq!(b.delay(0, 1.0), Duration::ZERO);
    assert_eq!(Backoff::disabled().delay(10, 1.0), Duration::ZERO);
    assert_eq!(Backoff::default().initial(), Duration::from_millis(500));
    assert_eq!(
        Backoff::default().delay(3, f64::INFINITY),
        Duration::from_secs(1)
    );
}

#[test]
fn jitter_sources_stay_in_range() {
    for _ in 0..1000 {
        let f = RandomJitter.fraction();
        assert!((0.0..1.0).contains(&f));
    }
    assert_eq!(FixedJitter::new(f64::NAN).fraction(), 0.0);
    assert_eq!(FixedJitter::new(2.0).fraction(), 1.0);
    assert_eq!(FixedJitter::new(0.25).fraction(), 0.25);
}
