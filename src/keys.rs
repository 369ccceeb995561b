//! RSA keys for SHA256withRSA, parsed once.
//!
//! Providers hand out keys in every PEM flavour: PKCS#8 (`BEGIN PRIVATE KEY`)
//! and PKCS#1 (`BEGIN RSA PRIVATE KEY`) private keys, SPKI (`BEGIN PUBLIC KEY`)
//! and PKCS#1 (`BEGIN RSA PUBLIC KEY`) public keys, with LF or CRLF line ends,
//! sometimes with the line breaks written as a literal `\n` (environment
//! variables) or with no PEM armour at all (bare base64 DER). All of these are
//! accepted. Keys smaller than 2048 bits are refused unless a
//! [`KeyOptions`] explicitly allows them.
//!
//! Keys are aws-lc-rs key objects held directly. Signing never goes through
//! jsonwebtoken's process-wide `CryptoProvider`, which panics when a
//! dependency tree enables both of jsonwebtoken's backends, and which would
//! re-parse the key on every signature.
//!
//! ```
//! use snap_bi::keys::{RsaPrivateKey, RsaPublicKey};
//!
//! # let private_pem = include_str!("../tests/vectors/keys/partner-test-private.pem");
//! # let public_pem = include_str!("../tests/vectors/keys/partner-test-public.pem");
//! let private = RsaPrivateKey::from_pem(private_pem)?;
//! let public = RsaPublicKey::from_pem(public_pem)?;
//! assert_eq!(private.bits(), 2048);
//! assert_eq!(public.bits(), 2048);
//! assert!(format!("{private:?}").contains("redacted"));
//! # Ok::<(), snap_bi::keys::KeyError>(())
//! ```

use std::fmt;

use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
    RSA_PKCS1_2048_8192_SHA256,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Why a key (or secret) could not be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The client secret is empty.
    #[error("the client secret is empty")]
    EmptySecret,
    /// The input is neither PEM nor base64 DER.
    #[error("key is not PEM or base64 DER: {0}")]
    NotPem(String),
    /// The PEM block is of a kind this function does not take.
    #[error("expected {expected}, found a PEM block labelled \"{found}\"")]
    WrongPemLabel {
        /// What was expected.
        expected: &'static str,
        /// The label found.
        found: String,
    },
    /// The key is encrypted; decrypt it first (`openssl pkcs8 -in k.pem -nocrypt`).
    #[error(
        "the private key is encrypted; provide it unencrypted (e.g. `openssl pkcs8 -topk8 -nocrypt`)"
    )]
    Encrypted,
    /// The key is smaller than allowed.
    #[error("RSA key has {bits} bits; at least {min_bits} are required")]
    TooSmall {
        /// The key's size.
        bits: usize,
        /// The configured minimum.
        min_bits: usize,
    },
    /// The private key is smaller than 2048 bits, which the crypto backend
    /// cannot sign with at all.
    #[error(
        "RSA private key is smaller than 2048 bits; aws-lc-rs cannot sign with it \
         (ask the provider for a 2048-bit key pair)"
    )]
    PrivateKeyTooSmall,
    /// The DER inside is not an RSA key of the expected kind. The second
    /// field says what is wrong in words.
    #[error("not a valid RSA {0} key: {1}")]
    Rejected(&'static str, String),
    /// The key is of another algorithm (EC, Ed25519, DSA, …). `found` names
    /// it, e.g. "an EC key".
    #[error("{found}; SNAP needs RSA ≥ 2048 bits")]
    NotRsa {
        /// What the key is, with its article: "an EC key".
        found: &'static str,
    },
}

/// Policy for accepting keys.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyOptions {
    min_bits: usize,
}

impl Default for KeyOptions {
    fn default() -> Self {
        Self { min_bits: 2048 }
    }
}

impl KeyOptions {
    /// The default policy: 2048 bits or more.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts public keys down to 1024 bits, which some sandboxes still hand
    /// out. (Private keys under 2048 bits cannot be used for signing: the
    /// crypto backend refuses them.)
    #[must_use]
    pub fn allow_legacy_1024(mut self) -> Self {
        self.min_bits = 1024;
        self
    }

    /// The minimum key size in bits.
    #[must_use]
    pub fn min_bits(&self) -> usize {
        self.min_bits
    }
}

/// A decoded key: its PEM label (empty for bare DER) and DER bytes.
struct Der {
    label: String,
    bytes: Vec<u8>,
}

fn decode_pem(input: &[u8]) -> Result<Der, KeyError> {
    let text = std::str::from_utf8(input)
        .map_err(|_| KeyError::NotPem("not UTF-8 text".to_owned()))?
        .trim();
    // Keys pasted into environment variables often carry literal "\n".
    let text = text.replace("\\n", "\n");
    if text.contains("-----BEGIN") {
        let pem = pem::parse(text.as_bytes()).map_err(|e| KeyError::NotPem(e.to_string()))?;
        return Ok(Der {
            label: pem.tag().to_owned(),
            bytes: pem.into_contents(),
        });
    }
    let compact: String = text.split_whitespace().collect();
    let bytes = STANDARD
        .decode(compact)
        .map_err(|e| KeyError::NotPem(format!("no PEM armour and not base64 ({e})")))?;
    Ok(Der {
        label: String::new(),
        bytes,
    })
}

/// An RSA private key, parsed once. `Debug` shows only its size.
pub struct RsaPrivateKey {
    pair: KeyPair,
}

impl RsaPrivateKey {
    /// Parses a PKCS#8 or PKCS#1 private key (PEM, or bare base64 DER).
    ///
    /// # Errors
    /// [`KeyError`] when the input is not an unencrypted RSA private key of at
    /// least 2048 bits.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let der = decode_pem(pem.as_ref())?;
        match der.label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der.bytes),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der.bytes),
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::Encrypted),
            "" => Self::from_pkcs8_der(&der.bytes)
                .or_else(|e| Self::from_pkcs1_der(&der.bytes).map_err(|_| e)),
            other => Err(label_error(other, "PRIVATE KEY or RSA PRIVATE KEY")),
        }
    }

    /// Parses a PKCS#8 DER private key.
    ///
    /// # Errors
    /// [`KeyError`] when it is not an RSA key of at least 2048 bits.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        KeyPair::from_pkcs8(der)
            .map(|pair| Self { pair })
            .map_err(|e| rejected("PKCS#8 private", der, &e))
    }

    /// Parses a PKCS#1 (`RSAPrivateKey`) DER private key.
    ///
    /// # Errors
    /// [`KeyError`] when it is not an RSA key of at least 2048 bits.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        KeyPair::from_der(der)
            .map(|pair| Self { pair })
            .map_err(|e| rejected("PKCS#1 private", der, &e))
    }

    /// The modulus size in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.pair.public_modulus_len() * 8
    }

    /// The matching public key.
    ///
    /// # Errors
    /// Only if the backend cannot re-read its own public key (not expected).
    pub fn public_key(&self) -> Result<RsaPublicKey, KeyError> {
        RsaPublicKey::from_der(self.pair.public_key().as_ref(), KeyOptions::default())
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 SHA-256, returning the raw bytes.
    pub(crate) fn sign_raw(&self, message: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                message,
                &mut out,
            )
            .ok()?;
        Some(out)
    }
}

/// The backend's refusal in words: another algorithm by name, else what its
/// reason code means.
fn rejected(kind: &'static str, der: &[u8], e: &aws_lc_rs::error::KeyRejected) -> KeyError {
    if let Some(found) = other_algorithm(der) {
        return KeyError::NotRsa { found };
    }
    let reason = match e.description_() {
        "TooSmall" if kind.ends_with("private") => return KeyError::PrivateKeyTooSmall,
        "TooSmall" => "it is smaller than the backend accepts",
        "TooLarge" => "it is larger than 8192 bits",
        "WrongAlgorithm" => "it is not an RSA key",
        "InvalidEncoding" => {
            "its DER structure is not one (truncated, damaged, or another kind of key or file)"
        }
        "InconsistentComponents" | "InvalidComponent" => {
            "its numbers do not form a valid RSA key (damaged or edited)"
        }
        "VersionNotSupported" => "it uses a key format version this library cannot read",
        "PublicKeyIsMissing" => "it lacks the public key part",
        other => {
            return KeyError::Rejected(kind, format!("the crypto backend refused it ({other})"));
        }
    };
    KeyError::Rejected(kind, reason.to_owned())
}

/// The algorithm of a non-RSA key, from the algorithm identifier near the
/// start of PKCS#8 and SPKI structures (the key material comes later, so
/// looking only at the head cannot mistake key bytes for an identifier).
fn other_algorithm(der: &[u8]) -> Option<&'static str> {
    const OIDS: [(&[u8], &str); 7] = [
        // 1.2.840.10045.2.1 id-ecPublicKey
        (
            &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
            "an EC key",
        ),
        // 1.3.101.110-113 X25519, X448, Ed25519, Ed448
        (&[0x06, 0x03, 0x2b, 0x65, 0x6e], "an X25519 key"),
        (&[0x06, 0x03, 0x2b, 0x65, 0x6f], "an X448 key"),
        (&[0x06, 0x03, 0x2b, 0x65, 0x70], "an Ed25519 key"),
        (&[0x06, 0x03, 0x2b, 0x65, 0x71], "an Ed448 key"),
        // 1.2.840.10040.4.1 DSA
        (
            &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01],
            "a DSA key",
        ),
        // 1.2.840.113549.1.1.10 RSASSA-PSS: RSA, but restricted to PSS
        (
            &[
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
            ],
            "an RSASSA-PSS-only key (SNAP signs PKCS#1 v1.5; export it as a plain RSA key)",
        ),
    ];
    let head = der.get(..32).unwrap_or(der);
    OIDS.iter()
        .find(|(oid, _)| head.windows(oid.len()).any(|w| w == *oid))
        .map(|(_, name)| *name)
}

/// A PEM block of the wrong kind: other algorithms by name, else the label.
fn label_error(label: &str, expected: &'static str) -> KeyError {
    let found = match label {
        "EC PRIVATE KEY" | "EC PARAMETERS" => "an EC key",
        "DSA PRIVATE KEY" => "a DSA key",
        "OPENSSH PRIVATE KEY" => {
            "an OpenSSH-format key (convert it: `ssh-keygen -p -m PKCS8 -f KEY`, and it must be RSA)"
        }
        _ => {
            return KeyError::WrongPemLabel {
                expected,
                found: label.to_owned(),
            };
        }
    };
    KeyError::NotRsa { found }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPrivateKey(<redacted, {} bits>)", self.bits())
    }
}

/// An RSA public key, parsed once.
pub struct RsaPublicKey {
    parsed: ParsedPublicKey,
    bits: usize,
}

impl RsaPublicKey {
    /// Parses an SPKI or PKCS#1 public key (PEM, or bare base64 DER) of at
    /// least 2048 bits.
    ///
    /// # Errors
    /// [`KeyError`] when the input is not such a key.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::from_pem_with(pem, KeyOptions::default())
    }

    /// Like [`from_pem`](Self::from_pem), with a key-size policy.
    ///
    /// # Errors
    /// [`KeyError`] when the input is not an acceptable RSA public key.
    pub fn from_pem_with(pem: impl AsRef<[u8]>, options: KeyOptions) -> Result<Self, KeyError> {
        let der = decode_pem(pem.as_ref())?;
        match der.label.as_str() {
            "PUBLIC KEY" | "RSA PUBLIC KEY" | "" => Self::from_der(&der.bytes, options),
            other => Err(label_error(other, "PUBLIC KEY or RSA PUBLIC KEY")),
        }
    }

    /// Parses SPKI or PKCS#1 DER.
    ///
    /// # Errors
    /// [`KeyError`] when it is not an acceptable RSA public key.
    pub fn from_der(der: &[u8], options: KeyOptions) -> Result<Self, KeyError> {
        let key =
            aws_lc_rs::rsa::PublicKey::from_der(der).map_err(|e| rejected("public", der, &e))?;
        let bits = key.modulus_len() * 8;
        if bits < options.min_bits {
            return Err(KeyError::TooSmall {
                bits,
                min_bits: options.min_bits,
            });
        }
        let params = if bits < 2048 {
            &RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        } else {
            &RSA_PKCS1_2048_8192_SHA256
        };
        let parsed = ParsedPublicKey::new(params, der).map_err(|e| rejected("public", der, &e))?;
        Ok(Self { parsed, bits })
    }

    /// The modulus size in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The size of a signature made with the matching private key, in bytes.
    #[must_use]
    pub fn signature_len(&self) -> usize {
        self.bits / 8
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
    pub(crate) fn verify_raw(&self, message: &[u8], signature: &[u8]) -> bool {
        self.parsed.verify_sig(message, signature).is_ok()
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPublicKey({} bits)", self.bits)
    }
}

#[cfg(test)]
mod tests;
