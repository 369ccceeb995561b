//! Unit tests of the parent module, kept in their own file.

use std::io;

use rustls::{AlertDescription, CertificateError};

use super::{describe, find_rustls_error, host_of};

/// A transport error the way hyper and reqwest nest one: an outer error
/// whose source is an `io::Error` wrapping the rustls error.
#[derive(Debug)]
struct Outer(io::Error);

impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error sending request")
    }
}

impl std::error::Error for Outer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn finds_the_rustls_error_inside_an_io_error() {
    let tls = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
    let outer = Outer(io::Error::new(io::ErrorKind::InvalidData, tls));
    let found = find_rustls_error(&outer).unwrap();
    assert_eq!(
        found,
        &rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
    );
    let plain = Outer(io::Error::new(io::ErrorKind::ConnectionRefused, "refused"));
    assert!(find_rustls_error(&plain).is_none());
}

#[test]
fn says_which_tls_failure() {
    let cert = |e| rustls::Error::InvalidCertificate(e);
    let cases = [
        (
            cert(CertificateError::UnknownIssuer),
            false,
            "TLS: the server's certificate is not trusted (unknown issuer) — pass its CA with --cacert",
        ),
        (
            cert(CertificateError::NotValidForName),
            false,
            "TLS: the certificate is not valid for host bank.example",
        ),
        (
            cert(CertificateError::Expired),
            false,
            "TLS: the server's certificate has expired",
        ),
        (
            rustls::Error::AlertReceived(AlertDescription::CertificateRequired),
            false,
            "TLS: the server requires a client certificate (--cert/--key)",
        ),
        (
            rustls::Error::AlertReceived(AlertDescription::UnknownCA),
            true,
            "TLS: the server refused our client certificate",
        ),
        (
            rustls::Error::AlertReceived(AlertDescription::HandshakeFailure),
            false,
            "TLS: the server ended the handshake (HandshakeFailure); if it requires a client certificate, pass --cert/--key",
        ),
        (
            rustls::Error::AlertReceived(AlertDescription::ProtocolVersion),
            true,
            "TLS: the server ended the handshake (ProtocolVersion)",
        ),
    ];
    for (error, identity, expected) in cases {
        assert_eq!(describe(&error, "bank.example", identity), expected);
    }
}

#[test]
fn host_of_a_url() {
    assert_eq!(host_of("https://bank.example:8443/snap"), "bank.example");
    assert_eq!(host_of("https://127.0.0.1/x"), "127.0.0.1");
}
