#![cfg(feature = "cli")]
//! `snap-bi serve-mock` as a child process on 127.0.0.1, driven by
//! `snap-bi request`.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use snap_bi::{AsymmetricVerifier, BodyPolicy, CanonicalBody, RsaPublicKey, TransactionParts};

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");
const SECRET: &str = "mock-partner-secret";
const GENERATE: &str =
    r#"{"partnerReferenceNo":"INV-1","amount":{"value":"12000.00","currency":"IDR"}}"#;
const QUERY: &str = r#"{"originalPartnerReferenceNo":"INV-1","serviceCode":"47"}"#;

fn key(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name)
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A scratch directory for one test, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("snap-bi-cli-mock-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `snap-bi serve-mock`, killed on drop.
struct Mock {
    child: Child,
    port: u16,
    // Kept open so the child never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Mock {
    /// Starts `serve-mock --port 0` with `args` and the secret in a file;
    /// waits for the `listening on` line.
    fn start(scratch: &Scratch, args: &[&str]) -> Self {
        let secret = scratch.write("secret.txt", format!("{SECRET}\n"));
        let public = key("partner-test-public.pem");
        let mut all = vec![
            "serve-mock",
            "--port",
            "0",
            "--client-id",
            "CLIENT01",
            "--public-key",
            path_str(&public),
            "--client-secret-file",
            path_str(&secret),
        ];
        all.extend_from_slice(args);
        Self::start_raw(&all)
    }

    fn start_raw(args: &[&str]) -> Self {
        let mut child = clean(Command::new(BIN))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(port) = line
            .trim_end()
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|p| p.parse().ok())
        else {
            let _ = child.kill();
            let mut stderr = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!("serve-mock did not start: stdout {line:?}, stderr {stderr:?}");
        };
        Self {
            child,
            port,
            _stdout: stdout,
        }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The command with every SNAP_* variable removed.
fn clean(mut command: Command) -> Command {
    for name in [
        "SNAP_CLIENT_ID",
        "SNAP_CLIENT_SECRET",
        "SNAP_PRIVATE_KEY",
        "SNAP_PARTNER_ID",
        "SNAP_CHANNEL_ID",
        "SNAP_ACCESS_TOKEN",
    ] {
        command.env_remove(name);
    }
    command.stdin(Stdio::null());
    command
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

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.last_line()).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    fn response_code(&self) -> String {
        self.json()["responseCode"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = clean(Command::new(BIN));
    command.args(args).envs(env.iter().copied());
    let out = command.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The standard partner's credentials, as `request` reads them.
fn credentials(secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SNAP_CLIENT_ID", "CLIENT01".to_owned()),
        (
            "SNAP_PRIVATE_KEY",
            path_str(&key("partner-test-private.pem")).to_owned(),
        ),
        ("SNAP_CLIENT_SECRET", secret.to_owned()),
    ]
}

/// `snap-bi request --base-url BASE --method POST --path PATH --body FILE`.
fn request(
    scratch: &Scratch,
    base: &str,
    path: &str,
    body: &str,
    env: &[(&str, String)],
    extra: &[&str],
) -> Run {
    let body_file = scratch.write("body.json", body);
    let mut args = vec![
        "request",
        "--base-url",
        base,
        "--method",
        "POST",
        "--path",
        path,
        "--body",
        path_str(&body_file),
    ];
    args.extend_from_slice(extra);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(&args, &env)
}

#[test]
fn generate_then_query_a_qr_payment() {
    let scratch = Scratch::new("generate");
    let mock = Mock::start(&scratch, &[]);
    let env = credentials(SECRET);
    let generated = request(
        &scratch,
        &mock.origin(),
        "/v1.0/qr/qr-mpm-generate",
        GENERATE,
        &env,
        &[],
    );
    assert_eq!(
        (generated.code, generated.stderr.as_str()),
        (0, ""),
        "{generated:?}"
    );
    assert_eq!(generated.response_code(), "2004700", "{generated:?}");
    let generated_json = generated.json();
    assert!(
        generated_json["qrContent"]
            .as_str()
            .unwrap()
            .starts_with("000201")
    );

    let queried = request(
        &scratch,
        &mock.origin(),
        "/v1.0/qr/qr-mpm-query",
        QUERY,
        &env,
        &[],
    );
    assert_eq!(queried.code, 0, "{queried:?}");
    assert_eq!(queried.response_code(), "2005100", "{queried:?}");
    assert_eq!(
        queried.json()["originalReferenceNo"],
        generated_json["referenceNo"],
        "{queried:?}"
    );
}

#[test]
fn wrong_client_secret_is_refused_with_a_signature_message() {
    let scratch = Scratch::new("wrong-secret");
    let mock = Mock::start(&scratch, &[]);
    let r = request(
        &scratch,
        &mock.origin(),
        "/v1.0/qr/qr-mpm-generate",
        GENERATE,
        &credentials("not-the-secret"),
        &[],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.response_code(), "4014700", "{r:?}");
    let message = r.json()["responseMessage"].as_str().unwrap().to_owned();
    assert!(message.contains("Signature"), "{message}");
    assert!(
        r.stderr.starts_with(
            "refused: HTTP 401 Unauthorized, responseCode 4014700: Unauthorized. [Signature]"
        ),
        "{r:?}"
    );
}

#[test]
fn unknown_client_gets_the_token_refusal_and_exit_1() {
    let scratch = Scratch::new("unknown-client");
    let mock = Mock::start(&scratch, &[]);
    let mut env = credentials(SECRET);
    env[0].1 = "NOBODY".to_owned();
    let r = request(
        &scratch,
        &mock.origin(),
        "/v1.0/qr/qr-mpm-query",
        QUERY,
        &env,
        &[],
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{r:?}");
    assert!(
        r.stderr
            .starts_with("refused: HTTP 401 Unauthorized, responseCode 4017300"),
        "{r:?}"
    );
}

#[test]
fn verbose_shows_what_was_sent_with_credentials_redacted() {
    let scratch = Scratch::new("verbose");
    let mock = Mock::start(&scratch, &[]);
    let r = request(
        &scratch,
        &mock.origin(),
        "/v1.0/qr/qr-mpm-generate",
        GENERATE,
        &credentials(SECRET),
        &["--verbose", "-H", "X-EXTERNAL-ID: 424242"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    let origin = mock.origin();
    for expected in [
        format!("> POST {origin}/v1.0/access-token/b2b"),
        "> x-client-key: CLIENT01".to_owned(),
        "> x-signature: <redacted, 344 chars>".to_owned(),
        format!("> POST {origin}/v1.0/qr/qr-mpm-generate"),
        "> x-external-id: 424242".to_owned(),
        "> x-partner-id: CLIENT01".to_owned(),
        "> channel-id: 95221".to_owned(),
        "> x-signature: <redacted, 88 chars>".to_owned(),
        format!("> {GENERATE}"),
        "< HTTP/1.1 200 OK".to_owned(),
        "< content-type: application/json".to_owned(),
    ] {
        assert!(
            lines.contains(&expected.as_str()),
            "{expected:?} missing in\n{}",
            r.stderr
        );
    }
    let authorization = lines
        .iter()
        .find(|l| l.starts_with("> authorization: "))
        .unwrap();
    assert!(
        authorization.starts_with("> authorization: Bearer <redacted, ")
            && authorization.ends_with(" chars>"),
        "{authorization}"
    );
    assert!(!r.stderr.contains(SECRET));
}

#[test]
fn config_file_adds_a_second_partner_with_relative_paths() {
    let scratch = Scratch::new("config");
    std::fs::copy(key("partner-test-public.pem"), scratch.0.join("p2.pem")).unwrap();
    scratch.write("p2-secret.txt", "second-secret\n");
    let config = scratch.write(
        "mock.json",
        r#"{"partners":[{"partnerId":"P2","clientId":"C2","publicKey":"p2.pem",
            "clientSecretFile":"p2-secret.txt"}]}"#,
    );
    let mock = Mock::start(&scratch, &["--config", path_str(&config)]);
    let env = vec![
        ("SNAP_CLIENT_ID", "C2".to_owned()),
        (
            "SNAP_PRIVATE_KEY",
            path_str(&key("partner-test-private.pem")).to_owned(),
        ),
        ("SNAP_CLIENT_SECRET", "second-secret".to_owned()),
        ("SNAP_PARTNER_ID", "P2".to_owned()),
    ];
    let r = request(
        &scratch,
        &mock.origin(),
        "/v1.0/qr/qr-mpm-generate",
        GENERATE,
        &env,
        &[],
    );
    assert_eq!(
        (r.code, r.response_code().as_str()),
        (0, "2004700"),
        "{r:?}"
    );
    // The first partner (from the flags) still works alongside.
    let r = request(
        &scratch,
        &mock.origin(),
        "/v1.0/qr/qr-mpm-query",
        r#"{"originalPartnerReferenceNo":"NOPE","serviceCode":"47"}"#,
        &credentials(SECRET),
        &[],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.response_code(), "4045101", "{r:?}");
}

#[test]
fn prefix_puts_every_path_under_it() {
    let scratch = Scratch::new("prefix");
    let mock = Mock::start(&scratch, &["--prefix", "/snap"]);
    let env = credentials(SECRET);
    let base = format!("{}/snap", mock.origin());
    let r = request(
        &scratch,
        &base,
        "/v1.0/qr/qr-mpm-generate",
        GENERATE,
        &env,
        &[],
    );
    assert_eq!(
        (r.code, r.response_code().as_str()),
        (0, "2004700"),
        "{r:?}"
    );
    let r = request(
        &scratch,
        &mock.origin(),
        "/snap/v1.0/qr/qr-mpm-query",
        QUERY,
        &env,
        &["--token-path", "/snap/v1.0/access-token/b2b"],
    );
    assert_eq!(
        (r.code, r.response_code().as_str()),
        (0, "2005100"),
        "{r:?}"
    );
    // Outside the prefix there is nothing.
    let r = request(
        &scratch,
        &mock.origin(),
        "/v1.0/qr/qr-mpm-query",
        QUERY,
        &env,
        &["--token-path", "/snap/v1.0/access-token/b2b"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.starts_with("refused: HTTP 404 Not Found"), "{r:?}");
}

#[test]
fn paydia_profile_takes_its_token_path_from_the_profile() {
    let scratch = Scratch::new("paydia");
    let mock = Mock::start(&scratch, &["--prefix", "/snap", "--profile", "paydia"]);
    let r = request(
        &scratch,
        &mock.origin(),
        "/snap/v1.0/qr/qr-mpm-generate",
        GENERATE,
        &credentials(SECRET),
        &["--profile", "paydia", "--verbose"],
    );
    assert_eq!(
        (r.code, r.response_code().as_str()),
        (0, "2004700"),
        "{r:?}"
    );
    let token_line = format!("> POST {}/snap/v1.0/access-token/b2b", mock.origin());
    assert!(r.stderr.lines().any(|l| l == token_line), "{}", r.stderr);
}

#[test]
fn request_bad_input_exits_2_before_sending() {
    let scratch = Scratch::new("request-bad-input");
    // Nothing listens here; bad input must be caught before any connection.
    let base = "http://127.0.0.1:9";
    let env = credentials(SECRET);
    type Env = Vec<(&'static str, String)>;
    // (extra flags, environment, body, expected stderr start)
    let cases: Vec<(Vec<&str>, Env, &str, &str)> = vec![
        (
            vec![],
            env.clone(),
            "{not json",
            "error: the body file is not valid JSON",
        ),
        (
            vec!["--base-url", "ftp://api.example.com"],
            env.clone(),
            GENERATE,
            "error: --base-url must be an https:// or http:// URL",
        ),
        (
            vec!["--cacert", "/nonexistent/ca.pem"],
            env.clone(),
            GENERATE,
            "error: cannot read --cacert file /nonexistent/ca.pem",
        ),
        (
            vec!["--profile", "nope"],
            env.clone(),
            GENERATE,
            "error: unknown profile \"nope\"",
        ),
        (
            vec![],
            env[..2].to_vec(),
            GENERATE,
            "error: no client secret: pass --client-secret-file FILE or set SNAP_CLIENT_SECRET",
        ),
        (
            vec![],
            vec![
                env[0].clone(),
                ("SNAP_PRIVATE_KEY", "/nonexistent/key.pem".to_owned()),
                env[2].clone(),
            ],
            GENERATE,
            "error: cannot read private key file /nonexistent/key.pem",
        ),
        (
            vec![],
            env[1..].to_vec(),
            GENERATE,
            "error: missing --client-id ID (or SNAP_CLIENT_ID): the token request is signed",
        ),
        (
            vec![],
            env[2..].to_vec(),
            GENERATE,
            "error: missing --client-id ID (or SNAP_CLIENT_ID) and --private-key PEM \
             (or SNAP_PRIVATE_KEY, a PEM path)",
        ),
        (
            vec!["-H", "no colon"],
            env.clone(),
            GENERATE,
            "error: expected `Name: value`",
        ),
    ];
    for (extra, env, body, expected) in cases {
        let mut args = extra.clone();
        if !args.contains(&"--base-url") {
            args.extend(["--base-url", base]);
        }
        let body_file = scratch.write("body.json", body);
        let mut all = vec![
            "request",
            "--method",
            "POST",
            "--path",
            "/v1.0/qr/qr-mpm-query",
            "--body",
            path_str(&body_file),
        ];
        all.extend(args);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = run(&all, &env);
        assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{extra:?}: {r:?}");
        assert!(r.stderr.starts_with(expected), "{extra:?}: {r:?}");
    }
}

#[test]
fn unreachable_provider_exits_1() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let scratch = Scratch::new("unreachable");
    let r = request(
        &scratch,
        &format!("http://127.0.0.1:{port}"),
        "/v1.0/qr/qr-mpm-query",
        QUERY,
        &credentials(SECRET),
        &["--timeout", "5"],
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{r:?}");
    assert!(r.stderr.starts_with("failed: "), "{r:?}");
}

#[test]
fn serve_mock_bad_input_exits_2_without_listening() {
    let scratch = Scratch::new("serve-bad-input");
    let secret = scratch.write("secret.txt", SECRET);
    let bad_pem = scratch.write(
        "bad.pem",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    );
    let public = key("partner-test-public.pem");
    let (secret, bad_pem, public) = (path_str(&secret), path_str(&bad_pem), path_str(&public));
    let unknown_field = scratch.write("unknown.json", r#"{"prefx":"/snap"}"#);
    let not_json = scratch.write("broken.json", "{");
    let missing_secret = scratch.write(
        "missing.json",
        r#"{"partners":[{"clientId":"C2","publicKey":"p.pem","clientSecretFile":"none.txt"}]}"#,
    );
    let partner = |extra: &[&'static str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "serve-mock",
            "--port",
            "0",
            "--client-id",
            "C1",
            "--public-key",
            public,
            "--client-secret-file",
            secret,
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let with = |mut base: Vec<String>, extra: &[&str]| {
        base.extend(extra.iter().map(|s| (*s).to_owned()));
        base
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            with(
                [
                    "serve-mock",
                    "--client-id",
                    "C1",
                    "--client-secret-file",
                    secret,
                    "--public-key",
                ]
                .map(str::to_owned)
                .to_vec(),
                &[bad_pem],
            ),
            "error: --public-key: public key",
        ),
        (
            with(
                [
                    "serve-mock",
                    "--client-id",
                    "C1",
                    "--client-secret-file",
                    secret,
                    "--public-key",
                ]
                .map(str::to_owned)
                .to_vec(),
                &["/nonexistent.pem"],
            ),
            "error: --public-key: cannot read public key file /nonexistent.pem",
        ),
        (
            ["serve-mock", "--client-id", "C1", "--public-key", public]
                .map(str::to_owned)
                .to_vec(),
            "error: no client secret for partner \"C1\"",
        ),
        (vec!["serve-mock".to_owned()], "error: no partner to accept"),
        (
            with(partner(&[]), &["--config", path_str(&unknown_field)]),
            "error: config file",
        ),
        (
            with(partner(&[]), &["--config", path_str(&not_json)]),
            "error: config file",
        ),
        (
            with(partner(&[]), &["--config", path_str(&missing_secret)]),
            "error: config partners[0]: cannot read client secret file",
        ),
        (partner(&["--profile", "nope"]), "error: unknown profile"),
        (
            partner(&["--prefix", "snap"]),
            "error: the prefix must start with `/`",
        ),
        (
            partner(&["--notify-url", "http://127.0.0.1:9/notify"]),
            "error: a notify URL needs --notify-key",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&args, &[]);
        assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{args:?}: {r:?}");
        assert!(r.stderr.starts_with(expected), "{args:?}: {r:?}");
        assert!(!r.stderr.contains(SECRET), "{r:?}");
    }
}

#[test]
fn serve_mock_exits_1_when_the_port_is_taken() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let secret = Scratch::new("port-taken");
    let secret_file = secret.write("secret.txt", SECRET);
    let public = key("partner-test-public.pem");
    let r = run(
        &[
            "serve-mock",
            "--port",
            &port,
            "--client-id",
            "C1",
            "--public-key",
            path_str(&public),
            "--client-secret-file",
            path_str(&secret_file),
        ],
        &[],
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{r:?}");
    assert!(
        r.stderr
            .starts_with(&format!("failed: cannot listen on 127.0.0.1:{port}")),
        "{r:?}"
    );
}

#[cfg(unix)]
#[test]
fn serve_mock_stops_cleanly_on_sigterm() {
    let scratch = Scratch::new("sigterm");
    let mut mock = Mock::start(&scratch, &[]);
    let killed = Command::new("kill")
        .args(["-TERM", &mock.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = mock.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut stderr = String::new();
    mock.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.ends_with("# stopping\n"), "{stderr}");
}

/// A merchant notify endpoint on 127.0.0.1 recording what it receives.
async fn merchant() -> (String, Arc<Mutex<Vec<http::Request<Bytes>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/v1.0/qr/qr-mpm-notify",
        axum::routing::post(move |request: axum::extract::Request| {
            let record = Arc::clone(&record);
            async move {
                let (parts, body) = request.into_parts();
                let body = body.collect().await.unwrap().to_bytes();
                record
                    .lock()
                    .unwrap()
                    .push(http::Request::from_parts(parts, body));
                r#"{"responseCode":"2005200","responseMessage":"Successful"}"#
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/v1.0/qr/qr-mpm-notify",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_trigger_sends_a_notification_signed_with_the_notify_key() {
    let (notify_url, seen) = merchant().await;
    let scratch = Scratch::new("notify");
    let pjp_private = key("pjp-test-private.pem");
    let mock = Mock::start(
        &scratch,
        &[
            "--notify-url",
            &notify_url,
            "--notify-key",
            path_str(&pjp_private),
        ],
    );
    let origin = mock.origin();
    let generated = tokio::task::spawn_blocking({
        let origin = origin.clone();
        move || {
            let scratch = Scratch::new("notify-request");
            request(
                &scratch,
                &origin,
                "/v1.0/qr/qr-mpm-generate",
                GENERATE,
                &credentials(SECRET),
                &[],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(generated.code, 0, "{generated:?}");
    let reference = generated.json()["referenceNo"].as_str().unwrap().to_owned();

    let trigger = http::Request::post(format!("{origin}/mock/qr-mpm-pay"))
        .body(Full::new(Bytes::from(format!(
            r#"{{"originalReferenceNo":"{reference}"}}"#
        ))))
        .unwrap();
    let answer = snap_bi::client::hyper_client()
        .request(trigger)
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let answer = answer.into_body().collect().await.unwrap().to_bytes();
    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["delivery"]["sent"], true, "{answer}");
    assert_eq!(answer["delivery"]["merchantStatus"], 200, "{answer}");

    let notification = seen.lock().unwrap().pop().expect("no notification arrived");
    let body: serde_json::Value = serde_json::from_slice(notification.body()).unwrap();
    assert_eq!(body["originalReferenceNo"], reference.as_str(), "{body}");
    assert_eq!(body["latestTransactionStatus"], "00", "{body}");
    let header = |name: &str| notification.headers()[name].to_str().unwrap().to_owned();
    let canonical = CanonicalBody::new(notification.body(), BodyPolicy::Minify).unwrap();
    let timestamp = header("x-timestamp");
    let parts = TransactionParts::new("POST", "/v1.0/qr/qr-mpm-notify", &canonical, &timestamp);
    let pjp_public =
        RsaPublicKey::from_pem(std::fs::read(key("pjp-test-public.pem")).unwrap()).unwrap();
    AsymmetricVerifier::new(pjp_public)
        .verify(&parts, &header("x-signature"))
        .expect("the notification is signed with the PJP key");
}

// ------------------------------------------------------- issue 11

/// The value of `-H 'name: value'` in a printed curl command.
fn curl_header<'a>(command: &'a str, name: &str) -> &'a str {
    let start = format!("-H '{name}: ");
    let at = command.find(&start).unwrap() + start.len();
    let rest = &command[at..];
    &rest[..rest.find('\'').unwrap()]
}

#[test]
fn print_curl_shows_the_signed_request_and_verbose_its_string_to_sign() {
    let scratch = Scratch::new("print-curl");
    let mock = Mock::start(&scratch, &[]);
    let origin = mock.origin();

    // Redacted by default, with a warning; the request is still sent.
    let r = request(
        &scratch,
        &origin,
        "/v1.0/qr/qr-mpm-generate",
        GENERATE,
        &credentials(SECRET),
        &["--print-curl"],
    );
    assert_eq!(
        (r.code, r.response_code().as_str()),
        (0, "2004700"),
        "{r:?}"
    );
    assert!(
        r.stderr.starts_with(&format!(
            "curl \\\n  -X 'POST' \\\n  '{origin}/v1.0/qr/qr-mpm-generate' \\\n"
        )),
        "{r:?}"
    );
    assert_eq!(
        curl_header(&r.stderr, "x-signature"),
        "<redacted: 88 chars>"
    );
    assert!(
        curl_header(&r.stderr, "authorization").starts_with("Bearer <redacted: "),
        "{r:?}"
    );
    assert!(
        r.stderr.contains(&format!("--data-binary '{GENERATE}'")),
        "{r:?}"
    );
    assert!(r.stderr.contains("will not replay; pass --reveal"), "{r:?}");
    // Only the transaction is shown, not the token request.
    assert_eq!(r.stderr.matches("curl \\").count(), 1, "{r:?}");

    // Revealed: the printed signature is the HMAC of the printed
    // string-to-sign, which names the printed token and timestamp.
    let query = r#"{"originalPartnerReferenceNo":"INV-1","serviceCode":"47"}"#;
    let r = request(
        &scratch,
        &origin,
        "/v1.0/qr/qr-mpm-query",
        query,
        &credentials(SECRET),
        &["--print-curl", "--reveal", "--verbose"],
    );
    assert_eq!(
        (r.code, r.response_code().as_str()),
        (0, "2005100"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("redacted:"), "{r:?}");
    let string_to_sign = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("# string-to-sign: "))
        .unwrap();
    let token = curl_header(&r.stderr, "authorization")
        .strip_prefix("Bearer ")
        .unwrap();
    let timestamp = curl_header(&r.stderr, "x-timestamp");
    let digest = CanonicalBody::new(query.as_bytes(), BodyPolicy::Raw).unwrap();
    assert_eq!(
        string_to_sign,
        format!(
            "POST:/v1.0/qr/qr-mpm-query:{token}:{}:{timestamp}",
            digest.digest().as_str()
        )
    );
    let signature = curl_header(&r.stderr, "x-signature");
    snap_bi::SymmetricSigner::new(&snap_bi::ClientSecret::new(SECRET).unwrap())
        .verify_bytes(string_to_sign.as_bytes(), signature)
        .unwrap();

    // --verbose without --reveal keeps the token out.
    let r = request(
        &scratch,
        &origin,
        "/v1.0/qr/qr-mpm-query",
        query,
        &credentials(SECRET),
        &["--verbose"],
    );
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("# string-to-sign: POST:/v1.0/qr/qr-mpm-query:<redacted: "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(!line.contains(token), "{line}");
}

#[test]
fn a_wrong_token_path_is_refused_by_the_mock_as_by_a_real_provider() {
    let scratch = Scratch::new("token-path");
    let mock = Mock::start(&scratch, &["--prefix", "/snap"]);
    // The prefix twice: base URL already ends in /snap.
    let r = request(
        &scratch,
        &format!("{}/snap", mock.origin()),
        "/v1.0/qr/qr-mpm-generate",
        GENERATE,
        &credentials(SECRET),
        &["--token-path", "/snap/v1.0/access-token/b2b"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.starts_with(
            "refused: HTTP 404 Not Found, responseCode 4040002: Invalid Routing. \
             the token endpoints are /snap/v1.0/access-token/b2b and /snap/v1.0/access-token/b2b2c"
        ),
        "{r:?}"
    );
}
