#![cfg(all(feature = "cli", feature = "redis"))]
//! Several OS processes of the CLI sharing one Redis: `snap-bi request
//! --token-store` processes share one B2B token, and `snap-bi serve-mock
//! --replay-store --token-key-file` instances share replay protection and
//! accept each other's tokens.

mod support;

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use snap_bi::mock::MockProvider;
use snap_bi::server::Partner;
use snap_bi::{ClientSecret, RsaPublicKey};
use support::redis::TestRedis;

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");
const SECRET: &str = "mock-partner-secret";

fn key(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name)
}

/// A scratch directory for one test, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("snap-bi-cli-redis-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
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

/// `snap-bi request … generate` with the partner's credentials.
fn request(base: &str, body_file: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["request", "--base-url", base, "--method", "POST"])
        .args(["--path", "/v1.0/qr/qr-mpm-generate", "--body", body_file])
        .args(extra)
        .env("SNAP_CLIENT_ID", "CLIENT01")
        .env("SNAP_PRIVATE_KEY", key("partner-test-private.pem"))
        .env("SNAP_CLIENT_SECRET", SECRET)
        .env_remove("SNAP_ACCESS_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn last_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_concurrent_request_processes_send_one_token_request() {
    let redis = TestRedis::any();
    let scratch = Scratch::new("six");
    let provider = MockProvider::builder()
        .partner(
            Partner::new("CLIENT01")
                .with_client_id("CLIENT01")
                .with_public_key(
                    RsaPublicKey::from_pem(
                        std::fs::read_to_string(key("partner-test-public.pem")).unwrap(),
                    )
                    .unwrap(),
                ),
            ClientSecret::new(SECRET).unwrap(),
        )
        .build()
        .unwrap();
    let counter = provider.clone();
    let running = provider
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = running.base_url();
    // The CLI uses the default prefix: a Redis database of this test's own
    // keeps other tests' keys apart.
    let url = format!("{}{}", redis.url.trim_end_matches('/'), "/3");
    let flushing = url.clone();
    tokio::task::spawn_blocking(move || flush(&flushing))
        .await
        .unwrap();

    let children: Vec<Child> = (0..6)
        .map(|i| {
            let body = scratch.write(
                &format!("body-{i}.json"),
                format!(r#"{{"partnerReferenceNo":"INV-{i}","amount":{{"value":"1000.00","currency":"IDR"}}}}"#),
            );
            request(&base, &body, &["--token-store", &url]).spawn().unwrap()
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for output in &outputs {
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert!(last_line(output).contains("\"2004700\""), "{output:?}");
    }
    assert_eq!(counter.b2b_token_requests(), 1);
    running.shutdown().await;
}

/// Empties one Redis database (the CLI test's own).
fn flush(url: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = redis::Client::open(url).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("FLUSHDB").query_async(&mut conn).await.unwrap();
    });
}

/// A running `snap-bi serve-mock`, killed on drop.
struct Mock {
    child: Child,
    origin: String,
    _stdout: BufReader<ChildStdout>,
}

impl Mock {
    fn start(scratch: &Scratch, extra: &[&str]) -> Self {
        let secret = scratch.write("secret.txt", format!("{SECRET}\n"));
        let public = key("partner-test-public.pem");
        let mut child = Command::new(BIN)
            .args(["serve-mock", "--port", "0", "--client-id", "CLIENT01"])
            .arg("--public-key")
            .arg(&public)
            .args(["--client-secret-file", &secret])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve-mock did not start: {line:?}"))
            .to_owned();
        Self {
            child,
            origin: format!("http://{addr}"),
            _stdout: stdout,
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_serve_mock_instances_share_replay_protection_and_tokens() {
    let redis = TestRedis::any();
    let scratch = Scratch::new("two-mocks");
    let token_key = scratch.write("token-key", "a shared token signing secret, 32+ bytes\n");
    let url = format!("{}{}", redis.url.trim_end_matches('/'), "/4");
    flush(&url);
    let shared = [
        "--replay-store",
        url.as_str(),
        "--token-key-file",
        token_key.as_str(),
    ];
    let a = Mock::start(&scratch, &shared);
    let b = Mock::start(&scratch, &shared);
    let body = scratch.write(
        "body.json",
        r#"{"partnerReferenceNo":"INV-1","amount":{"value":"1000.00","currency":"IDR"}}"#,
    );
    let external_id = ["-H", "X-EXTERNAL-ID: 998877665544332211"];
    // The token is fetched from A and shared through Redis; B accepts it.
    let token_store = ["--token-store", url.as_str()];
    let args: Vec<&str> = external_id.iter().chain(&token_store).copied().collect();

    let first = request(&a.origin, &body, &args).output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    assert!(last_line(&first).contains("\"2004700\""), "{first:?}");

    let replayed = request(&b.origin, &body, &args).output().unwrap();
    assert_eq!(replayed.status.code(), Some(1), "{replayed:?}");
    assert!(last_line(&replayed).contains("\"4094700\""), "{replayed:?}");

    // A new external id on B, with the token A issued: accepted. Another
    // body, so the signature differs too (the same body, token and second
    // would be refused as a signature replay, whatever the external id).
    let other_body = scratch.write(
        "other-body.json",
        r#"{"partnerReferenceNo":"INV-2","amount":{"value":"1000.00","currency":"IDR"}}"#,
    );
    let fresh = request(&b.origin, &other_body, &token_store)
        .output()
        .unwrap();
    assert_eq!(fresh.status.code(), Some(0), "{fresh:?}");
    assert!(last_line(&fresh).contains("\"2004700\""), "{fresh:?}");
}
