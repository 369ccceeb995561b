//! Asymmetric signatures: SHA256withRSA (RSASSA-PKCS1-v1_5 with SHA-256).
//!
//! Used for access-token requests (`clientId|Timestamp`), for DANA/Winpay-style
//! transactions and for provider notifications
//! (`METHOD:EndpointUrl:bodyhash:Timestamp`). Keys are parsed once
//! ([`RsaPrivateKey`], [`RsaPublicKey`]); PKCS#1 v1.5 signing is deterministic,
//! so published vectors reproduce exactly.
//!
//! ```
//! use snap_bi::asymmetric::{AsymmetricSigner, AsymmetricVerifier};
//! use snap_bi::keys::{RsaPrivateKey, RsaPublicKey};
//!
//! # let private_pem = include_str!("../tests/vectors/keys/midtrans-demo-private.pem");
//! # let public_pem = include_str!("../tests/vectors/keys/midtrans-demo-public.pem");
//! let signer = AsymmetricSigner::new(RsaPrivateKey::from_pem(private_pem)?);
//! let sig = signer.sign_token("G1234325-SNAP", "2024-03-01T08:27:49.024Z")?;
//! assert!(sig.as_str().starts_with("WzW49tYIgKIBmBi/gVBHGLAk"));
//!
//! let verifier = AsymmetricVerifier::new(RsaPublicKey::from_pem(public_pem)?);
//! verifier.verify_token("G1234325-SNAP", "2024-03-01T08:27:49.024Z", sig.as_str())?;
//! assert!(verifier.verify_token("G1234325-SNAP", "2024-03-01T08:27:50.024Z", sig.as_str()).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;

use crate::keys::{RsaPrivateKey, RsaPublicKey};
use crate::signature::{Signature, SignatureEncoding, VerifyError, decode_signature};
use crate::string_to_sign::{TransactionParts, token_string_to_sign};

/// RSA signing failed inside the crypto backend (not expected with a key
/// that parsed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("RSA signing failed in the crypto backend")]
#[non_exhaustive]
pub struct SignError;

/// Signs token requests and asymmetric transactions with a private key.
/// Cheap to clone: the key is shared.
#[derive(Clone)]
pub struct AsymmetricSigner {
    key: Arc<RsaPrivateKey>,
    encoding: SignatureEncoding,
}

impl AsymmetricSigner {
    /// A signer producing base64 signatures.
    #[must_use]
    pub fn new(key: RsaPrivateKey) -> Self {
        Self::from_shared(Arc::new(key))
    }

    /// A signer over a key that is shared with other components.
    #[must_use]
    pub fn from_shared(key: Arc<RsaPrivateKey>) -> Self {
        Self {
            key,
            encoding: SignatureEncoding::Base64,
        }
    }

    /// Chooses the output encoding.
    #[must_use]
    pub fn with_encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The key.
    #[must_use]
    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// Signs `clientId|Timestamp` for an access-token request.
    ///
    /// # Errors
    /// [`SignError`] if the backend fails.
    pub fn sign_token(&self, client_id: &str, timestamp: &str) -> Result<Signature, SignError> {
        self.sign_bytes(token_string_to_sign(client_id, timestamp).as_bytes())
    }

    /// Signs `METHOD:EndpointUrl:bodyhash:Timestamp`.
    ///
    /// # Errors
    /// [`SignError`] if the backend fails.
    pub fn sign(&self, parts: &TransactionParts<'_>) -> Result<Signature, SignError> {
        self.sign_bytes(parts.asymmetric_string_to_sign().as_bytes())
    }

    /// Signs an arbitrary string-to-sign.
    ///
    /// # Errors
    /// [`SignError`] if the backend fails.
    pub fn sign_bytes(&self, message: &[u8]) -> Result<Signature, SignError> {
        let raw = self.key.sign_raw(message).ok_or(SignError)?;
        Ok(Signature::encode(&raw, self.encoding))
    }
}

impl fmt::Debug for AsymmetricSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsymmetricSigner")
            .field("key", &self.key)
            .field("encoding", &self.encoding)
            .finish()
    }
}

/// Verifies token-request and asymmetric transaction signatures with a
/// public key. Accepts base64 or hex. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AsymmetricVerifier {
    key: Arc<RsaPublicKey>,
}

impl AsymmetricVerifier {
    /// A verifier for `key`.
    #[must_use]
    pub fn new(key: RsaPublicKey) -> Self {
        Self { key: Arc::new(key) }
    }

    /// A verifier over a shared key.
    #[must_use]
    pub fn from_shared(key: Arc<RsaPublicKey>) -> Self {
        Self { key }
    }

    /// The key.
    #[must_use]
    pub fn key(&self) -> &RsaPublicKey {
        &self.key
    }

    /// Verifies the signature of an access-token request.
    ///
    /// # Errors
    /// [`VerifyError`] when it is malformed or does not match.
    pub fn verify_token(
        &self,
        client_id: &str,
        timestamp: &str,
        signature: &str,
    ) -> Result<(), VerifyError> {
        self.verify_bytes(
            token_string_to_sign(client_id, timestamp).as_bytes(),
            signature,
        )
    }

    /// Verifies an asymmetric transaction or notification signature.
    ///
    /// # Errors
    /// [`VerifyError`] when it is malformed or does not match.
    pub fn verify(&self, parts: &TransactionParts<'_>, signature: &str) -> Result<(), VerifyError> {
        self.verify_bytes(parts.asymmetric_string_to_sign().as_bytes(), signature)
    }

    /// Verifies a signature over an arbitrary string-to-sign.
    ///
    /// # Errors
    /// [`VerifyError`] when it is malformed or does not match.
    pub fn verify_bytes(&self, message: &[u8], signature: &str) -> Result<(), VerifyError> {
        let (raw, _) = decode_signature(signature, self.key.signature_len())?;
        if self.key.verify_raw(message, &raw) {
            Ok(())
        } else {
            Err(VerifyError::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests;
