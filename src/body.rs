//! The request body as SNAP hashes it: minified bytes and their SHA-256.
//!
//! A [`CanonicalBody`] holds the exact bytes to send (and hash) together with
//! their lowercase hex SHA-256 ([`BodyDigest`]). The string-to-sign carries
//! that digest; what it carries when there is no body at all is the
//! provider's [`EmptyBodyRule`].
//!
//! ```
//! use snap_bi::body::{BodyDigest, CanonicalBody, EmptyBodyRule};
//! use snap_bi::minify::BodyPolicy;
//!
//! let body = CanonicalBody::new(b"{ \"serviceCode\": \"51\" }", BodyPolicy::Minify)?;
//! assert_eq!(body.bytes(), br#"{"serviceCode":"51"}"#);
//! assert_eq!(body.digest().as_str().len(), 64);
//!
//! // No body: the standard hashes the empty string.
//! let empty = CanonicalBody::new(b"", BodyPolicy::Minify)?;
//! assert_eq!(empty.digest(), &BodyDigest::EMPTY);
//! assert_eq!(
//!     BodyDigest::EMPTY.as_str(),
//!     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
//! );
//! # Ok::<(), snap_bi::minify::MinifyError>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use sha2::{Digest, Sha256};

use crate::minify::{BodyPolicy, MinifyError};

/// Lowercase hex SHA-256 of a (minified) body: the `bodyhash` field of a
/// string-to-sign. Held on the stack; no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyDigest {
    hex: [u8; 64],
}

impl BodyDigest {
    /// SHA-256 of the empty string, what the standard hashes when there is no body.
    pub const EMPTY: Self = Self {
        hex: *b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    };

    /// Hashes `bytes` (which should already be minified).
    #[must_use]
    pub fn of(bytes: &[u8]) -> Self {
        let hash = Sha256::digest(bytes);
        let mut hex = [0u8; 64];
        // Output is exactly twice the input length, so this cannot fail.
        let _ = hex::encode_to_slice(hash.as_slice(), &mut hex);
        Self { hex }
    }

    /// The 64 lowercase hex characters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always ASCII hex by construction.
        std::str::from_utf8(&self.hex).unwrap_or_default()
    }

    /// The 64 lowercase hex characters as bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.hex
    }
}

impl fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BodyDigest({})", self.as_str())
    }
}

impl fmt::Display for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lowercase hex SHA-256 of `bytes`; the same as [`BodyDigest::of`].
#[must_use]
pub fn body_digest(bytes: &[u8]) -> BodyDigest {
    BodyDigest::of(bytes)
}

/// What the body-hash field of a string-to-sign holds when a request has no
/// body. A body of `{}` is a body: it is hashed, whatever the rule.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum EmptyBodyRule {
    /// The SHA-256 of the empty string (`e3b0c442…b855`). The standard (ASPI,
    /// BCA, BRI, Midtrans) and the default.
    #[default]
    HashOfEmpty,
    /// An empty field: `POST:/path:token::timestamp`. Seen in some community
    /// libraries; not standard.
    EmptySegment,
    /// No field at all: `POST:/path:token:timestamp`. Seen in one community
    /// library's test vectors; not standard.
    DropSegment,
}

/// The body-hash field of a string-to-sign, as decided by a body and an
/// [`EmptyBodyRule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySegment<'a> {
    /// A hash (`…:<64 hex>:…`).
    Digest(&'a BodyDigest),
    /// An empty field (`…::…`).
    Empty,
    /// No field and no separator.
    Omitted,
}

/// The bytes to send and hash, plus their digest.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalBody<'a> {
    bytes: Cow<'a, [u8]>,
    digest: BodyDigest,
}

impl<'a> CanonicalBody<'a> {
    /// Applies `policy` to `raw` and hashes the result. Borrows `raw` when the
    /// policy leaves it unchanged.
    ///
    /// # Errors
    /// [`MinifyError`] when the policy validates and `raw` is not one JSON value.
    pub fn new(raw: &'a [u8], policy: BodyPolicy) -> Result<Self, MinifyError> {
        let bytes = policy.apply(raw)?;
        Ok(Self::from_canonical(bytes))
    }

    /// Wraps bytes that are already in their final form (no minification).
    #[must_use]
    pub fn from_canonical(bytes: Cow<'a, [u8]>) -> Self {
        let digest = if bytes.is_empty() {
            BodyDigest::EMPTY
        } else {
            BodyDigest::of(&bytes)
        };
        Self { bytes, digest }
    }

    /// A request without a body.
    #[must_use]
    pub fn empty() -> CanonicalBody<'static> {
        CanonicalBody {
            bytes: Cow::Borrowed(&[]),
            digest: BodyDigest::EMPTY,
        }
    }

    /// The bytes to put on the wire; exactly the bytes that were hashed.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes the bytes out (borrowed when nothing was changed).
    #[must_use]
    pub fn into_bytes(self) -> Cow<'a, [u8]> {
        self.bytes
    }

    /// Lowercase hex SHA-256 of [`bytes`](Self::bytes).
    #[must_use]
    pub fn digest(&self) -> &BodyDigest {
        &self.digest
    }

    /// Whether there is no body.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The body-hash field for this body under `rule`.
    #[must_use]
    pub fn segment(&self, rule: EmptyBodyRule) -> BodySegment<'_> {
        if !self.is_empty() {
            return BodySegment::Digest(&self.digest);
        }
        match rule {
            EmptyBodyRule::HashOfEmpty => BodySegment::Digest(&self.digest),
            EmptyBodyRule::EmptySegment => BodySegment::Empty,
            EmptyBodyRule::DropSegment => BodySegment::Omitted,
        }
    }
}

impl fmt::Debug for CanonicalBody<'_> {
    // Bodies carry customer data; show the size and hash, not the content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CanonicalBody")
            .field("len", &self.bytes.len())
            .field("digest", &self.digest)
            .finish()
    }
}

#[cfg(test)]
mod tests;
