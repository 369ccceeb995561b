//! Unit tests of the parent module, kept in their own file.

use super::*;

#[derive(Debug)]
struct TestClock(Mutex<DateTime<Utc>>);
impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}
impl TestClock {
    fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[test]
fn jakarta_days() {
    // 16:59:59Z is 23:59:59 in Jakarta; 17:00Z is the next day.
    assert_eq!(
        JakartaDay::of(at("2026-11-22T16:59:59Z")).to_string(),
        "2026-11-22"
    );
    assert_eq!(
        JakartaDay::of(at("2026-11-22T17:00:00Z")).to_string(),
        "2026-11-23"
    );
    let day = JakartaDay::of(at("2026-12-31T12:00:00+07:00"));
    assert_eq!(day.next_midnight(), at("2027-01-01T00:00:00+07:00"));
    let ts = Timestamp::parse("2026-11-22T17:30:00Z").unwrap();
    assert_eq!(JakartaDay::of_timestamp(&ts).to_string(), "2026-11-23");
}

#[test]
fn entries_expire_at_keep_until() {
    let clock = Arc::new(TestClock(Mutex::new(at("2026-11-22T23:00:00+07:00"))));
    let store = InMemoryReplayStore::builder()
        .shared_clock(clock.clone())
        .build();
    let day = JakartaDay::of(clock.now());
    let midnight = day.next_midnight();
    let check = |id: &str| store.check("p", id, day, midnight);
    assert_eq!(check("1").unwrap(), ReplayVerdict::Fresh);
    clock.set(midnight - TimeDelta::seconds(1));
    assert_eq!(check("1").unwrap(), ReplayVerdict::Duplicate);
    clock.set(midnight);
    assert_eq!(check("1").unwrap(), ReplayVerdict::Fresh);
    // Fresh at or after midnight records nothing for a day that is over.
    assert_eq!(check("1").unwrap(), ReplayVerdict::Fresh);
    assert!(store.is_empty());
}

#[test]
fn bound_evicts_oldest_or_rejects() {
    let now = at("2026-11-22T10:00:00+07:00");
    let day = JakartaDay::of(now);
    let until = day.next_midnight();
    let store = InMemoryReplayStore::builder()
        .capacity(3)
        .clock(crate::timestamp::FixedClock(now))
        .build();
    for id in ["a", "b", "c", "d"] {
        assert_eq!(
            store.check("p", id, day, until).unwrap(),
            ReplayVerdict::Fresh
        );
        assert!(store.len() <= 3);
    }
    // "a" was evicted to make room for "d".
    assert_eq!(
        store.check("p", "a", day, until).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(
        store.check("p", "d", day, until).unwrap(),
        ReplayVerdict::Duplicate
    );
    assert_eq!(store.len(), 3);

    let strict = InMemoryReplayStore::builder()
        .capacity(1)
        .when_full(WhenFull::Reject)
        .clock(crate::timestamp::FixedClock(now))
        .build();
    assert_eq!(
        strict.check("p", "a", day, until).unwrap(),
        ReplayVerdict::Fresh
    );
    assert!(matches!(
        strict.check("p", "b", day, until),
        Err(ReplayError::Full)
    ));
    assert_eq!(
        strict.check("p", "a", day, until).unwrap(),
        ReplayVerdict::Duplicate
    );
}

#[test]
fn days_are_part_of_the_key() {
    let now = at("2026-11-23T00:01:00+07:00");
    let store = InMemoryReplayStore::builder()
        .clock(crate::timestamp::FixedClock(now))
        .build();
    let today = JakartaDay::of(now);
    let yesterday = JakartaDay::of(now - TimeDelta::hours(1));
    let grace = TimeDelta::minutes(5);
    let y_until = yesterday.next_midnight() + grace;
    assert_eq!(
        store.check("p", "1", yesterday, y_until).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(
        store.check("p", "1", yesterday, y_until).unwrap(),
        ReplayVerdict::Duplicate
    );
    assert_eq!(
        store
            .check("p", "1", today, today.next_midnight() + grace)
            .unwrap(),
        ReplayVerdict::Fresh
    );
}

#[test]
fn the_jakarta_day_of_any_instant_is_found_without_panicking() {
    assert_eq!(
        JakartaDay::of(DateTime::<Utc>::MAX_UTC).date(),
        chrono::NaiveDateTime::MAX.date()
    );
    let _ = JakartaDay::of(DateTime::<Utc>::MIN_UTC).next_midnight();
}

#[test]
fn short_lived_signature_records_expire_behind_day_long_ids_and_go_first_when_full() {
    let clock = Arc::new(TestClock(Mutex::new(at("2026-11-22T10:00:00+07:00"))));
    let store = InMemoryReplayStore::builder()
        .capacity(3)
        .shared_clock(clock.clone())
        .build();
    let now = clock.now();
    let day = JakartaDay::of(now);
    let midnight = day.next_midnight();
    let five_minutes = now + TimeDelta::minutes(5);
    let signature = signature_replay_key("c2lnbmF0dXJl");
    assert_eq!(signature.len(), 68);
    assert!(signature.starts_with("sig:"));
    // An id (kept all day), then a signature (kept 5 min), then another id.
    assert_eq!(
        store.check("p", "1", day, midnight).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(
        store.check("p", &signature, day, five_minutes).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(
        store.check("p", "2", day, midnight).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(
        store.check("p", &signature, day, five_minutes).unwrap(),
        ReplayVerdict::Duplicate
    );

    // Full: the signature record, expiring first, makes room; both ids stay.
    assert_eq!(
        store.check("p", "3", day, midnight).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(
        store.check("p", "1", day, midnight).unwrap(),
        ReplayVerdict::Duplicate
    );
    assert_eq!(
        store.check("p", "2", day, midnight).unwrap(),
        ReplayVerdict::Duplicate
    );

    // Expired records are purged even when recorded after a live one.
    let store = InMemoryReplayStore::builder()
        .shared_clock(clock.clone())
        .build();
    store.check("p", "1", day, midnight).unwrap();
    store.check("p", &signature, day, five_minutes).unwrap();
    assert_eq!(store.len(), 2);
    clock.set(five_minutes);
    store.check("p", "2", day, midnight).unwrap();
    assert_eq!(store.len(), 2, "the expired signature record is gone");
}

#[test]
fn ids_are_told_apart_wherever_the_partner_id_ends() {
    let now = at("2026-11-22T10:00:00+07:00");
    let day = JakartaDay::of(now);
    let until = day.next_midnight();
    let store = InMemoryReplayStore::builder()
        .clock(crate::timestamp::FixedClock(now))
        .build();
    let check = |p: &str, id: &str| store.check(p, id, day, until).unwrap();
    assert_eq!(check("ab", "c"), ReplayVerdict::Fresh);
    assert_eq!(check("a", "bc"), ReplayVerdict::Fresh);
    assert_eq!(check("ab", "c"), ReplayVerdict::Duplicate);
    // Ids longer than the stack buffer take the other path, alike.
    let long = "x".repeat(300);
    assert_eq!(check("p", &long), ReplayVerdict::Fresh);
    assert_eq!(check("p", &long), ReplayVerdict::Duplicate);
    assert_eq!(check(&long, "1"), ReplayVerdict::Fresh);
    assert_eq!(check(&long, "1"), ReplayVerdict::Duplicate);
}

/// The reference: every entry in a list, expiry and eviction by scanning
/// for the soonest `keep_until`, then the first recorded.
#[derive(Default)]
struct Model {
    entries: Vec<(String, String, JakartaDay, DateTime<Utc>, u64)>,
    seq: u64,
}

impl Model {
    fn check(
        &mut self,
        capacity: usize,
        reject: bool,
        (partner, id, day, keep_until): (&str, &str, JakartaDay, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<ReplayVerdict, ()> {
        self.entries.retain(|e| e.3 > now);
        if self
            .entries
            .iter()
            .any(|e| e.0 == partner && e.1 == id && e.2 == day)
        {
            return Ok(ReplayVerdict::Duplicate);
        }
        if keep_until <= now {
            return Ok(ReplayVerdict::Fresh);
        }
        while self.entries.len() >= capacity {
            if reject {
                return Err(());
            }
            let oldest = (0..self.entries.len())
                .min_by_key(|&i| (self.entries[i].3, self.entries[i].4))
                .unwrap();
            self.entries.remove(oldest);
        }
        self.seq += 1;
        self.entries
            .push((partner.into(), id.into(), day, keep_until, self.seq));
        Ok(ReplayVerdict::Fresh)
    }
}

proptest::proptest! {
    /// Whatever the sequence of ids, keep-untils and clock steps, the store
    /// answers as the reference does and holds as many entries.
    #[test]
    fn the_store_answers_as_the_reference_model(
        capacity in 1usize..6,
        reject in proptest::bool::ANY,
        steps in proptest::collection::vec((0u8..3, 0u8..8, 0u8..2, 0i64..4, 0i64..3), 1..80),
    ) {
        let start = at("2026-11-22T23:58:00+07:00");
        let clock = Arc::new(TestClock(Mutex::new(start)));
        let store = InMemoryReplayStore::builder()
            .capacity(capacity)
            .when_full(if reject { WhenFull::Reject } else { WhenFull::EvictOldest })
            .shared_clock(clock.clone())
            .build();
        let mut model = Model::default();
        for (partner, id, day, keep, advance) in steps {
            let now = clock.now() + TimeDelta::seconds(advance * 20);
            clock.set(now);
            let partner = format!("p{partner}");
            let id = format!("{id}");
            let day = JakartaDay::of(start + TimeDelta::days(i64::from(day)));
            // Keep-untils that repeat and interleave, some already past.
            let keep_until = start + TimeDelta::seconds(keep * 30);
            let got = store.check(&partner, &id, day, keep_until).map_err(|_| ());
            let want = model.check(capacity, reject, (&partner, &id, day, keep_until), now);
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(store.len(), model.entries.len());
        }
    }
}

#[test]
fn signature_keys_are_sig_and_the_lowercase_hex_sha256() {
    // Shared stores (Redis) hold keys written by other versions: the format
    // is fixed.
    use sha2::{Digest, Sha256};
    for signature in ["", "c2lnbmF0dXJl", &"A".repeat(344)] {
        let want = format!("sig:{}", hex::encode(Sha256::digest(signature.as_bytes())));
        assert_eq!(signature_replay_key(signature), want);
    }
    assert_eq!(
        signature_replay_key("abc"),
        "sig:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
