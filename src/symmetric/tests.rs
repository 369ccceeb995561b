//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::body::CanonicalBody;
use crate::minify::BodyPolicy;

fn signer(secret: &str) -> SymmetricSigner {
    SymmetricSigner::new(&ClientSecret::new(secret).unwrap())
}

#[test]
fn empty_secret_is_refused() {
    assert!(matches!(ClientSecret::new(""), Err(KeyError::EmptySecret)));
}

#[test]
fn secret_is_used_raw_not_base64_decoded() {
    // snap-spec V6 secret looks like base64; it must still be used as text.
    let s = signer("xS3vNQQgJRemFF0SZfXkZOq3r7kQ9n5YJgK4Wg0tVCQ=");
    let sig = s.sign_bytes(b"962489e9-de5d-4eb7-92a4-b07d44d64bf4|2020-01-01T00:00:00+07:00");
    assert_eq!(
        sig.as_str(),
        "kxZ0PJFmFVllsoVVZukP1lBtDajrkLnfcqNbf2JxvN8S7WDNq8klPMseQLXC7xILbY7JpdNvINp/I1Ar7VdYfg=="
    );
}

#[test]
fn derived_vector_d1_and_hex() {
    let s = signer("myclientsecret");
    let body = CanonicalBody::empty();
    let parts = TransactionParts::new(
        "GET",
        "/v1.0/transfer-va/report?startDate=2024-01-01",
        &body,
        "2024-03-05T10:37:16+07:00",
    );
    assert_eq!(
        s.sign(&parts, "myaccesstoken").as_str(),
        "KlQFzQx93dsvkwH1mnsHhFYvd2mXQ/ANVPspB2ehbvMIVYGba2G7ECobMvmNzOBd4Dp6m59izITTgyhan/eX0w=="
    );
    let hex = s
        .clone()
        .with_encoding(SignatureEncoding::Hex)
        .sign(&parts, "myaccesstoken");
    assert_eq!(
        hex.as_str(),
        "2a5405cd0c7ddddb2f9301f59a7b0784562f77699743f00d54fb290767a16ef30855819b6b61bb102a1b32f98dcce05de03a7a9b9f62cc84d383285a9ff797d3"
    );
    // Either encoding verifies.
    assert!(s.verify(&parts, "myaccesstoken", hex.as_str()).is_ok());
}

#[test]
fn verify_reports_malformed_vs_mismatch() {
    let s = signer("k");
    let body = CanonicalBody::new(b"{}", BodyPolicy::Minify).unwrap();
    let parts = TransactionParts::new("POST", "/p", &body, "ts");
    assert!(matches!(
        s.verify(&parts, "t", "%%%"),
        Err(VerifyError::Malformed { expected_bytes: 64 })
    ));
    let other = signer("k2").sign(&parts, "t");
    assert_eq!(
        s.verify(&parts, "t", other.as_str()),
        Err(VerifyError::Mismatch)
    );
}

#[test]
fn debug_is_redacted() {
    let secret = ClientSecret::new("super-secret").unwrap();
    assert!(!format!("{secret:?}").contains("super"));
    assert!(!format!("{:?}", SymmetricSigner::new(&secret)).contains("super"));
}

fn scratch_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("snap-bi-secret-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn from_file_drops_exactly_one_trailing_line_break() {
    for (name, contents, expected) in [
        ("lf", &b"secret\n"[..], "secret"),
        ("crlf", b"secret\r\n", "secret"),
        ("none", b"secret", "secret"),
        ("two", b"secret\n\n", "secret\n"),
        ("space", b"secret \n", "secret "),
        ("leading", b" secret\n", " secret"),
    ] {
        let path = scratch_file(name, contents);
        let secret = ClientSecret::from_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(secret.expose_secret(), expected, "{name}");
    }
}

#[test]
fn from_file_and_new_sign_alike_for_echoed_files() {
    // `echo secret > secret.txt`: the file and the literal give one signature.
    let path = scratch_file("echo", b"myclientsecret\n");
    let from_file = SymmetricSigner::new(&ClientSecret::from_file(&path).unwrap());
    std::fs::remove_file(&path).unwrap();
    let literal = signer("myclientsecret");
    assert_eq!(
        from_file.sign_bytes(b"x").as_str(),
        literal.sign_bytes(b"x").as_str()
    );
}

#[test]
fn from_file_errors_name_the_file_never_the_secret() {
    let missing = std::env::temp_dir().join("snap-bi-no-such-secret-file");
    let e = ClientSecret::from_file(&missing).unwrap_err();
    assert!(matches!(e, SecretError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("snap-bi-no-such-secret-file"), "{e}");

    let path = scratch_file("empty", b"\n");
    let e = ClientSecret::from_file(&path).unwrap_err();
    assert!(matches!(e, SecretError::Empty { .. }), "{e:?}");
    assert!(
        e.to_string().ends_with("holds an empty client secret"),
        "{e}"
    );

    std::fs::write(&path, b"s\xffcret-value").unwrap();
    let e = ClientSecret::from_file(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(e, SecretError::NotText { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains("cret-value"));
}

#[test]
fn from_env_reads_a_set_variable_and_names_an_unset_one() {
    let e = ClientSecret::from_env("SNAP_BI_TEST_SURELY_UNSET_VARIABLE").unwrap_err();
    assert!(matches!(e, SecretError::NotSet { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "SNAP_BI_TEST_SURELY_UNSET_VARIABLE is not set"
    );
    // Environment edits need `unsafe` in edition 2024; the CLI tests set
    // SNAP_CLIENT_SECRET on child processes instead. PATH is always set.
    if let Ok(path) = std::env::var("PATH")
        && !path.is_empty()
        && !path.ends_with('\n')
    {
        assert_eq!(
            ClientSecret::from_env("PATH").unwrap().expose_secret(),
            path
        );
    }
}

#[test]
fn a_pem_file_is_refused_as_a_client_secret() {
    let pem = include_bytes!("../../tests/vectors/keys/partner-test-private.pem");
    let path = scratch_file("pem", pem);
    let refused = ClientSecret::from_file(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(
        matches!(refused, SecretError::LooksLikePem { .. }),
        "{refused:?}"
    );
    let message = refused.to_string();
    assert!(message.contains("PEM block"), "{message}");
    assert!(!message.contains("PRIVATE KEY-----\n"), "{message}");
}
