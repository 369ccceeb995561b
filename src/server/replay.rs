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
//! therefore also records each accepted `X-SIGNATURE` (its SHA-256), through
//! the same store's
//! [`check_and_insert_signature`](ReplayStore::check_and_insert_signature),
//! kept until the timestamp leaves the window (`X-TIMESTAMP` + window).
//! Inside the window the signature record is the replay protection; the
//! day's id uniqueness is a business rule. The default method records it
//! through [`check_and_insert`](ReplayStore::check_and_insert) under the key
//! `sig:` + the hex SHA-256 (68 characters, longer than any accepted
//! `X-EXTERNAL-ID`, so the two kinds never meet): a store that implements
//! only `check_and_insert`, such as the shared Redis one, covers both.
//!
//! [`InMemoryReplayStore`] keeps signature records apart, because one
//! evicting map fails under load: at 1000 requests per second and more it
//! is always full, signature records expire soonest, so each was evicted
//! almost at once and replays with a new id passed again. Signature records
//! have their own bound
//! ([`signature_capacity`](InMemoryReplayStoreBuilder::signature_capacity),
//! 16-byte records, expiring in whole-second buckets) and are never
//! evicted: when full, [`ReplayError::Full`] (`429xx00` from the layer)
//! until some expire. The `X-EXTERNAL-ID` records keep their bound and
//! [`WhenFull`] eviction: a forgotten id lets the same id through again
//! later in the day, but a replay inside the window is still stopped by its
//! signature record, and one outside it by the window.
//!
//! What this cannot do: stop a replay to *another* server that does not
//! share the store; stop an attacker who can sign (who holds the client
//! secret or private key); or tell a replay from a partner who sends the
//! byte-identical request (same body, token and timestamp second) twice on
//! purpose (see
//! [`VerifyLayerBuilder::without_signature_replay_check`](super::VerifyLayerBuilder::without_signature_replay_check)).
//! Duplicate detection is only as long as the store remembers: a full
//! [`InMemoryReplayStore`] with [`WhenFull::EvictOldest`] forgets the
//! oldest `X-EXTERNAL-ID`s first (never a live signature record).
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
//!
//! // A used X-SIGNATURE, as its SHA-256, kept until X-TIMESTAMP + window.
//! let signature_sha256 = [7u8; 32];
//! let in_window = now + TimeDelta::minutes(5);
//! let check = || store.check_and_insert_signature("partner-01", &signature_sha256, day, in_window);
//! assert_eq!(check().await?, ReplayVerdict::Fresh);
//! assert_eq!(check().await?, ReplayVerdict::Duplicate);
//! assert_eq!(store.signature_len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::timestamp::{Clock, SystemClock, Timestamp, WIB, WIB_OFFSET_SECS};
use crate::token::BoxFuture;

/// Prefix of the key under which a used `X-SIGNATURE` is recorded.
const SIGNATURE_KEY_PREFIX: &str = "sig:";

/// The SHA-256 of an `X-SIGNATURE` as received: what the verifying layer
/// passes to [`ReplayStore::check_and_insert_signature`].
pub(crate) fn signature_sha256(signature: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(signature.as_bytes()).into()
}

/// The key a used `X-SIGNATURE` is recorded under by the default
/// [`ReplayStore::check_and_insert_signature`], in the `external_id` slot of
/// [`ReplayStore::check_and_insert`]: `sig:` and the lowercase hex SHA-256
/// of the signature as received. 68 characters, so it can never equal an
/// accepted `X-EXTERNAL-ID` (at most 36); fixed-size whatever the
/// signature's length (RSA signatures are 344 characters). Shared stores
/// hold keys written by other versions, so the format is fixed.
pub(crate) fn signature_replay_key(signature_sha256: &[u8; 32]) -> String {
    // Only stores without their own signature records (Redis, users') get
    // here; the in-memory store keeps a fixed-size digest instead.
    format!("{SIGNATURE_KEY_PREFIX}{}", hex::encode(signature_sha256))
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

/// Records `(partner, X-EXTERNAL-ID, Jakarta day)` triples and used
/// `X-SIGNATURE`s, and reports repeats. Check and insert must be one atomic
/// step, so two concurrent requests with the same id (or signature) cannot
/// both be [`ReplayVerdict::Fresh`].
///
/// The verifying layer calls [`check_and_insert`](Self::check_and_insert)
/// for the `X-EXTERNAL-ID` and
/// [`check_and_insert_signature`](Self::check_and_insert_signature) for each
/// accepted `X-SIGNATURE`, kept until the request's `X-TIMESTAMP` + window.
/// SNAP does not sign `X-EXTERNAL-ID`: without the signature record, a
/// captured request re-sent with a new id would pass again while its
/// timestamp is in the window. The default `check_and_insert_signature`
/// records the signature through `check_and_insert`, with `external_id` =
/// `sig:<lowercase hex SHA-256 of the signature>` (68 characters, longer
/// than any accepted `X-EXTERNAL-ID`, so the kinds never meet), so a store
/// that implements only `check_and_insert` covers both.
///
/// What replay protection cannot do: protect servers that do not share the
/// store; tell a replay from a partner sending the byte-identical request
/// (same body, token and timestamp second) twice on purpose (see
/// [`VerifyLayerBuilder::without_signature_replay_check`](super::VerifyLayerBuilder::without_signature_replay_check));
/// stop anyone holding the secret or key; or remember longer than the store
/// does (a full [`InMemoryReplayStore`] forgets its oldest `X-EXTERNAL-ID`s
/// first, and refuses new signatures rather than forget live ones).
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

    /// Records a used `X-SIGNATURE` of `partner_id`, given as the SHA-256 of
    /// the header as received, if it is new (keeping it at least until
    /// `keep_until`, the request's `X-TIMESTAMP` + window), and says whether
    /// it was. `day` is the Jakarta day of that timestamp.
    ///
    /// The default calls [`check_and_insert`](Self::check_and_insert) with
    /// `external_id` = `sig:` and the lowercase hex of `signature_sha256`
    /// (the key format shared stores such as Redis hold). Override it to
    /// keep signature records apart from the day's ids, as
    /// [`InMemoryReplayStore`] does, so that a flood of one kind cannot push
    /// out the other.
    fn check_and_insert_signature<'a>(
        &'a self,
        partner_id: &'a str,
        signature_sha256: &'a [u8; 32],
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>> {
        Box::pin(async move {
            let key = signature_replay_key(signature_sha256);
            self.check_and_insert(partner_id, &key, day, keep_until)
                .await
        })
    }
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

    fn check_and_insert_signature<'a>(
        &'a self,
        partner_id: &'a str,
        signature_sha256: &'a [u8; 32],
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>> {
        (**self).check_and_insert_signature(partner_id, signature_sha256, day, keep_until)
    }
}

/// What a full [`InMemoryReplayStore`] does with a new `X-EXTERNAL-ID`
/// record. (Signature records have a bound of their own and are never
/// evicted: see [`InMemoryReplayStoreBuilder::signature_capacity`].)
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum WhenFull {
    /// Forget the oldest entry to make room (the default): the one whose
    /// `keep_until` comes first, and among those the first recorded. The
    /// bound then limits how far back a repeated `X-EXTERNAL-ID` is
    /// detected, never availability; only signed requests reach the store,
    /// so only partners can fill it. A replay inside the timestamp window is
    /// still stopped by its signature record, one outside by the window.
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
    /// eviction: records of different keep-untils may share the map (a
    /// wrapping store may record signatures through `check_and_insert`), so
    /// insertion order alone could keep expired records behind live ones.
    /// Keep-untils repeat (every id of a day shares one), so each gets a
    /// FIFO queue: the oldest entry is found at the
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

/// A signature record's key: the first 16 bytes of SHA-256(partner id
/// length, partner id, signature SHA-256). Fixed-size, so a record costs no
/// allocation of its own; 128 bits, so two records meet only if someone
/// finds a SHA-256 collision.
type SignatureDigest = [u8; 16];

fn signature_digest(partner_id: &str, signature_sha256: &[u8; 32]) -> SignatureDigest {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    // The length first, so no partner id is a prefix of another's input.
    hasher.update((partner_id.len() as u64).to_le_bytes());
    hasher.update(partner_id.as_bytes());
    hasher.update(signature_sha256);
    let full: [u8; 32] = hasher.finalize().into();
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&full[..16]);
    digest
}

/// The keep-until second a record expires with: rounded up, so a record is
/// never dropped before its `keep_until` (at most 1 s after).
fn expiry_second(keep_until: DateTime<Utc>) -> i64 {
    let second = keep_until.timestamp();
    if keep_until.timestamp_subsec_nanos() > 0 {
        second.saturating_add(1)
    } else {
        second
    }
}

/// Signature records, apart from the `X-EXTERNAL-ID` map: under load the
/// id map is always full and signature records expire soonest, so in one
/// evicting map they would be the first forgotten, and a captured request
/// with a new id would pass again inside the window.
#[derive(Debug, Default)]
struct Signatures {
    /// Every held record (keyed SipHash: the digests come from partners).
    seen: HashSet<SignatureDigest>,
    /// Expiry second → the records that expire then. Expiry takes whole
    /// buckets from the front; no live record is ever removed. A record is
    /// in `seen` exactly while its bucket is here.
    buckets: BTreeMap<i64, Vec<SignatureDigest>>,
}

impl Signatures {
    fn purge_expired(&mut self, now: DateTime<Utc>) {
        // `bucket <= now` in whole seconds: every record in it has
        // `keep_until <= bucket <= now`.
        let now = now.timestamp();
        while let Some(first) = self.buckets.first_entry()
            && *first.key() <= now
        {
            for digest in first.remove() {
                self.seen.remove(&digest);
            }
        }
    }
}

/// The in-memory [`ReplayStore`]: bounded, entries gone after their
/// `keep_until` (the next Jakarta midnight plus the timestamp window).
///
/// `X-EXTERNAL-ID` records and `X-SIGNATURE` records are held apart, each
/// kind with its own bound:
///
/// - ids: [`capacity`](InMemoryReplayStoreBuilder::capacity) (default
///   100 000); when full, [`WhenFull`] decides (by default the oldest id is
///   forgotten: a repeated id is then detected less far back, but a replay
///   inside the timestamp window is still stopped by its signature record,
///   one outside by the window).
/// - signatures: [`signature_capacity`](InMemoryReplayStoreBuilder::signature_capacity)
///   (default 1 000 000, ≈ 1 600 requests per second sustained when every
///   record is kept the full 10 minutes of a ±5 min window; ≈ 3 300 per
///   second for timestamps that are current). A live signature record is
///   never evicted: when full after dropping expired records, a new
///   signature is refused with [`ReplayError::Full`] (the verifying layer
///   answers `429xx00`) until records expire. Fail closed: forgetting one
///   would let its request be replayed. A record is 16 bytes, held twice
///   (index and expiry bucket): 36–71 bytes with the tables' load and
///   growth (50–70 MB at the default bound when full; the tables grow with
///   use, nothing is reserved up front, and the index keeps its peak size).
///
/// Per process: a fleet of servers needs a shared store.
pub struct InMemoryReplayStore {
    state: Mutex<State>,
    signatures: Mutex<Signatures>,
    hasher: RandomState,
    capacity: usize,
    signature_capacity: usize,
    when_full: WhenFull,
    clock: Arc<dyn Clock>,
}

impl InMemoryReplayStore {
    /// Default capacity for `X-EXTERNAL-ID` records: 100 000 entries (a few
    /// MiB).
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// Default capacity for `X-SIGNATURE` records: 1 000 000 (50–70 MB when
    /// full).
    pub const DEFAULT_SIGNATURE_CAPACITY: usize = 1_000_000;

    /// A store with the default capacity on the system clock.
    #[must_use]
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> InMemoryReplayStoreBuilder {
        InMemoryReplayStoreBuilder {
            capacity: Self::DEFAULT_CAPACITY,
            signature_capacity: Self::DEFAULT_SIGNATURE_CAPACITY,
            when_full: WhenFull::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// `X-EXTERNAL-ID` records currently held (expired ones may linger until
    /// the next insert).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no `X-EXTERNAL-ID` records are held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound on `X-EXTERNAL-ID` records.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// `X-SIGNATURE` records currently held (expired ones may linger until
    /// the next signature insert).
    #[must_use]
    pub fn signature_len(&self) -> usize {
        self.lock_signatures().seen.len()
    }

    /// The bound on `X-SIGNATURE` records.
    #[must_use]
    pub fn signature_capacity(&self) -> usize {
        self.signature_capacity
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // No code path panics while holding the lock, so the state is
        // consistent even if a poisoning panic happened elsewhere.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_signatures(&self) -> std::sync::MutexGuard<'_, Signatures> {
        // As `lock`: nothing panics while holding it.
        self.signatures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn check_signature(
        &self,
        partner_id: &str,
        signature_sha256: &[u8; 32],
        keep_until: DateTime<Utc>,
    ) -> Result<ReplayVerdict, ReplayError> {
        let now = self.clock.now();
        // Hashed before taking the lock.
        let digest = signature_digest(partner_id, signature_sha256);
        let mut signatures = self.lock_signatures();
        signatures.purge_expired(now);
        if signatures.seen.contains(&digest) {
            return Ok(ReplayVerdict::Duplicate);
        }
        if keep_until <= now {
            // Already expired: nothing to remember.
            return Ok(ReplayVerdict::Fresh);
        }
        if signatures.seen.len() >= self.signature_capacity {
            // Fail closed: evicting a live record would let its request be
            // replayed.
            return Err(ReplayError::Full);
        }
        signatures.seen.insert(digest);
        signatures
            .buckets
            .entry(expiry_second(keep_until))
            .or_default()
            .push(digest);
        Ok(ReplayVerdict::Fresh)
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
            .field("signature_len", &self.signature_len())
            .field("signature_capacity", &self.signature_capacity)
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

    /// Held apart from the ids, never evicted: [`ReplayError::Full`] when
    /// [`signature_capacity`](InMemoryReplayStoreBuilder::signature_capacity)
    /// live records are held. `day` is not needed: the signature covers the
    /// timestamp.
    fn check_and_insert_signature<'a>(
        &'a self,
        partner_id: &'a str,
        signature_sha256: &'a [u8; 32],
        _day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>> {
        let verdict = self.check_signature(partner_id, signature_sha256, keep_until);
        Box::pin(std::future::ready(verdict))
    }
}

/// Builds an [`InMemoryReplayStore`].
#[derive(Debug)]
#[must_use]
pub struct InMemoryReplayStoreBuilder {
    capacity: usize,
    signature_capacity: usize,
    when_full: WhenFull,
    clock: Arc<dyn Clock>,
}

impl InMemoryReplayStoreBuilder {
    /// The most `X-EXTERNAL-ID` records held at once (at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The most `X-SIGNATURE` records held at once (at least 1; default
    /// [`DEFAULT_SIGNATURE_CAPACITY`](InMemoryReplayStore::DEFAULT_SIGNATURE_CAPACITY)).
    /// Size it for the peak rate times the time a record is kept (the
    /// request's `X-TIMESTAMP` + window, up to twice the window after
    /// arrival): 1 000 000 covers ≈ 1 600 requests per second for a ±5 min
    /// window. 36–71 bytes per record, with the tables' load and growth.
    /// When full, new signatures are refused with [`ReplayError::Full`]
    /// (`429xx00` from the verifying layer); live records are never
    /// evicted.
    pub fn signature_capacity(mut self, capacity: usize) -> Self {
        self.signature_capacity = capacity.max(1);
        self
    }

    /// What to do when the `X-EXTERNAL-ID` records are full.
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
            signatures: Mutex::new(Signatures::default()),
            hasher: RandomState::new(),
            capacity: self.capacity,
            signature_capacity: self.signature_capacity,
            when_full: self.when_full,
            clock: self.clock,
        }
    }
}

#[cfg(test)]
mod tests;
