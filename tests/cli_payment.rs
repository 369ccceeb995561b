#![cfg(feature = "cli")]
//! `snap-bi payment status` for the three providers against the embedded
//! mocks on 127.0.0.1, and `snap-bi callback verify`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use snap_bi::client::SnapClient;
use snap_bi::fazz::callback::{SigningSecret, sign_callback};
use snap_bi::fazz::{CreatePaymentRequest, Credentials, FazzClient, PaymentMethodOptions};
use snap_bi::kiriminaja::ApiKey;
use snap_bi::mock::{FazzMock, KiriminAjaMock, MockProvider, RunningMock};
use snap_bi::qris::{Amount, Money, QrMpmGenerateRequest};
use snap_bi::server::Partner;
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");
const CLIENT_ID: &str = "35d1a1127182a65e4fe0256242a40a6d";
const SECRET: &str = "paydia-like-secret";
const KIRIMINAJA_KEY: &str = "cli-kiriminaja-key";
const FAZZ_KEY: &str = "cli-fazz-key";
const FAZZ_SECRET: &str = "cli-fazz-secret";

fn key_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name)
}

/// One mock serving Paydia (profile paydia, prefix /snap), KiriminAja and Fazz.
async fn mock() -> RunningMock {
    let public = std::fs::read_to_string(key_path("partner-test-public.pem")).unwrap();
    MockProvider::builder()
        .profile(ProviderProfile::paydia())
        .prefix("/snap")
        .partner(
            Partner::new(CLIENT_ID)
                .with_client_id(CLIENT_ID)
                .with_public_key(RsaPublicKey::from_pem(public).unwrap()),
            ClientSecret::new(SECRET).unwrap(),
        )
        .kiriminaja(KiriminAjaMock::new(ApiKey::new(KIRIMINAJA_KEY).unwrap()))
        .fazz(FazzMock::new(
            Credentials::new(FAZZ_KEY, FAZZ_SECRET).unwrap(),
        ))
        .build()
        .unwrap()
        .bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

/// Runs the binary without inheriting credentials from the environment.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args);
    for var in [
        "KIRIMINAJA_API_KEY",
        "FAZZ_API_KEY",
        "FAZZ_SECRET_KEY",
        "SNAP_CLIENT_ID",
        "SNAP_PRIVATE_KEY",
        "SNAP_CLIENT_SECRET",
        "SNAP_PARTNER_ID",
        "SNAP_CHANNEL_ID",
        "SNAP_CUSTOMER_TOKEN",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command.output().unwrap()
}

fn last_line(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The members every provider's answer has, with their types.
fn assert_unified_shape(json: &serde_json::Value) {
    for member in ["provider", "paymentId", "status", "amount", "currency"] {
        assert!(json[member].is_string(), "{member} in {json}");
    }
    for member in ["qrContent", "paidAt"] {
        assert!(
            json[member].is_string() || json[member].is_null(),
            "{member} in {json}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiriminaja_status_refusal_and_bad_input() {
    let running = mock().await;
    let base = running.base_url();
    let env = [("KIRIMINAJA_API_KEY", KIRIMINAJA_KEY)];
    let base_args = [
        "payment",
        "status",
        "--provider",
        "kiriminaja",
        "--base-url",
        &base,
    ];

    let ok = run(
        &[&base_args[..], &["--payment-id", "XID-5732095327"]].concat(),
        &env,
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let json = last_line(&ok);
    assert_unified_shape(&json);
    assert_eq!(json["provider"], "kiriminaja");
    assert_eq!(json["paymentId"], "XID-5732095327");
    assert_eq!(json["status"], "pending");
    assert_eq!(json["amount"], "54000.00");
    assert_eq!(json["currency"], "IDR");
    assert_eq!(json["paidAt"], serde_json::Value::Null);

    let legacy = run(
        &[
            &base_args[..],
            &["--payment-id", "PID-1683603627", "--legacy-instant"],
        ]
        .concat(),
        &env,
    );
    assert_eq!(legacy.status.code(), Some(0), "{}", stderr(&legacy));
    assert_eq!(last_line(&legacy)["paymentId"], "PID-1683603627");

    // A provider error: exit 1 with its code on stderr.
    let unknown = run(
        &[&base_args[..], &["--payment-id", "XID-NOPE"]].concat(),
        &env,
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("code 2"), "{}", stderr(&unknown));

    let wrong_key = run(
        &[&base_args[..], &["--payment-id", "XID-5732095327"]].concat(),
        &[("KIRIMINAJA_API_KEY", "wrong")],
    );
    assert_eq!(wrong_key.status.code(), Some(1));
    assert!(stderr(&wrong_key).contains("401"), "{}", stderr(&wrong_key));

    // Bad input: exit 2.
    let no_key = run(&[&base_args[..], &["--payment-id", "XID-1"]].concat(), &[]);
    assert_eq!(no_key.status.code(), Some(2));
    assert!(stderr(&no_key).contains("KIRIMINAJA_API_KEY"));
    let bad_provider = run(
        &[
            "payment",
            "status",
            "--provider",
            "gopay",
            "--base-url",
            &base,
            "--payment-id",
            "X",
        ],
        &env,
    );
    assert_eq!(bad_provider.status.code(), Some(2));
    let bad_url = run(
        &[
            "payment",
            "status",
            "--provider",
            "kiriminaja",
            "--base-url",
            "ftp://x",
            "--payment-id",
            "X",
        ],
        &env,
    );
    assert_eq!(bad_url.status.code(), Some(2), "{}", stderr(&bad_url));
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fazz_status_and_not_found() {
    let running = mock().await;
    let fazz_base = format!("{}/api/v4", running.base_url());
    let created = FazzClient::builder()
        .credentials(Credentials::new(FAZZ_KEY, FAZZ_SECRET).unwrap())
        .base_url(&fazz_base)
        .build()
        .unwrap()
        .create_payment(
            &CreatePaymentRequest::builder()
                .reference_id("CLI_ORDER_1")
                .amount(25_000)
                .options(PaymentMethodOptions::Qris { display_name: None })
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let env = [("FAZZ_API_KEY", FAZZ_KEY), ("FAZZ_SECRET_KEY", FAZZ_SECRET)];
    let args = [
        "payment",
        "status",
        "--provider",
        "fazz",
        "--base-url",
        &fazz_base,
    ];

    let ok = run(&[&args[..], &["--payment-id", created.id()]].concat(), &env);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let json = last_line(&ok);
    assert_unified_shape(&json);
    assert_eq!(json["provider"], "fazz");
    assert_eq!(json["paymentId"], created.id());
    assert_eq!(json["status"], "pending");
    assert_eq!(json["amount"], "25000.00");
    assert!(json["qrContent"].as_str().unwrap().starts_with("000201"));

    let missing = run(
        &[&args[..], &["--payment-id", "contract_nope"]].concat(),
        &env,
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("004"), "{}", stderr(&missing));

    let no_secret = run(
        &[&args[..], &["--payment-id", created.id()]].concat(),
        &[("FAZZ_API_KEY", FAZZ_KEY)],
    );
    assert_eq!(no_secret.status.code(), Some(2));
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paydia_status_over_snap() {
    let running = mock().await;
    let private = std::fs::read_to_string(key_path("partner-test-private.pem")).unwrap();
    let client = SnapClient::builder(ProviderProfile::paydia())
        .base_url(running.base_url())
        .client_id(CLIENT_ID)
        .private_key(RsaPrivateKey::from_pem(private).unwrap())
        .client_secret(ClientSecret::new(SECRET).unwrap())
        .partner_id(CLIENT_ID)
        .channel_id("286")
        .build()
        .unwrap();
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some("CLI-PAYDIA-1".into());
    generate.amount = Some(Money::idr(Amount::parse("12000.00").unwrap()));
    let created = client.call(&generate).await.unwrap();
    let reference = created.reference_no.clone().unwrap();

    let key = key_path("partner-test-private.pem");
    let env = [
        ("SNAP_CLIENT_ID", CLIENT_ID),
        ("SNAP_PRIVATE_KEY", key.to_str().unwrap()),
        ("SNAP_CLIENT_SECRET", SECRET),
        ("SNAP_CHANNEL_ID", "286"),
    ];
    let base = running.base_url();
    // Seed 004: the query carries the customer's B2B2C token as well.
    let origin = base.trim_end_matches("/snap");
    let token = run(
        &[
            "token",
            "b2b2c",
            "--url",
            &format!("{origin}/snap/v1.0/access-token/b2b2c"),
            "--client-id",
            CLIENT_ID,
            "--private-key",
            key.to_str().unwrap(),
            "--auth-code",
            MockProvider::TEST_AUTH_CODE,
            "--profile",
            "paydia",
        ],
        &[],
    );
    assert_eq!(token.status.code(), Some(0), "{}", stderr(&token));
    let customer_token = String::from_utf8_lossy(&token.stdout)
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let without_customer_token = run(
        &[
            "payment",
            "status",
            "--provider",
            "paydia",
            "--base-url",
            &base,
            "--payment-id",
            &reference,
        ],
        &env,
    );
    assert_eq!(
        without_customer_token.status.code(),
        Some(1),
        "{}",
        stderr(&without_customer_token)
    );
    assert!(
        stderr(&without_customer_token).contains("4015104"),
        "{}",
        stderr(&without_customer_token)
    );
    let ok = run(
        &[
            "payment",
            "status",
            "--provider",
            "paydia",
            "--base-url",
            &base,
            "--payment-id",
            &reference,
            "--customer-token",
            &customer_token,
        ],
        &env,
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let json = last_line(&ok);
    assert_unified_shape(&json);
    assert_eq!(json["provider"], "paydia");
    assert_eq!(json["paymentId"], reference.as_str());
    assert_eq!(json["status"], "pending");
    assert_eq!(json["amount"], "12000.00");

    let unknown = run(
        &[
            "payment",
            "status",
            "--provider",
            "paydia",
            "--base-url",
            &base,
            "--payment-id",
            "NOPE-1",
            "--customer-token",
            &customer_token,
        ],
        &env,
    );
    assert_eq!(unknown.status.code(), Some(1), "{}", stderr(&unknown));
    assert!(stderr(&unknown).contains("4045101"), "{}", stderr(&unknown));

    let no_credentials = run(
        &[
            "payment",
            "status",
            "--provider",
            "paydia",
            "--base-url",
            &base,
            "--payment-id",
            "X",
        ],
        &[],
    );
    assert_eq!(no_credentials.status.code(), Some(2));
    running.shutdown().await;
}

/// A scratch directory for one test, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("snap-bi-cli-payment-{}-{name}", std::process::id()));
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

#[test]
fn callback_verify_fazz_and_kiriminaja() {
    let scratch = Scratch::new("callback");
    let body: &[u8] = br#"{"data":{"id":"contract_1","type":"payment","attributes":{"status":"paid","amount":"100000.0"}}}"#;
    let secret_file = scratch.write("ss.txt", "ss_cli_secret\n");
    let body_file = scratch.write("body.json", body);
    let forged_file = scratch.write("forged.json", body.replace_ascii("100000", "900000"));
    let signature = sign_callback(body, &SigningSecret::new("ss_cli_secret").unwrap());
    let fazz = |signature: &str, body: &str| {
        run(
            &[
                "callback",
                "verify",
                "--provider",
                "fazz",
                "--signing-secret-file",
                &secret_file,
                "--signature",
                signature,
                "--body",
                body,
            ],
            &[],
        )
    };

    let valid = fazz(&signature, &body_file);
    assert_eq!(valid.status.code(), Some(0), "{}", stderr(&valid));
    assert_eq!(
        String::from_utf8(valid.stdout).unwrap().lines().last(),
        Some("valid")
    );
    let forged = fazz(&signature, &forged_file);
    assert_eq!(forged.status.code(), Some(1));
    assert!(
        stderr(&forged).starts_with("invalid: "),
        "{}",
        stderr(&forged)
    );
    assert_eq!(fazz(&"0".repeat(64), &body_file).status.code(), Some(1));
    assert_eq!(
        fazz(&signature, "/nonexistent/body.json").status.code(),
        Some(2)
    );

    let key_file = scratch.write("key.txt", format!("{KIRIMINAJA_KEY}\n"));
    let kiriminaja = |authorization: &str| {
        run(
            &[
                "callback",
                "verify",
                "--provider",
                "kiriminaja",
                "--api-key-file",
                &key_file,
                "--authorization",
                authorization,
            ],
            &[],
        )
    };
    assert_eq!(
        kiriminaja(&format!("Bearer {KIRIMINAJA_KEY}"))
            .status
            .code(),
        Some(0)
    );
    assert_eq!(kiriminaja("Bearer guessed").status.code(), Some(1));
    assert_eq!(kiriminaja(KIRIMINAJA_KEY).status.code(), Some(1));

    // Flags of the other provider, or missing ones: bad input.
    let mixed = run(
        &[
            "callback",
            "verify",
            "--provider",
            "kiriminaja",
            "--api-key-file",
            &key_file,
            "--authorization",
            "Bearer x",
            "--signature",
            &signature,
        ],
        &[],
    );
    assert_eq!(mixed.status.code(), Some(2));
    let incomplete = run(
        &[
            "callback",
            "verify",
            "--provider",
            "fazz",
            "--body",
            &body_file,
        ],
        &[],
    );
    assert_eq!(incomplete.status.code(), Some(2));
}

trait ReplaceAscii {
    fn replace_ascii(&self, from: &str, to: &str) -> Vec<u8>;
}

impl ReplaceAscii for [u8] {
    fn replace_ascii(&self, from: &str, to: &str) -> Vec<u8> {
        String::from_utf8(self.to_vec())
            .unwrap()
            .replace(from, to)
            .into_bytes()
    }
}

/// `serve-mock` with the KiriminAja and Fazz flags, queried by
/// `payment status`: the same mock from the command line.
#[test]
fn serve_mock_serves_kiriminaja_and_fazz_from_flags() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let scratch = Scratch::new("serve-mock");
    let snap_secret = scratch.write("secret.txt", SECRET);
    let kiriminaja_key = scratch.write("kiriminaja.txt", KIRIMINAJA_KEY);
    let fazz_key = scratch.write("fazz-key.txt", FAZZ_KEY);
    let fazz_secret = scratch.write("fazz-secret.txt", FAZZ_SECRET);
    let public = key_path("partner-test-public.pem");
    let mut child = Command::new(BIN)
        .args([
            "serve-mock",
            "--port",
            "0",
            "--client-id",
            CLIENT_ID,
            "--public-key",
            public.to_str().unwrap(),
            "--client-secret-file",
            &snap_secret,
            "--kiriminaja-api-key-file",
            &kiriminaja_key,
            "--fazz-api-key-file",
            &fazz_key,
            "--fazz-secret-key-file",
            &fazz_secret,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port = line
        .trim_end()
        .strip_prefix("listening on 127.0.0.1:")
        .map(str::to_owned);
    let outcome = std::panic::catch_unwind(|| {
        let base = format!(
            "http://127.0.0.1:{}",
            port.expect("serve-mock did not start")
        );
        let kiriminaja = run(
            &[
                "payment",
                "status",
                "--provider",
                "kiriminaja",
                "--base-url",
                &base,
                "--payment-id",
                "PID-1683603627",
            ],
            &[("KIRIMINAJA_API_KEY", KIRIMINAJA_KEY)],
        );
        assert_eq!(kiriminaja.status.code(), Some(0), "{}", stderr(&kiriminaja));
        assert_eq!(last_line(&kiriminaja)["provider"], "kiriminaja");
        let fazz = run(
            &[
                "payment",
                "status",
                "--provider",
                "fazz",
                "--base-url",
                &format!("{base}/api/v4"),
                "--payment-id",
                "contract_nope",
            ],
            &[("FAZZ_API_KEY", FAZZ_KEY), ("FAZZ_SECRET_KEY", FAZZ_SECRET)],
        );
        // Authenticated (else 001), and the payment does not exist.
        assert_eq!(fazz.status.code(), Some(1));
        assert!(stderr(&fazz).contains("004"), "{}", stderr(&fazz));
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
