//! Unit tests of the parent module, kept in their own file.

use bytes::Bytes;
use snap_bi::client::RequestSigner;
use snap_bi::{AccessToken, ClientSecret, SymmetricSigner};

use super::*;

const BODY: &[u8] = br#"{"originalReferenceNo":"it's","serviceCode":"47"}"#;

/// A request signed by the library, split into its head and body.
fn signed(profile: ProviderProfile) -> (Parts, Bytes) {
    let signer = RequestSigner::builder(profile)
        .client_secret(ClientSecret::new("inspect-secret").unwrap())
        .partner_id("PARTNER01")
        .and_then(|b| b.channel_id("95221"))
        .and_then(|b| b.build())
        .unwrap();
    let mut request = http::Request::post("http://127.0.0.1:8080/snap/v1.0/qr/qr-mpm-query?a=1")
        .body(Bytes::from_static(BODY))
        .unwrap();
    let token = AccessToken::new("tok-12345").unwrap();
    signer.sign(&mut request, Some(&token), None).unwrap();
    request.into_parts()
}

#[test]
fn shell_quoting_survives_a_real_shell() {
    for text in [
        "plain",
        "it's",
        "''",
        "a'b'c",
        "$HOME `x` \"q\" \\ \n end",
        "",
    ] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", shell_quote(text)))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), text);
    }
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
}

#[test]
fn curl_carries_every_header_and_the_exact_body() {
    let (parts, body) = signed(ProviderProfile::aspi_standard());
    let curl = curl_command(&parts, &body, true);
    assert!(!curl.redacted);
    assert!(curl.exact_body);
    let command = &curl.command;
    assert!(
        command.starts_with(
            "curl \\\n  -X 'POST' \\\n  'http://127.0.0.1:8080/snap/v1.0/qr/qr-mpm-query?a=1'"
        ),
        "{command}"
    );
    for (name, value) in &parts.headers {
        let line = format!("-H '{name}: {}'", value.to_str().unwrap());
        assert!(command.contains(&line), "{line} in {command}");
    }
    assert!(command.ends_with(&format!(
        "--data-binary {}",
        shell_quote(std::str::from_utf8(BODY).unwrap())
    )));
    assert!(command.contains("Bearer tok-12345"));
}

#[test]
fn curl_redacts_credentials_unless_revealed() {
    let (parts, body) = signed(ProviderProfile::aspi_standard());
    let curl = curl_command(&parts, &body, false);
    assert!(curl.redacted);
    let command = &curl.command;
    assert!(!command.contains("tok-12345"), "{command}");
    let signature = parts.headers["x-signature"].to_str().unwrap();
    assert!(!command.contains(signature), "{command}");
    assert!(
        command.contains("-H 'authorization: Bearer <redacted: 9 chars>'"),
        "{command}"
    );
    assert!(
        command.contains("-H 'x-signature: <redacted: 88 chars>'"),
        "{command}"
    );
}

#[test]
fn string_to_sign_is_the_one_the_signature_covers() {
    let profile = ProviderProfile::aspi_standard();
    let (parts, body) = signed(profile.clone());
    let revealed = string_to_sign(&profile, &parts, &body, true);
    // The sent signature verifies over exactly this string.
    let secret = ClientSecret::new("inspect-secret").unwrap();
    let signature = parts.headers["x-signature"].to_str().unwrap();
    SymmetricSigner::new(&secret)
        .verify_bytes(revealed.as_bytes(), signature)
        .unwrap();
    assert!(
        revealed.starts_with("POST:/snap/v1.0/qr/qr-mpm-query?a=1:tok-12345:"),
        "{revealed}"
    );

    let hidden = string_to_sign(&profile, &parts, &body, false);
    assert!(!hidden.contains("tok-12345"), "{hidden}");
    assert_eq!(hidden, revealed.replace("tok-12345", "<redacted: 9 chars>"));
}

#[test]
fn inspector_only_when_asked() {
    let profile = ProviderProfile::aspi_standard();
    assert!(Inspector::new(profile.clone(), false, false, true).is_none());
    assert!(Inspector::new(profile, true, false, false).is_some());
}
