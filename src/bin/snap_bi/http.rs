//! The HTTP client of every command that talks to a provider, and the
//! one-line diagnosis of a TLS failure.
//!
//! The client is the library's [`ReqwestService`] over rustls (aws-lc-rs):
//! the system's roots plus `--cacert`, the `--cert`/`--key` identity for
//! mTLS, proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (reqwest reads
//! them), connection pooling, redirects off. A TLS failure is never retried,
//! over https or plain http.

use std::error::Error;
use std::io;
use std::path::Path;
use std::time::Duration;

use rustls::{AlertDescription, CertificateError};
use snap_bi::client::ReqwestService;
use snap_bi::client::tls::{
    DEFAULT_CONNECT_TIMEOUT, TlsConfig, TlsConfigError, reqwest_client_builder,
};

use crate::cli::args::TlsArgs;
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::read_file;

/// A ready HTTP client and what the TLS diagnosis needs to know about it.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    service: ReqwestService,
    client_identity: bool,
}

impl Http {
    /// Reads the TLS files (bad ones are bad input, exit 2) and builds the
    /// client; `timeout` bounds every request it sends.
    pub(crate) fn new(args: &TlsArgs, timeout: Duration) -> CliResult<Self> {
        let tls = tls_config(args)?;
        let client = reqwest_client_builder(&tls)
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|e| CliError::failed(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Self {
            service: ReqwestService::from_client(client),
            client_identity: tls.has_client_identity(),
        })
    }

    /// The tower service to send with (a handle onto the one connection
    /// pool).
    pub(crate) fn service(&self) -> ReqwestService {
        self.service.clone()
    }

    /// The `failed: TLS: …` line when `error` (or any of its sources) is a
    /// TLS failure talking to `url`; `None` for any other error.
    pub(crate) fn tls_failure(&self, error: &(dyn Error + 'static), url: &str) -> Option<CliError> {
        let tls = find_rustls_error(error)?;
        Some(CliError::failed(describe(
            tls,
            &host_of(url),
            self.client_identity,
        )))
    }
}

/// The library's TLS configuration from the flags.
fn tls_config(args: &TlsArgs) -> CliResult<TlsConfig> {
    let mut builder = TlsConfig::builder();
    if let Some(path) = &args.cacert {
        builder = builder.add_root_pem(&read_file(path, "--cacert file")?);
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let chain = read_file(cert, "--cert file")?;
        let key_pem = read_file(key, "--key file")?;
        builder = builder.client_identity_pem(&chain, &key_pem);
    }
    builder.build().map_err(|e| config_error(e, args))
}

/// A configuration error, naming the flag at fault.
fn config_error(error: TlsConfigError, args: &TlsArgs) -> CliError {
    let shown = |path: &Option<std::path::PathBuf>| {
        path.as_deref()
            .map(Path::display)
            .map(|p| p.to_string())
            .unwrap_or_default()
    };
    match error {
        TlsConfigError::Root(reason) => {
            CliError::input(format!("--cacert {}: {reason}", shown(&args.cacert)))
        }
        TlsConfigError::ClientCertificate(reason) => {
            CliError::input(format!("--cert {}: {reason}", shown(&args.cert)))
        }
        TlsConfigError::ClientKey(reason) => {
            CliError::input(format!("--key {}: {reason}", shown(&args.key)))
        }
        TlsConfigError::KeyMismatch => CliError::input(format!(
            "--key {} is not the private key of --cert {}",
            shown(&args.key),
            shown(&args.cert)
        )),
        TlsConfigError::SystemRoots(reason) => CliError::failed(format!(
            "TLS: cannot load the system's root certificates ({reason}); pass the provider's CA with --cacert"
        )),
        e => CliError::input(e.to_string()),
    }
}

/// The first rustls error in `error`'s source chain. An `io::Error`'s
/// `source()` skips the error it wraps, so that one is looked at too.
fn find_rustls_error<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a rustls::Error> {
    let mut pending: Vec<&'a (dyn Error + 'static)> = vec![error];
    while let Some(current) = pending.pop() {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = current
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            pending.push(inner);
        }
        if let Some(source) = current.source() {
            pending.push(source);
        }
    }
    None
}

/// What went wrong, in words a user can act on.
fn describe(error: &rustls::Error, host: &str, client_identity: bool) -> String {
    use rustls::Error as E;
    match error {
        E::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "TLS: the server's certificate is not trusted (unknown issuer) — pass its CA with --cacert"
                .to_owned()
        }
        E::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!("TLS: the certificate is not valid for host {host}"),
        E::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "TLS: the server's certificate has expired".to_owned(),
        E::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => "TLS: the server's certificate is not valid yet (check the clock)".to_owned(),
        E::InvalidCertificate(other) => {
            format!("TLS: the server's certificate is not acceptable: {other}")
        }
        E::AlertReceived(alert) if is_client_certificate_alert(*alert) => {
            if client_identity {
                "TLS: the server refused our client certificate".to_owned()
            } else {
                "TLS: the server requires a client certificate (--cert/--key)".to_owned()
            }
        }
        // TLS 1.2 servers also say handshake_failure for a missing client
        // certificate, but it means other things too.
        E::AlertReceived(AlertDescription::HandshakeFailure) if !client_identity => {
            "TLS: the server ended the handshake (HandshakeFailure); \
             if it requires a client certificate, pass --cert/--key"
                .to_owned()
        }
        E::AlertReceived(alert) => format!("TLS: the server ended the handshake ({alert:?})"),
        other => format!("TLS: the handshake failed: {other}"),
    }
}

/// Alerts a server sends when it does not accept the client's certificate
/// (or its absence).
fn is_client_certificate_alert(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::AccessDenied
    )
}

/// The host of `url` as written (for the hostname-mismatch message).
fn host_of(url: &str) -> String {
    url.parse::<http::Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_owned))
        .unwrap_or_else(|| url.to_owned())
}

#[cfg(test)]
mod tests;
