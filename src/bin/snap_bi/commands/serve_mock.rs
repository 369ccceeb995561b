//! `snap-bi serve-mock`: the library's [`MockProvider`] on 127.0.0.1, run
//! until Ctrl-C or SIGTERM.
//!
//! Everything is read and checked before binding, so bad input (a missing
//! key file, a bad PEM, a config mistake) exits 2 without listening, and a
//! port that cannot be bound exits 1.

use std::env;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use snap_bi::mock::{MockProvider, MockProviderBuilder};
use snap_bi::redis_store::RedisStore;
use snap_bi::server::Partner;
use snap_bi::{ClientSecret, RsaPublicKey};

use crate::cli::args::{SECRET_ENV, ServeMockArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::{client_secret, private_key, read_file};

/// The `--config` file. Unknown fields are errors, so a misspelt key is
/// reported instead of silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Config {
    #[serde(default)]
    partners: Vec<PartnerConfig>,
    prefix: Option<String>,
    profile: Option<String>,
    notify_url: Option<String>,
    notify_key: Option<PathBuf>,
}

/// One partner in the config file; paths are relative to the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PartnerConfig {
    partner_id: Option<String>,
    client_id: String,
    public_key: PathBuf,
    client_secret_file: PathBuf,
}

/// The `--token-key-file` secret: the file's bytes minus one trailing line
/// break, at least 32 bytes (HS256's key size).
fn token_key(path: &Path) -> CliResult<Vec<u8>> {
    let mut key = read_file(path, "--token-key-file")?;
    if key.last() == Some(&b'\n') {
        key.pop();
        if key.last() == Some(&b'\r') {
            key.pop();
        }
    }
    if key.len() < 32 {
        return Err(CliError::input(format!(
            "--token-key-file {}: the token signing secret must be at least 32 bytes",
            path.display()
        )));
    }
    Ok(key)
}

/// Runs the mock provider until a signal. Writes `listening on
/// 127.0.0.1:PORT` to stdout itself (at once, flushed) rather than through
/// the buffered [`Output`](crate::cli::output::Output), which is only
/// flushed when the command returns.
pub(crate) fn serve_mock(args: &ServeMockArgs) -> CliResult {
    let (config, dir) = match &args.config {
        Some(path) => load_config(path)?,
        None => (Config::default(), PathBuf::new()),
    };
    let (mut builder, mut summary) = configure(args, config, &dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}")))?;
    if let Some(url) = &args.replay_store {
        // The connection is made lazily, on the runtime.
        let _entered = runtime.enter();
        let store = RedisStore::builder(url.as_str())
            .build()
            .map_err(|e| CliError::input(format!("--replay-store: {e}")))?;
        builder = builder.replay_store(Arc::new(store.replay_store()));
    }
    let provider = builder
        .build()
        .map_err(|e| CliError::input(e.to_string()))?;
    summary.token_paths = provider.token_paths().map(str::to_owned);

    runtime.block_on(serve(provider, args.port, &summary))
}

/// What the startup lines on stderr mention.
struct Summary {
    prefix: String,
    token_paths: [String; 2],
    profile: String,
    partners: Vec<String>,
    notify_url: Option<String>,
}

/// Binds 127.0.0.1:`port`, announces it, serves until a signal.
async fn serve(provider: MockProvider, port: u16, summary: &Summary) -> CliResult {
    // Only ever the loopback interface: this is a test double with
    // unauthenticated control endpoints.
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let running = provider
        .bind(addr)
        .await
        .map_err(|e| CliError::failed(format!("cannot listen on {addr}: {e}")))?;
    let local = running.local_addr();
    let signals = Signals::install()
        .map_err(|e| CliError::failed(format!("cannot wait for signals: {e}")))?;
    {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "listening on {local}")
            .and_then(|()| stdout.flush())
            .map_err(|e| CliError::failed(format!("cannot write to stdout: {e}")))?;
    }
    print_summary(&format!("http://{local}"), summary);
    signals
        .wait()
        .await
        .map_err(|e| CliError::failed(format!("cannot wait for signals: {e}")))?;
    let _ = writeln!(io::stderr().lock(), "# stopping");
    running.shutdown().await;
    Ok(())
}

/// `# ` lines on stderr: routes, profile, partners, notify target.
fn print_summary(origin: &str, summary: &Summary) {
    let base = format!("{origin}{}", summary.prefix);
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "# profile: {}", summary.profile);
    let _ = writeln!(err, "# partners: {}", summary.partners.join(", "));
    let [b2b, b2b2c] = &summary.token_paths;
    let _ = writeln!(
        err,
        "# token: POST {origin}{b2b} and {origin}{b2b2c} (the profile's paths; no others)"
    );
    let _ = writeln!(
        err,
        "# b2b2c: authCode {} is accepted (customer {})",
        MockProvider::TEST_AUTH_CODE,
        MockProvider::TEST_CUSTOMER_ID
    );
    if summary.profile.eq_ignore_ascii_case("paydia") {
        let _ = writeln!(
            err,
            "# qr-mpm-query also needs Authorization-Customer: <customer token> (raw, no Bearer)"
        );
    }
    let _ = writeln!(
        err,
        "# qris: POST {base}/v1.0/qr/qr-mpm-generate, -query, -cancel, -refund"
    );
    let _ = writeln!(
        err,
        "# trigger: POST {base}/mock/qr-mpm-pay or /mock/qr-mpm-fail with {{\"originalReferenceNo\":\"…\"}}"
    );
    match &summary.notify_url {
        Some(url) => {
            let _ = writeln!(err, "# notifications: POST {url}");
        }
        None => {
            let _ = writeln!(
                err,
                "# notifications: not sent (no --notify-url / --notify-key)"
            );
        }
    }
}

/// Ctrl-C, or SIGTERM on Unix. Installed before `listening on …` is
/// printed, so a signal sent right after that line is never missed (the
/// default action would kill the process instead of stopping it cleanly).
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn wait(mut self) -> io::Result<()> {
        tokio::select! {
            _ = self.interrupt.recv() => Ok(()),
            _ = self.terminate.recv() => Ok(()),
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> io::Result<Self> {
        Ok(Self)
    }

    async fn wait(self) -> io::Result<()> {
        tokio::signal::ctrl_c().await
    }
}

/// Reads and parses the config file; returns it with the directory its
/// relative paths are resolved against.
fn load_config(path: &Path) -> CliResult<(Config, PathBuf)> {
    let bytes = read_file(path, "config file")?;
    let config: Config = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::input(format!("config file {}: {e}", path.display())))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((config, dir))
}

/// Merges the flags over the config file into a provider builder. Flags
/// win; the flag partner comes first.
fn configure(
    args: &ServeMockArgs,
    config: Config,
    dir: &Path,
) -> CliResult<(MockProviderBuilder, Summary)> {
    let profile_name = args
        .profile
        .clone()
        .or(config.profile)
        .unwrap_or_else(|| "aspi-standard".to_owned());
    let profile = crate::cli::input::preset(&profile_name, "profile")?;
    let prefix = args.prefix.clone().or(config.prefix).unwrap_or_default();
    if !prefix.is_empty() && !prefix.starts_with('/') {
        return Err(CliError::input(format!(
            "the prefix must start with `/` (e.g. /snap), got {prefix:?}"
        )));
    }
    let prefix = prefix.trim_end_matches('/').to_owned();

    let mut builder = MockProvider::builder()
        .profile(profile.clone())
        .prefix(prefix.clone());
    let mut partners = Vec::new();
    if let (Some(client_id), Some(public_key)) = (&args.client_id, &args.public_key) {
        let partner_id = args.partner_id.as_deref().unwrap_or(client_id);
        let secret = flag_secret(args.client_secret_file.as_deref(), partner_id)?;
        let partner = Partner::new(partner_id)
            .with_client_id(client_id.as_str())
            .with_public_key(public_key_file(public_key, "--public-key")?);
        partners.push(format!("{partner_id} (client {client_id})"));
        builder = builder.partner(partner, secret);
    }
    for (index, entry) in config.partners.into_iter().enumerate() {
        let at = format!("config partners[{index}]");
        let partner_id = entry.partner_id.unwrap_or_else(|| entry.client_id.clone());
        let secret_path = dir.join(&entry.client_secret_file);
        let secret = client_secret(Some(&secret_path))
            .map_err(|e| CliError::input(format!("{at}: {}", reason(&e))))?;
        let key = public_key_file(&dir.join(&entry.public_key), &format!("{at} publicKey"))?;
        let partner = Partner::new(partner_id.as_str())
            .with_client_id(entry.client_id.as_str())
            .with_public_key(key);
        partners.push(format!("{partner_id} (client {})", entry.client_id));
        builder = builder.partner(partner, secret);
    }
    if partners.is_empty() {
        return Err(CliError::input(
            "no partner to accept: pass --client-id ID --public-key PEM (secret via \
             --client-secret-file F or SNAP_CLIENT_SECRET), or a --config file with partners",
        ));
    }

    if let Some(path) = &args.token_key_file {
        builder = builder.token_secret(token_key(path)?);
    }

    let notify_url = args.notify_url.clone().or(config.notify_url);
    let notify_key = match &args.notify_key {
        Some(path) => Some(path.clone()),
        None => config.notify_key.map(|p| dir.join(p)),
    };
    match (&notify_url, notify_key) {
        (Some(url), Some(key)) => {
            if !url.to_ascii_lowercase().starts_with("http://") {
                return Err(CliError::input(format!(
                    "the notify URL must be a plain http:// URL, got {url:?}"
                )));
            }
            builder = builder.notify(url.as_str(), private_key(&key)?);
        }
        (Some(_), None) => {
            return Err(CliError::input(
                "a notify URL needs --notify-key PEM (the PJP private key that signs notifications)",
            ));
        }
        (None, Some(_)) => {
            return Err(CliError::input(
                "--notify-key needs --notify-url URL (where notifications are sent)",
            ));
        }
        (None, None) => {}
    }
    builder = non_snap(args, builder)?;
    let summary = Summary {
        prefix,
        token_paths: Default::default(),
        profile: profile.name().to_owned(),
        partners,
        notify_url,
    };
    Ok((builder, summary))
}

/// The flag partner's secret: `--client-secret-file`, else
/// `SNAP_CLIENT_SECRET`.
fn flag_secret(file: Option<&Path>, partner_id: &str) -> CliResult<ClientSecret> {
    if file.is_none() && env::var_os(SECRET_ENV).is_none() {
        return Err(CliError::input(format!(
            "no client secret for partner {partner_id:?}: pass --client-secret-file F or set {SECRET_ENV}"
        )));
    }
    client_secret(file)
}

/// Parses the public key in the PEM file at `path`; `what` names it in
/// error messages.
fn public_key_file(path: &Path, what: &str) -> CliResult<RsaPublicKey> {
    let pem = read_file(path, "public key file")
        .map_err(|e| CliError::input(format!("{what}: {}", reason(&e))))?;
    RsaPublicKey::from_pem(pem)
        .map_err(|e| CliError::input(format!("{what}: public key {}: {e}", path.display())))
}

/// The reason of an input error, without its `error: ` label.
fn reason(error: &CliError) -> String {
    let text = error.to_string();
    match text.split_once(": ") {
        Some((_, rest)) => rest.to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests;

/// Reads a one-line secret file (surrounding whitespace is trimmed by the
/// library's constructors).
fn secret_text(path: &Path, what: &str) -> CliResult<String> {
    String::from_utf8(read_file(path, what)?)
        .map_err(|_| CliError::input(format!("the {what} is not UTF-8")))
}

/// The KiriminAja and Fazz endpoints, when their key files are given.
fn non_snap(
    args: &ServeMockArgs,
    mut builder: MockProviderBuilder,
) -> CliResult<MockProviderBuilder> {
    use snap_bi::fazz::Credentials;
    use snap_bi::fazz::callback::SigningSecret;
    use snap_bi::kiriminaja::ApiKey;
    use snap_bi::mock::{FazzMock, KiriminAjaMock};

    match (&args.kiriminaja_api_key_file, &args.kiriminaja_webhook_url) {
        (Some(file), url) => {
            let key = ApiKey::new(secret_text(file, "KiriminAja API key file")?)
                .map_err(|e| CliError::input(e.to_string()))?;
            let mut kiriminaja = KiriminAjaMock::new(key);
            if let Some(url) = url {
                kiriminaja = kiriminaja.webhook_url(url.as_str());
            }
            builder = builder.kiriminaja(kiriminaja);
        }
        (None, Some(_)) => {
            return Err(CliError::input(
                "--kiriminaja-webhook-url needs --kiriminaja-api-key-file",
            ));
        }
        (None, None) => {}
    }
    match (&args.fazz_api_key_file, &args.fazz_secret_key_file) {
        (Some(api), Some(secret)) => {
            let credentials = Credentials::new(
                secret_text(api, "Fazz API key file")?,
                secret_text(secret, "Fazz secret key file")?,
            )
            .map_err(|e| CliError::input(e.to_string()))?;
            let mut fazz = FazzMock::new(credentials);
            match (&args.fazz_callback_url, &args.fazz_signing_secret_file) {
                (Some(url), Some(file)) => {
                    let signing =
                        SigningSecret::new(secret_text(file, "Fazz signing secret file")?)
                            .map_err(|e| CliError::input(e.to_string()))?;
                    fazz = fazz.callback(url.as_str(), signing);
                }
                (None, None) => {}
                _ => {
                    return Err(CliError::input(
                        "--fazz-callback-url and --fazz-signing-secret-file go together",
                    ));
                }
            }
            builder = builder.fazz(fazz);
        }
        (None, None)
            if args.fazz_callback_url.is_none() && args.fazz_signing_secret_file.is_none() => {}
        _ => {
            return Err(CliError::input(
                "the Fazz endpoints need --fazz-api-key-file and --fazz-secret-key-file",
            ));
        }
    }
    Ok(builder)
}
