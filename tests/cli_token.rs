#![cfg(feature = "cli")]
//! `snap-bi token b2b` against the test token server on 127.0.0.1.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::token_server::{Behavior, CLIENT_ID, ExpiresIn, TokenServer};

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");

fn key(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
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

/// Runs the binary (on a blocking thread, so the server keeps serving) with
/// the token environment cleared unless `env` sets it.
async fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("SNAP_CLIENT_ID")
        .env_remove("SNAP_PRIVATE_KEY")
        .env_remove("SNAP_CLIENT_SECRET")
        .stdin(Stdio::null());
    for (name, value) in env {
        cmd.env(name, value);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn b2b_args<'a>(url: &'a str, key: &'a str) -> Vec<&'a str> {
    vec![
        "token",
        "b2b",
        "--url",
        url,
        "--client-id",
        CLIENT_ID,
        "--private-key",
        key,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_the_access_token_as_the_last_line() {
    let server = TokenServer::start().await;
    let (url, pem) = (server.b2b_url(), key("partner-test-private.pem"));
    let r = run(&b2b_args(&url, &pem), &[]).await;
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "tok-1\n", ""),
        "{r:?}"
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_id_and_key_path_from_the_environment() {
    let server = TokenServer::start().await;
    let (url, pem) = (server.b2b_url(), key("partner-test-private.pem"));
    let r = run(
        &["token", "b2b", "--url", &url],
        &[("SNAP_CLIENT_ID", CLIENT_ID), ("SNAP_PRIVATE_KEY", &pem)],
    )
    .await;
    assert_eq!((r.code, r.last_line()), (0, "tok-1"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_headers_with_the_signature_redacted_and_the_expiry() {
    let server = TokenServer::start_with(Behavior::Issue {
        expires_in: ExpiresIn::Number(600),
        delay: std::time::Duration::ZERO,
    })
    .await;
    let (url, pem) = (server.b2b_url(), key("partner-test-private.pem"));
    let mut args = b2b_args(&url, &pem);
    args.push("--verbose");
    let r = run(&args, &[]).await;
    assert_eq!((r.code, r.stdout.as_str()), (0, "tok-1\n"), "{r:?}");
    let sent = &server.seen()[0];
    let signature = sent.headers["x-signature"].to_str().unwrap();
    assert!(!r.stderr.contains(signature), "{}", r.stderr);
    assert!(!r.stderr.contains("tok-1"), "{}", r.stderr);
    let timestamp = sent.headers["x-timestamp"].to_str().unwrap();
    for line in [
        format!("> POST {url}"),
        "> content-type: application/json".to_owned(),
        format!("> x-timestamp: {timestamp}"),
        format!("> x-client-key: {CLIENT_ID}"),
        format!("> x-signature: <redacted, {} chars>", signature.len()),
        r#"> {"grantType":"client_credentials"}"#.to_owned(),
        "# responseCode: 2007300 Successful".to_owned(),
        "# token-type: Bearer".to_owned(),
        "# expires-in: 600s (from expiresIn)".to_owned(),
    ] {
        assert!(
            r.stderr.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            r.stderr
        );
    }
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("# expires-at: ") && l.ends_with("+07:00"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_exits_1_with_the_code_and_message() {
    let server = TokenServer::start().await;
    let url = server.b2b_url();
    // A key the server does not trust: it answers 4017300.
    let wrong = key("pjp-test-private.pem");
    let r = run(&b2b_args(&url, &wrong), &[]).await;
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            1,
            "",
            "refused: HTTP 401 Unauthorized, responseCode 4017300: Unauthorized. [Signature]\n"
        ),
        "{r:?}"
    );

    server.set(Behavior::Fail {
        status: 200,
        code: "5047300",
        message: "Timeout",
    });
    let pem = key("partner-test-private.pem");
    let r = run(&b2b_args(&url, &pem), &[]).await;
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "refused: HTTP 200 OK, responseCode 5047300: Timeout\n"),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_unreachable_providers_exit_1() {
    let server = TokenServer::start_with(Behavior::Raw {
        status: 200,
        body: b"<html>maintenance</html>".to_vec(),
    })
    .await;
    let (url, pem) = (server.b2b_url(), key("partner-test-private.pem"));
    let r = run(&b2b_args(&url, &pem), &[]).await;
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            "failed: token endpoint answered HTTP 200 OK with a body that is not a JSON object\n"
        ),
        "{r:?}"
    );

    server.set(Behavior::Raw {
        status: 502,
        body: b"Bad Gateway".to_vec(),
    });
    let r = run(&b2b_args(&url, &pem), &[]).await;
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "refused: HTTP 502 Bad Gateway without a responseCode\n"),
        "{r:?}"
    );

    // A port nobody listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("http://{closed}/v1.0/access-token/b2b");
    let r = run(&b2b_args(&url, &pem), &[]).await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.starts_with("failed: token request failed"),
        "{r:?}"
    );
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    assert_eq!(r.stdout, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_and_timestamp_style_shape_the_request() {
    let server = TokenServer::start().await;
    let pem = key("partner-test-private.pem");
    let url = format!("{}/v1.0/access-token/b2b.htm", server.base_url());
    let mut args = b2b_args(&url, &pem);
    args.extend([
        "--provider",
        "dana",
        "--partner-id",
        "partner-77",
        "--timestamp-style",
        "utc-millis",
    ]);
    let r = run(&args, &[]).await;
    assert_eq!((r.code, r.last_line()), (0, "tok-1"), "{r:?}");
    let sent = &server.seen()[0];
    assert_eq!(sent.headers["x-partner-id"], "partner-77");
    let ts = sent.headers["x-timestamp"].to_str().unwrap();
    assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2_before_anything_is_sent() {
    let server = TokenServer::start().await;
    let (url, pem) = (server.b2b_url(), key("partner-test-private.pem"));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            b2b_args(&url, "/nonexistent/snap-bi/key.pem"),
            "error: cannot read private key file /nonexistent/snap-bi/key.pem",
        ),
        (
            [b2b_args(&url, &pem), vec!["--cacert", &pem]].concat(),
            "error: --cacert ",
        ),
        (
            [b2b_args(&url, &pem), vec!["--cert", &pem, "--key", &pem]].concat(),
            "error: --cert ",
        ),
        (
            b2b_args("/v1.0/access-token/b2b", &pem),
            "error: token client configuration",
        ),
        (
            [b2b_args(&url, &pem), vec!["--provider", "nobank"]].concat(),
            "error: unknown profile \"nobank\"",
        ),
        (
            vec!["token", "b2b", "--url", &url, "--private-key", &pem],
            "error: the following required arguments were not provided",
        ),
        (
            [b2b_args(&url, &pem), vec!["--timestamp-style", "local"]].concat(),
            "error: invalid value 'local' for '--timestamp-style <STYLE>'",
        ),
    ];
    for (args, prefix) in cases {
        let r = run(&args, &[]).await;
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.starts_with(prefix), "{args:?}: {r:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {r:?}");
        assert_eq!(r.stdout, "", "{args:?}");
    }
    assert_eq!(server.requests(), 0);
}
