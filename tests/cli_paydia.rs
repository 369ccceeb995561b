#![cfg(feature = "cli")]
//! Seed 004 from the command line: `snap-bi token b2b2c` and `snap-bi request
//! --customer-token` against the library's mock provider with the Paydia
//! profile, on 127.0.0.1 (the built binary is run as a child process).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;

use snap_bi::mock::MockProvider;
use snap_bi::server::Partner;
use snap_bi::{ClientSecret, ProviderProfile, RsaPublicKey};

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");
/// Seed 004's client id; X-PARTNER-ID is the client id at Paydia.
const CLIENT: &str = "35d1a1127182a65e4fe0256242a40a6d";
const SECRET: &str = "paydia-cli-secret";
const GENERATE: &str =
    r#"{"partnerReferenceNo":"INV-PD-1","amount":{"value":"12000.00","currency":"IDR"}}"#;
const QUERY: &str = r#"{"originalPartnerReferenceNo":"INV-PD-1","serviceCode":"51"}"#;

fn key(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name)
}

/// The Paydia mock on its own runtime thread; its origin (`http://127.0.0.1:PORT`).
/// It lives until the test process ends.
fn start_mock() -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let pem = std::fs::read_to_string(key("partner-test-public.pem")).unwrap();
            let provider = MockProvider::builder()
                .profile(ProviderProfile::paydia())
                .prefix("/snap")
                .partner(
                    Partner::new(CLIENT)
                        .with_client_id(CLIENT)
                        .with_public_key(RsaPublicKey::from_pem(&pem).unwrap()),
                    ClientSecret::new(SECRET).unwrap(),
                )
                .build()
                .unwrap();
            let running = provider.bind(([127, 0, 0, 1], 0).into()).await.unwrap();
            tx.send(format!("http://{}", running.local_addr())).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
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

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(BIN);
    for var in [
        "SNAP_CLIENT_ID",
        "SNAP_PRIVATE_KEY",
        "SNAP_CLIENT_SECRET",
        "SNAP_PARTNER_ID",
        "SNAP_CHANNEL_ID",
        "SNAP_CUSTOMER_TOKEN",
    ] {
        command.env_remove(var);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn customer_token(origin: &str, auth_code: &str) -> Run {
    let url = format!("{origin}/snap/v1.0/access-token/b2b2c");
    let private = key("partner-test-private.pem");
    run(
        &[
            "token",
            "b2b2c",
            "--url",
            &url,
            "--client-id",
            CLIENT,
            "--private-key",
            private.to_str().unwrap(),
            "--auth-code",
            auth_code,
            "--profile",
            "paydia",
            "--verbose",
        ],
        &[],
    )
}

/// `snap-bi request --profile paydia` with the seed's ids and `body`.
fn request(origin: &str, path: &str, body: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = std::env::temp_dir().join(format!("snap-bi-cli-paydia-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.json", body.len()));
    std::fs::write(&file, body).unwrap();
    let private = key("partner-test-private.pem");
    let mut args = vec![
        "request",
        "--base-url",
        origin,
        "--method",
        "POST",
        "--path",
        path,
        "--body",
        file.to_str().unwrap(),
        "--profile",
        "paydia",
        "--channel-id",
        "286",
    ];
    args.extend_from_slice(extra);
    let mut all_env = vec![
        ("SNAP_CLIENT_ID", CLIENT),
        ("SNAP_PRIVATE_KEY", private.to_str().unwrap()),
        ("SNAP_CLIENT_SECRET", SECRET),
    ];
    all_env.extend_from_slice(env);
    run(&args, &all_env)
}

#[test]
fn token_b2b2c_prints_the_customer_token_and_sends_upper_case_grants() {
    let origin = start_mock();
    let r = customer_token(&origin, MockProvider::TEST_AUTH_CODE);
    assert_eq!(r.code, 0, "{r:?}");
    // A JWT, as Paydia's; the last stdout line is the token alone.
    assert_eq!(r.last_line().split('.').count(), 3, "{r:?}");
    assert!(
        r.stderr.contains(r#""grantType":"AUTHORIZATION_CODE""#),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(r#""authCode":"MOCK-AUTH-CODE""#),
        "{}",
        r.stderr
    );
    // The customer token lives ~182 days at Paydia (the seed's JWT).
    assert!(r.stderr.contains("# expires-in: 157680"), "{}", r.stderr);
}

#[test]
fn token_b2b2c_unknown_code_is_refused_and_missing_code_is_bad_input() {
    let origin = start_mock();
    let r = customer_token(&origin, "NOT-A-CODE");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("4017400"), "{}", r.stderr);

    let url = format!("{origin}/snap/v1.0/access-token/b2b2c");
    let private = key("partner-test-private.pem");
    let r = run(
        &[
            "token",
            "b2b2c",
            "--url",
            &url,
            "--client-id",
            CLIENT,
            "--private-key",
            private.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--auth-code"), "{}", r.stderr);
}

#[test]
fn the_query_needs_the_customer_token_by_flag_or_environment() {
    let origin = start_mock();
    let token = customer_token(&origin, MockProvider::TEST_AUTH_CODE);
    assert_eq!(token.code, 0, "{token:?}");
    let token = token.last_line().to_owned();

    let generated = request(&origin, "/snap/v1.0/qr/qr-mpm-generate", GENERATE, &[], &[]);
    assert_eq!(generated.code, 0, "{generated:?}");

    // No customer token: the Paydia mock answers 4015104, exit 1.
    let r = request(&origin, "/snap/v1.0/qr/qr-mpm-query", QUERY, &[], &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.last_line().contains(r#""responseCode":"4015104""#),
        "{r:?}"
    );

    // --customer-token, sent raw (the mock refuses `Bearer ` under Paydia).
    let r = request(
        &origin,
        "/snap/v1.0/qr/qr-mpm-query",
        QUERY,
        &["--customer-token", &token, "--verbose"],
        &[],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.last_line().contains(r#""responseCode":"2005100""#),
        "{r:?}"
    );
    assert!(r.last_line().contains(r#""serviceCode":"51""#), "{r:?}");
    // Shown redacted, without `Bearer `; both tokens were sent.
    let shown = format!(
        "> authorization-customer: <redacted, {} chars>",
        token.len()
    );
    assert!(r.stderr.lines().any(|l| l == shown), "{}", r.stderr);
    assert!(!r.stderr.contains(&token), "the token leaked: {}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("> authorization: Bearer <redacted")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("> x-partner-id: {CLIENT}")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("> channel-id: 286"), "{}", r.stderr);

    // $SNAP_CUSTOMER_TOKEN, even written with `Bearer `: still sent raw.
    let bearer = format!("Bearer {token}");
    let r = request(
        &origin,
        "/snap/v1.0/qr/qr-mpm-query",
        QUERY,
        &[],
        &[("SNAP_CUSTOMER_TOKEN", &bearer)],
    );
    assert_eq!(r.code, 0, "{r:?}");

    // An unknown customer token: 4015102.
    let r = request(
        &origin,
        "/snap/v1.0/qr/qr-mpm-query",
        QUERY,
        &["--customer-token", "not-a-token"],
        &[],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.last_line().contains(r#""responseCode":"4015102""#),
        "{r:?}"
    );
}
