#![cfg(feature = "cli")]
//! End-to-end tests of the `snap-bi` binary against the conformance vectors.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use snap_bi::{ClientSecret, SignatureEncoding, SymmetricSigner};

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");
const NO_SECRET: &str =
    "error: no client secret: pass --client-secret-file FILE or set SNAP_CLIENT_SECRET\n";
const MISMATCH: &str = "invalid: signature does not match\n";

// ---------------------------------------------------------------- helpers

/// A file under the temp dir, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, contents: &[u8]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("snap-bi-cli-test-{}-{n}-{tag}", std::process::id()));
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

/// What a run of the binary produced.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or_default()
    }

    #[track_caller]
    fn assert_ok(&self, stdout: &str) {
        assert_eq!(
            (self.code, self.stdout.as_str(), self.stderr.as_str()),
            (0, stdout, ""),
            "{self:?}"
        );
    }

    #[track_caller]
    fn assert_fails(&self, code: i32, stderr: &str) {
        assert_eq!(
            (self.code, self.stderr.as_str()),
            (code, stderr),
            "{self:?}"
        );
    }

    /// Exit `code` with exactly one stderr line starting with `prefix`.
    #[track_caller]
    fn assert_fails_with_prefix(&self, code: i32, prefix: &str) {
        assert_eq!(self.code, code, "{self:?}");
        assert!(self.stderr.starts_with(prefix), "{self:?}");
        assert!(self.stderr.ends_with('\n'), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:?}");
    }
}

/// The binary with the secret-bearing environment variables cleared, so the
/// caller's environment cannot leak into a test.
fn snap(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("SNAP_CLIENT_SECRET")
        .env_remove("SNAP_ACCESS_TOKEN")
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run_args(args: &[&str]) -> Run {
    run(&mut snap(args))
}

fn run_with_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = snap(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn vectors(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    match serde_json::from_str(&text).unwrap() {
        Value::Array(cases) => cases,
        other => panic!("{name} is not an array: {other}"),
    }
}

fn key(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn s<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {}", case["name"]))
}

fn explained(minified: &str, digest: &str, string_to_sign: &str, result: &str) -> String {
    format!(
        "minified-body: {minified}\nbody-sha256: {digest}\nstring-to-sign: {string_to_sign}\n{result}\n"
    )
}

fn hmac(secret: &str, string_to_sign: &str, encoding: SignatureEncoding) -> String {
    SymmetricSigner::new(&ClientSecret::new(secret).unwrap())
        .with_encoding(encoding)
        .sign_bytes(string_to_sign.as_bytes())
        .into_string()
}

// ---------------------------------------------------------------- minify

#[test]
fn minify_vectors() {
    let cases = vectors("minify.json");
    assert!(cases.len() >= 20);
    for case in &cases {
        let name = s(case, "name");
        let input = STANDARD.decode(s(case, "input_b64")).unwrap();
        let file = TempFile::new("minify.json", &input);
        let r = run_args(&["minify", file.path()]);
        if case["ok"].as_bool().unwrap() {
            assert_eq!(r.last_line(), s(case, "output"), "{name}");
            r.assert_ok(&format!("{}\n", s(case, "output")));
        } else {
            assert_eq!(r.stdout, "", "{name}");
            r.assert_fails_with_prefix(2, "error: invalid JSON body at byte ");
        }
    }
}

#[test]
fn minify_reads_stdin_and_reports_the_offset() {
    run_with_stdin(&["minify"], b"{ \"a\" : [ 1 , 2 ] }\n").assert_ok("{\"a\":[1,2]}\n");
    run_with_stdin(&["minify", "-"], b" [ true ] ").assert_ok("[true]\n");
    run_with_stdin(&["minify"], b"").assert_ok("\n");
    run_with_stdin(&["minify"], b"{\"a\":1,}").assert_fails(
        2,
        "error: invalid JSON body at byte 7: expected an object key (a string)\n",
    );
}

#[test]
fn minify_missing_file_is_bad_input() {
    run_args(&["minify", "/nonexistent/snap-bi/body.json"]).assert_fails_with_prefix(
        2,
        "error: cannot read JSON file /nonexistent/snap-bi/body.json: ",
    );
}

// ---------------------------------------------------------------- symmetric

/// `sign symmetric` / `verify symmetric` arguments for a vector case.
struct SymCase {
    name: String,
    body: Option<TempFile>,
    secret: TempFile,
    method: String,
    url: String,
    token: String,
    timestamp: String,
    encoding: String,
    case: Value,
}

impl SymCase {
    fn new(case: &Value) -> Self {
        let body = s(case, "body");
        Self {
            name: s(case, "name").to_owned(),
            body: (!body.is_empty()).then(|| TempFile::new("body.json", body.as_bytes())),
            secret: TempFile::new("secret", s(case, "client_secret").as_bytes()),
            method: s(case, "method").to_owned(),
            url: s(case, "endpoint_url").to_owned(),
            token: s(case, "access_token").to_owned(),
            timestamp: s(case, "timestamp").to_owned(),
            encoding: s(case, "encoding").to_owned(),
            case: case.clone(),
        }
    }

    /// `snap-bi <verb> symmetric` with everything but the secret.
    fn args(&self, verb: &str) -> Vec<String> {
        let mut args: Vec<String> = [
            verb,
            "symmetric",
            "--method",
            &self.method,
            "--url",
            &self.url,
            "--token",
            &self.token,
            "--timestamp",
            &self.timestamp,
        ]
        .map(str::to_owned)
        .to_vec();
        if verb == "sign" && !self.encoding.is_empty() {
            args.extend(["--encoding".to_owned(), self.encoding.clone()]);
        }
        if let Some(body) = &self.body {
            args.extend(["--body".to_owned(), body.path().to_owned()]);
        }
        args
    }

    fn with_secret_file(&self, verb: &str, extra: &[&str]) -> Command {
        let mut args = self.args(verb);
        args.extend(["--secret-file".to_owned(), self.secret.path().to_owned()]);
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        snap(&refs)
    }

    fn field(&self, name: &str) -> &str {
        s(&self.case, name)
    }
}

#[test]
fn sign_symmetric_vectors_with_secret_file() {
    let cases = vectors("symmetric.json");
    assert!(!cases.is_empty());
    for case in &cases {
        let c = SymCase::new(case);
        let r = run(&mut c.with_secret_file("sign", &[]));
        assert_eq!(r.last_line(), c.field("signature"), "{}", c.name);
        r.assert_ok(&format!("{}\n", c.field("signature")));
    }
}

#[test]
fn sign_symmetric_vectors_with_secret_env() {
    for case in &vectors("symmetric.json") {
        let c = SymCase::new(case);
        let args = c.args("sign");
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(snap(&refs).env("SNAP_CLIENT_SECRET", c.field("client_secret")));
        assert_eq!(r.last_line(), c.field("signature"), "{}", c.name);
        r.assert_ok(&format!("{}\n", c.field("signature")));
    }
}

#[test]
fn sign_symmetric_explain_vectors() {
    for case in &vectors("symmetric.json") {
        let c = SymCase::new(case);
        let r = run(&mut c.with_secret_file("sign", &["--explain"]));
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(
            lines,
            [
                format!("minified-body: {}", c.field("minified_body")),
                format!("body-sha256: {}", c.field("body_sha256")),
                format!("string-to-sign: {}", c.field("string_to_sign")),
                c.field("signature").to_owned(),
            ],
            "{}",
            c.name
        );
        r.assert_ok(&explained(
            c.field("minified_body"),
            c.field("body_sha256"),
            c.field("string_to_sign"),
            c.field("signature"),
        ));
    }
}

#[test]
fn verify_symmetric_vectors_and_tampering() {
    for case in &vectors("symmetric.json") {
        let c = SymCase::new(case);
        let sig = c.field("signature");
        run(&mut c.with_secret_file("verify", &["--signature", sig])).assert_ok("valid\n");

        // Tampered timestamp.
        let mut tampered = SymCase::new(case);
        tampered.timestamp.push('0');
        run(&mut tampered.with_secret_file("verify", &["--signature", sig]))
            .assert_fails(1, MISMATCH);

        // Tampered body: wrap the minified body in an array.
        let mut tampered = SymCase::new(case);
        let body = format!("[{}]", c.field("minified_body"));
        tampered.body = Some(TempFile::new("tampered.json", body.as_bytes()));
        let r = run(&mut tampered.with_secret_file("verify", &["--signature", sig]));
        assert_eq!(r.stdout, "", "{}", c.name);
        r.assert_fails(1, MISMATCH);

        // Whitespace outside strings is not part of the signed bytes.
        let mut pretty = SymCase::new(case);
        if !c.field("minified_body").is_empty() {
            let body = format!("\n\t{} \r\n", c.field("body"));
            pretty.body = Some(TempFile::new("pretty.json", body.as_bytes()));
            run(&mut pretty.with_secret_file("verify", &["--signature", sig])).assert_ok("valid\n");
        }
    }
}

#[test]
fn verify_symmetric_explain_prints_lines_then_verdict() {
    let cases = vectors("symmetric.json");
    let c = SymCase::new(&cases[0]);
    let sig = c.field("signature");
    run(&mut c.with_secret_file("verify", &["--signature", sig, "--explain"])).assert_ok(
        &explained(
            c.field("minified_body"),
            c.field("body_sha256"),
            c.field("string_to_sign"),
            "valid",
        ),
    );

    let mut tampered = SymCase::new(&cases[0]);
    tampered.timestamp = "2024-03-05T10:37:16.197Z".to_owned();
    let r = run(&mut tampered.with_secret_file("verify", &["--signature", sig, "--explain"]));
    r.assert_fails(1, MISMATCH);
    assert_eq!(
        r.last_line(),
        format!(
            "string-to-sign: POST:/v1.0/qr/qr-mpm-generate:myaccesstoken:{}:2024-03-05T10:37:16.197Z",
            c.field("body_sha256")
        )
    );
}

#[test]
fn verify_symmetric_accepts_either_encoding_unless_one_is_required() {
    let cases = vectors("symmetric.json");
    let hex_case = cases
        .iter()
        .find(|c| c["encoding"] == "hex")
        .expect("a hex vector");
    let c = SymCase::new(hex_case);
    let hex_sig = c.field("signature");
    let b64_sig = STANDARD.encode(hex::decode(hex_sig).unwrap());

    run(&mut c.with_secret_file("verify", &["--signature", hex_sig])).assert_ok("valid\n");
    run(&mut c.with_secret_file("verify", &["--signature", &b64_sig])).assert_ok("valid\n");
    run(&mut c.with_secret_file("verify", &["--signature", hex_sig, "--encoding", "hex"]))
        .assert_ok("valid\n");
    run(&mut c.with_secret_file("verify", &["--signature", hex_sig, "--encoding", "base64"]))
        .assert_fails(
            1,
            "invalid: signature is hex-encoded but --encoding base64 was required\n",
        );
    run(&mut c.with_secret_file("verify", &["--signature", &b64_sig, "--encoding", "hex"]))
        .assert_fails(
            1,
            "invalid: signature is base64-encoded but --encoding hex was required\n",
        );
}

#[test]
fn verify_symmetric_malformed_signature_does_not_verify() {
    let c = SymCase::new(&vectors("symmetric.json")[0]);
    for bad in ["", "not-a-signature", "AAAA", &"ab".repeat(63)] {
        run(&mut c.with_secret_file("verify", &["--signature", bad])).assert_fails(
            1,
            "invalid: X-SIGNATURE is not a base64 or hex signature of 64 bytes\n",
        );
    }
}

#[test]
fn method_is_upper_cased_and_bearer_prefix_is_optional() {
    let c = SymCase::new(&vectors("symmetric.json")[0]);
    let expected = format!("{}\n", c.field("signature"));

    let mut lower = SymCase::new(&c.case);
    lower.method = c.method.to_lowercase();
    assert_ne!(lower.method, c.method);
    run(&mut lower.with_secret_file("sign", &[])).assert_ok(&expected);

    let mut bearer = SymCase::new(&c.case);
    bearer.token = format!("Bearer {}", c.token);
    run(&mut bearer.with_secret_file("sign", &[])).assert_ok(&expected);
}

#[test]
fn token_from_env_when_flag_is_absent() {
    let c = SymCase::new(&vectors("symmetric.json")[0]);
    let body = c.body.as_ref().unwrap();
    let r = run(snap(&[
        "sign",
        "symmetric",
        "--method",
        &c.method,
        "--url",
        &c.url,
        "--timestamp",
        &c.timestamp,
        "--body",
        body.path(),
        "--secret-file",
        c.secret.path(),
    ])
    .env("SNAP_ACCESS_TOKEN", format!("Bearer {}", c.token)));
    r.assert_ok(&format!("{}\n", c.field("signature")));
}

#[test]
fn body_from_stdin() {
    let c = SymCase::new(&vectors("symmetric.json")[1]);
    let mut no_body = SymCase::new(&c.case);
    no_body.body = None;
    let mut args = no_body.args("sign");
    args.extend(["--body", "-", "--secret-file", c.secret.path()].map(str::to_owned));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_with_stdin(&refs, c.field("body").as_bytes())
        .assert_ok(&format!("{}\n", c.field("signature")));
}

#[test]
fn empty_body_file_equals_no_body() {
    let case = vectors("symmetric.json")
        .into_iter()
        .find(|c| c["body"] == "")
        .expect("an empty-body vector");
    let mut c = SymCase::new(&case);
    assert!(c.body.is_none());
    c.body = Some(TempFile::new("empty.json", b""));
    run(&mut c.with_secret_file("sign", &[])).assert_ok(&format!("{}\n", c.field("signature")));
}

#[test]
fn secret_file_trailing_newline_is_ignored() {
    let mut c = SymCase::new(&vectors("symmetric.json")[0]);
    let expected = format!("{}\n", c.field("signature"));
    c.secret = TempFile::new(
        "secret-lf",
        format!("{}\n", c.field("client_secret")).as_bytes(),
    );
    run(&mut c.with_secret_file("sign", &[])).assert_ok(&expected);
    c.secret = TempFile::new(
        "secret-crlf",
        format!("{}\r\n", c.field("client_secret")).as_bytes(),
    );
    run(&mut c.with_secret_file("sign", &[])).assert_ok(&expected);
}

#[test]
fn empty_body_rules() {
    let case = vectors("symmetric.json")
        .into_iter()
        .find(|c| c["body"] == "")
        .expect("an empty-body vector");
    let c = SymCase::new(&case);
    let secret = c.field("client_secret");
    let (url, token, ts) = (&c.url, &c.token, &c.timestamp);
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    for (rule, sts) in [
        ("hash-of-empty", format!("GET:{url}:{token}:{empty}:{ts}")),
        ("empty-segment", format!("GET:{url}:{token}::{ts}")),
        ("drop-segment", format!("GET:{url}:{token}:{ts}")),
    ] {
        let sig = hmac(secret, &sts, SignatureEncoding::Base64);
        run(&mut c.with_secret_file("sign", &["--empty-body-rule", rule, "--explain"]))
            .assert_ok(&explained("", empty, &sts, &sig));
        run(&mut c.with_secret_file("verify", &["--empty-body-rule", rule, "--signature", &sig]))
            .assert_ok("valid\n");
    }
    assert_eq!(
        case["signature"].as_str().unwrap(),
        hmac(
            secret,
            &format!("GET:{url}:{token}:{empty}:{ts}"),
            SignatureEncoding::Base64
        )
    );
    // A `{}` body is a body, whatever the rule.
    let mut braces = SymCase::new(&case);
    braces.body = Some(TempFile::new("braces.json", b"{ }"));
    let digest = hex::encode(Sha256::digest(b"{}"));
    let sts = format!("GET:{url}:{token}:{digest}:{ts}");
    run(&mut braces.with_secret_file("sign", &["--empty-body-rule", "drop-segment", "--explain"]))
        .assert_ok(&explained(
            "{}",
            &digest,
            &sts,
            &hmac(secret, &sts, SignatureEncoding::Base64),
        ));
}

#[test]
fn raw_body_hashes_the_bytes_as_given() {
    let case = vectors("symmetric.json")
        .into_iter()
        .find(|c| c["name"] == "qris-query-pretty-body")
        .expect("the pretty-body vector");
    let c = SymCase::new(&case);
    let raw = c.field("body");
    assert_ne!(raw, c.field("minified_body"));
    let digest = hex::encode(Sha256::digest(raw.as_bytes()));
    let sts = format!(
        "{}:{}:{}:{digest}:{}",
        c.method, c.url, c.token, c.timestamp
    );
    let sig = hmac(c.field("client_secret"), &sts, SignatureEncoding::Base64);
    let r = run(&mut c.with_secret_file("sign", &["--raw-body", "--explain"]));
    r.assert_ok(&format!(
        "minified-body: {raw}\nbody-sha256: {digest}\nstring-to-sign: {sts}\n{sig}\n"
    ));
    assert_ne!(sig, c.field("signature"));

    // Invalid JSON is fine when hashed raw.
    let mut not_json = SymCase::new(&case);
    not_json.body = Some(TempFile::new("not.json", b"a=1&b=2"));
    let digest = hex::encode(Sha256::digest(b"a=1&b=2"));
    let sts = format!(
        "{}:{}:{}:{digest}:{}",
        c.method, c.url, c.token, c.timestamp
    );
    run(&mut not_json.with_secret_file("sign", &["--raw-body"])).assert_ok(&format!(
        "{}\n",
        hmac(c.field("client_secret"), &sts, SignatureEncoding::Base64)
    ));
}

#[test]
fn secret_is_never_printed() {
    let secret = "Sup3r-S3cret-Value-9f2c";
    let mut c = SymCase::new(&vectors("symmetric.json")[0]);
    c.secret = TempFile::new("secret", secret.as_bytes());
    // Default encoding (base64), so `--encoding base32` below is the only one.
    assert_eq!(c.encoding, "base64");
    c.encoding = String::new();
    let mut runs = vec![
        run(&mut c.with_secret_file("sign", &["--explain"])),
        run(&mut c.with_secret_file("verify", &["--explain", "--signature", "AAAA"])),
        run(&mut c.with_secret_file(
            "verify",
            &["--explain", "--signature", c.field("signature")],
        )),
    ];
    let args = c.args("sign");
    let mut refs: Vec<&str> = args.iter().map(String::as_str).collect();
    refs.push("--explain");
    runs.push(run(snap(&refs).env("SNAP_CLIENT_SECRET", secret)));
    refs.extend(["--encoding", "base32"]);
    runs.push(run(snap(&refs).env("SNAP_CLIENT_SECRET", secret)));
    assert_eq!(
        runs.iter().map(|r| r.code).collect::<Vec<_>>(),
        [0, 1, 1, 0, 2]
    );
    assert!(runs[0].stdout.contains("string-to-sign: POST:"));
    for r in &runs {
        assert!(!r.stdout.contains(secret), "{r:?}");
        assert!(!r.stderr.contains(secret), "{r:?}");
        assert!(!r.stdout.contains("Sup3r"), "{r:?}");
    }
}

// ---------------------------------------------------------------- asymmetric

fn token_args(verb: &str, case: &Value, key_flag: &str, key_file: &str) -> Vec<String> {
    [
        verb,
        "token",
        "--client-id",
        s(case, "client_id"),
        "--timestamp",
        s(case, "timestamp"),
        key_flag,
        &key(key_file),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn transaction_args(
    verb: &str,
    case: &Value,
    body: &TempFile,
    key_flag: &str,
    key_file: &str,
) -> Vec<String> {
    [
        verb,
        "asymmetric",
        "--method",
        s(case, "method"),
        "--url",
        s(case, "endpoint_url"),
        "--timestamp",
        s(case, "timestamp"),
        "--body",
        body.path(),
        key_flag,
        &key(key_file),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn run_owned(args: &[String], extra: &[&str]) -> Run {
    let mut refs: Vec<&str> = args.iter().map(String::as_str).collect();
    refs.extend_from_slice(extra);
    run_args(&refs)
}

#[test]
fn asymmetric_vectors() {
    let cases = vectors("asymmetric.json");
    let (mut tokens, mut transactions, mut signed) = (0, 0, 0);
    for case in &cases {
        let name = s(case, "name");
        let sig = s(case, "signature");
        let valid = case["valid"].as_bool().unwrap();
        let private = case["private_key"].as_str();
        let public = s(case, "public_key");
        let verify_code = if valid { 0 } else { 1 };
        match s(case, "kind") {
            "token" => {
                tokens += 1;
                if let Some(private) = private {
                    signed += 1;
                    let r = run_owned(&token_args("sign", case, "--private-key", private), &[]);
                    assert_eq!(r.last_line(), sig, "{name}");
                    r.assert_ok(&format!("{sig}\n"));
                    let r = run_owned(
                        &token_args("sign", case, "--private-key", private),
                        &["--explain"],
                    );
                    r.assert_ok(&format!(
                        "string-to-sign: {}\n{sig}\n",
                        s(case, "string_to_sign")
                    ));
                }
                let r = run_owned(
                    &token_args("verify", case, "--public-key", public),
                    &["--signature", sig],
                );
                assert_eq!(r.code, verify_code, "{name}: {r:?}");
                if valid {
                    r.assert_ok("valid\n");
                } else {
                    r.assert_fails(1, MISMATCH);
                }
            }
            "transaction" => {
                transactions += 1;
                let body = TempFile::new("notify.json", s(case, "body").as_bytes());
                if let Some(private) = private {
                    signed += 1;
                    let args = transaction_args("sign", case, &body, "--private-key", private);
                    let r = run_owned(&args, &[]);
                    assert_eq!(r.last_line(), sig, "{name}");
                    r.assert_ok(&format!("{sig}\n"));
                    run_owned(&args, &["--explain"]).assert_ok(&explained(
                        s(case, "minified_body"),
                        s(case, "body_sha256"),
                        s(case, "string_to_sign"),
                        sig,
                    ));
                }
                let args = transaction_args("verify", case, &body, "--public-key", public);
                let r = run_owned(&args, &["--signature", sig]);
                assert_eq!(r.code, verify_code, "{name}: {r:?}");
                if valid {
                    r.assert_ok("valid\n");
                } else {
                    assert_eq!(r.stdout, "", "{name}");
                    r.assert_fails(1, MISMATCH);
                }
                let verdict = if valid { "valid\n" } else { "" };
                let r = run_owned(&args, &["--signature", sig, "--explain"]);
                assert_eq!(r.code, verify_code, "{name}: {r:?}");
                assert_eq!(
                    r.stdout,
                    format!(
                        "minified-body: {}\nbody-sha256: {}\nstring-to-sign: {}\n{verdict}",
                        s(case, "minified_body"),
                        s(case, "body_sha256"),
                        s(case, "string_to_sign"),
                    ),
                    "{name}"
                );
            }
            other => panic!("{name}: unknown kind {other}"),
        }
    }
    assert_eq!((tokens, transactions), (3, 8));
    assert!(signed >= 5);
}

#[test]
fn verify_token_tampered_timestamp_and_malformed_signature() {
    let cases = vectors("asymmetric.json");
    let case = &cases[0];
    assert_eq!(s(case, "kind"), "token");
    let sig = s(case, "signature");
    let mut tampered = case.clone();
    tampered["timestamp"] = Value::from("2024-03-01T08:27:49.025Z");
    run_owned(
        &token_args("verify", &tampered, "--public-key", s(case, "public_key")),
        &["--signature", sig],
    )
    .assert_fails(1, MISMATCH);
    run_owned(
        &token_args("verify", case, "--public-key", s(case, "public_key")),
        &["--signature", "AAAA"],
    )
    .assert_fails(
        1,
        "invalid: X-SIGNATURE is not a base64 or hex signature of 256 bytes\n",
    );
}

#[test]
fn legacy_1024_public_key_needs_the_flag() {
    let sig_path = key("legacy-1024-token-signature.b64");
    let sig = std::fs::read_to_string(sig_path).unwrap();
    let args = [
        "verify",
        "token",
        "--client-id",
        "legacy-client",
        "--timestamp",
        "2026-11-22T10:00:00+07:00",
        "--public-key",
        &key("legacy-1024-public.pem"),
        "--signature",
        sig.trim(),
    ];
    run_args(&args).assert_fails(
        2,
        &format!(
            "error: public key {}: RSA key has 1024 bits; at least 2048 are required \
             (pass --allow-legacy-1024 to accept it)\n",
            key("legacy-1024-public.pem")
        ),
    );
    let mut allowed = args.to_vec();
    allowed.push("--allow-legacy-1024");
    run_args(&allowed).assert_ok("valid\n");
    allowed[5] = "2026-11-22T10:00:01+07:00";
    run_args(&allowed).assert_fails(1, MISMATCH);
}

// ---------------------------------------------------------------- bad input

#[test]
fn missing_secret_is_bad_input() {
    let c = SymCase::new(&vectors("symmetric.json")[0]);
    let args = c.args("sign");
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(snap(&refs).env_remove("SNAP_CLIENT_SECRET"));
    assert_eq!(r.stdout, "");
    r.assert_fails(2, NO_SECRET);
    let args = c.args("verify");
    let mut refs: Vec<&str> = args.iter().map(String::as_str).collect();
    refs.extend(["--signature", c.field("signature")]);
    run(snap(&refs).env_remove("SNAP_CLIENT_SECRET")).assert_fails(2, NO_SECRET);
}

#[test]
fn empty_or_unreadable_secret_is_bad_input() {
    let mut c = SymCase::new(&vectors("symmetric.json")[0]);
    let args = c.args("sign");
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(snap(&refs).env("SNAP_CLIENT_SECRET", "")).assert_fails(
        2,
        "error: SNAP_CLIENT_SECRET holds an empty client secret\n",
    );

    c.secret = TempFile::new("empty-secret", b"\n");
    run(&mut c.with_secret_file("sign", &[])).assert_fails(
        2,
        &format!(
            "error: client secret file {} holds an empty client secret\n",
            c.secret.path()
        ),
    );

    let mut refs = refs.clone();
    refs.extend(["--secret-file", "/nonexistent/snap-bi/secret"]);
    run_args(&refs).assert_fails_with_prefix(
        2,
        "error: cannot read client secret file /nonexistent/snap-bi/secret: ",
    );
}

#[test]
fn missing_token_is_bad_input() {
    let c = SymCase::new(&vectors("symmetric.json")[0]);
    run_args(&[
        "sign",
        "symmetric",
        "--method",
        "POST",
        "--url",
        &c.url,
        "--timestamp",
        &c.timestamp,
        "--secret-file",
        c.secret.path(),
    ])
    .assert_fails(
        2,
        "error: no access token: pass --token-file FILE or set SNAP_ACCESS_TOKEN (or --token T, \
         which other local users can see in the process list)\n",
    );
}

#[test]
fn nonexistent_body_file_is_bad_input() {
    let mut c = SymCase::new(&vectors("symmetric.json")[0]);
    c.body = None;
    let r = run(&mut c.with_secret_file("sign", &["--body", "/nonexistent/snap-bi/body.json"]));
    assert_eq!(r.stdout, "");
    r.assert_fails_with_prefix(
        2,
        "error: cannot read body file /nonexistent/snap-bi/body.json: ",
    );
}

#[test]
fn invalid_json_body_is_bad_input_with_offset() {
    let mut c = SymCase::new(&vectors("symmetric.json")[0]);
    c.body = Some(TempFile::new("bad.json", b"{\"a\":1,}"));
    let expected = "error: invalid JSON body at byte 7: expected an object key (a string) \
                    (pass --raw-body to hash the body as given)\n";
    let r = run(&mut c.with_secret_file("sign", &["--explain"]));
    assert_eq!(r.stdout, "");
    r.assert_fails(2, expected);
    run(&mut c.with_secret_file("verify", &["--signature", c.field("signature")]))
        .assert_fails(2, expected);

    let case = &vectors("asymmetric.json")[1];
    let body = TempFile::new("bad.json", b"{\"a\":\xff}");
    run_owned(
        &transaction_args("sign", case, &body, "--private-key", "pjp-test-private.pem"),
        &[],
    )
    .assert_fails(
        2,
        "error: invalid JSON body at byte 5: not valid UTF-8 \
         (pass --raw-body to hash the body as given)\n",
    );
}

#[test]
fn wrong_key_kind_is_bad_input() {
    let cases = vectors("asymmetric.json");
    let token = &cases[0];
    let public = key("midtrans-demo-public.pem");
    run_owned(
        &token_args("sign", token, "--private-key", "midtrans-demo-public.pem"),
        &[],
    )
    .assert_fails(
        2,
        &format!(
            "error: private key {public}: expected PRIVATE KEY or RSA PRIVATE KEY, \
             found a PEM block labelled \"PUBLIC KEY\"\n"
        ),
    );
    let tx = &cases[1];
    let body = TempFile::new("notify.json", s(tx, "body").as_bytes());
    run_owned(
        &transaction_args(
            "sign",
            tx,
            &body,
            "--private-key",
            "midtrans-demo-public.pem",
        ),
        &[],
    )
    .assert_fails_with_prefix(2, "error: private key ");
    run_owned(
        &transaction_args(
            "verify",
            tx,
            &body,
            "--public-key",
            "midtrans-demo-private.pem",
        ),
        &["--signature", s(tx, "signature")],
    )
    .assert_fails_with_prefix(2, "error: public key ");
    run_owned(
        &token_args("sign", token, "--private-key", "no-such-key.pem"),
        &[],
    )
    .assert_fails_with_prefix(2, "error: cannot read private key file ");
}

#[test]
fn bad_encoding_value_is_bad_input() {
    let mut c = SymCase::new(&vectors("symmetric.json")[0]);
    c.encoding = String::new();
    let r = run(&mut c.with_secret_file("sign", &["--encoding", "base32"]));
    assert_eq!(r.stdout, "");
    r.assert_fails(
        2,
        "error: invalid value 'base32' for '--encoding <ENC>' [possible values: base64, hex]\n",
    );
    run(&mut c.with_secret_file(
        "verify",
        &["--encoding", "base32", "--signature", c.field("signature")],
    ))
    .assert_fails_with_prefix(2, "error: invalid value 'base32' for '--encoding <ENC>'");
    run(&mut c.with_secret_file("sign", &["--empty-body-rule", "nothing"]))
        .assert_fails_with_prefix(2, "error: invalid value 'nothing' for '--empty-body-rule");
}

// ---------------------------------------------------------------- help

#[test]
fn help_and_version() {
    let r = run_args(&["--version"]);
    r.assert_ok(&format!("snap-bi {}\n", env!("CARGO_PKG_VERSION")));

    let r = run_args(&["--help"]);
    assert_eq!(r.code, 0, "{r:?}");
    for sub in ["minify", "sign", "verify"] {
        assert!(
            r.stdout.contains(&format!("  {sub} ")),
            "{sub}: {}",
            r.stdout
        );
    }

    let r = run_args(&["sign", "symmetric", "--help"]);
    assert_eq!(r.code, 0, "{r:?}");
    for needle in [
        "upper-cased before signing",
        "--client-secret-file <F>",
        "--profile <NAME>",
        "SNAP_CLIENT_SECRET",
        "[env: SNAP_ACCESS_TOKEN]",
        "--raw-body",
        "--empty-body-rule <RULE>",
        "--explain",
    ] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }

    // Old spellings still work but are not advertised.
    assert!(!r.stdout.contains("--secret-file"), "{}", r.stdout);

    let r = run_args(&["verify", "token", "--help"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("--allow-legacy-1024"), "{}", r.stdout);

    // The token's value is never shown in help, even when set in the environment.
    let r = run(snap(&["sign", "symmetric", "--help"]).env("SNAP_ACCESS_TOKEN", "tok-Zq81"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("tok-Zq81"), "{}", r.stdout);

    // No subcommand: usage on stderr, exit 2.
    let r = run_args(&[]);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{r:?}");
    assert!(r.stderr.contains("Usage: snap-bi <COMMAND>"), "{r:?}");
}

// ------------------------------------------------------- issue 11 fixes

#[test]
fn both_spellings_of_renamed_flags_work() {
    let c = SymCase::new(&vectors("symmetric.json")[0]);
    let expected = format!("{}\n", c.field("signature"));
    for flag in ["--client-secret-file", "--secret-file"] {
        let mut args = c.args("sign");
        args.extend([flag.to_owned(), c.secret.path().to_owned()]);
        run_owned(&args, &[]).assert_ok(&expected);
    }
    // `token b2b`: --profile, and --provider as its hidden alias; both are
    // parsed (an unknown preset is reported under the canonical name).
    for flag in ["--profile", "--provider"] {
        let r = run(snap(&[
            "token",
            "b2b",
            "--url",
            "http://127.0.0.1:9/v1.0/access-token/b2b",
            "--client-id",
            "C",
            "--private-key",
            &key("partner-test-private.pem"),
            flag,
            "nope",
        ])
        .env_remove("SNAP_CLIENT_ID")
        .env_remove("SNAP_PRIVATE_KEY"));
        r.assert_fails_with_prefix(2, "error: unknown profile \"nope\"; expected one of ");
    }
    let r = run_args(&["token", "b2b", "--help"]);
    assert!(r.stdout.contains("--profile <NAME>"), "{}", r.stdout);
    assert!(!r.stdout.contains("--provider"), "{}", r.stdout);
}

#[test]
fn sign_timestamp_now_is_the_current_jakarta_time_in_the_profiles_format() {
    let case = &vectors("asymmetric.json")[0];
    let mut args = token_args("sign", case, "--private-key", "partner-test-private.pem");
    let at = args.iter().position(|a| a == "--timestamp").unwrap();
    args[at + 1] = "now".to_owned();
    let r = run_owned(&args, &["--explain"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    let timestamp = lines[0].strip_prefix("timestamp: ").unwrap();
    // yyyy-MM-ddTHH:mm:ss+07:00, within a minute of now.
    let parsed = chrono::DateTime::parse_from_rfc3339(timestamp).unwrap();
    assert_eq!(timestamp.len(), 25, "{timestamp}");
    assert!(timestamp.ends_with("+07:00"), "{timestamp}");
    assert!((chrono::Utc::now() - parsed.to_utc()).num_seconds().abs() < 60);
    assert_eq!(
        lines[1],
        format!("string-to-sign: {}|{timestamp}", s(case, "client_id"))
    );
    // The signature is over that timestamp, not over the text "now".
    let mut verify = token_args("verify", case, "--public-key", "partner-test-public.pem");
    verify[at + 1] = timestamp.to_owned();
    run_owned(&verify, &["--signature", r.last_line()]).assert_ok("valid\n");

    // A profile with another format gets it (Midtrans: UTC, milliseconds).
    let r = run_owned(&args, &["--profile", "midtrans"]);
    let timestamp = r.stdout.lines().next().unwrap();
    assert!(
        timestamp.starts_with("timestamp: ") && timestamp.contains('.') && timestamp.ends_with('Z'),
        "{r:?}"
    );

    // Verifying needs the timestamp that was sent.
    verify[at + 1] = "now".to_owned();
    run_owned(&verify, &["--signature", "x"])
        .assert_fails_with_prefix(2, "error: --timestamp now only works when signing");
}

#[test]
fn an_ec_key_is_named_in_words() {
    let ec = TempFile::new(
        "ec.pem",
        b"-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgItnmbUUPfEFowpoC
SxTTgE94lNrlpEAlX2kPFoIIqUChRANCAARH5dIKf8lMbwBYNMXFmfyoKtpNlLpI
2qXbZhEuvTmetr/xLSaDLebRuUm2Mk/iJJo9Q0KJRjOcargfP5BuieoO
-----END PRIVATE KEY-----
",
    );
    let case = &vectors("asymmetric.json")[0];
    let mut args = token_args("sign", case, "--private-key", "partner-test-private.pem");
    let last = args.len() - 1;
    args[last] = ec.path().to_owned();
    run_owned(&args, &[]).assert_fails(
        2,
        &format!(
            "error: private key {}: an EC key; SNAP needs RSA ≥ 2048 bits\n",
            ec.path()
        ),
    );
}
