use super::*;

const PARTNER_KEY_PKCS8: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-private.pem"
));
const PARTNER_KEY_PKCS1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/keys/partner-test-private-pkcs1.pem"
));

/// A self-signed certificate and its PKCS#8 key (ECDSA P-256).
fn self_signed() -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["client.test".to_owned()]).unwrap();
    (certified.cert.pem(), certified.signing_key.serialize_pem())
}

fn error_of(builder: TlsConfigBuilder) -> TlsConfigError {
    builder.build().unwrap_err()
}

#[test]
fn added_roots_alone_build_and_are_counted() {
    let (one, _) = self_signed();
    let (two, _) = self_signed();
    let config = TlsConfig::builder()
        .without_system_roots()
        .add_root_pem(format!("{one}{two}").as_bytes())
        .build()
        .unwrap();
    assert!(!config.has_client_identity());
    assert_eq!(
        format!("{config:?}"),
        "TlsConfig { system_roots: false, extra_roots: 2, client_identity: false, .. }"
    );
    assert!(config.rustls_client_config().alpn_protocols.is_empty());
}

#[test]
fn system_roots_load_with_extra_roots_on_top() {
    let (root, _) = self_signed();
    let config = TlsConfig::builder()
        .add_root_pem(root.as_bytes())
        .build()
        .unwrap();
    assert_eq!(
        format!("{config:?}"),
        "TlsConfig { system_roots: true, extra_roots: 1, client_identity: false, .. }"
    );
}

#[test]
fn a_pem_without_a_certificate_is_a_root_error() {
    let (_, key) = self_signed();
    for pem in [&b""[..], b"not a PEM", key.as_bytes()] {
        let error = error_of(TlsConfig::builder().add_root_pem(pem));
        assert!(matches!(error, TlsConfigError::Root(_)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "root certificates: no certificate in the PEM"
        );
    }
}

#[test]
fn a_malformed_pem_or_certificate_is_a_root_error() {
    let truncated = b"-----BEGIN CERTIFICATE-----\nMIIB\n";
    assert_eq!(
        error_of(TlsConfig::builder().add_root_pem(truncated)).to_string(),
        "root certificates: malformed PEM: a section has no END line"
    );
    let garbage = b"-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";
    let error = error_of(TlsConfig::builder().add_root_pem(garbage));
    assert!(
        error
            .to_string()
            .starts_with("root certificates: a certificate does not parse: "),
        "{error}"
    );
}

#[test]
fn an_unreadable_root_file_names_the_file() {
    let error = error_of(TlsConfig::builder().add_root_pem_file("/nonexistent/ca.pem"));
    assert!(matches!(error, TlsConfigError::Read { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("cannot read /nonexistent/ca.pem: "),
        "{error}"
    );
}

#[test]
fn the_first_error_wins() {
    let (root, _) = self_signed();
    let error = error_of(
        TlsConfig::builder()
            .add_root_pem(b"")
            .add_root_pem(root.as_bytes())
            .client_identity_pem(b"", b""),
    );
    assert!(matches!(error, TlsConfigError::Root(_)), "{error:?}");
}

#[test]
fn without_system_roots_needs_a_root() {
    let error = error_of(TlsConfig::builder().without_system_roots());
    assert!(matches!(error, TlsConfigError::NoRoots), "{error:?}");
}

#[test]
fn client_identity_in_pkcs8_builds_and_is_not_in_debug() {
    let (cert, key) = self_signed();
    let builder = TlsConfig::builder().client_identity_pem(cert.as_bytes(), key.as_bytes());
    let key_body: String = key.lines().nth(1).unwrap().to_owned();
    assert!(!format!("{builder:?}").contains(&key_body));
    let config = builder.build().unwrap();
    assert!(config.has_client_identity());
    assert!(!format!("{config:?}").contains(&key_body));
}

#[test]
fn client_identity_accepts_a_pkcs1_rsa_key() {
    let key = rcgen::KeyPair::from_pem(PARTNER_KEY_PKCS8).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["client.test".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    TlsConfig::builder()
        .client_identity_pem(cert.pem().as_bytes(), PARTNER_KEY_PKCS1.as_bytes())
        .build()
        .unwrap();
}

#[test]
fn a_missing_or_encrypted_client_key_is_a_key_error() {
    let (cert, _) = self_signed();
    let encrypted =
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAECAw==\n-----END ENCRYPTED PRIVATE KEY-----\n";
    for key in [&b""[..], cert.as_bytes(), encrypted] {
        let error = error_of(TlsConfig::builder().client_identity_pem(cert.as_bytes(), key));
        assert_eq!(
            error.to_string(),
            "client key: no unencrypted private key (PKCS#8, PKCS#1 or SEC1) in the PEM"
        );
    }
}

#[test]
fn a_client_key_that_does_not_parse_is_a_key_error() {
    let (cert, _) = self_signed();
    let key = b"-----BEGIN PRIVATE KEY-----\nAAECAw==\n-----END PRIVATE KEY-----\n";
    let error = error_of(TlsConfig::builder().client_identity_pem(cert.as_bytes(), key));
    assert!(matches!(error, TlsConfigError::ClientKey(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("client key: it does not parse"),
        "{error}"
    );
}

#[test]
fn a_client_key_of_another_certificate_is_a_mismatch() {
    let (cert, _) = self_signed();
    let (_, other_key) = self_signed();
    let error =
        error_of(TlsConfig::builder().client_identity_pem(cert.as_bytes(), other_key.as_bytes()));
    assert!(matches!(error, TlsConfigError::KeyMismatch), "{error:?}");
}

#[test]
fn a_client_certificate_pem_without_a_certificate_is_a_certificate_error() {
    let (_, key) = self_signed();
    let error = error_of(TlsConfig::builder().client_identity_pem(key.as_bytes(), key.as_bytes()));
    assert_eq!(
        error.to_string(),
        "client certificate: no certificate in the PEM"
    );
}

#[test]
fn reqwest_and_hyper_clients_build_from_a_config() {
    let (root, _) = self_signed();
    let config = TlsConfig::builder()
        .without_system_roots()
        .add_root_pem(root.as_bytes())
        .build()
        .unwrap();
    // hyper-rustls panics on a preset ALPN list; ours is empty.
    let _ = hyper_https_client(&config);
    #[cfg(feature = "reqwest")]
    reqwest_client_builder(&config).build().unwrap();
}
