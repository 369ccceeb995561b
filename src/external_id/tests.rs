//! Unit tests of the parent module, kept in their own file.

use super::*;
use std::collections::HashSet;
use std::sync::Arc;

fn seeded(length: usize, seed: u64) -> ExternalIdGenerator {
    ExternalIdGenerator::builder()
        .length(length)
        .prefix_seed(seed)
        .build()
        .unwrap()
}

#[test]
fn deterministic_with_seed() {
    let g = seeded(36, 42);
    assert_eq!(g.next_id().as_str(), "000000000000000000420000000000000000");
    assert_eq!(g.next_id().as_str(), "000000000000000000420000000000000001");
    let g = seeded(36, u64::MAX);
    assert_eq!(g.next_id().as_str(), "184467440737095516150000000000000000");
}

#[test]
fn shorter_lengths_keep_low_order_prefix_digits() {
    let g = seeded(26, 12_345_678_901_234_567_890);
    assert_eq!(g.next_id().as_str(), "12345678900000000000000000");
    let g = seeded(16, 12_345);
    assert_eq!(g.next_id().as_str(), "0000000000000000");
    assert_eq!(g.next_id().as_str(), "0000000000000001");
    let g = seeded(17, 12_345);
    assert_eq!(g.next_id().as_str(), "50000000000000000");
    let g = seeded(35, u64::MAX);
    assert_eq!(g.next_id().as_str(), "84467440737095516150000000000000000");
}

#[test]
fn all_digits_and_configured_length() {
    for length in MIN_GENERATED_LENGTH..=MAX_LENGTH {
        let g = ExternalIdGenerator::builder()
            .length(length)
            .build()
            .unwrap();
        assert_eq!(g.length(), length);
        for _ in 0..10 {
            let id = g.next_id();
            assert_eq!(id.as_str().len(), length);
            assert!(id.as_str().bytes().all(|b| b.is_ascii_digit()), "{id}");
            assert_eq!(ExternalId::parse(id.as_str()).unwrap(), id);
        }
    }
    assert_eq!(ExternalIdGenerator::new().length(), 32);
    assert_eq!(ExternalIdGenerator::default().next_id().as_str().len(), 32);
}

#[test]
fn default_ids_fit_every_field_that_echoes_them() {
    // `originalExternalId` is capped at 32; a default id must be usable there.
    assert_eq!(DEFAULT_LENGTH, ORIGINAL_EXTERNAL_ID_MAX_LENGTH);
    let id = ExternalIdGenerator::new().next_id();
    assert!(id.fits_original_external_id(), "{id}");
    let id = ExternalIdGenerator::builder().build().unwrap().next_id();
    assert_eq!(id.as_str().len(), 32);
    assert!(id.fits_original_external_id());
    // Longer ids are valid headers but cannot be echoed.
    let long = seeded(33, 1).next_id();
    assert!(ExternalId::parse(long.as_str()).is_ok());
    assert!(!long.fits_original_external_id());
}

#[test]
fn default_prefix_keeps_sixteen_random_digits() {
    let g = ExternalIdGenerator::builder()
        .prefix_seed(u64::MAX)
        .build()
        .unwrap();
    // u64::MAX = 18446744073709551615: its last 16 digits, then the counter.
    assert_eq!(g.next_id().as_str(), "67440737095516150000000000000000");
}

#[test]
fn counter_wraps_modulo_10_pow_16() {
    let g = seeded(16, 0);
    g.counter.store(COUNTER_MODULUS - 1, Ordering::Relaxed);
    assert_eq!(g.next_id().as_str(), "9999999999999999");
    assert_eq!(g.next_id().as_str(), "0000000000000000");
}

#[test]
fn sequential_ids_are_distinct() {
    let g = ExternalIdGenerator::new();
    let ids: HashSet<ExternalId> = (0..100_000).map(|_| g.next_id()).collect();
    assert_eq!(ids.len(), 100_000);
}

#[test]
fn concurrent_ids_are_distinct() {
    let g = Arc::new(ExternalIdGenerator::new());
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let g = Arc::clone(&g);
            std::thread::spawn(move || (0..10_000).map(|_| g.next_id()).collect::<Vec<_>>())
        })
        .collect();
    let mut all = HashSet::new();
    for h in handles {
        for id in h.join().unwrap() {
            assert!(all.insert(id));
        }
    }
    assert_eq!(all.len(), 80_000);
}

#[test]
fn different_seeds_differ_in_prefix() {
    let a = seeded(36, 1).next_id();
    let b = seeded(36, 2).next_id();
    assert_ne!(a.as_str()[..20], b.as_str()[..20]);
    assert_eq!(a.as_str()[20..], b.as_str()[20..]);
    // Random prefixes differ too (probability of a clash: 2^-64).
    let r1 = ExternalIdGenerator::new().next_id();
    let r2 = ExternalIdGenerator::new().next_id();
    assert_ne!(r1.as_str()[..20], r2.as_str()[..20]);
}

#[test]
fn builder_rejects_bad_lengths() {
    for length in [0, 15, 37, 1000] {
        assert_eq!(
            ExternalIdGenerator::builder()
                .length(length)
                .build()
                .unwrap_err(),
            ExternalIdError::InvalidLength { length }
        );
    }
}

#[test]
fn parse() {
    let id = ExternalId::parse("1725949489").unwrap();
    assert_eq!(id.as_str(), "1725949489");
    assert_eq!(id.to_string(), "1725949489");
    assert_eq!(id.into_string(), "1725949489");
    assert!(ExternalId::parse(&"9".repeat(36)).is_ok());
    for bad in ["12a", "", " 1", "1 ", "-1", "+1", "١٢", "sdk1234"] {
        assert!(
            matches!(ExternalId::parse(bad), Err(ExternalIdError::InvalidId { ref value }) if value == bad),
            "{bad:?}"
        );
    }
    assert!(ExternalId::parse(&"1".repeat(37)).is_err());
    match ExternalId::parse(&"é".repeat(100)) {
        Err(ExternalIdError::InvalidId { value }) => assert_eq!(value, "é".repeat(32)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_hides_prefix() {
    let g = seeded(30, 987_654_321);
    let shown = format!("{g:?}");
    assert_eq!(shown, "ExternalIdGenerator { length: 30, .. }");
}

#[test]
fn counter_digits_edges() {
    for count in [
        0,
        1,
        9,
        10,
        99,
        100,
        99_999_999,
        100_000_000,
        100_000_001,
        1_234_567_890_123_456,
        COUNTER_MODULUS - 1,
    ] {
        assert_eq!(
            &counter_digits(count)[..],
            format!("{count:016}").as_bytes()
        );
    }
}

#[test]
fn header_values_follow_the_same_sequence_as_ids() {
    for length in [MIN_GENERATED_LENGTH, 17, 26, 35, MAX_LENGTH] {
        let ids = seeded(length, u64::MAX);
        let values = seeded(length, u64::MAX);
        for _ in 0..3 {
            let id = ids.next_id();
            let value = values.next_header_value().unwrap();
            assert_eq!(value.as_bytes(), id.as_str().as_bytes());
            assert_eq!(value.len(), length);
        }
    }
    // Both draw from one counter.
    let g = seeded(MAX_LENGTH, 7);
    assert_eq!(g.next_id().as_str(), "000000000000000000070000000000000000");
    assert_eq!(
        g.next_header_value().unwrap(),
        "000000000000000000070000000000000001"
    );
    assert_eq!(g.next_id().as_str(), "000000000000000000070000000000000002");
}

#[test]
fn counter_wrap_in_header_values() {
    let g = seeded(MAX_LENGTH, u64::MAX);
    g.counter.store(COUNTER_MODULUS - 1, Ordering::Relaxed);
    assert_eq!(
        g.next_header_value().unwrap(),
        "184467440737095516159999999999999999"
    );
    assert_eq!(
        g.next_header_value().unwrap(),
        "184467440737095516150000000000000000"
    );
    // When the u64 counter itself wraps, the counter digits jump from
    // `u64::MAX % 10^16` back to zero: still 16 valid digits.
    g.counter.store(u64::MAX, Ordering::Relaxed);
    assert_eq!(
        g.next_id().as_str(),
        format!("18446744073709551615{:016}", u64::MAX % COUNTER_MODULUS)
    );
    assert_eq!(g.next_id().as_str(), "184467440737095516150000000000000000");
}

proptest::proptest! {
    #[test]
    fn counter_digits_match_std_formatting(count in 0..COUNTER_MODULUS) {
        let expected = format!("{count:016}");
        proptest::prop_assert_eq!(&counter_digits(count)[..], expected.as_bytes());
    }
}
