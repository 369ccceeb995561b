#![cfg(all(feature = "rustls", feature = "reqwest"))]
//! TLS, mTLS and proxies over real TLS on 127.0.0.1: the library's
//! hyper-util and reqwest clients, and the CLI, against the mock provider
//! behind a rustls acceptor with certificates generated at test time.

mod support;

use std::error::Error;

use snap_bi::client::ReqwestService;
use snap_bi::client::tls::{TlsConfig, hyper_https_client, reqwest_client_builder};
use snap_bi::token::{B2bTokenCache, TokenError, TokenRequestSigner, TokenSource};
use snap_bi::{AccessToken, RsaPrivateKey};
use support::tls::{CLIENT_ID, Ca, HttpsProvider, Identity};
use tokio_rustls::rustls;
use tokio_rustls::rustls::{AlertDescription, CertificateError};

const PARTNER_KEY: &str = include_str!("vectors/keys/partner-test-private.pem");

/// Fetches a B2B token from `base_url` over `service`.
async fn token<S, B>(service: S, base_url: &str) -> Result<AccessToken, TokenError>
where
    S: tower::Service<
            http::Request<http_body_util::Full<bytes::Bytes>>,
            Response = http::Response<B>,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
    S::Error: Into<tower::BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<tower::BoxError>,
{
    let signer =
        TokenRequestSigner::builder(CLIENT_ID, RsaPrivateKey::from_pem(PARTNER_KEY).unwrap())
            .base_url(base_url)
            .build()?;
    B2bTokenCache::builder(signer).build(service).token().await
}

/// The rustls error somewhere in `error`'s chain (an `io::Error` hides the
/// error it wraps from `source()`, so it is opened too).
fn rustls_error(error: &(dyn Error + 'static)) -> Option<rustls::Error> {
    let mut pending = vec![error];
    while let Some(current) = pending.pop() {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls.clone());
        }
        if let Some(inner) = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            pending.push(inner);
        }
        pending.extend(current.source());
    }
    None
}

fn only(ca: &Ca) -> TlsConfig {
    TlsConfig::builder()
        .without_system_roots()
        .add_root_pem(ca.pem.as_bytes())
        .build()
        .unwrap()
}

fn with_identity(ca: &Ca, client: &Identity) -> TlsConfig {
    TlsConfig::builder()
        .add_root_pem(ca.pem.as_bytes())
        .client_identity_pem(client.cert_pem.as_bytes(), client.key_pem.as_bytes())
        .build()
        .unwrap()
}

fn assert_unknown_issuer(error: &TokenError) {
    assert_eq!(
        rustls_error(error),
        Some(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        )),
        "{error:?}"
    );
}

#[tokio::test]
async fn both_clients_fetch_a_token_with_the_right_root() {
    let ca = Ca::new("Sandbox CA");
    let server = HttpsProvider::start(&ca.issue(&["localhost", "127.0.0.1"]), None).await;
    let config = only(&ca);
    let hyper = token(hyper_https_client(&config), &server.base_url()).await;
    assert!(hyper.is_ok(), "{hyper:?}");
    // System roots plus the sandbox CA.
    let with_system = TlsConfig::builder()
        .add_root_pem(ca.pem.as_bytes())
        .build()
        .unwrap();
    let reqwest = token(
        ReqwestService::with_tls(&with_system).unwrap(),
        &server.base_url(),
    )
    .await;
    assert!(reqwest.is_ok(), "{reqwest:?}");
}

#[tokio::test]
async fn without_the_ca_the_issuer_is_unknown() {
    let ca = Ca::new("Sandbox CA");
    let server = HttpsProvider::start(&ca.issue(&["localhost", "127.0.0.1"]), None).await;
    let system = TlsConfig::system().unwrap();
    let error = token(hyper_https_client(&system), &server.base_url())
        .await
        .unwrap_err();
    assert_unknown_issuer(&error);
    let error = token(
        ReqwestService::with_tls(&system).unwrap(),
        &server.base_url(),
    )
    .await
    .unwrap_err();
    assert_unknown_issuer(&error);
    // Another CA is no better.
    let error = token(
        hyper_https_client(&only(&Ca::new("Other CA"))),
        &server.base_url(),
    )
    .await
    .unwrap_err();
    assert_unknown_issuer(&error);
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused() {
    let ca = Ca::new("Sandbox CA");
    let server = HttpsProvider::start(&ca.issue(&["sandbox.bank.test"]), None).await;
    let config = only(&ca);
    for error in [
        token(hyper_https_client(&config), &server.base_url())
            .await
            .unwrap_err(),
        token(
            ReqwestService::with_tls(&config).unwrap(),
            &server.base_url(),
        )
        .await
        .unwrap_err(),
    ] {
        let tls = rustls_error(&error);
        assert!(
            matches!(
                tls,
                Some(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                ))
            ),
            "{error:?}"
        );
    }
    // The same server under the name its certificate gives is fine.
    let client = reqwest_client_builder(&config)
        .resolve("sandbox.bank.test", server.addr())
        .build()
        .unwrap();
    let url = format!("https://sandbox.bank.test:{}", server.addr().port());
    let ok = token(ReqwestService::from_client(client), &url).await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn mtls_needs_the_client_certificate() {
    let ca = Ca::new("Sandbox CA");
    let client_ca = Ca::new("Client CA");
    let server = HttpsProvider::start(&ca.issue(&["127.0.0.1"]), Some(&client_ca)).await;
    let client = client_ca.issue(&["partner.test"]);
    let config = with_identity(&ca, &client);
    assert!(config.has_client_identity());
    let hyper = token(hyper_https_client(&config), &server.base_url()).await;
    assert!(hyper.is_ok(), "{hyper:?}");
    let reqwest = token(
        ReqwestService::with_tls(&config).unwrap(),
        &server.base_url(),
    )
    .await;
    assert!(reqwest.is_ok(), "{reqwest:?}");

    // No certificate: the server says it needs one.
    for error in [
        token(hyper_https_client(&only(&ca)), &server.base_url())
            .await
            .unwrap_err(),
        token(
            ReqwestService::with_tls(&only(&ca)).unwrap(),
            &server.base_url(),
        )
        .await
        .unwrap_err(),
    ] {
        assert_eq!(
            rustls_error(&error),
            Some(rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired
            )),
            "{error:?}"
        );
    }
    // A certificate from a CA the server does not know: refused.
    let stranger = with_identity(&ca, &Ca::new("Rogue CA").issue(&["partner.test"]));
    let error = token(hyper_https_client(&stranger), &server.base_url())
        .await
        .unwrap_err();
    assert!(
        matches!(rustls_error(&error), Some(rustls::Error::AlertReceived(_))),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_hyper_client_refuses_plain_http() {
    let ca = Ca::new("Sandbox CA");
    let error = token(hyper_https_client(&only(&ca)), "http://127.0.0.1:9")
        .await
        .unwrap_err();
    let text = format!("{error:?}");
    assert!(text.contains("unsupported scheme http"), "{text}");
}

#[tokio::test]
async fn clones_of_a_reqwest_service_share_one_pool_and_new_services_do_not() {
    let ca = Ca::new("Sandbox CA");
    let server = HttpsProvider::start(&ca.issue(&["127.0.0.1"]), None).await;
    let config = only(&ca);
    let service = ReqwestService::with_tls(&config).unwrap();
    token(service.clone(), &server.base_url()).await.unwrap();
    token(service.clone(), &server.base_url()).await.unwrap();
    assert_eq!(server.connections(), 1);
    token(
        ReqwestService::with_tls(&config).unwrap(),
        &server.base_url(),
    )
    .await
    .unwrap();
    assert_eq!(server.connections(), 2);
}

#[cfg(feature = "cli")]
mod cli {
    //! The `snap-bi` binary over TLS: `--cacert`, `--cert`/`--key`, the
    //! one-line TLS errors, and `HTTPS_PROXY`/`NO_PROXY`.

    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};

    use super::support::tls::{CLIENT_ID, Ca, ConnectProxy, HttpsProvider, SECRET};

    const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");
    const PROXY_VARIABLES: [&str; 8] = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ];

    /// A temporary directory for PEM files, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("snap-bi-tls-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn write(&self, name: &str, contents: &str) -> String {
            let path = self.0.join(name);
            std::fs::write(&path, contents).unwrap();
            path.to_str().unwrap().to_owned()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[derive(Debug)]
    struct Run {
        code: i32,
        stdout: String,
        stderr: String,
    }

    fn key() -> String {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/keys/partner-test-private.pem")
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// Runs the binary on a blocking thread (the servers keep serving),
    /// with no SNAP_* or proxy variables but those in `env`.
    async fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(BIN);
        command.args(args).stdin(Stdio::null());
        for name in [
            "SNAP_CLIENT_ID",
            "SNAP_PRIVATE_KEY",
            "SNAP_CLIENT_SECRET",
            "SNAP_PARTNER_ID",
            "SNAP_CHANNEL_ID",
        ]
        .into_iter()
        .chain(PROXY_VARIABLES)
        {
            command.env_remove(name);
        }
        command.envs(env.iter().copied());
        let out = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    async fn b2b(url: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
        let key = key();
        let mut args = vec![
            "token",
            "b2b",
            "--url",
            url,
            "--client-id",
            CLIENT_ID,
            "--private-key",
            &key,
            "--timeout",
            "10",
        ];
        args.extend_from_slice(extra);
        run(&args, env).await
    }

    fn assert_token(r: &Run) {
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
        assert_eq!(r.stdout.lines().count(), 1, "{r:?}");
        assert!(!r.stdout.trim().is_empty(), "{r:?}");
    }

    fn assert_failed(r: &Run, line: &str) {
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (1, "", format!("failed: {line}\n").as_str()),
            "{r:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn token_b2b_trusts_the_cacert_and_names_the_unknown_issuer_without_it() {
        let scratch = Scratch::new("cacert");
        let ca = Ca::new("Sandbox CA");
        let server = HttpsProvider::start(&ca.issue(&["localhost", "127.0.0.1"]), None).await;
        let ca_file = scratch.write("ca.pem", &ca.pem);
        assert_token(&b2b(&server.b2b_url(), &["--cacert", &ca_file], &[]).await);
        assert_failed(
            &b2b(&server.b2b_url(), &[], &[]).await,
            "TLS: the server's certificate is not trusted (unknown issuer) — pass its CA with --cacert",
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn token_b2b_names_a_certificate_for_another_host() {
        let scratch = Scratch::new("hostname");
        let ca = Ca::new("Sandbox CA");
        let server = HttpsProvider::start(&ca.issue(&["sandbox.bank.test"]), None).await;
        let ca_file = scratch.write("ca.pem", &ca.pem);
        assert_failed(
            &b2b(&server.b2b_url(), &["--cacert", &ca_file], &[]).await,
            "TLS: the certificate is not valid for host 127.0.0.1",
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn token_b2b_presents_the_client_certificate() {
        let scratch = Scratch::new("mtls");
        let ca = Ca::new("Sandbox CA");
        let client_ca = Ca::new("Client CA");
        let server = HttpsProvider::start(&ca.issue(&["127.0.0.1"]), Some(&client_ca)).await;
        let ca_file = scratch.write("ca.pem", &ca.pem);
        let client = client_ca.issue(&["partner.test"]);
        let cert = scratch.write("client.pem", &client.cert_pem);
        let key = scratch.write("client-key.pem", &client.key_pem);
        let url = server.b2b_url();
        assert_token(
            &b2b(
                &url,
                &["--cacert", &ca_file, "--cert", &cert, "--key", &key],
                &[],
            )
            .await,
        );
        assert_failed(
            &b2b(&url, &["--cacert", &ca_file], &[]).await,
            "TLS: the server requires a client certificate (--cert/--key)",
        );
        let rogue = Ca::new("Rogue CA").issue(&["partner.test"]);
        let rogue_cert = scratch.write("rogue.pem", &rogue.cert_pem);
        let rogue_key = scratch.write("rogue-key.pem", &rogue.key_pem);
        assert_failed(
            &b2b(
                &url,
                &[
                    "--cacert",
                    &ca_file,
                    "--cert",
                    &rogue_cert,
                    "--key",
                    &rogue_key,
                ],
                &[],
            )
            .await,
            "TLS: the server refused our client certificate",
        );
        // A key that is not the certificate's is bad input, caught before sending.
        let r = b2b(
            &url,
            &["--cacert", &ca_file, "--cert", &cert, "--key", &rogue_key],
            &[],
        )
        .await;
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.starts_with("error: --key "), "{r:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn request_signs_and_sends_over_mtls() {
        let scratch = Scratch::new("request");
        let ca = Ca::new("Sandbox CA");
        let client_ca = Ca::new("Client CA");
        let server = HttpsProvider::start(&ca.issue(&["127.0.0.1"]), Some(&client_ca)).await;
        let ca_file = scratch.write("ca.pem", &ca.pem);
        let client = client_ca.issue(&["partner.test"]);
        let cert = scratch.write("client.pem", &client.cert_pem);
        let client_key = scratch.write("client-key.pem", &client.key_pem);
        let body = scratch.write(
            "body.json",
            r#"{"partnerReferenceNo":"INV-1","amount":{"value":"12000.00","currency":"IDR"}}"#,
        );
        let base = server.base_url();
        let key = key();
        let args = [
            "request",
            "--base-url",
            &base,
            "--method",
            "POST",
            "--path",
            "/v1.0/qr/qr-mpm-generate",
            "--body",
            &body,
            "--cacert",
            &ca_file,
            "--cert",
            &cert,
            "--key",
            &client_key,
        ];
        let env = [
            ("SNAP_CLIENT_ID", CLIENT_ID),
            ("SNAP_PRIVATE_KEY", key.as_str()),
            ("SNAP_CLIENT_SECRET", SECRET),
        ];
        let r = run(&args, &env).await;
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
        let answer: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
        assert_eq!(answer["responseCode"], "2004700", "{r:?}");
        // The token and the request went over one pooled connection.
        assert_eq!(server.connections(), 1);

        let r = run(&args[..args.len() - 4], &env).await;
        assert_failed(
            &r,
            "TLS: the server requires a client certificate (--cert/--key)",
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn https_proxy_tunnels_and_no_proxy_bypasses_it() {
        let scratch = Scratch::new("proxy");
        let ca = Ca::new("Sandbox CA");
        let server = HttpsProvider::start(&ca.issue(&["127.0.0.1"]), None).await;
        let proxy = ConnectProxy::start().await;
        let ca_file = scratch.write("ca.pem", &ca.pem);
        let proxy_url = proxy.url();
        let url = server.b2b_url();
        assert_token(
            &b2b(
                &url,
                &["--cacert", &ca_file],
                &[("HTTPS_PROXY", &proxy_url)],
            )
            .await,
        );
        assert_eq!(proxy.targets(), vec![server.addr().to_string()]);
        // Through the tunnel the provider's certificate is still checked.
        assert_failed(
            &b2b(&url, &[], &[("HTTPS_PROXY", &proxy_url)]).await,
            "TLS: the server's certificate is not trusted (unknown issuer) — pass its CA with --cacert",
        );
        assert_eq!(proxy.targets().len(), 2);
        assert_token(
            &b2b(
                &url,
                &["--cacert", &ca_file],
                &[("HTTPS_PROXY", &proxy_url), ("NO_PROXY", "127.0.0.1")],
            )
            .await,
        );
        assert_eq!(proxy.targets().len(), 2);
    }
}

/// The one-call client with `.tls(..)`: token, signed typed call and typed
/// answer over mTLS; without the client certificate, the typed error keeps
/// the TLS failure.
#[tokio::test]
async fn snap_client_calls_over_mtls_with_its_tls_setting() {
    use snap_bi::client::{CallError, SnapClient};
    use snap_bi::qris::{Amount, Money, QrMpmGenerateRequest};
    use snap_bi::{ClientSecret, ProviderProfile};

    let ca = Ca::new("Sandbox CA");
    let server = HttpsProvider::start(&ca.issue(&["localhost", "127.0.0.1"]), Some(&ca)).await;
    let client_for = |tls: TlsConfig| {
        SnapClient::builder(ProviderProfile::aspi_standard())
            .base_url(server.base_url())
            .client_id(CLIENT_ID)
            .private_key(RsaPrivateKey::from_pem(PARTNER_KEY).unwrap())
            .client_secret(ClientSecret::new(support::tls::SECRET).unwrap())
            .partner_id(CLIENT_ID)
            .channel_id("95221")
            .tls(tls)
            .build()
            .unwrap()
    };
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some("TLS-0001".into());
    generate.amount = Some(Money::idr(Amount::parse("12000.00").unwrap()));

    let client = client_for(with_identity(&ca, &ca.issue(&["merchant-client"])));
    let answer = client.call(&generate).await.unwrap();
    assert!(answer.qr_content.is_some(), "{answer:?}");

    let without_identity = client_for(only(&ca));
    let error = without_identity.call(&generate).await.unwrap_err();
    assert!(
        !matches!(error, CallError::Refused { .. }),
        "a handshake failure is not a provider's answer: {error:?}"
    );
    assert!(
        rustls_error(&error).is_some(),
        "the TLS error is in the chain: {error:?}"
    );
}
