//! Symmetric signatures: HMAC-SHA512 keyed with the client secret.
//!
//! `X-SIGNATURE = HMAC_SHA512(clientSecret, METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp)`.
//! The key is the client secret's raw UTF-8 bytes, never base64-decoded, even
//! when the secret looks like base64. [`SymmetricSigner`] runs the HMAC key
//! schedule once, at construction; each signature then starts from a copy of
//! the keyed state and streams the string-to-sign into it without building it.
//! Verification compares in constant time.
//!
//! ```
//! use snap_bi::body::CanonicalBody;
//! use snap_bi::minify::BodyPolicy;
//! use snap_bi::string_to_sign::TransactionParts;
//! use snap_bi::symmetric::{ClientSecret, SymmetricSigner};
//!
//! // Midtrans' published sample (snap-spec V1).
//! let signer = SymmetricSigner::new(&ClientSecret::new("myclientsecret")?);
//! let body = CanonicalBody::new(
//!     br#"{"partnerReferenceNo":"2020102900000000000001","amount":{"value":"12345678.00","currency":"IDR"},"feeAmount":{"value":"12345678.00","currency":"IDR"},"merchantId":"00007100010926","terminalId":"213141251124","validityPeriod":"2009-07-03T12:08:56-07:00"}"#,
//!     BodyPolicy::Minify,
//! )?;
//! let parts = TransactionParts::new("POST", "/v1.0/qr/qr-mpm-generate", &body, "2024-03-05T10:37:16.196Z");
//! let sig = signer.sign(&parts, "myaccesstoken");
//! assert_eq!(
//!     sig.as_str(),
//!     "wmzT7yjg1SxxCsxNsFgCR9SYXiZGGbceF6fV8xe97sAMHxZ+7OEBMIBmvb6Sj6GcksGp3iv77DiomgSbcST3XQ=="
//! );
//! assert!(signer.verify(&parts, "myaccesstoken", sig.as_str()).is_ok());
//! assert!(signer.verify(&parts, "othertoken", sig.as_str()).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::env::{self, VarError};
use std::fmt;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha512;

use crate::keys::KeyError;
use crate::signature::{Signature, SignatureEncoding, VerifyError, decode_signature};
use crate::string_to_sign::TransactionParts;

/// The client secret issued by the provider. Redacted in `Debug`; zeroised on drop.
#[derive(Clone)]
pub struct ClientSecret(SecretString);

impl ClientSecret {
    /// Wraps a client secret. Surrounding whitespace is *not* trimmed: the
    /// secret's bytes are the key.
    ///
    /// # Errors
    /// [`KeyError::EmptySecret`] for an empty secret, which is always a
    /// configuration mistake.
    pub fn new(secret: impl Into<String>) -> Result<Self, KeyError> {
        let secret: String = secret.into();
        if secret.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        Ok(Self(SecretString::from(secret)))
    }

    /// Reads the secret from a file, ignoring one trailing line break (`\n`
    /// or `\r\n`) as left by editors and `echo secret > secret.txt`. Any
    /// other whitespace is kept: it is part of the secret. This is the rule
    /// the `snap-bi` command line applies to `--client-secret-file`, so an
    /// application and the CLI given the same file sign alike.
    ///
    /// ```
    /// use snap_bi::ClientSecret;
    ///
    /// let path = std::env::temp_dir().join(format!("snap-bi-doc-secret-{}", std::process::id()));
    /// std::fs::write(&path, "my-secret\n")?;
    /// let secret = ClientSecret::from_file(&path)?;
    /// assert_eq!(secret.expose_secret(), "my-secret");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SecretError`] when the file cannot be read, is not UTF-8 text, or
    /// holds nothing but the line break, and [`SecretError::LooksLikePem`]
    /// for a PEM file (a private key given as the secret). The error never
    /// contains the secret.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SecretError> {
        let path = path.as_ref();
        let origin = || format!("client secret file {}", path.display());
        let bytes = std::fs::read(path).map_err(|source| SecretError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text =
            String::from_utf8(bytes).map_err(|_| SecretError::NotText { origin: origin() })?;
        Self::from_text(text, origin)
    }

    /// Reads the secret from the environment variable `name` (for example
    /// `SNAP_CLIENT_SECRET`), ignoring one trailing line break as
    /// [`from_file`](Self::from_file) does.
    ///
    /// # Errors
    /// [`SecretError::NotSet`] when the variable is absent, otherwise as
    /// [`from_file`](Self::from_file).
    pub fn from_env(name: &str) -> Result<Self, SecretError> {
        let text = match env::var(name) {
            Ok(text) => text,
            Err(VarError::NotPresent) => {
                return Err(SecretError::NotSet {
                    name: name.to_owned(),
                });
            }
            Err(VarError::NotUnicode(_)) => {
                return Err(SecretError::NotText {
                    origin: name.to_owned(),
                });
            }
        };
        Self::from_text(text, || name.to_owned())
    }

    fn from_text(mut text: String, origin: impl Fn() -> String) -> Result<Self, SecretError> {
        strip_one_line_break(&mut text);
        // A PEM file (a private key passed where the secret goes) would
        // otherwise become the HMAC key, and every signature would fail
        // with no hint why.
        if text.trim_start().starts_with("-----BEGIN ") {
            return Err(SecretError::LooksLikePem { origin: origin() });
        }
        Self::new(text).map_err(|_| SecretError::Empty { origin: origin() })
    }

    /// The secret itself. Named loudly so its uses are easy to find.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

/// Drops one trailing `\n` or `\r\n`.
fn strip_one_line_break(text: &mut String) {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
}

/// Why [`ClientSecret::from_file`] or [`ClientSecret::from_env`] failed. The
/// secret itself never appears.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file could not be read.
    #[error("cannot read client secret file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The environment variable is not set.
    #[error("{name} is not set")]
    NotSet {
        /// The variable's name.
        name: String,
    },
    /// The file or variable is not UTF-8 text.
    #[error("{origin} is not UTF-8 text")]
    NotText {
        /// The file (`client secret file PATH`) or variable name.
        origin: String,
    },
    /// The file or variable holds a PEM block (`-----BEGIN …`): a key or
    /// certificate, not the provider's client secret.
    #[error(
        "{origin} holds a PEM block (-----BEGIN …), not a client secret: the client secret \
         is the HMAC secret the provider issued; an RSA private key is given as the private key"
    )]
    LooksLikePem {
        /// The file (`client secret file PATH`) or variable name.
        origin: String,
    },
    /// Nothing is left once the trailing line break is removed.
    #[error("{origin} holds an empty client secret")]
    Empty {
        /// The file (`client secret file PATH`) or variable name.
        origin: String,
    },
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// Signs and verifies symmetric (HMAC-SHA512) signatures with one client secret.
#[derive(Clone)]
pub struct SymmetricSigner {
    keyed: Hmac<Sha512>,
    encoding: SignatureEncoding,
}

impl SymmetricSigner {
    /// Length in bytes of a symmetric signature (an HMAC-SHA512 output).
    pub const SIGNATURE_LEN: usize = 64;

    /// Keys a signer with `secret` (the HMAC key schedule runs here, once).
    #[must_use]
    pub fn new(secret: &ClientSecret) -> Self {
        Self {
            keyed: keyed_mac(secret.expose_secret().as_bytes()),
            encoding: SignatureEncoding::Base64,
        }
    }

    /// Chooses the output encoding (base64 by default; hex for BRI).
    #[must_use]
    pub fn with_encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The output encoding.
    #[must_use]
    pub fn encoding(&self) -> SignatureEncoding {
        self.encoding
    }

    fn mac_of(&self, parts: &TransactionParts<'_>, access_token: &str) -> Hmac<Sha512> {
        let mut mac = self.keyed.clone();
        parts.write_symmetric(access_token, &mut |piece| mac.update(piece));
        mac
    }

    /// Signs a transaction with the B2B access token (`Bearer ` optional).
    #[must_use]
    pub fn sign(&self, parts: &TransactionParts<'_>, access_token: &str) -> Signature {
        let tag = self.mac_of(parts, access_token).finalize().into_bytes();
        Signature::encode(tag.as_slice(), self.encoding)
    }

    /// Signs an arbitrary string-to-sign (for non-standard shapes).
    #[must_use]
    pub fn sign_bytes(&self, string_to_sign: &[u8]) -> Signature {
        let mut mac = self.keyed.clone();
        mac.update(string_to_sign);
        Signature::encode(mac.finalize().into_bytes().as_slice(), self.encoding)
    }

    /// Verifies a received `X-SIGNATURE` (base64 or hex) in constant time.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] when the value is not a 64-byte signature in
    /// either encoding, [`VerifyError::Mismatch`] when it does not match.
    pub fn verify(
        &self,
        parts: &TransactionParts<'_>,
        access_token: &str,
        signature: &str,
    ) -> Result<(), VerifyError> {
        let (raw, _) = decode_signature(signature, Self::SIGNATURE_LEN)?;
        self.mac_of(parts, access_token)
            .verify_slice(&raw)
            .map_err(|_| VerifyError::Mismatch)
    }

    /// Verifies a signature over an arbitrary string-to-sign, in constant time.
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub fn verify_bytes(&self, string_to_sign: &[u8], signature: &str) -> Result<(), VerifyError> {
        let (raw, _) = decode_signature(signature, Self::SIGNATURE_LEN)?;
        if self.verify_raw(string_to_sign, &raw) {
            Ok(())
        } else {
            Err(VerifyError::Mismatch)
        }
    }

    /// Whether `tag` (64 raw bytes) is the MAC of `string_to_sign`, compared in
    /// constant time. For callers that decoded the signature once and try many
    /// strings (explain).
    pub(crate) fn verify_raw(&self, string_to_sign: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.keyed.clone();
        mac.update(string_to_sign);
        mac.verify_slice(tag).is_ok()
    }
}

fn keyed_mac(key: &[u8]) -> Hmac<Sha512> {
    // HMAC accepts keys of any length, so this never takes the fallback;
    // the fallback exists only to avoid an unwrap.
    <Hmac<Sha512> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha512> as KeyInit>::new(&Default::default()))
}

impl fmt::Debug for SymmetricSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SymmetricSigner")
            .field("key", &"<redacted>")
            .field("encoding", &self.encoding)
            .finish()
    }
}

#[cfg(test)]
mod tests;
