#![cfg(feature = "cli")]
//! End-to-end tests of `snap-bi explain`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use snap_bi::{AsymmetricSigner, BodyPolicy, CanonicalBody, ClientSecret, RsaPrivateKey};
use snap_bi::{SymmetricSigner, TransactionParts};

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");
const SECRET: &str = "cli-explain-secret";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJjbGkifQ.sig";
const TS: &str = "2024-09-10T13:24:42+07:00";
const URL: &str = "/snap/v1.0/qr/qr-mpm-query";
const BODY: &str = "{\n  \"originalReferenceNo\": \"ref-1\",\n  \"serviceCode\": \"51\"\n}\n";

/// A file under the temp dir, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, contents: &[u8]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "snap-bi-cli-explain-{}-{n}-{tag}",
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
}

fn run(args: &[&str], secret: Option<&str>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.arg("explain")
        .args(args)
        .env_remove("SNAP_CLIENT_SECRET")
        .env_remove("SNAP_ACCESS_TOKEN")
        .stdin(Stdio::null());
    if let Some(secret) = secret {
        cmd.env("SNAP_CLIENT_SECRET", secret);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
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

fn sign(body: &CanonicalBody<'_>, url: &str) -> String {
    let parts = TransactionParts::new("POST", url, body, TS);
    SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap())
        .sign(&parts, TOKEN)
        .into_string()
}

fn minified() -> CanonicalBody<'static> {
    CanonicalBody::new(BODY.as_bytes(), BodyPolicy::Minify).unwrap()
}

/// `-H` arguments for a symmetric request signed with `signature`.
fn header_args(signature: &str) -> Vec<String> {
    vec![
        "-H".into(),
        format!("X-TIMESTAMP: {TS}"),
        "-H".into(),
        format!("X-SIGNATURE: {signature}"),
        "-H".into(),
        format!("Authorization: Bearer {TOKEN}"),
    ]
}

fn explain_args<'a>(headers: &'a [String], body: &'a TempFile, url: &'a str) -> Vec<&'a str> {
    let mut args = vec!["--method", "POST", "--url", url, "--body", body.path()];
    args.extend(headers.iter().map(String::as_str));
    args
}

#[test]
fn valid_request_exits_0_with_valid_last() {
    let body = TempFile::new("body.json", BODY.as_bytes());
    let headers = header_args(&sign(&minified(), URL));
    let r = run(&explain_args(&headers, &body, URL), Some(SECRET));
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.last_line(), "valid");
    assert!(
        r.stdout
            .contains("standard string-to-sign: POST:/snap/v1.0/qr/qr-mpm-query:<token eyJ0…"),
        "{r:?}"
    );
    assert!(
        !r.stdout.contains(TOKEN) && !r.stdout.contains(SECRET),
        "{r:?}"
    );
}

#[test]
fn midtrans_published_vector_is_valid() {
    // snap-spec §8.1 V1, as a captured request in a curl-style headers file.
    let body = TempFile::new(
        "v1.json",
        br#"{"partnerReferenceNo":"2020102900000000000001","amount":{"value":"12345678.00","currency":"IDR"},"feeAmount":{"value":"12345678.00","currency":"IDR"},"merchantId":"00007100010926","terminalId":"213141251124","validityPeriod":"2009-07-03T12:08:56-07:00"}"#,
    );
    let headers = TempFile::new(
        "headers.txt",
        b"POST /v1.0/qr/qr-mpm-generate HTTP/1.1\r\n\
          > Content-Type: application/json\r\n\
          # a comment\r\n\
          > X-TIMESTAMP: 2024-03-05T10:37:16.196Z\r\n\
          X-SIGNATURE: wmzT7yjg1SxxCsxNsFgCR9SYXiZGGbceF6fV8xe97sAMHxZ+7OEBMIBmvb6Sj6GcksGp3iv77DiomgSbcST3XQ==\r\n\
          Authorization: Bearer myaccesstoken\r\n\r\n",
    );
    let secret = TempFile::new("secret", b"myclientsecret\n");
    let r = run(
        &[
            "--method",
            "POST",
            "--url",
            "/v1.0/qr/qr-mpm-generate",
            "--headers-file",
            headers.path(),
            "--body",
            body.path(),
            "--secret-file",
            secret.path(),
        ],
        None,
    );
    assert_eq!((r.code, r.last_line()), (0, "valid"), "{r:?}");
}

#[test]
fn non_standard_variant_exits_1_and_names_it() {
    let body = TempFile::new("body.json", BODY.as_bytes());
    let raw = CanonicalBody::new(BODY.as_bytes(), BodyPolicy::Raw).unwrap();
    let headers = header_args(&sign(&raw, "/snap/v1.0/qr/qr-mpm-query"));
    let url = "/snap/v1.0/qr/qr-mpm-query?lang=id";
    let r = run(&explain_args(&headers, &body, url), Some(SECRET));
    assert_eq!(r.code, 1, "{r:?}");
    let verdict = "non-standard: the EndpointUrl was signed with the query string dropped \
        (/snap/v1.0/qr/qr-mpm-query, not /snap/v1.0/qr/qr-mpm-query?lang=id); \
        the body hash is over the raw, un-minified bytes";
    assert_eq!(r.last_line(), verdict);
    assert_eq!(r.stderr, format!("invalid: {verdict}\n"));
    // The table marks the two differing axes.
    let marked: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with('*')).collect();
    assert_eq!(marked.len(), 2, "{}", r.stdout);
    assert!(
        marked[0].contains("EndpointUrl") && marked[1].contains("body"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_output_is_the_last_line() {
    let body = TempFile::new("body.json", BODY.as_bytes());
    let hex = {
        let body = minified();
        let parts = TransactionParts::new("POST", URL, &body, TS);
        SymmetricSigner::new(&ClientSecret::new(SECRET).unwrap())
            .with_encoding(snap_bi::SignatureEncoding::Hex)
            .sign(&parts, TOKEN)
            .into_string()
    };
    let headers = header_args(&hex);
    let mut args = explain_args(&headers, &body, URL);
    args.push("--json");
    let r = run(&args, Some(SECRET));
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.stdout.lines().count(), 1, "{r:?}");
    let doc: Value = serde_json::from_str(r.last_line()).unwrap();
    assert_eq!(doc["verdict"], "non_standard");
    assert_eq!(doc["matched"]["encoding"], "hex");
    assert_eq!(doc["standard"]["encoding"], "base64");
    assert!(!r.stdout.contains(TOKEN) && !r.stdout.contains(&hex));
    // Under BRI's profile hex is the standard.
    let mut args = explain_args(&headers, &body, URL);
    args.extend(["--profile", "bri", "--json"]);
    let r = run(&args, Some(SECRET));
    assert_eq!(r.code, 0, "{r:?}");
    let doc: Value = serde_json::from_str(r.last_line()).unwrap();
    assert_eq!(doc["verdict"], "valid");
}

#[test]
fn no_match_exits_1() {
    let body = TempFile::new("body.json", BODY.as_bytes());
    let headers = header_args(&sign(&minified(), URL));
    let r = run(&explain_args(&headers, &body, URL), Some("not-the-secret"));
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.last_line(), "no known variant matches");
    assert!(r.stdout.contains("likely causes:"), "{r:?}");
}

#[test]
fn token_request_with_a_public_key() {
    let signer = AsymmetricSigner::new(
        RsaPrivateKey::from_pem(std::fs::read(key("partner-test-private.pem")).unwrap()).unwrap(),
    );
    let sig = signer
        .sign_token("partner-client-01", "2024-09-10T06:24:42.000Z")
        .unwrap();
    let body = TempFile::new("token.json", br#"{"grantType":"client_credentials"}"#);
    let public = key("partner-test-public.pem");
    let r = run(
        &[
            "--method",
            "POST",
            "--url",
            "/snap/v1.0/access-token/b2b",
            "--body",
            body.path(),
            "--public-key",
            &public,
            "-H",
            &format!("X-TIMESTAMP: {TS}"),
            "-H",
            &format!("X-SIGNATURE: {}", sig.as_str()),
            "-H",
            "X-CLIENT-KEY: partner-client-01",
        ],
        None,
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.last_line(),
        format!(
            "non-standard: the timestamp was signed as 2024-09-10T06:24:42.000Z (UTC Z, milliseconds) \
             but X-TIMESTAMP says {TS}"
        )
    );
    assert!(
        r.stdout
            .contains("standard string-to-sign: partner-client-01|2024-09-10T13:24:42+07:00"),
        "{r:?}"
    );
}

#[test]
fn bad_input_exits_2() {
    let body = TempFile::new("body.json", BODY.as_bytes());
    let headers = header_args(&sign(&minified(), URL));
    let base = explain_args(&headers, &body, URL);

    // No credentials at all.
    let r = run(&base, None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.starts_with("error: no credentials"), "{r:?}");
    assert_eq!(r.stdout, "");

    // A header line without a colon.
    let mut args = base.clone();
    args.extend(["-H", "X-SIGNATURE abc"]);
    let r = run(&args, Some(SECRET));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .starts_with("error: --header: expected `Name: value`"),
        "{r:?}"
    );

    // No X-SIGNATURE.
    let r = run(
        &[
            "--method",
            "GET",
            "--url",
            "/x",
            "-H",
            &format!("X-TIMESTAMP: {TS}"),
        ],
        Some(SECRET),
    );
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (2, "error: the request has no X-SIGNATURE header\n"),
        "{r:?}"
    );

    // Unknown profile, missing body file, bad headers-file line.
    let mut args = base.clone();
    args.extend(["--profile", "nope"]);
    let r = run(&args, Some(SECRET));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .starts_with("error: unknown profile \"nope\"; expected one of aspi-standard, bca"),
        "{r:?}"
    );

    let r = run(
        &[
            "--method",
            "GET",
            "--url",
            "/x",
            "--body",
            "/nonexistent/snap-bi/body.json",
        ],
        Some(SECRET),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with("error: cannot read body file"),
        "{r:?}"
    );

    let bad = TempFile::new("bad-headers.txt", b"X-TIMESTAMP: t\nnot a header\n");
    let r = run(
        &[
            "--method",
            "GET",
            "--url",
            "/x",
            "--headers-file",
            bad.path(),
        ],
        Some(SECRET),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("line 2: expected `Name: value`"), "{r:?}");

    // A target that is not a URL.
    let r = run(
        &[
            "--method",
            "GET",
            "--url",
            "api.example.com",
            "-H",
            "X-SIGNATURE: a",
            "-H",
            "X-TIMESTAMP: t",
        ],
        Some(SECRET),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("has no path"), "{r:?}");

    // The scheme asks for a credential that is missing.
    let mut args = base.clone();
    args.extend(["--scheme", "asymmetric"]);
    let r = run(&args, Some(SECRET));
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            2,
            "error: asymmetric signatures need the signer's public key\n"
        ),
        "{r:?}"
    );
}

// ------------------------------------------------------- issue 11

/// `curl -v` output of the request signed with `signature`, response and all.
fn curl_verbose(signature: &str) -> String {
    let body = minified();
    let len = body.bytes().len();
    format!(
        "* Host 127.0.0.1:8080 was resolved.\n\
         *   Trying 127.0.0.1:8080...\n\
         * Connected to 127.0.0.1 (127.0.0.1) port 8080\n\
         > POST {URL} HTTP/1.1\r\n\
         > Host: 127.0.0.1:8080\r\n\
         > User-Agent: curl/8.5.0\r\n\
         > Accept: */*\r\n\
         > Content-Type: application/json\r\n\
         > X-TIMESTAMP: {TS}\r\n\
         > X-SIGNATURE: {signature}\r\n\
         > Authorization: Bearer {TOKEN}\r\n\
         > Content-Length: {len}\r\n\
         > \r\n\
         }} [{len} bytes data]\n\
         * upload completely sent off: {len} bytes\n\
         < HTTP/1.1 401 Unauthorized\r\n\
         < content-type: application/json\r\n\
         <\r\n\
         {{ [71 bytes data]\n\
         * Connection #0 to host 127.0.0.1 left intact\n\
         {{\"responseCode\":\"4017300\",\"responseMessage\":\"Unauthorized. [Signature]\"}}\n"
    )
}

#[test]
fn headers_file_takes_real_curl_verbose_output() {
    let body = TempFile::new("body.json", minified().bytes());
    let capture = TempFile::new("curl.txt", curl_verbose(&sign(&minified(), URL)).as_bytes());
    // Method and URL come from curl's request line.
    let r = run(
        &["--headers-file", capture.path(), "--body", body.path()],
        Some(SECRET),
    );
    assert_eq!((r.code, r.last_line()), (0, "valid"), "{r:?}");
    // Without a request line they are needed.
    let plain = TempFile::new("plain.txt", format!("X-TIMESTAMP: {TS}\n").as_bytes());
    let r = run(&["--headers-file", plain.path()], Some(SECRET));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with("error: pass --method and --url"),
        "{r:?}"
    );
}

#[test]
fn a_secret_with_extra_trailing_whitespace_is_tried_without_it() {
    let body = TempFile::new("body.json", BODY.as_bytes());
    let headers = header_args(&sign(&minified(), URL));
    // An editor left a space before the line break: the CLI drops only the
    // line break, the sender's secret had neither.
    let secret = TempFile::new("secret.txt", format!("{SECRET} \n").as_bytes());
    let mut args = explain_args(&headers, &body, URL);
    args.extend(["--client-secret-file", secret.path()]);
    let r = run(&args, None);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout.contains("note: the signature is valid with the client secret minus its trailing whitespace (1 characters dropped)"),
        "{r:?}"
    );
    assert!(r.stderr.contains("trailing whitespace"), "{r:?}");
    // The plain secret file still just works.
    let secret = TempFile::new("secret-lf.txt", format!("{SECRET}\n").as_bytes());
    let mut args = explain_args(&headers, &body, URL);
    args.extend(["--secret-file", secret.path()]);
    let r = run(&args, None);
    assert_eq!((r.code, r.last_line()), (0, "valid"), "{r:?}");
}

#[test]
fn their_string_to_sign_is_compared_field_by_field() {
    let body = TempFile::new("body.json", BODY.as_bytes());
    let headers = header_args(&sign(&minified(), URL));
    let hash = minified().digest().as_str().to_owned();
    let ours = format!("POST:{URL}:{TOKEN}:{hash}:{TS}");

    // No credentials needed: the comparison is the answer.
    let mut args = explain_args(&headers, &body, URL);
    args.extend(["--their-string-to-sign", &ours]);
    let r = run(&args, None);
    assert_eq!(
        (r.code, r.last_line()),
        (0, "their string-to-sign is identical to ours"),
        "{r:?}"
    );

    // They signed the path without the /snap prefix.
    let theirs = ours.replacen(URL, "/v1.0/qr/qr-mpm-query", 1);
    let mut args = explain_args(&headers, &body, URL);
    args.extend(["--their-string-to-sign", &theirs]);
    let r = run(&args, None);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.last_line(),
        format!(
            "their string-to-sign differs: EndpointUrl differs: ours \"{URL}\", theirs \"/v1.0/qr/qr-mpm-query\""
        ),
        "{r:?}"
    );

    // They hashed the pretty body: named, and the token never printed.
    let raw = CanonicalBody::new(BODY.as_bytes(), BodyPolicy::Raw).unwrap();
    let theirs = ours.replace(&hash, raw.digest().as_str());
    let mut args = explain_args(&headers, &body, URL);
    args.extend(["--their-string-to-sign", &theirs]);
    let r = run(&args, Some(SECRET));
    assert_eq!((r.code, r.last_line()), (0, "valid"), "{r:?}");
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("their string-to-sign"))
        .unwrap();
    assert!(line.contains("body hash differs"), "{line}");
    assert!(
        line.ends_with("(theirs is the hash of the raw, un-minified body)"),
        "{line}"
    );
    assert!(!r.stdout.contains(TOKEN), "{r:?}");
}
