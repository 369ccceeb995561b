//! TLS for the ready-made HTTP clients: rustls on aws-lc-rs, the system's
//! root certificates plus any PEM roots you add, and an optional client
//! certificate for mTLS (feature `rustls`).
//!
//! A [`TlsConfig`] is built once and handed to a client constructor:
//!
//! - [`hyper_https_client`]: a hyper-util legacy client over hyper-rustls,
//!   `https://` only, HTTP/1.1;
//! - [`ReqwestService::with_tls`](crate::client::ReqwestService::with_tls)
//!   or [`reqwest_client_builder`] (feature `reqwest` too): a
//!   `reqwest::Client` with the same TLS settings, redirects off and
//!   timeouts set.
//!
//! # Trust
//! By default the server's certificate is checked against the system's
//! roots (through `rustls-platform-verifier`: the OS verifier on macOS,
//! Windows and Android, the system CA bundle with WebPKI elsewhere) **and**
//! every root added with [`TlsConfigBuilder::add_root_pem`] — what a
//! provider's sandbox CA needs. [`TlsConfigBuilder::without_system_roots`]
//! trusts only the added roots. There is no way to turn verification off.
//!
//! # Crypto provider
//! Every configuration uses aws-lc-rs explicitly
//! (`rustls::crypto::aws_lc_rs::default_provider()`), never the process-wide
//! default provider, so it works (and does not panic) whether or not another
//! rustls provider is compiled into the program.
//!
//! # Example
//! ```
//! use snap_bi::client::tls::{TlsConfig, TlsConfigError};
//!
//! # let ca_pem = rcgen::generate_simple_self_signed(vec!["localhost".into()])?.cert.pem();
//! // Only the provider's sandbox CA, e.g. read from a file.
//! let config = TlsConfig::builder()
//!     .without_system_roots()
//!     .add_root_pem(ca_pem.as_bytes())
//!     .build()?;
//! let client = snap_bi::client::tls::hyper_https_client(&config);
//! # let _ = client;
//!
//! // Bad input is reported by build(), naming the input.
//! let error = TlsConfig::builder().add_root_pem(b"not a PEM").build().unwrap_err();
//! assert!(matches!(error, TlsConfigError::Root(_)));
//! assert_eq!(error.to_string(), "root certificates: no certificate in the PEM");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::WantsClientCert;
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, ConfigBuilder, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// How long the ready-made clients wait for a TCP connection (and, for
/// reqwest, the TLS handshake) before giving up.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a reqwest client built here waits for a whole request —
/// connecting, sending, and receiving the complete response.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a [`TlsConfig`] could not be built. Each variant names the input at
/// fault; none contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}", path = path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// An extra root certificate is unusable (no certificate in the PEM, a
    /// malformed PEM, or a certificate that does not parse).
    #[error("root certificates: {0}")]
    Root(String),
    /// The client certificate chain is unusable.
    #[error("client certificate: {0}")]
    ClientCertificate(String),
    /// The client private key is unusable (absent, encrypted, or not a key
    /// the provider can load).
    #[error("client key: {0}")]
    ClientKey(String),
    /// The client private key is not the one the client certificate was
    /// issued for.
    #[error("the client key does not match the client certificate")]
    KeyMismatch,
    /// [`TlsConfigBuilder::without_system_roots`] was used and no root was
    /// added: nothing could ever be trusted.
    #[error("no root certificates: without_system_roots() needs at least one added root")]
    NoRoots,
    /// The system's root certificates could not be loaded (e.g. no CA
    /// bundle installed); add the roots you need, or use
    /// [`TlsConfigBuilder::without_system_roots`].
    #[error("cannot load the system's root certificates: {0}")]
    SystemRoots(String),
    /// rustls refused the configuration for another reason.
    #[error("TLS configuration: {0}")]
    Rustls(String),
}

/// A client certificate chain and its private key.
struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// Builds a [`TlsConfig`]. Every input is parsed when it is given; the first
/// problem is returned by [`build`](Self::build).
#[must_use]
pub struct TlsConfigBuilder {
    system_roots: bool,
    roots: Vec<CertificateDer<'static>>,
    identity: Option<ClientIdentity>,
    error: Option<TlsConfigError>,
}

impl fmt::Debug for TlsConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfigBuilder")
            .field("system_roots", &self.system_roots)
            .field("extra_roots", &self.roots.len())
            .field("client_identity", &self.identity.is_some())
            .field("error", &self.error)
            .finish()
    }
}

impl TlsConfigBuilder {
    /// Trusts the certificates in `pem` (one or more `CERTIFICATE` blocks;
    /// other blocks are ignored) in addition to the system's roots.
    pub fn add_root_pem(mut self, pem: &[u8]) -> Self {
        if self.error.is_some() {
            return self;
        }
        match certificates(pem) {
            Ok(certs) => {
                // Parsed as trust anchors now, so a bad root is reported by
                // build() and not by the first handshake.
                let mut scratch = RootCertStore::empty();
                for cert in certs {
                    if let Err(e) = scratch.add(cert.clone()) {
                        self.error = Some(TlsConfigError::Root(format!(
                            "a certificate does not parse: {e}"
                        )));
                        return self;
                    }
                    self.roots.push(cert);
                }
            }
            Err(reason) => self.error = Some(TlsConfigError::Root(reason)),
        }
        self
    }

    /// [`add_root_pem`](Self::add_root_pem) with the contents of a file.
    pub fn add_root_pem_file(self, path: impl AsRef<Path>) -> Self {
        if self.error.is_some() {
            return self;
        }
        match read(path.as_ref()) {
            Ok(pem) => self.add_root_pem(&pem),
            Err(e) => self.failed(e),
        }
    }

    /// Presents a client certificate (mTLS): `cert_chain_pem` holds the
    /// certificate first, then any intermediates; `key_pem` its unencrypted
    /// private key as PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or
    /// SEC1 (`EC PRIVATE KEY`). A key that does not belong to the
    /// certificate is reported by [`build`](Self::build).
    pub fn client_identity_pem(mut self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Self {
        if self.error.is_some() {
            return self;
        }
        let chain = match certificates(cert_chain_pem) {
            Ok(chain) => chain,
            Err(reason) => return self.failed(TlsConfigError::ClientCertificate(reason)),
        };
        let key = match PrivateKeyDer::from_pem_slice(key_pem) {
            Ok(key) => key,
            Err(rustls_pki_types::pem::Error::NoItemsFound) => {
                return self.failed(TlsConfigError::ClientKey(
                    "no unencrypted private key (PKCS#8, PKCS#1 or SEC1) in the PEM".to_owned(),
                ));
            }
            Err(e) => return self.failed(TlsConfigError::ClientKey(pem_reason(&e))),
        };
        self.identity = Some(ClientIdentity { chain, key });
        self
    }

    /// [`client_identity_pem`](Self::client_identity_pem) with the contents
    /// of two files (they may be the same file).
    pub fn client_identity_pem_files(
        self,
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Self {
        if self.error.is_some() {
            return self;
        }
        let chain = match read(cert_chain.as_ref()) {
            Ok(pem) => pem,
            Err(e) => return self.failed(e),
        };
        match read(key.as_ref()) {
            Ok(key) => self.client_identity_pem(&chain, &key),
            Err(e) => self.failed(e),
        }
    }

    /// Trusts only the roots added with
    /// [`add_root_pem`](Self::add_root_pem), not the system's: for tests,
    /// and for sandboxes whose private CA must be the only one accepted.
    pub fn without_system_roots(mut self) -> Self {
        self.system_roots = false;
        self
    }

    /// Checks the inputs and builds the rustls configuration.
    ///
    /// # Errors
    /// The first bad input ([`TlsConfigError`] says which), a key that does
    /// not match its certificate, no roots at all, or system roots that
    /// cannot be loaded.
    pub fn build(self) -> Result<TlsConfig, TlsConfigError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsConfigError::Rustls(e.to_string()))?;
        let extra_roots = self.roots.len();
        let builder = if self.system_roots {
            with_system_roots(builder, self.roots, &provider)?
        } else {
            if self.roots.is_empty() {
                return Err(TlsConfigError::NoRoots);
            }
            let mut store = RootCertStore::empty();
            let (_, ignored) = store.add_parsable_certificates(self.roots);
            if ignored > 0 {
                // Unreachable: add_root_pem parsed every root already.
                return Err(TlsConfigError::Root(
                    "a certificate does not parse".to_owned(),
                ));
            }
            builder.with_root_certificates(store)
        };
        let client_identity = self.identity.is_some();
        let config = match self.identity {
            None => builder.with_no_client_auth(),
            Some(identity) => with_identity(builder, identity, &provider)?,
        };
        Ok(TlsConfig {
            config: Arc::new(config),
            system_roots: self.system_roots,
            extra_roots,
            client_identity,
        })
    }

    fn failed(mut self, error: TlsConfigError) -> Self {
        self.error.get_or_insert(error);
        self
    }
}

/// A finished TLS client configuration: which roots to trust and, for
/// mTLS, which certificate to present. Cheap to clone (shared).
///
/// Build one with [`TlsConfig::builder`]; the [module docs](self) list the
/// clients that take it.
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<ClientConfig>,
    system_roots: bool,
    extra_roots: usize,
    client_identity: bool,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The rustls config holds the client key; only a summary is shown.
        f.debug_struct("TlsConfig")
            .field("system_roots", &self.system_roots)
            .field("extra_roots", &self.extra_roots)
            .field("client_identity", &self.client_identity)
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// Starts a builder: system roots, no extra roots, no client
    /// certificate.
    pub fn builder() -> TlsConfigBuilder {
        TlsConfigBuilder {
            system_roots: true,
            roots: Vec::new(),
            identity: None,
            error: None,
        }
    }

    /// The system's roots only, no client certificate.
    ///
    /// # Errors
    /// [`TlsConfigError::SystemRoots`] when they cannot be loaded.
    pub fn system() -> Result<Self, TlsConfigError> {
        Self::builder().build()
    }

    /// Whether a client certificate is presented when the server asks for
    /// one.
    pub fn has_client_identity(&self) -> bool {
        self.client_identity
    }

    /// The rustls configuration, to build another client with (its ALPN
    /// list is empty; set it on a clone if your client needs it).
    pub fn rustls_client_config(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.config)
    }
}

/// The hyper-util legacy client [`hyper_https_client`] returns.
pub type HyperHttpsClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<bytes::Bytes>,
>;

/// A hyper-util legacy client over hyper-rustls with `config`, for the body
/// type the signing layer emits (`Full<Bytes>`).
///
/// It speaks HTTP/1.1 and connects to **`https://` URLs only**: an
/// `http://` URL fails instead of silently going out in clear (use
/// [`hyper_client`](crate::client::hyper_client) for a local plain-http
/// mock). It never follows redirects. Connecting gives up after
/// [`DEFAULT_CONNECT_TIMEOUT`]; hyper has no whole-request timeout, so wrap
/// calls in `tokio::time::timeout` (or a Tower timeout layer). Proxy
/// variables are **not** read by this client; use reqwest for proxies.
///
/// Each call builds a new connection pool: build the client once and clone
/// it (clones share the pool).
pub fn hyper_https_client(config: &TlsConfig) -> HyperHttpsClient {
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(DEFAULT_CONNECT_TIMEOUT));
    // ALPN stays empty (hyper-rustls requires it and sets it for HTTP/1.1).
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(ClientConfig::clone(&config.config))
        .https_only()
        .enable_http1()
        .wrap_connector(http);
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(connector)
}

/// A `reqwest::ClientBuilder` with `config` as its TLS backend, redirects
/// off (a signed request must not be replayed to another URL), a
/// [`DEFAULT_CONNECT_TIMEOUT`] connect timeout and a
/// [`DEFAULT_REQUEST_TIMEOUT`] request timeout. Change what you need and
/// `build()` it; hand the client to
/// [`ReqwestService::from_client`](crate::client::ReqwestService::from_client).
///
/// The client speaks HTTP/1.1 and accepts both `https://` and `http://`
/// URLs (add `.https_only(true)` to refuse the latter). As with every
/// reqwest client, proxies come from the environment: `HTTPS_PROXY` (or
/// `https_proxy`) for `https://` URLs, `HTTP_PROXY` for `http://`,
/// `ALL_PROXY` for both, and `NO_PROXY` lists hosts, domains and IP ranges
/// to reach directly; the variables are read when the client is built. TLS
/// to the provider is tunnelled through the proxy (`CONNECT`) and verified
/// end to end. `.no_proxy()` turns this off.
#[cfg(feature = "reqwest")]
pub fn reqwest_client_builder(config: &TlsConfig) -> reqwest::ClientBuilder {
    let mut tls = ClientConfig::clone(&config.config);
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .timeout(DEFAULT_REQUEST_TIMEOUT)
}

/// The platform verifier (system roots) plus `extra` roots.
fn with_system_roots(
    builder: ConfigBuilder<ClientConfig, rustls::WantsVerifier>,
    extra: Vec<CertificateDer<'static>>,
    provider: &Arc<CryptoProvider>,
) -> Result<ConfigBuilder<ClientConfig, WantsClientCert>, TlsConfigError> {
    #[cfg(not(target_os = "android"))]
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, Arc::clone(provider));
    #[cfg(target_os = "android")]
    let verifier = if extra.is_empty() {
        rustls_platform_verifier::Verifier::new(Arc::clone(provider))
    } else {
        return Err(TlsConfigError::Root(
            "extra roots need without_system_roots() on Android".to_owned(),
        ));
    };
    let verifier = verifier.map_err(|e| TlsConfigError::SystemRoots(e.to_string()))?;
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier)))
}

/// Adds the client certificate, telling a bad key from a mismatched one.
fn with_identity(
    builder: ConfigBuilder<ClientConfig, WantsClientCert>,
    identity: ClientIdentity,
    provider: &CryptoProvider,
) -> Result<ClientConfig, TlsConfigError> {
    provider
        .key_provider
        .load_private_key(identity.key.clone_key())
        .map_err(|e| TlsConfigError::ClientKey(format!("it does not parse: {e}")))?;
    builder
        .with_client_auth_cert(identity.chain, identity.key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                TlsConfigError::KeyMismatch
            }
            e => TlsConfigError::ClientCertificate(e.to_string()),
        })
}

/// Every `CERTIFICATE` block of `pem`; at least one.
fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_reason(&e))?;
    if certs.is_empty() {
        return Err("no certificate in the PEM".to_owned());
    }
    Ok(certs)
}

/// What is wrong with a PEM, without echoing any of it (it may be a key).
fn pem_reason(error: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error;
    let what = match error {
        Error::MissingSectionEnd { .. } => "a section has no END line",
        Error::IllegalSectionStart { .. } => "a BEGIN line is malformed",
        Error::Base64Decode(_) => "a section is not valid base64",
        Error::SectionTooLarge => "a section is too large",
        _ => "it cannot be read",
    };
    format!("malformed PEM: {what}")
}

fn read(path: &Path) -> Result<Vec<u8>, TlsConfigError> {
    std::fs::read(path).map_err(|source| TlsConfigError::Read {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests;
