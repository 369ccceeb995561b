//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::keys::{KeyError, KeyOptions};

const PRIVATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-private.pem"
));
const PUBLIC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-public.pem"
));
const LEGACY_PUBLIC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/legacy-1024-public.pem"
));
const LEGACY_SIG: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/legacy-1024-token-signature.b64"
));

#[test]
fn hex_encoding_round_trips() {
    let signer = AsymmetricSigner::new(RsaPrivateKey::from_pem(PRIVATE).unwrap())
        .with_encoding(SignatureEncoding::Hex);
    let sig = signer.sign_token("c", "t").unwrap();
    assert_eq!(sig.as_str().len(), 512);
    let v = AsymmetricVerifier::new(RsaPublicKey::from_pem(PUBLIC).unwrap());
    assert!(v.verify_token("c", "t", sig.as_str()).is_ok());
    assert_eq!(
        v.verify_token("c", "u", sig.as_str()),
        Err(VerifyError::Mismatch)
    );
    assert!(matches!(
        v.verify_token("c", "t", "AAAA"),
        Err(VerifyError::Malformed {
            expected_bytes: 256
        })
    ));
}

#[test]
fn legacy_1024_bit_keys_only_when_allowed() {
    assert_eq!(
        RsaPublicKey::from_pem(LEGACY_PUBLIC).unwrap_err(),
        KeyError::TooSmall {
            bits: 1024,
            min_bits: 2048
        }
    );
    let key =
        RsaPublicKey::from_pem_with(LEGACY_PUBLIC, KeyOptions::new().allow_legacy_1024()).unwrap();
    let v = AsymmetricVerifier::new(key);
    let msg = "legacy-client|2026-11-22T10:00:00+07:00";
    assert!(v.verify_bytes(msg.as_bytes(), LEGACY_SIG.trim()).is_ok());
    assert!(
        v.verify_bytes(b"legacy-client|other", LEGACY_SIG.trim())
            .is_err()
    );
}
