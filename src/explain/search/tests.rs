//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn reencodings_are_ordered_and_complete() {
    let all = reencodings();
    assert_eq!(all.len(), 5 * 3 * 2 - 1);
    assert!(all.windows(2).all(|w| w[0].changes() <= w[1].changes()));
    assert_eq!(all[0].changes(), 1);
}

#[test]
fn signature_decodings() {
    let raw = [0xabu8; 64];
    let b64 = STANDARD.encode(raw);
    let hex = hex::encode(raw);
    let b64_hex = STANDARD.encode(&hex);
    assert_eq!(decode(&b64, 64), Some((raw.to_vec(), EncodingForm::Base64)));
    assert_eq!(decode(&hex, 64), Some((raw.to_vec(), EncodingForm::Hex)));
    assert_eq!(
        decode(&b64_hex, 64),
        Some((raw.to_vec(), EncodingForm::Base64OfHex))
    );
    assert_eq!(decode(&b64, 256), None);
    assert_eq!(decode("", 64), None);
    assert_eq!(decode(&"A".repeat(100_000), 64), None);
    assert_eq!(decoded_len(&b64), Some(64));
    assert_eq!(decoded_len(&"A".repeat(100_000)), None);
}

#[test]
fn endpoint_candidate_list() {
    let urls = endpoint_candidates(
        "/snap/v1.0/qr/x?b=2&a=1",
        Some("api.example.com"),
        EndpointUrlPolicy::AsSent,
    )
    .unwrap();
    let got: Vec<(EndpointUrlForm, &str)> =
        urls.iter().map(|c| (c.form, c.value.as_str())).collect();
    assert_eq!(
        got,
        [
            (EndpointUrlForm::AsSent, "/snap/v1.0/qr/x?b=2&a=1"),
            (EndpointUrlForm::PathOnly, "/snap/v1.0/qr/x"),
            (EndpointUrlForm::CanonicalQuery, "/snap/v1.0/qr/x?a=1&b=2"),
            (
                EndpointUrlForm::AbsoluteUrl,
                "https://api.example.com/snap/v1.0/qr/x?b=2&a=1"
            ),
            (
                EndpointUrlForm::AbsoluteUrl,
                "http://api.example.com/snap/v1.0/qr/x?b=2&a=1"
            ),
            (
                EndpointUrlForm::TrailingSlashAdded,
                "/snap/v1.0/qr/x/?b=2&a=1"
            ),
            (EndpointUrlForm::BasePathStripped, "/v1.0/qr/x?b=2&a=1"),
            (EndpointUrlForm::BasePathStripped, "/qr/x?b=2&a=1"),
        ]
    );
    // The standard comes first whatever the profile says.
    let bca = endpoint_candidates("/a/b?y=1&x=2", None, EndpointUrlPolicy::CanonicalQuery).unwrap();
    assert_eq!(bca[0].form, EndpointUrlForm::CanonicalQuery);
    assert_eq!(bca[0].value, "/a/b?x=2&y=1");
    // Absolute targets use their own scheme and host.
    let abs = endpoint_candidates("http://h:8080/a/", None, EndpointUrlPolicy::AsSent).unwrap();
    assert!(abs.iter().any(|c| c.value == "http://h:8080/a/"));
    assert!(
        abs.iter()
            .any(|c| c.form == EndpointUrlForm::TrailingSlashRemoved && c.value == "/a")
    );
}
