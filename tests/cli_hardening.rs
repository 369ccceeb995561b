#![cfg(feature = "cli")]
//! The `snap-bi` binary's input hardening: the access token from a file or
//! the environment instead of the command line, and a PEM file refused as
//! the client secret.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use snap_bi::{BodyPolicy, CanonicalBody, ClientSecret, SymmetricSigner, TransactionParts};

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");
const SECRET: &str = "cli-hardening-secret";
const TOKEN: &str = "tok-from-somewhere";
const TIMESTAMP: &str = "2026-11-22T10:00:00+07:00";
const URL: &str = "/v1.0/qr/qr-mpm-query";

struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, contents: &[u8]) -> Self {
        let path = std::env::temp_dir().join(format!(
            "snap-bi-cli-hardening-{}-{tag}",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn snap(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("SNAP_CLIENT_SECRET")
        .env_remove("SNAP_ACCESS_TOKEN")
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn sign_args<'a>(secret_file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "sign",
        "symmetric",
        "--method",
        "GET",
        "--url",
        URL,
        "--timestamp",
        TIMESTAMP,
        "--secret-file",
        secret_file,
    ];
    args.extend_from_slice(extra);
    args
}

fn expected_signature() -> String {
    let body = CanonicalBody::new(b"", BodyPolicy::Minify).unwrap();
    let parts = TransactionParts::new("GET", URL, &body, TIMESTAMP);
    SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap())
        .sign(&parts, TOKEN)
        .as_str()
        .to_owned()
}

#[test]
fn the_token_comes_from_a_file_the_environment_or_the_flag_alike() {
    let secret = TempFile::new("secret", SECRET.as_bytes());
    let token_file = TempFile::new("token", format!("{TOKEN}\n").as_bytes());
    let expected = expected_signature();

    let from_file = run(&mut snap(&sign_args(
        secret.path(),
        &["--token-file", token_file.path()],
    )));
    let from_env = run(snap(&sign_args(secret.path(), &[])).env("SNAP_ACCESS_TOKEN", TOKEN));
    let from_flag = run(&mut snap(&sign_args(secret.path(), &["--token", TOKEN])));
    for (code, stdout, stderr) in [from_file, from_env, from_flag] {
        assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
        assert_eq!(stdout.lines().last(), Some(expected.as_str()));
    }

    // The file wins over the environment.
    let (code, stdout, _) = run(snap(&sign_args(
        secret.path(),
        &["--token-file", token_file.path()],
    ))
    .env("SNAP_ACCESS_TOKEN", "another-token"));
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().last(), Some(expected.as_str()));
}

#[test]
fn no_token_at_all_is_bad_input_and_says_where_to_put_it() {
    let secret = TempFile::new("secret-none", SECRET.as_bytes());
    let (code, stdout, stderr) = run(&mut snap(&sign_args(secret.path(), &[])));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("--token-file"), "{stderr}");
    assert!(stderr.contains("SNAP_ACCESS_TOKEN"), "{stderr}");
}

#[test]
fn a_private_key_pem_is_refused_as_the_client_secret() {
    let pem = include_bytes!("vectors/keys/partner-test-private.pem");
    let key_file = TempFile::new("key.pem", pem);
    for verb in ["sign", "verify"] {
        let mut args = sign_args(key_file.path(), &["--token", TOKEN]);
        args[0] = verb;
        if verb == "verify" {
            args.extend(["--signature", "AAAA"]);
        }
        let (code, stdout, stderr) = run(&mut snap(&args));
        assert_eq!(code, 2, "{verb}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{verb}: nothing signed: {stdout}");
        assert!(stderr.contains("PEM block"), "{verb}: {stderr}");
        assert!(stderr.contains("not a client secret"), "{verb}: {stderr}");
        assert!(
            !stderr.contains("MII"),
            "{verb}: the key must not be echoed: {stderr}"
        );
    }
}
