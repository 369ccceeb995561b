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

/// Throwaway keys of other algorithms (openssl genpkey), for the error wording.
const EC_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgItnmbUUPfEFowpoC
SxTTgE94lNrlpEAlX2kPFoIIqUChRANCAARH5dIKf8lMbwBYNMXFmfyoKtpNlLpI
2qXbZhEuvTmetr/xLSaDLebRuUm2Mk/iJJo9Q0KJRjOcargfP5BuieoO
-----END PRIVATE KEY-----
";
const EC_SEC1: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEICLZ5m1FD3xBaMKaAksU04BPeJTa5aRAJV9pDxaCCKlAoAoGCCqGSM49
AwEHoUQDQgAER+XSCn/JTG8AWDTFxZn8qCraTZS6SNql22YRLr05nra/8S0mgy3m
0blJtjJP4iSaPUNCiUYznGq4Hz+QbonqDg==
-----END EC PRIVATE KEY-----
";
const EC_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAER+XSCn/JTG8AWDTFxZn8qCraTZS6
SNql22YRLr05nra/8S0mgy3m0blJtjJP4iSaPUNCiUYznGq4Hz+QbonqDg==
-----END PUBLIC KEY-----
";
const ED25519_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIB45akgQ/UUVJIb53WhIEI7ckTfeh6cV555VWSrtD11b
-----END PRIVATE KEY-----
";

#[test]
fn other_algorithms_are_named_in_words() {
    let expected = "an EC key; SNAP needs RSA ≥ 2048 bits";
    for (what, error) in [
        ("pkcs8", RsaPrivateKey::from_pem(EC_PKCS8).unwrap_err()),
        ("sec1", RsaPrivateKey::from_pem(EC_SEC1).unwrap_err()),
        ("spki", RsaPublicKey::from_pem(EC_SPKI).unwrap_err()),
    ] {
        assert_eq!(error, KeyError::NotRsa { found: "an EC key" }, "{what}");
        assert_eq!(error.to_string(), expected, "{what}");
    }
    // Without the PEM armour too.
    let bare: String = EC_PKCS8
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_eq!(
        RsaPrivateKey::from_pem(&bare).unwrap_err().to_string(),
        expected
    );
    assert_eq!(
        RsaPrivateKey::from_pem(ED25519_PKCS8)
            .unwrap_err()
            .to_string(),
        "an Ed25519 key; SNAP needs RSA ≥ 2048 bits"
    );
}

#[test]
fn backend_reason_codes_never_reach_the_message() {
    let damaged = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    let e = RsaPrivateKey::from_pem(damaged).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("not a valid RSA PKCS#8 private key: its DER"),
        "{text}"
    );
    for backend in ["InvalidEncoding", "WrongAlgorithm", "KeyRejected"] {
        assert!(!text.contains(backend), "{text}");
    }
    let e = RsaPublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
        .unwrap_err();
    assert!(!e.to_string().contains("InvalidEncoding"), "{e}");
}
