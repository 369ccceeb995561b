//! Replay protection: one `X-EXTERNAL-ID` per partner per Jakarta day, and
//! one use of each `X-SIGNATURE` per partner while its timestamp is fresh.
//!
//! The standard answers `409xx00 Conflict` when a partner reuses an
//! `X-EXTERNAL-ID` on the same day. The day is the Jakarta (UTC+7) calendar
//! day of the request's signed `X-TIMESTAMP`, so the key cannot be moved by
//! an attacker. An entry must outlive midnight by the verifier's timestamp
//! window: a request signed at 23:59:50 can still be replayed, inside the
//! window, at 00:00:05, so the verifying layer passes `keep_until` = next
//! Jakarta midnight + window.
//!
//! SNAP does not sign `X-EXTERNAL-ID`, so the id alone stops honest
//! retries, not an attacker: a captured request with a new id would be
//! accepted again while its `X-TIMESTAMP` is inside the window. The layer
//! therefore also records each accepted `X-SIGNATURE`, through the same
//! store and the same [`check_and_insert`](ReplayStore::check_and_insert)
//! call, under a key of its own kind: `sig:` followed by the hex SHA-256 of
//! the signature (68 characters, longer than any accepted `X-EXTERNAL-ID`,
//! so the two kinds never meet), kept until the timestamp leaves the window
//! (`X-TIMESTAMP` + window). A store, such as a shared Redis one, needs no
//! change to cover both.
//!
//! What this cannot do: stop a replay to *another* server that does not
//! share the store; stop an attacker who can sign (who holds the client
//! secret or private key); or tell a replay from a partner who sends the
//! byte-identical request (same body, token and timestamp second) twice on
//! purpose (see
//! [`VerifyLayerBuilder::without_signature_replay_check`](super::VerifyLayerBuilder::without_signature_replay_check)).
//! Duplicate detection is only as long as the store remembers: a full
//! [`InMemoryReplayStore`] with [`WhenFull::EvictOldest`] forgets the
//! oldest entries first.
//!
//! [`ReplayStore`] is the seam (async, so a Redis store can implement it with
//! `SET key 1 NX EXAT keep_until`); [`InMemoryReplayStore`] is the bounded
//! in-memory default for single-process servers.
//!
//! ```
//! use chrono::{DateTime, TimeDelta};
//! use snap_bi::server::{InMemoryReplayStore, JakartaDay, ReplayStore, ReplayVerdict};
//! use snap_bi::timestamp::FixedClock;
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let now = DateTime::parse_from_rfc3339("2026-11-22T23:59:00+07:00")?.to_utc();
//! let store = InMemoryReplayStore::builder().capacity(10_000).clock(FixedClock(now)).build();
//! let day = JakartaDay::of(now);
//! assert_eq!(day.to_string(), "2026-11-22");
//! let keep_until = day.next_midnight() + TimeDelta::minutes(5);
//!
//! assert_eq!(store.check_and_insert("partner-01", "123", day, keep_until).await?, ReplayVerdict::Fresh);
//! assert_eq!(store.check_and_insert("partner-01", "123", day, keep_until).await?, ReplayVerdict::Duplicate);
//! // Another partner may use the same id.
//! assert_eq!(store.check_and_insert("partner-02", "123", day, keep_until).await?, ReplayVerdict::Fresh);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::timestamp::{Clock, SystemClock, Timestamp, WIB, WIB_OFFSET_SECS};
use crate::token::BoxFuture;

/// Prefix of the key under which a used `X-SIGNATURE` is recorded.
const SIGNATURE_KEY_PREFIX: &str = "sig:";

/// The key a used `X-SIGNATURE` is recorded under, in the `external_id`
/// slot of [`ReplayStore::check_and_insert`]: `sig:` and the hex SHA-256 of
/// the signature as received. 68 characters, so it can never equal an
/// accepted `X-EXTERNAL-ID` (at most 36); fixed-size whatever the
/// signature's length (RSA signatures are 344 characters).
pub(crate) fn signature_replay_key(signature: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(signature.as_bytes());
    let mut key = String::with_capacity(SIGNATURE_KEY_PREFIX.len() + 64);
    key.push_str(SIGNATURE_KEY_PREFIX);
    // Written in place: no intermediate hex string.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in digest {
        key.push(char::from(HEX[usize::from(byte >> 4)]));
        key.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    key
}

/// A calendar day in Jakarta (WIB, UTC+7, no daylight saving).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JakartaDay(NaiveDate);

impl JakartaDay {
    /// The Jakarta day an instant falls on.
    #[must_use]
    pub fn of(instant: DateTime<Utc>) -> Self {
        // Checked: `+` would panic in the last hours of chrono's range.
        let local = instant
            .naive_utc()
            .checked_add_signed(TimeDelta::seconds(i64::from(WIB_OFFSET_SECS)))
            .unwrap_or(chrono::NaiveDateTime::MAX);
        Self(local.date())
    }

    /// The Jakarta day of a received `X-TIMESTAMP`, whatever offset it was
    /// written in (`Z`, `+07:00`, …).
    #[must_use]
    pub fn of_timestamp(timestamp: &Timestamp) -> Self {
        Self::of(timestamp.instant().to_utc())
    }

    /// The date.
    #[must_use]
    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// The instant this day ends: the next midnight in Jakarta, as UTC
    /// (17:00 UTC of the same date).
    #[must_use]
    pub fn next_midnight(self) -> DateTime<Utc> {
        let next = self.0.succ_opt().unwrap_or(self.0);
        let midnight = next.and_time(chrono::NaiveTime::MIN);
        match WIB.and_then(|wib| midnight.and_local_timezone(wib).single()) {
            Some(t) => t.to_utc(),
            // Unreachable for a fixed offset; fall back to naive arithmetic.
            None => midnight.and_utc() - TimeDelta::seconds(i64::from(WIB_OFFSET_SECS)),
        }
    }
}

impl fmt::Display for JakartaDay {
    /// `YYYY-MM-DD`, usable in store keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// Whether an `X-EXTERNAL-ID` was seen before.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplayVerdict {
    /// First use today; now recorded.
    Fresh,
    /// Already used by this partner on this day.
    Duplicate,
}

/// A replay store could not answer. The verifying layer answers
/// `429xx00 Too Many Requests` for [`Full`](Self::Full), `503xx00 Service
/// Unavailable` for [`Unavailable`](Self::Unavailable) and
/// `500xx01 Internal Server Error` otherwise, never letting the request
/// through unchecked.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The store is at capacity and configured to refuse new entries.
    #[error("replay store is full")]
    Full,
    /// The backing store failed (a Redis connection error, say).
    #[error("replay store failed: {0}")]
    Backend(#[source] tower::BoxError),
    /// The shared store cannot be reached (Redis down or timing out); the
    /// verifying layer answers `503xx00 Service Unavailable`.
    #[error("replay store unavailable: {0}")]
    Unavailable(#[source] tower::BoxError),
}

/// Records `(partner, X-EXTERNAL-ID, Jakarta day)` triples and reports
/// repeats. Check and insert must be one atomic step, so two concurrent
/// requests with the same id cannot both be [`ReplayVerdict::Fresh`].
///
/// The verifying layer also calls it for each accepted `X-SIGNATURE`, with
/// `external_id` = `sig:<hex SHA-256 of the signature>` (68 characters,
/// longer than any accepted `X-EXTERNAL-ID`, so the kinds never meet) and
/// `keep_until` = the request's `X-TIMESTAMP` + window; an implementation
/// treats both kinds alike. SNAP does not sign `X-EXTERNAL-ID`: without the
/// signature record, a captured request re-sent with a new id would pass
/// again while its timestamp is in the window.
///
/// What replay protection cannot do: protect servers that do not share the
/// store; tell a replay from a partner sending the byte-identical request
/// (same body, token and timestamp second) twice on purpose (see
/// [`VerifyLayerBuilder::without_signature_replay_check`](super::VerifyLayerBuilder::without_signature_replay_check));
/// stop anyone holding the secret or key; or remember longer than the store
/// does (a full [`InMemoryReplayStore`] forgets its oldest entries first).
pub trait ReplayStore: Send + Sync {
    /// Records the triple if it is new (keeping it at least until
    /// `keep_until`), and says whether it was.
    fn check_and_insert<'a>(
        &'a self,
        partner_id: &'a str,
        external_id: &'a str,
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>>;
}

impl<T: ReplayStore + ?Sized> ReplayStore for Arc<T> {
    fn check_and_insert<'a>(
        &'a self,
        partner_id: &'a str,
        external_id: &'a str,
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>> {
        (**self).check_and_insert(partner_id, external_id, day, keep_until)
    }
}

/// What a full [`InMemoryReplayStore`] does with a new entry.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum WhenFull {
    /// Forget the oldest entry to make room (the default): the one whose
    /// `keep_until` comes first, and among those the first recorded, so
    /// short-lived `X-SIGNATURE` records go before the day's
    /// `X-EXTERNAL-ID`s. The bound then
    /// limits how far back duplicates are detected, never availability;
    /// only signed requests reach the store, so only partners can fill it.
    #[default]
    EvictOldest,
    /// Refuse the request with [`ReplayError::Full`] until entries expire.
    Reject,
}

/// `(partner id, external id, day)`, with both ids in one shared buffer so
/// that the expiry queue holds the key without copying it, and its hash
/// computed once per request (by the store's keyed SipHash) and reused for
/// every map operation.
#[derive(Debug, Clone)]
struct Key {
    hash: u64,
    ids: Arc<[u8]>,
    partner_len: usize,
    day: JakartaDay,
}

impl Key {
    fn new(hasher: &RandomState, partner_id: &str, external_id: &str, day: JakartaDay) -> Self {
        // `str` hashing ends each string with a terminator, so
        // ("ab", "c") and ("a", "bc") hash apart; `partner_len` tells them
        // apart on equality.
        let hash = hasher.hash_one((partner_id, external_id, day));
        // One allocation for ids of the usual size: joined on the stack,
        // then copied once into the shared buffer.
        let (a, b) = (partner_id.as_bytes(), external_id.as_bytes());
        let mut joined = [0u8; 128];
        let ids: Arc<[u8]> = match joined.get_mut(..a.len() + b.len()) {
            Some(buffer) => {
                let (front, back) = buffer.split_at_mut(a.len());
                front.copy_from_slice(a);
                back.copy_from_slice(b);
                Arc::from(&*buffer)
            }
            None => Arc::from([a, b].concat()),
        };
        Self {
            hash,
            ids,
            partner_len: partner_id.len(),
            day,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
            && self.partner_len == other.partner_len
            && self.day == other.day
            && self.ids == other.ids
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Passes [`Key`]'s precomputed hash through. DoS-safe because that hash is
/// the store's randomly keyed SipHash of the attacker-controlled ids.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Unused: `Key` hashes through `write_u64`.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug, Default)]
struct State {
    /// key → (insertion sequence number, keep-until).
    entries: HashMap<Key, (u64, DateTime<Utc>), BuildHasherDefault<Prehashed>>,
    /// Soonest keep-until first, then insertion order, for expiry and
    /// eviction: short-lived `X-SIGNATURE` records and day-long
    /// `X-EXTERNAL-ID` records share the store, so insertion order alone
    /// would keep expired signature records behind live ids. Keep-untils
    /// repeat (every id of a day shares one, signatures share one per
    /// second), so each gets a FIFO queue: the oldest entry is found at the
    /// front of the first queue, without a heap over every entry. May hold
    /// stale sequence numbers of entries that were re-inserted; those are
    /// skipped.
    order: BTreeMap<DateTime<Utc>, VecDeque<(u64, Key)>>,
    next_seq: u64,
}

impl State {
    /// Forgets the oldest entry; `false` when there is none.
    fn remove_front(&mut self) -> bool {
        let Some(mut first) = self.order.first_entry() else {
            return false;
        };
        let queue = first.get_mut();
        if let Some((seq, key)) = queue.pop_front() {
            Self::forget(&mut self.entries, seq, &key);
        }
        if queue.is_empty() {
            first.remove();
        }
        true
    }

    fn purge_expired(&mut self, now: DateTime<Utc>) {
        while let Some(first) = self.order.first_entry()
            && *first.key() <= now
        {
            for (seq, key) in first.remove() {
                Self::forget(&mut self.entries, seq, &key);
            }
        }
    }

    fn forget(
        entries: &mut HashMap<Key, (u64, DateTime<Utc>), BuildHasherDefault<Prehashed>>,
        seq: u64,
        key: &Key,
    ) {
        // One probe: a stale record (the key was recorded again since) puts
        // the entry back.
        if let Some((key, value)) = entries.remove_entry(key)
            && value.0 != seq
        {
            entries.insert(key, value);
        }
    }
}

/// The in-memory [`ReplayStore`]: bounded, entries gone after their
/// `keep_until` (the next Jakarta midnight plus the timestamp window).
///
/// Per process: a fleet of servers needs a shared store.
pub struct InMemoryReplayStore {
    state: Mutex<State>,
    hasher: RandomState,
    capacity: usize,
    when_full: WhenFull,
    clock: Arc<dyn Clock>,
}

impl InMemoryReplayStore {
    /// Default capacity: 100 000 entries (a few MiB).
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A store with the default capacity on the system clock.
    #[must_use]
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> InMemoryReplayStoreBuilder {
        InMemoryReplayStoreBuilder {
            capacity: Self::DEFAULT_CAPACITY,
            when_full: WhenFull::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Entries currently held (expired ones may linger until the next insert).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no entries are held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // No code path panics while holding the lock, so the state is
        // consistent even if a poisoning panic happened elsewhere.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(
        &self,
        partner_id: &str,
        external_id: &str,
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> Result<ReplayVerdict, ReplayError> {
        let now = self.clock.now();
        // Hashed and copied before taking the lock.
        let key = Key::new(&self.hasher, partner_id, external_id, day);
        let mut state = self.lock();
        state.purge_expired(now);
        if let Some((_, until)) = state.entries.get(&key)
            && *until > now
        {
            return Ok(ReplayVerdict::Duplicate);
        }
        if keep_until <= now {
            // Already expired: nothing to remember.
            return Ok(ReplayVerdict::Fresh);
        }
        if !state.entries.contains_key(&key) {
            while state.entries.len() >= self.capacity {
                let evicted = self.when_full == WhenFull::EvictOldest && state.remove_front();
                if !evicted {
                    return Err(ReplayError::Full);
                }
            }
        }
        let seq = state.next_seq;
        state.next_seq += 1;
        state.entries.insert(key.clone(), (seq, keep_until));
        state
            .order
            .entry(keep_until)
            .or_default()
            .push_back((seq, key));
        Ok(ReplayVerdict::Fresh)
    }
}

impl Default for InMemoryReplayStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for InMemoryReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryReplayStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("when_full", &self.when_full)
            .finish()
    }
}

impl ReplayStore for InMemoryReplayStore {
    fn check_and_insert<'a>(
        &'a self,
        partner_id: &'a str,
        external_id: &'a str,
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>> {
        let verdict = self.check(partner_id, external_id, day, keep_until);
        Box::pin(std::future::ready(verdict))
    }
}

/// Builds an [`InMemoryReplayStore`].
#[derive(Debug)]
#[must_use]
pub struct InMemoryReplayStoreBuilder {
    capacity: usize,
    when_full: WhenFull,
    clock: Arc<dyn Clock>,
}

impl InMemoryReplayStoreBuilder {
    /// The most entries held at once (at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// What to do when full.
    pub fn when_full(mut self, when_full: WhenFull) -> Self {
        self.when_full = when_full;
        self
    }

    /// The clock that decides expiry (the system clock by default).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Like [`clock`](Self::clock), for a shared clock.
    pub fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The store.
    #[must_use]
    pub fn build(self) -> InMemoryReplayStore {
        InMemoryReplayStore {
            state: Mutex::new(State::default()),
            hasher: RandomState::new(),
            capacity: self.capacity,
            when_full: self.when_full,
            clock: self.clock,
        }
    }
}

#[cfg(test)]
mod tests;
