//! Sign the QRIS MPM "Query Payment" request from Paydia's documentation and
//! print the headers it would send, with secrets redacted.
//!
//! Everything is embedded: the request (path, body, partner and channel ids,
//! the B2B token) is the sample from Paydia's docs; the client secret is a
//! demo value because the docs do not publish theirs. Run with
//! `cargo run --example quickstart`.

use std::process::ExitCode;

use snap_bi::external_id::ExternalIdGenerator;
use snap_bi::headers;
use snap_bi::timestamp::{Clock, SystemClock, TimestampFormat};
use snap_bi::{
    BodyPolicy, CanonicalBody, ClientSecret, EndpointUrlPolicy, SymmetricSigner, TransactionParts,
    endpoint_url,
};

/// The sample request of Paydia's Query Payment API (service code 51).
const PATH: &str = "/snap/v1.0/qr/qr-mpm-query";
const BODY: &str = r#"{
"originalReferenceNo": "e3201ef5c7f06db5d999867b8c220809804443bbedd76d5c43fe6217c5533645",
"originalPartnerReferenceNo": "21df2838-c9e8-4aff-8c02-274ed4390e70",
"serviceCode": "51"
}"#;
const PARTNER_ID: &str = "35d1a1127182a65e4fe0256242a40a6d";
const CHANNEL_ID: &str = "286";
const B2B_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJQYXlkaWEiLCJpYXQiOjE3MjU5NDkxMjgsImV4cCI6MTcyNjAzNTUyOCwiZGF0YSI6eyJlbnYiOiJkZXZlbG9wbWVudCJ9fQ.tqcLnoXj5BFjqarIFOx688YNATijPlzA9FzRpACGfe4";
/// A demo client secret (Paydia's real one is issued per partner).
const CLIENT_SECRET: &str = "paydia-like-secret";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Shows the first few characters of a secret value and hides the rest.
fn redact(value: &str) -> String {
    let shown: String = value.chars().take(6).collect();
    format!("{shown}… <redacted, {} chars>", value.chars().count())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let signer = SymmetricSigner::new(&ClientSecret::new(CLIENT_SECRET)?);
    let external_ids = ExternalIdGenerator::new();

    let uri: http::Uri = PATH.parse()?;
    let url = endpoint_url(&uri, EndpointUrlPolicy::AsSent);
    let body = CanonicalBody::new(BODY.as_bytes(), BodyPolicy::Minify)?;
    let timestamp = TimestampFormat::JakartaSeconds.format(SystemClock.now());
    let parts = TransactionParts::new("POST", &url, &body, timestamp.as_str());
    let signature = signer.sign(&parts, B2B_TOKEN);
    // Check our own work the way the provider will.
    signer.verify(&parts, B2B_TOKEN, signature.as_str())?;

    let external_id = external_ids.next_id();
    let rows = [
        (headers::CONTENT_TYPE, "application/json".to_owned()),
        (
            headers::AUTHORIZATION,
            format!("Bearer {}", redact(B2B_TOKEN)),
        ),
        (headers::X_TIMESTAMP, timestamp.as_str().to_owned()),
        (headers::X_PARTNER_ID, PARTNER_ID.to_owned()),
        (headers::X_EXTERNAL_ID, external_id.as_str().to_owned()),
        (headers::CHANNEL_ID, CHANNEL_ID.to_owned()),
        (headers::X_SIGNATURE, redact(signature.as_str())),
    ];

    println!("POST {PATH}");
    for (name, value) in &rows {
        println!("{}: {value}", name.as_str().to_ascii_uppercase());
    }
    println!();
    println!("{}", String::from_utf8_lossy(body.bytes()));
    println!();
    println!("body SHA-256:   {}", body.digest());
    println!(
        "string-to-sign: POST:{url}:<token>:{}:{}",
        body.digest(),
        timestamp.as_str()
    );
    Ok(())
}
