//! Fazz callbacks: HMAC-SHA256 over the raw body, keyed with the callback
//! endpoint's signing secret, lower-case hex in a header (`Xfers-Signature`
//! by Fazz's documentation; the spelling is not confirmed, so it is
//! configurable).
//!
//! Verify the bytes received, before parsing them; then parse the same bytes
//! as a [`PaymentDocument`](super::PaymentDocument). The signature covers no
//! timestamp and Fazz documents no event id, so a replayed callback verifies
//! again: de-duplicate on `data.id` + status
//! ([`PaymentDocument::dedup_key`](super::PaymentDocument::dedup_key)) and
//! treat a status you already have as a no-op. Answer 200 once handled.
//!
//! ```
//! use snap_bi::fazz::callback::{sign_callback, verify_callback, CallbackError, SigningSecret};
//!
//! let secret = SigningSecret::new("ss_test_secret")?;
//! let body = br#"{"data":{"id":"contract_1","type":"payment","attributes":{"status":"paid","amount":"100000.0"}}}"#;
//! let signature = sign_callback(body, &secret);
//! assert_eq!(signature.len(), 64);
//! assert!(verify_callback(&signature, body, &secret).is_ok());
//!
//! // One byte changed in the body: refused.
//! let forged = br#"{"data":{"id":"contract_1","type":"payment","attributes":{"status":"paid","amount":"900000.0"}}}"#;
//! assert_eq!(verify_callback(&signature, forged, &secret), Err(CallbackError::Mismatch));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::{EmptyCredential, non_empty};

/// The header Fazz's documentation names for the signature.
pub const DEFAULT_SIGNATURE_HEADER: &str = "Xfers-Signature";

/// The signing secret of one callback endpoint (`ss_…`). Redacted in
/// `Debug`; zeroised on drop.
#[derive(Clone)]
pub struct SigningSecret(SecretString);

impl SigningSecret {
    /// Wraps a signing secret; surrounding whitespace (a file's final
    /// newline) is trimmed.
    ///
    /// # Errors
    /// [`EmptyCredential`] if nothing is left.
    pub fn new(secret: impl Into<String>) -> Result<Self, EmptyCredential> {
        non_empty(secret.into(), "signing secret").map(|s| Self(SecretString::from(s)))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length; the fallback only avoids an unwrap.
        <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret().as_bytes())
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

/// Why a callback is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// No signature header.
    #[error("callback has no signature header")]
    MissingSignature,
    /// The signature header appears more than once.
    #[error("callback has more than one signature header")]
    RepeatedSignature,
    /// The signature is not 64 hex digits.
    #[error("callback signature is not 64 hex digits")]
    MalformedSignature,
    /// The signature does not match the body.
    #[error("callback signature does not match the body")]
    Mismatch,
}

/// The signature of `raw_body`: HMAC-SHA256, lower-case hex (what Fazz sends;
/// for test servers and mocks).
pub fn sign_callback(raw_body: &[u8], secret: &SigningSecret) -> String {
    let mut mac = secret.mac();
    mac.update(raw_body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks `signature_hex` against `raw_body`, in constant time. Surrounding
/// whitespace is ignored; hex digits are read in either case (Fazz sends
/// lower case; the case carries no secret).
///
/// # Errors
/// [`CallbackError::MalformedSignature`] or [`CallbackError::Mismatch`].
pub fn verify_callback(
    signature_hex: &str,
    raw_body: &[u8],
    secret: &SigningSecret,
) -> Result<(), CallbackError> {
    let signature = signature_hex.trim();
    if signature.len() != 64 {
        return Err(CallbackError::MalformedSignature);
    }
    let tag = hex::decode(signature).map_err(|_| CallbackError::MalformedSignature)?;
    let mut mac = secret.mac();
    mac.update(raw_body);
    mac.verify_slice(&tag).map_err(|_| CallbackError::Mismatch)
}

/// Verifies callbacks on request headers: one signing secret and the header
/// name to read (default [`DEFAULT_SIGNATURE_HEADER`]). What a receiving
/// layer holds.
#[derive(Debug, Clone)]
pub struct CallbackVerifier {
    secret: SigningSecret,
    header: http::HeaderName,
}

impl CallbackVerifier {
    /// Reads the signature from `Xfers-Signature`.
    pub fn new(secret: SigningSecret) -> Self {
        Self {
            secret,
            header: http::HeaderName::from_static("xfers-signature"),
        }
    }

    /// Reads the signature from another header (e.g. `X-Xfers-Signature`).
    #[must_use]
    pub fn with_header(mut self, header: http::HeaderName) -> Self {
        self.header = header;
        self
    }

    /// The header the signature is read from.
    pub fn header(&self) -> &http::HeaderName {
        &self.header
    }

    /// Checks a callback's headers and raw body.
    ///
    /// # Errors
    /// [`CallbackError`] saying why it is refused.
    pub fn verify(&self, headers: &http::HeaderMap, raw_body: &[u8]) -> Result<(), CallbackError> {
        let mut values = headers.get_all(&self.header).iter();
        let value = values.next().ok_or(CallbackError::MissingSignature)?;
        if values.next().is_some() {
            return Err(CallbackError::RepeatedSignature);
        }
        let text = value
            .to_str()
            .map_err(|_| CallbackError::MalformedSignature)?;
        verify_callback(text, raw_body, &self.secret)
    }
}
