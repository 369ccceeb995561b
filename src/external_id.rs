//! The `X-EXTERNAL-ID` header (snap-spec §5.2): a numeric string of at most 36 characters that
//! must be unique per partner per day.
//!
//! The id is echoed back in fields that are shorter than the header: `originalExternalId`
//! (query, cancel and refund requests and responses) holds at most 32 characters, so a
//! 33- to 36-digit id can be sent but never looked up again. Generated ids are therefore
//! [`DEFAULT_LENGTH`] (32) digits by default.
//!
//! An [`ExternalIdGenerator`] joins a random per-generator prefix to a 16-digit atomic
//! counter, so ids from one shared generator are unique by construction and ids from
//! different processes collide only if their random prefixes do (16 digits, about 53
//! bits, by default). [`ExternalId::parse`] validates an id supplied by a caller or
//! received from a peer, and [`ExternalId::fits_original_external_id`] says whether it
//! can be echoed.
//!
//! ```
//! use snap_bi::external_id::{ExternalIdGenerator, ORIGINAL_EXTERNAL_ID_MAX_LENGTH};
//!
//! let ids = ExternalIdGenerator::builder().prefix_seed(42).build()?;
//! let first = ids.next_id();
//! assert_eq!(first.as_str(), "00000000000000420000000000000000");
//! assert_eq!(first.as_str().len(), ORIGINAL_EXTERNAL_ID_MAX_LENGTH);
//! assert!(first.fits_original_external_id());
//! assert_ne!(ids.next_id(), first);
//! # Ok::<(), snap_bi::external_id::ExternalIdError>(())
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use http::HeaderValue;
use http::header::InvalidHeaderValue;

use crate::digits;

/// The longest id the `X-EXTERNAL-ID` header allows.
pub const MAX_LENGTH: usize = 36;
/// The longest `originalExternalId` (snap-spec §7.3–7.5), the field that echoes the id in
/// query, cancel and refund messages. Ids longer than this cannot be looked up.
pub const ORIGINAL_EXTERNAL_ID_MAX_LENGTH: usize = 32;
/// The generated length unless configured: the longest id every echoing field accepts.
pub const DEFAULT_LENGTH: usize = ORIGINAL_EXTERNAL_ID_MAX_LENGTH;
/// The shortest generated length: the counter alone, with no random prefix.
pub const MIN_GENERATED_LENGTH: usize = COUNTER_DIGITS;

/// 10^16 counter values last 115 days at 10^9 ids per second, far beyond SNAP's one-day scope.
const COUNTER_DIGITS: usize = 16;
const COUNTER_MODULUS: u64 = 10_000_000_000_000_000;
/// `u64::MAX` has 20 decimal digits.
const PREFIX_DIGITS: usize = MAX_LENGTH - COUNTER_DIGITS;

/// Generates numeric `X-EXTERNAL-ID` values: a random prefix followed by a counter.
///
/// The prefix is a `u64` drawn once per generator (from the OS random number generator via
/// [`uuid::Uuid::new_v4`]) of which the last `length − 16` decimal digits are kept; the
/// counter is 16 zero-padded digits. Share one generator (for example in an `Arc`) to get ids
/// that are unique by construction: the counter does not repeat for 10^16 calls. (It then
/// wraps modulo 10^16, which no process reaches in practice.) Ids from separate generators
/// differ unless their prefixes collide.
///
/// Each prefix digit carries about 3.32 bits of cross-process randomness: ≈ 53 bits at the
/// default length of 32, the full 64 bits at 36, ≈ 33 at 26, none at 16. Lengths above
/// [`ORIGINAL_EXTERNAL_ID_MAX_LENGTH`] buy randomness at the price of ids that
/// `originalExternalId` cannot carry.
pub struct ExternalIdGenerator {
    /// An id with the prefix digits in place and the counter digits still zero.
    template: [u8; MAX_LENGTH],
    /// Number of prefix digits, `length − 16`, at most 20.
    prefix_len: usize,
    counter: AtomicU64,
}

impl ExternalIdGenerator {
    /// A generator of [`DEFAULT_LENGTH`]-digit (32) ids with a random prefix.
    #[must_use]
    pub fn new() -> Self {
        Self::with(DEFAULT_LENGTH, random_prefix())
    }

    /// Starts configuring a generator (length, injected prefix).
    pub fn builder() -> ExternalIdGeneratorBuilder {
        ExternalIdGeneratorBuilder {
            length: DEFAULT_LENGTH,
            prefix_seed: None,
        }
    }

    /// The number of digits in every generated id.
    #[must_use]
    pub fn length(&self) -> usize {
        self.prefix_len + COUNTER_DIGITS
    }

    /// The next id. Thread-safe; allocates only the returned string.
    #[must_use]
    pub fn next_id(&self) -> ExternalId {
        let (digits, length) = self.next_digits();
        // ASCII digits are valid UTF-8, so this borrows and then copies once.
        ExternalId(String::from_utf8_lossy(&digits[..length]).into_owned())
    }

    /// The next id as a header value, without the intermediate `String` of
    /// [`next_id`](Self::next_id) (the request signer's per-request path).
    ///
    /// # Errors
    /// Never in practice: digits are always valid header characters.
    pub(crate) fn next_header_value(&self) -> Result<HeaderValue, InvalidHeaderValue> {
        let (digits, length) = self.next_digits();
        HeaderValue::from_bytes(&digits[..length])
    }

    /// The next id's digits: the first `length` bytes of the array.
    fn next_digits(&self) -> ([u8; MAX_LENGTH], usize) {
        // Relaxed suffices: uniqueness needs only the atomicity of the increment, not any
        // ordering with other memory.
        let count = self.counter.fetch_add(1, Ordering::Relaxed) % COUNTER_MODULUS;
        let mut digits = self.template;
        // `with` keeps `prefix_len` at most 20, so the counter fits in the 36 bytes.
        let length = self.length();
        if let Some(slot) = digits.get_mut(self.prefix_len..length) {
            slot.copy_from_slice(&counter_digits(count));
        }
        (digits, length)
    }

    /// `length` must be in 16..=36; [`ExternalIdGeneratorBuilder::build`] checks it.
    fn with(length: usize, prefix: u64) -> Self {
        // Clamped so that this private constructor cannot panic even if misused.
        let prefix_len = length.saturating_sub(COUNTER_DIGITS).min(PREFIX_DIGITS);
        let mut template = [b'0'; MAX_LENGTH];
        // `write_digits` keeps the low-order digits, which is what we want: the leading digit
        // of a 20-digit u64 is only ever 0 or 1.
        digits::write_digits(&mut template[..prefix_len], prefix);
        Self {
            template,
            prefix_len,
            counter: AtomicU64::new(0),
        }
    }
}

impl Default for ExternalIdGenerator {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ExternalIdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalIdGenerator")
            .field("length", &self.length())
            .finish_non_exhaustive()
    }
}

/// Configures an [`ExternalIdGenerator`]; obtained from [`ExternalIdGenerator::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ExternalIdGeneratorBuilder {
    length: usize,
    prefix_seed: Option<u64>,
}

impl ExternalIdGeneratorBuilder {
    /// Digits per id, 16 to 36 (default 32, [`DEFAULT_LENGTH`]); see [`ExternalIdGenerator`]
    /// for what a shorter length costs in randomness and a longer one in echoability.
    pub fn length(mut self, length: usize) -> Self {
        self.length = length;
        self
    }

    /// Uses `prefix` as the generator's prefix instead of a random one, making the output
    /// deterministic (for tests). Two generators with the same prefix produce the same ids.
    pub fn prefix_seed(mut self, prefix: u64) -> Self {
        self.prefix_seed = Some(prefix);
        self
    }

    /// Builds the generator.
    ///
    /// # Errors
    ///
    /// [`ExternalIdError::InvalidLength`] when the length is outside 16..=36.
    pub fn build(self) -> Result<ExternalIdGenerator, ExternalIdError> {
        if !(MIN_GENERATED_LENGTH..=MAX_LENGTH).contains(&self.length) {
            return Err(ExternalIdError::InvalidLength {
                length: self.length,
            });
        }
        let prefix = self.prefix_seed.unwrap_or_else(random_prefix);
        Ok(ExternalIdGenerator::with(self.length, prefix))
    }
}

/// 64 random bits from a v4 UUID. The UUID has 122 random bits: its version nibble lies in
/// the high half and its variant bits in the low half, at positions where the other half is
/// random, so the XOR of the halves is uniformly random in all 64 bits.
fn random_prefix() -> u64 {
    let (high, low) = uuid::Uuid::new_v4().as_u64_pair();
    high ^ low
}

/// `count` (below 10^16) as 16 zero-padded decimal digits, two at a time.
fn counter_digits(count: u64) -> [u8; COUNTER_DIGITS] {
    let mut out = [b'0'; COUNTER_DIGITS];
    digits::write_digits(&mut out, count);
    out
}

/// A validated `X-EXTERNAL-ID`: 1 to 36 ASCII digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExternalId(String);

impl ExternalId {
    /// Validates an id supplied by a caller or received in a request.
    ///
    /// # Errors
    ///
    /// [`ExternalIdError::InvalidId`] unless `s` is 1 to 36 ASCII digits.
    ///
    /// ```
    /// use snap_bi::external_id::ExternalId;
    ///
    /// assert_eq!(ExternalId::parse("1725949489")?.as_str(), "1725949489");
    /// assert!(ExternalId::parse("12a").is_err());
    /// # Ok::<(), snap_bi::external_id::ExternalIdError>(())
    /// ```
    pub fn parse(s: &str) -> Result<Self, ExternalIdError> {
        if (1..=MAX_LENGTH).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ExternalIdError::InvalidId { value: cut(s) })
        }
    }

    /// Whether the id fits `originalExternalId` (at most
    /// [`ORIGINAL_EXTERNAL_ID_MAX_LENGTH`] digits), so that a later query, cancel or refund
    /// can name the transaction by it.
    #[must_use]
    pub fn fits_original_external_id(&self) -> bool {
        self.0.len() <= ORIGINAL_EXTERNAL_ID_MAX_LENGTH
    }

    /// The id as sent in the header.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the id, returning the string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An external id, or a generator configuration, was rejected.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExternalIdError {
    /// The generator length is outside 16..=36.
    #[error("external id length {length} is outside 16..=36")]
    InvalidLength {
        /// The requested length.
        length: usize,
    },
    /// The value is not 1 to 36 ASCII digits.
    #[error("X-EXTERNAL-ID {value:?} must be 1 to 36 ASCII digits")]
    InvalidId {
        /// The rejected value, cut to 64 bytes so that hostile input cannot flood logs.
        value: String,
    },
}

/// At most 64 bytes of `s`, cut at a character boundary.
fn cut(s: &str) -> String {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

#[cfg(test)]
mod tests;
