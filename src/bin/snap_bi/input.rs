//! Reading the inputs of a subcommand: files, standard input, the client
//! secret, RSA keys, and the signed parts of a transaction.

use std::env;
use std::io::Read;
use std::path::Path;

use chrono::Utc;

use snap_bi::{
    BodyPolicy, CanonicalBody, ClientSecret, EmptyBodyRule, KeyError, KeyOptions, ProviderProfile,
    RsaPrivateKey, RsaPublicKey, SecretError, TimestampFormat, TransactionParts,
};

use super::args::{PublicKeyArgs, RequestArgs, SECRET_ENV};
use super::error::{CliError, CliResult};

/// Reads `path`, or standard input when it is `None` or `-`. `what` names
/// the input in error messages ("body file").
/// The provider preset called `name`; `noun` ("profile", "provider") names
/// it in the error, which lists every preset.
pub(crate) fn preset(name: &str, noun: &str) -> CliResult<ProviderProfile> {
    ProviderProfile::preset(name).ok_or_else(|| {
        let names: Vec<String> = ProviderProfile::presets()
            .iter()
            .map(|p| p.name().to_owned())
            .collect();
        CliError::input(format!(
            "unknown {noun} {name:?}; expected one of {}",
            names.join(", ")
        ))
    })
}

pub(crate) fn read_input(path: Option<&Path>, what: &str) -> CliResult<Vec<u8>> {
    match path {
        Some(p) if p != Path::new("-") => read_file(p, what),
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::input(format!("cannot read {what} from stdin: {e}")))?;
            Ok(buf)
        }
    }
}

/// Reads a whole file. `what` names it in error messages ("secret file").
pub(crate) fn read_file(path: &Path, what: &str) -> CliResult<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| CliError::input(format!("cannot read {what} {}: {e}", path.display())))
}

/// The client secret: the contents of `secret_file`, else the
/// `SNAP_CLIENT_SECRET` environment variable, minus one trailing line break
/// either way ([`ClientSecret::from_file`], [`ClientSecret::from_env`]: an
/// application using those reads the same secret). Error messages name the
/// source, never the secret.
pub(crate) fn client_secret(secret_file: Option<&Path>) -> CliResult<ClientSecret> {
    let secret = match secret_file {
        Some(path) => ClientSecret::from_file(path),
        None => ClientSecret::from_env(SECRET_ENV),
    };
    secret.map_err(|e| match e {
        SecretError::NotSet { .. } => CliError::input(format!(
            "no client secret: pass --client-secret-file FILE or set {SECRET_ENV}"
        )),
        e => CliError::input(e.to_string()),
    })
}

/// Like [`client_secret`], but `None` when neither the file nor the
/// environment variable is given (the secret is optional for `explain`).
pub(crate) fn optional_client_secret(
    secret_file: Option<&Path>,
) -> CliResult<Option<ClientSecret>> {
    if secret_file.is_none() && env::var_os(SECRET_ENV).is_none() {
        return Ok(None);
    }
    client_secret(secret_file).map(Some)
}

/// The B2B access token of a symmetric signature: the contents of
/// `token_file` (minus one trailing line break), else `token` (from
/// `--token` or `SNAP_ACCESS_TOKEN`). Never echoed in errors.
pub(crate) fn access_token(token: Option<&str>, token_file: Option<&Path>) -> CliResult<String> {
    match (token_file, token) {
        (Some(path), _) => {
            let bytes = read_file(path, "token file")?;
            let mut text = String::from_utf8(bytes).map_err(|_| {
                CliError::input(format!("token file {} is not UTF-8 text", path.display()))
            })?;
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            if text.is_empty() {
                return Err(CliError::input(format!(
                    "token file {} is empty",
                    path.display()
                )));
            }
            Ok(text)
        }
        (None, Some(token)) => Ok(token.to_owned()),
        (None, None) => Err(CliError::input(
            "no access token: pass --token-file FILE or set SNAP_ACCESS_TOKEN (or --token T, \
             which other local users can see in the process list)",
        )),
    }
}

/// Parses the private key in the PEM file at `path`.
pub(crate) fn private_key(path: &Path) -> CliResult<RsaPrivateKey> {
    let pem = read_file(path, "private key file")?;
    RsaPrivateKey::from_pem(pem)
        .map_err(|e| CliError::input(format!("private key {}: {e}", path.display())))
}

/// Parses the public key named by `args`.
pub(crate) fn public_key(args: &PublicKeyArgs) -> CliResult<RsaPublicKey> {
    let path = &args.public_key;
    let pem = read_file(path, "public key file")?;
    let options = if args.allow_legacy_1024 {
        KeyOptions::new().allow_legacy_1024()
    } else {
        KeyOptions::new()
    };
    RsaPublicKey::from_pem_with(pem, options).map_err(|e| {
        let hint = match e {
            KeyError::TooSmall { bits: 1024.., .. } if !args.allow_legacy_1024 => {
                " (pass --allow-legacy-1024 to accept it)"
            }
            _ => "",
        };
        CliError::input(format!("public key {}: {e}{hint}", path.display()))
    })
}

/// The `--timestamp` value: used as given, except `now`, which becomes the
/// current time in `now_format` when signing and is refused when verifying
/// (a verification needs the X-TIMESTAMP that was sent).
pub(crate) fn timestamp_arg(raw: &str, now_format: Option<TimestampFormat>) -> CliResult<String> {
    if raw != NOW {
        return Ok(raw.to_owned());
    }
    match now_format {
        Some(format) => Ok(format.format(Utc::now()).as_str().to_owned()),
        None => Err(CliError::input(
            "--timestamp now only works when signing; verifying needs the X-TIMESTAMP that was sent",
        )),
    }
}

/// The `--timestamp` value that stands for the current time.
pub(crate) const NOW: &str = "now";

/// The signed parts of a transaction request, loaded from the arguments.
#[derive(Debug)]
pub(crate) struct Request {
    method: String,
    url: String,
    timestamp: String,
    body: Vec<u8>,
    policy: BodyPolicy,
    rule: EmptyBodyRule,
}

impl Request {
    /// Reads the body file (if any) and upper-cases the method. `now_format`
    /// is the format `--timestamp now` stands for when signing, `None` when
    /// verifying (where `now` is refused).
    pub(crate) fn load(args: &RequestArgs, now_format: Option<TimestampFormat>) -> CliResult<Self> {
        let timestamp = timestamp_arg(&args.timestamp, now_format)?;
        let body = match &args.body {
            Some(path) => read_input(Some(path), "body file")?,
            None => Vec::new(),
        };
        Ok(Self {
            method: args.method.to_ascii_uppercase(),
            url: args.url.clone(),
            timestamp,
            body,
            policy: args.body_policy(),
            rule: args.empty_body_rule.into(),
        })
    }

    /// The X-TIMESTAMP signed (`now` resolved).
    pub(crate) fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The body as hashed: minified (unless `--raw-body`) with its digest.
    pub(crate) fn canonical_body(&self) -> CliResult<CanonicalBody<'_>> {
        CanonicalBody::new(&self.body, self.policy).map_err(|e| {
            CliError::input(format!("{e} (pass --raw-body to hash the body as given)"))
        })
    }

    /// The string-to-sign parts over `body` (from [`canonical_body`](Self::canonical_body)).
    pub(crate) fn parts<'a>(&'a self, body: &'a CanonicalBody<'_>) -> TransactionParts<'a> {
        TransactionParts::new(&self.method, &self.url, body, &self.timestamp)
            .with_empty_body_rule(self.rule)
    }
}
