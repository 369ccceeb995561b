//! Unit tests of the parent module, kept in their own file.

use super::*;

const PKCS8: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-private.pem"
));
const PKCS1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-private-pkcs1.pem"
));
const SPKI: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-public.pem"
));

#[test]
fn pkcs8_and_pkcs1_are_the_same_key() {
    let a = RsaPrivateKey::from_pem(PKCS8).unwrap();
    let b = RsaPrivateKey::from_pem(PKCS1).unwrap();
    assert_eq!(a.sign_raw(b"m"), b.sign_raw(b"m"));
}

#[test]
fn crlf_literal_newlines_and_bare_base64_are_accepted() {
    let crlf = PKCS8.replace('\n', "\r\n");
    assert!(RsaPrivateKey::from_pem(&crlf).is_ok());
    let escaped = PKCS8.trim().replace('\n', "\\n");
    assert!(RsaPrivateKey::from_pem(&escaped).is_ok());
    let bare: String = PKCS8.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(RsaPrivateKey::from_pem(&bare).is_ok());
    let bare1: String = PKCS1.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(RsaPrivateKey::from_pem(&bare1).is_ok());
    let spki_crlf = SPKI.replace('\n', "\r\n");
    assert_eq!(RsaPublicKey::from_pem(&spki_crlf).unwrap().bits(), 2048);
}

#[test]
fn public_key_round_trip() {
    let private = RsaPrivateKey::from_pem(PKCS8).unwrap();
    let public = private.public_key().unwrap();
    let sig = private.sign_raw(b"hello").unwrap();
    assert!(public.verify_raw(b"hello", &sig));
    assert!(!public.verify_raw(b"hellO", &sig));
    let from_file = RsaPublicKey::from_pem(SPKI).unwrap();
    assert!(from_file.verify_raw(b"hello", &sig));
}

#[test]
fn wrong_kinds_are_clear_errors() {
    assert!(matches!(
        RsaPrivateKey::from_pem(SPKI),
        Err(KeyError::WrongPemLabel { .. })
    ));
    assert!(matches!(
        RsaPublicKey::from_pem(PKCS8),
        Err(KeyError::WrongPemLabel { .. })
    ));
    assert!(matches!(
        RsaPrivateKey::from_pem(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
        ),
        Err(KeyError::Encrypted)
    ));
    assert!(matches!(
        RsaPrivateKey::from_pem("hello world"),
        Err(KeyError::NotPem(_))
    ));
    assert!(
        RsaPrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            .is_err()
    );
    assert!(RsaPrivateKey::from_pem([0xff, 0xfe]).is_err());
    assert!(RsaPublicKey::from_pem("").is_err());
}

#[test]
fn debug_is_redacted() {
    let k = RsaPrivateKey::from_pem(PKCS8).unwrap();
    assert_eq!(format!("{k:?}"), "RsaPrivateKey(<redacted, 2048 bits>)");
}
