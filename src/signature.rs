//! `X-SIGNATURE` values: their encoding, and why a verification failed.
//!
//! SNAP signatures are standard base64 with padding almost everywhere; BRI's
//! SDK and old ASPI sandbox snippets send lowercase hex instead. Signers emit
//! the configured [`SignatureEncoding`]; verifiers accept either, because the
//! two spellings denote the same bytes and their lengths never collide.
//!
//! ```
//! use snap_bi::signature::{Signature, SignatureEncoding};
//!
//! let sig = Signature::encode(&[0xfb, 0xff], SignatureEncoding::Base64);
//! assert_eq!(sig.as_str(), "+/8=");
//! assert_eq!(format!("{sig:?}"), "Signature(<redacted, 4 chars>)");
//! let hex = Signature::encode(&[0xfb, 0xff], SignatureEncoding::Hex);
//! assert_eq!(hex.as_str(), "fbff");
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// How signature bytes are written in `X-SIGNATURE`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum SignatureEncoding {
    /// Standard base64 with padding (RFC 4648 §4). The standard, and the default.
    #[default]
    Base64,
    /// Lowercase hex (BRI's SDK, old ASPI sandbox snippets).
    Hex,
}

/// An encoded `X-SIGNATURE` value. Its `Debug` form is redacted; read it with
/// [`as_str`](Self::as_str) when it is time to send it.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(String);

impl Signature {
    /// Encodes raw signature bytes.
    #[must_use]
    pub fn encode(raw: &[u8], encoding: SignatureEncoding) -> Self {
        Self(match encoding {
            SignatureEncoding::Base64 => STANDARD.encode(raw),
            SignatureEncoding::Hex => hex::encode(raw),
        })
    }

    /// The header value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the header value out.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }

    /// The value as an `http` header value, marked sensitive so HTTP
    /// libraries keep it out of their logs.
    #[must_use]
    pub fn to_header_value(&self) -> http::HeaderValue {
        self.clone().into_header_value()
    }

    /// [`to_header_value`](Self::to_header_value) for a signature that is
    /// no longer needed: the header takes over the string's buffer instead
    /// of copying it.
    pub(crate) fn into_header_value(self) -> http::HeaderValue {
        // Base64 and hex are always valid header characters.
        let mut value = http::HeaderValue::try_from(self.0)
            .unwrap_or_else(|_| http::HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(<redacted, {} chars>)", self.0.len())
    }
}

/// Why a signature did not verify.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The `X-SIGNATURE` value is neither base64 nor hex of the right length.
    #[error("X-SIGNATURE is not a base64 or hex signature of {expected_bytes} bytes")]
    Malformed {
        /// How many bytes a signature of this kind has.
        expected_bytes: usize,
    },
    /// The signature is well-formed but does not match the request.
    #[error("signature does not match")]
    Mismatch,
}

/// Decodes a received signature of `expected_bytes` bytes, written in either
/// encoding. Hex is recognised by its length (twice the byte count), which no
/// padded base64 string of the same byte count can have.
///
/// # Errors
/// [`VerifyError::Malformed`] when it is neither.
pub fn decode_signature(
    value: &str,
    expected_bytes: usize,
) -> Result<(Vec<u8>, SignatureEncoding), VerifyError> {
    let malformed = VerifyError::Malformed { expected_bytes };
    let value = value.trim();
    if value.len() == expected_bytes * 2
        && let Ok(raw) = hex::decode(value)
    {
        return Ok((raw, SignatureEncoding::Hex));
    }
    // Cap before decoding so a huge header cannot cost a huge allocation.
    if value.len() > expected_bytes.div_ceil(3) * 4 {
        return Err(malformed);
    }
    match STANDARD.decode(value) {
        Ok(raw) if raw.len() == expected_bytes => Ok((raw, SignatureEncoding::Base64)),
        _ => Err(malformed),
    }
}

#[cfg(test)]
mod tests;
