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
    let signature = signature_replay_key(&signature_sha256("c2lnbmF0dXJl"));
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
        assert_eq!(signature_replay_key(&signature_sha256(signature)), want);
    }
    assert_eq!(
        signature_replay_key(&signature_sha256("abc")),
        "sig:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

// ------------------------------------------------- signature records apart

/// Polls a store's future once: the in-memory store answers at once.
fn ready<T>(future: BoxFuture<'_, T>) -> T {
    let mut future = future;
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => panic!("the in-memory store never waits"),
    }
}

/// Only `check_and_insert`: the trait's default records signatures through
/// it, as the layer did before signature records had a structure of their
/// own.
struct IdsOnly<'a>(&'a InMemoryReplayStore);

impl ReplayStore for IdsOnly<'_> {
    fn check_and_insert<'a>(
        &'a self,
        partner_id: &'a str,
        external_id: &'a str,
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>> {
        self.0
            .check_and_insert(partner_id, external_id, day, keep_until)
    }
}

fn signature(
    store: &dyn ReplayStore,
    partner: &str,
    signature: &str,
    keep_until: DateTime<Utc>,
) -> Result<ReplayVerdict, ReplayError> {
    let day = JakartaDay::of(keep_until);
    ready(store.check_and_insert_signature(partner, &signature_sha256(signature), day, keep_until))
}

#[test]
fn a_signature_record_still_rejects_its_replay_when_the_id_records_are_full() {
    // The regression: at full id capacity, with every id kept all day, a
    // signature record in the same evicting map was the first forgotten.
    let now = at("2026-11-22T10:00:00+07:00");
    let day = JakartaDay::of(now);
    let midnight = day.next_midnight();
    let in_window = now + TimeDelta::minutes(5);
    let store = InMemoryReplayStore::builder()
        .capacity(2)
        .clock(crate::timestamp::FixedClock(now))
        .build();
    assert_eq!(
        signature(&store, "p", "captured", in_window).unwrap(),
        ReplayVerdict::Fresh
    );
    for id in 0..100 {
        let id = id.to_string();
        assert_eq!(
            store.check("p", &id, day, midnight).unwrap(),
            ReplayVerdict::Fresh
        );
        assert_eq!(
            signature(&store, "p", &format!("other-{id}"), in_window).unwrap(),
            ReplayVerdict::Fresh
        );
    }
    assert_eq!(store.len(), 2, "ids were evicted");
    assert_eq!(store.signature_len(), 101);
    assert_eq!(
        signature(&store, "p", "captured", in_window).unwrap(),
        ReplayVerdict::Duplicate
    );

    // Through the trait's default (one evicting map), the same sequence
    // forgets the captured signature: what the override is for.
    let plain = InMemoryReplayStore::builder()
        .capacity(2)
        .clock(crate::timestamp::FixedClock(now))
        .build();
    let ids_only = IdsOnly(&plain);
    signature(&ids_only, "p", "captured", in_window).unwrap();
    for id in 0..100 {
        let id = id.to_string();
        plain.check("p", &id, day, midnight).unwrap();
        signature(&ids_only, "p", &format!("other-{id}"), in_window).unwrap();
    }
    assert_eq!(
        signature(&ids_only, "p", "captured", in_window).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(plain.signature_len(), 0, "the default used the id map");
}

#[test]
fn signature_records_expire_at_keep_until() {
    let clock = Arc::new(TestClock(Mutex::new(at("2026-11-22T10:00:00+07:00"))));
    let store = InMemoryReplayStore::builder()
        .shared_clock(clock.clone())
        .build();
    let keep_until = clock.now() + TimeDelta::minutes(5);
    let later = keep_until + TimeDelta::seconds(30);
    assert_eq!(
        signature(&store, "p", "s1", keep_until).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(
        signature(&store, "p", "s2", later).unwrap(),
        ReplayVerdict::Fresh
    );
    clock.set(keep_until - TimeDelta::seconds(1));
    assert_eq!(
        signature(&store, "p", "s1", keep_until).unwrap(),
        ReplayVerdict::Duplicate
    );
    clock.set(keep_until);
    // Gone at keep_until; already past, so nothing is recorded again.
    assert_eq!(
        signature(&store, "p", "s1", keep_until).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(store.signature_len(), 1, "only s2 is held");
    assert_eq!(
        signature(&store, "p", "s2", later).unwrap(),
        ReplayVerdict::Duplicate
    );
    // A keep-until inside a second is kept to the end of that second at
    // most, never less.
    let odd = keep_until + TimeDelta::milliseconds(1_500);
    assert_eq!(
        signature(&store, "p", "s3", odd).unwrap(),
        ReplayVerdict::Fresh
    );
    clock.set(odd - TimeDelta::milliseconds(1));
    assert_eq!(
        signature(&store, "p", "s3", odd).unwrap(),
        ReplayVerdict::Duplicate
    );
    clock.set(odd + TimeDelta::milliseconds(500));
    assert_eq!(
        signature(&store, "p", "s3", odd).unwrap(),
        ReplayVerdict::Fresh
    );
}

#[test]
fn full_signature_records_refuse_new_signatures_until_some_expire() {
    let clock = Arc::new(TestClock(Mutex::new(at("2026-11-22T10:00:00+07:00"))));
    let store = InMemoryReplayStore::builder()
        .signature_capacity(2)
        .when_full(WhenFull::EvictOldest)
        .shared_clock(clock.clone())
        .build();
    assert_eq!(store.signature_capacity(), 2);
    let soon = clock.now() + TimeDelta::minutes(1);
    let late = clock.now() + TimeDelta::minutes(5);
    assert_eq!(
        signature(&store, "p", "a", soon).unwrap(),
        ReplayVerdict::Fresh
    );
    assert_eq!(
        signature(&store, "p", "b", late).unwrap(),
        ReplayVerdict::Fresh
    );
    // Full: refused, and no live record is forgotten to make room.
    assert!(matches!(
        signature(&store, "p", "c", late),
        Err(ReplayError::Full)
    ));
    assert_eq!(
        signature(&store, "p", "a", soon).unwrap(),
        ReplayVerdict::Duplicate
    );
    assert_eq!(
        signature(&store, "p", "b", late).unwrap(),
        ReplayVerdict::Duplicate
    );
    // The ids are a bound of their own.
    let day = JakartaDay::of(clock.now());
    assert_eq!(
        store.check("p", "1", day, day.next_midnight()).unwrap(),
        ReplayVerdict::Fresh
    );
    // "a" expires: room for one.
    clock.set(soon);
    assert_eq!(
        signature(&store, "p", "c", late).unwrap(),
        ReplayVerdict::Fresh
    );
    assert!(matches!(
        signature(&store, "p", "d", late),
        Err(ReplayError::Full)
    ));
    assert_eq!(store.signature_len(), 2);
}

#[test]
fn signature_records_tell_partners_apart() {
    let now = at("2026-11-22T10:00:00+07:00");
    let store = InMemoryReplayStore::builder()
        .clock(crate::timestamp::FixedClock(now))
        .build();
    let until = now + TimeDelta::minutes(5);
    for partner in ["ab", "a", "b", ""] {
        assert_eq!(
            signature(&store, partner, "same", until).unwrap(),
            ReplayVerdict::Fresh,
            "{partner}"
        );
    }
    for partner in ["ab", "a", "b", ""] {
        assert_eq!(
            signature(&store, partner, "same", until).unwrap(),
            ReplayVerdict::Duplicate,
            "{partner}"
        );
    }
    assert_eq!(
        signature_digest("ab", &[0; 32]),
        signature_digest("ab", &[0; 32])
    );
    assert_ne!(
        signature_digest("ab", &[0; 32]),
        signature_digest("a", &[0; 32])
    );
}

/// The reference for signature records: a list, expiry by scanning, a
/// bound that refuses.
#[derive(Default)]
struct SignatureModel(Vec<(String, String, DateTime<Utc>)>);

impl SignatureModel {
    fn check(
        &mut self,
        capacity: usize,
        (partner, signature, keep_until): (&str, &str, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<ReplayVerdict, ()> {
        self.0.retain(|e| e.2 > now);
        if self.0.iter().any(|e| e.0 == partner && e.1 == signature) {
            return Ok(ReplayVerdict::Duplicate);
        }
        if keep_until <= now {
            return Ok(ReplayVerdict::Fresh);
        }
        if self.0.len() >= capacity {
            return Err(());
        }
        self.0.push((partner.into(), signature.into(), keep_until));
        Ok(ReplayVerdict::Fresh)
    }
}

proptest::proptest! {
    /// Whole-second keep-untils and clock steps (the store rounds
    /// keep-untils up to the second): the signature records answer as the
    /// reference does and hold as many, whatever the id records do.
    #[test]
    fn signature_records_answer_as_the_reference_model(
        capacity in 1usize..6,
        steps in proptest::collection::vec((0u8..3, 0u8..8, 0i64..8, 0i64..3, proptest::bool::ANY), 1..80),
    ) {
        let start = at("2026-11-22T23:58:00+07:00");
        let clock = Arc::new(TestClock(Mutex::new(start)));
        let store = InMemoryReplayStore::builder()
            .capacity(1)
            .signature_capacity(capacity)
            .shared_clock(clock.clone())
            .build();
        let mut model = SignatureModel::default();
        for (n, (partner, sig, keep, advance, id_too)) in steps.into_iter().enumerate() {
            let now = clock.now() + TimeDelta::seconds(advance * 20);
            clock.set(now);
            let partner = format!("p{partner}");
            let sig = format!("s{sig}");
            let keep_until = start + TimeDelta::seconds(keep * 20);
            if id_too {
                // Ids churning through a full id map change nothing.
                let day = JakartaDay::of(now);
                store.check(&partner, &n.to_string(), day, day.next_midnight()).unwrap();
            }
            let got = signature(&store, &partner, &sig, keep_until).map_err(|_| ());
            let want = model.check(capacity, (&partner, &sig, keep_until), now);
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(store.signature_len(), model.0.len());
        }
    }
}
