//! `explain` on constructed requests: each test signs a request with one known
//! variant through the crate's own signers, then checks that `explain` names
//! exactly that variant (and nothing else) as what differs from the standard.
//! The published vectors in `tests/vectors/*.json` must explain as valid.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use serde::Deserialize;
use snap_bi::explain::{
    Axis, BodyForm, CapturedRequest, Diagnosis, EmptyBodyForm, EncodingForm, EndpointUrlForm,
    EscapeStyle, Explainer, KeyOrder, NumberStyle, Reencoding, SignatureScheme, TimestampForm,
    TokenForm, Variant, Verdict,
};
use snap_bi::profile::ProviderProfile;
use snap_bi::{
    AsymmetricSigner, BodyPolicy, CanonicalBody, ClientSecret, EmptyBodyRule, RsaPrivateKey,
    RsaPublicKey, SignatureEncoding, SymmetricSigner, TransactionParts,
};

const SECRET: &str = "explain-integration-secret";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ0ZXN0In0.sig";
const TS: &str = "2024-09-10T13:24:42+07:00";
const URL: &str = "/snap/v1.0/qr/qr-mpm-query";
/// A pretty body on which every re-serialiser differs: a slash, escaped and
/// literal non-ASCII text, HTML-sensitive characters, a decimal with trailing
/// zeros, unsorted keys.
const BODY: &str = "{\n  \"merchantId\": \"M-01\",\n  \"callbackUrl\": \"https://a.id/cb?x=1&y=<2>\",\n  \"name\": \"Caf\\u00e9\",\n  \"city\": \"Düsseldorf\",\n  \"amount\": 10000.00\n}\n";

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keys")
}

fn key_text(file: &str) -> String {
    std::fs::read_to_string(keys_dir().join(file)).unwrap()
}

fn secret() -> ClientSecret {
    ClientSecret::new(SECRET).unwrap()
}

fn signer() -> SymmetricSigner {
    SymmetricSigner::new(&secret())
}

fn private_key() -> RsaPrivateKey {
    RsaPrivateKey::from_pem(key_text("partner-test-private.pem")).unwrap()
}

fn public_key() -> RsaPublicKey {
    RsaPublicKey::from_pem(key_text("partner-test-public.pem")).unwrap()
}

fn headers(signature: &str, timestamp: &str) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert("x-signature", signature.parse().unwrap());
    map.insert("x-timestamp", timestamp.parse().unwrap());
    map.insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
    map
}

fn symmetric() -> Explainer {
    Explainer::new().client_secret(&secret())
}

fn explain(
    explainer: &Explainer,
    method: &str,
    target: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Diagnosis {
    explainer
        .explain(&CapturedRequest::new(method, target, headers, body))
        .unwrap()
}

/// Signs `METHOD:url:token:sha256(body):timestamp` with the crate's signer.
fn sign_symmetric(method: &str, url: &str, body: &CanonicalBody<'_>, timestamp: &str) -> String {
    let parts = TransactionParts::new(method, url, body, timestamp);
    signer().sign(&parts, TOKEN).into_string()
}

fn minified(text: &str) -> CanonicalBody<'_> {
    CanonicalBody::new(text.as_bytes(), BodyPolicy::Minify).unwrap()
}

/// Asserts that `d` matched exactly the standard with `change` applied, and that
/// the table marks exactly `axes` as different.
#[track_caller]
fn assert_only(d: &Diagnosis, axes: &[Axis], change: impl FnOnce(&mut Variant)) {
    let mut expected = *d.standard();
    change(&mut expected);
    assert_eq!(d.verdict(), Verdict::NonStandard, "{d}");
    assert_eq!(d.matched(), Some(&expected), "{d}");
    let differing: Vec<Axis> = d.differences().map(|row| row.axis).collect();
    assert_eq!(differing, axes, "{d}");
    assert!(d.summary().starts_with("non-standard: "), "{d}");
    assert!(!d.human().contains(TOKEN), "token leaked: {d}");
    assert!(!d.human().contains(SECRET), "secret leaked: {d}");
}

/// Signs BODY re-encoded as `text` (what some library produced), sends BODY.
#[track_caller]
fn assert_body_reencoding(text: &str, how: Reencoding) -> Diagnosis {
    let signed = CanonicalBody::from_canonical(text.as_bytes().into());
    let sig = sign_symmetric("POST", URL, &signed, TS);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::Body], |v| {
        v.body = Some(BodyForm::Reencoded(how))
    });
    d
}

// ------------------------------------------------------------ vectors: valid

#[derive(Deserialize)]
struct SymmetricCase {
    name: String,
    method: String,
    endpoint_url: String,
    access_token: String,
    timestamp: String,
    client_secret: String,
    body: String,
    encoding: String,
    signature: String,
}

#[derive(Deserialize)]
struct AsymmetricCase {
    name: String,
    kind: String,
    method: Option<String>,
    endpoint_url: Option<String>,
    client_id: Option<String>,
    timestamp: String,
    body: Option<String>,
    public_key: String,
    signature: String,
    valid: bool,
}

fn load<T: for<'de> Deserialize<'de>>(file: &str) -> Vec<T> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn published_symmetric_vectors_explain_as_valid() {
    let cases: Vec<SymmetricCase> = load("symmetric.json");
    assert!(cases.len() >= 5);
    for c in &cases {
        let mut map = HeaderMap::new();
        map.insert("x-signature", c.signature.parse().unwrap());
        map.insert("x-timestamp", c.timestamp.parse().unwrap());
        map.insert(
            "authorization",
            format!("Bearer {}", c.access_token).parse().unwrap(),
        );
        let mut explainer =
            Explainer::new().client_secret(&ClientSecret::new(&c.client_secret).unwrap());
        if c.encoding == "hex" {
            // Hex is BRI's convention; under BRI's profile it is the standard.
            explainer = explainer.profile(ProviderProfile::bri());
        }
        let d = explain(
            &explainer,
            &c.method,
            &c.endpoint_url,
            &map,
            c.body.as_bytes(),
        );
        assert_eq!(d.verdict(), Verdict::Valid, "{}: {d}", c.name);
        assert_eq!(d.summary(), "valid", "{}", c.name);
        // (Secrets of a character or two occur in any text.)
        if c.client_secret.len() >= 8 {
            assert!(!d.human().contains(&c.client_secret), "{}", c.name);
        }
    }
}

#[test]
fn published_asymmetric_vectors_explain_as_valid_and_tampered_ones_do_not_match() {
    let cases: Vec<AsymmetricCase> = load("asymmetric.json");
    let mut seen = (0, 0, 0);
    for c in &cases {
        let key = RsaPublicKey::from_pem(key_text(&c.public_key)).unwrap();
        let mut map = HeaderMap::new();
        map.insert("x-signature", c.signature.parse().unwrap());
        map.insert("x-timestamp", c.timestamp.parse().unwrap());
        let explainer = Explainer::new().public_key(key);
        let d = if c.kind == "token" {
            map.insert(
                "x-client-key",
                c.client_id.as_deref().unwrap().parse().unwrap(),
            );
            explain(
                &explainer,
                "POST",
                "/v1.0/access-token/b2b",
                &map,
                b"{\"grantType\":\"client_credentials\"}",
            )
        } else {
            explain(
                &explainer,
                c.method.as_deref().unwrap(),
                c.endpoint_url.as_deref().unwrap(),
                &map,
                c.body.as_deref().unwrap_or_default().as_bytes(),
            )
        };
        let expected_scheme = if c.kind == "token" {
            SignatureScheme::Token
        } else {
            SignatureScheme::Asymmetric
        };
        assert_eq!(d.standard().scheme, expected_scheme, "{}", c.name);
        if c.valid {
            assert_eq!(d.verdict(), Verdict::Valid, "{}: {d}", c.name);
            if c.kind == "token" {
                seen.0 += 1;
            } else {
                seen.1 += 1;
            }
        } else {
            assert_eq!(d.verdict(), Verdict::NoMatch, "{}: {d}", c.name);
            assert!(!d.likely_causes().is_empty());
            seen.2 += 1;
        }
    }
    assert!(seen.0 >= 2 && seen.1 >= 4 && seen.2 >= 2, "{seen:?}");
}

#[test]
fn hex_vector_under_the_aspi_standard_names_the_encoding() {
    let cases: Vec<SymmetricCase> = load("symmetric.json");
    let c = cases.iter().find(|c| c.encoding == "hex").unwrap();
    let mut map = HeaderMap::new();
    map.insert("x-signature", c.signature.parse().unwrap());
    map.insert("x-timestamp", c.timestamp.parse().unwrap());
    map.insert(
        "authorization",
        format!("Bearer {}", c.access_token).parse().unwrap(),
    );
    let explainer = Explainer::new().client_secret(&ClientSecret::new(&c.client_secret).unwrap());
    let d = explain(
        &explainer,
        &c.method,
        &c.endpoint_url,
        &map,
        c.body.as_bytes(),
    );
    assert_eq!(d.verdict(), Verdict::NonStandard);
    assert_eq!(
        d.summary(),
        "non-standard: X-SIGNATURE is hex-encoded instead of base64"
    );
}

// ------------------------------------------------------------ EndpointUrl

#[test]
fn endpoint_url_path_only() {
    let target = "/snap/v1.0/transfer-va/report?fromDate=2024-01-01&toDate=2024-01-31";
    let sig = sign_symmetric(
        "GET",
        "/snap/v1.0/transfer-va/report",
        &CanonicalBody::empty(),
        TS,
    );
    let d = explain(&symmetric(), "GET", target, &headers(&sig, TS), b"");
    assert_only(&d, &[Axis::EndpointUrl], |v| {
        v.endpoint_url = Some(EndpointUrlForm::PathOnly);
    });
    assert_eq!(
        d.rejection_message(),
        "Unauthorized. [Signature] the EndpointUrl was signed with the query string dropped \
         (/snap/v1.0/transfer-va/report, not /snap/v1.0/transfer-va/report?fromDate=2024-01-01&toDate=2024-01-31)"
    );
}

#[test]
fn endpoint_url_canonical_query() {
    let target = "/openapi/v1.0/x?name=Budi%20Santoso&city=Jakarta,Indonesia";
    let signed = "/openapi/v1.0/x?city=Jakarta%2CIndonesia&name=Budi%20Santoso";
    let sig = sign_symmetric("GET", signed, &CanonicalBody::empty(), TS);
    let d = explain(&symmetric(), "GET", target, &headers(&sig, TS), b"");
    assert_only(&d, &[Axis::EndpointUrl], |v| {
        v.endpoint_url = Some(EndpointUrlForm::CanonicalQuery);
    });
    // Under BCA's profile the same request is valid.
    let bca = symmetric().profile(ProviderProfile::bca());
    assert_eq!(
        explain(&bca, "GET", target, &headers(&sig, TS), b"").verdict(),
        Verdict::Valid
    );
}

#[test]
fn endpoint_url_as_sent_where_bca_wants_canonical() {
    let target = "/openapi/v1.0/x?b=2&a=1";
    let sig = sign_symmetric("GET", target, &CanonicalBody::empty(), TS);
    let bca = symmetric().profile(ProviderProfile::bca());
    let d = explain(&bca, "GET", target, &headers(&sig, TS), b"");
    assert_eq!(
        d.standard().endpoint_url,
        Some(EndpointUrlForm::CanonicalQuery)
    );
    assert_only(&d, &[Axis::EndpointUrl], |v| {
        v.endpoint_url = Some(EndpointUrlForm::AsSent);
    });
}

#[test]
fn endpoint_url_absolute_from_the_host_header() {
    let sig = sign_symmetric(
        "POST",
        &format!("https://api.bank.example{URL}"),
        &minified(BODY),
        TS,
    );
    let mut map = headers(&sig, TS);
    map.insert("host", "api.bank.example".parse().unwrap());
    let d = explain(&symmetric(), "POST", URL, &map, BODY.as_bytes());
    assert_only(&d, &[Axis::EndpointUrl], |v| {
        v.endpoint_url = Some(EndpointUrlForm::AbsoluteUrl);
    });
}

#[test]
fn endpoint_url_absolute_from_an_absolute_target() {
    let target = "http://127.0.0.1:8080/v1.0/x?a=1";
    let sig = sign_symmetric("GET", target, &CanonicalBody::empty(), TS);
    let d = explain(&symmetric(), "GET", target, &headers(&sig, TS), b"");
    assert_only(&d, &[Axis::EndpointUrl], |v| {
        v.endpoint_url = Some(EndpointUrlForm::AbsoluteUrl);
    });
}

#[test]
fn endpoint_url_trailing_slash_added() {
    let sig = sign_symmetric("POST", &format!("{URL}/"), &minified(BODY), TS);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::EndpointUrl], |v| {
        v.endpoint_url = Some(EndpointUrlForm::TrailingSlashAdded);
    });
}

#[test]
fn endpoint_url_trailing_slash_removed() {
    let sig = sign_symmetric("GET", "/v1.0/items?page=2", &CanonicalBody::empty(), TS);
    let d = explain(
        &symmetric(),
        "GET",
        "/v1.0/items/?page=2",
        &headers(&sig, TS),
        b"",
    );
    assert_only(&d, &[Axis::EndpointUrl], |v| {
        v.endpoint_url = Some(EndpointUrlForm::TrailingSlashRemoved);
    });
}

#[test]
fn endpoint_url_base_path_stripped() {
    let sig = sign_symmetric("POST", "/v1.0/qr/qr-mpm-query", &minified(BODY), TS);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::EndpointUrl], |v| {
        v.endpoint_url = Some(EndpointUrlForm::BasePathStripped);
    });
}

// ------------------------------------------------------------ body

#[test]
fn body_raw() {
    let raw = CanonicalBody::new(BODY.as_bytes(), BodyPolicy::Raw).unwrap();
    let sig = sign_symmetric("POST", URL, &raw, TS);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::Body], |v| v.body = Some(BodyForm::Raw));
    assert_eq!(
        d.summary(),
        "non-standard: the body hash is over the raw, un-minified bytes"
    );
}

#[test]
fn body_minified_where_the_profile_hashes_raw_bytes() {
    let sig = sign_symmetric("POST", URL, &minified(BODY), TS);
    let raw_profile = ProviderProfile::aspi_standard()
        .to_builder()
        .body_policy(BodyPolicy::Raw)
        .build();
    let d = explain(
        &symmetric().profile(raw_profile),
        "POST",
        URL,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_eq!(d.standard().body, Some(BodyForm::Raw));
    assert_only(&d, &[Axis::Body], |v| v.body = Some(BodyForm::Minified));
}

#[test]
fn body_php_escaping() {
    let d = assert_body_reencoding(
        r#"{"merchantId":"M-01","callbackUrl":"https:\/\/a.id\/cb?x=1&y=<2>","name":"Caf\u00e9","city":"D\u00fcsseldorf","amount":10000.00}"#,
        Reencoding::new(EscapeStyle::Php, NumberStyle::AsSent, KeyOrder::AsSent),
    );
    assert!(
        d.summary()
            .contains("/ escaped as \\/ and non-ASCII as \\uXXXX"),
        "{d}"
    );
    assert!(d.summary().contains("PHP's json_encode"), "{d}");
    assert!(
        d.human().contains("re-serialised: PHP escapes, sha256 "),
        "{d}"
    );
}

#[test]
fn body_php_json_encode_of_json_decode() {
    // PHP ≥ 7.1 prints floats shortest with `.0` kept, like serde_json.
    assert_body_reencoding(
        r#"{"merchantId":"M-01","callbackUrl":"https:\/\/a.id\/cb?x=1&y=<2>","name":"Caf\u00e9","city":"D\u00fcsseldorf","amount":10000.0}"#,
        Reencoding::new(EscapeStyle::Php, NumberStyle::Float, KeyOrder::AsSent),
    );
}

#[test]
fn body_python_ascii_escaping() {
    assert_body_reencoding(
        r#"{"merchantId":"M-01","callbackUrl":"https://a.id/cb?x=1&y=<2>","name":"Caf\u00e9","city":"D\u00fcsseldorf","amount":10000.00}"#,
        Reencoding::new(EscapeStyle::Ascii, NumberStyle::AsSent, KeyOrder::AsSent),
    );
}

#[test]
fn body_go_html_safe_escaping() {
    assert_body_reencoding(
        r#"{"merchantId":"M-01","callbackUrl":"https://a.id/cb?x=1\u0026y=\u003c2\u003e","name":"Café","city":"Düsseldorf","amount":10000.00}"#,
        Reencoding::new(EscapeStyle::HtmlSafe, NumberStyle::AsSent, KeyOrder::AsSent),
    );
}

#[test]
fn body_escapes_decoded() {
    // Sent with PHP's escapes, signed without them (the reverse mistake).
    let sent = r#"{"callbackUrl":"https:\/\/a.id\/cb","name":"Caf\u00e9"}"#;
    let signed = r#"{"callbackUrl":"https://a.id/cb","name":"Café"}"#;
    let sig = sign_symmetric("POST", URL, &minified(signed), TS);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        sent.as_bytes(),
    );
    assert_only(&d, &[Axis::Body], |v| {
        v.body = Some(BodyForm::Reencoded(Reencoding::new(
            EscapeStyle::Minimal,
            NumberStyle::AsSent,
            KeyOrder::AsSent,
        )));
    });
}

#[test]
fn body_numbers_shortest_like_javascript() {
    let sent = r#"{"amount":10000.00,"rate":1.50,"count":3}"#;
    // JSON.stringify(JSON.parse(sent))
    let signed = r#"{"amount":10000,"rate":1.5,"count":3}"#;
    let sig = sign_symmetric("POST", URL, &minified(signed), TS);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        sent.as_bytes(),
    );
    assert_only(&d, &[Axis::Body], |v| {
        v.body = Some(BodyForm::Reencoded(Reencoding::new(
            EscapeStyle::AsSent,
            NumberStyle::Shortest,
            KeyOrder::AsSent,
        )));
    });
    assert!(
        d.summary()
            .contains("numbers re-printed (10000.00 as 10000)"),
        "{d}"
    );
}

#[test]
fn body_numbers_as_floats_like_python() {
    let sent = r#"{"amount":10000.00,"rate":1.50,"count":3}"#;
    // json.dumps(json.loads(sent), separators=(",", ":"))
    let signed = r#"{"amount":10000.0,"rate":1.5,"count":3}"#;
    let sig = sign_symmetric("POST", URL, &minified(signed), TS);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        sent.as_bytes(),
    );
    assert_only(&d, &[Axis::Body], |v| {
        v.body = Some(BodyForm::Reencoded(Reencoding::new(
            EscapeStyle::AsSent,
            NumberStyle::Float,
            KeyOrder::AsSent,
        )));
    });
}

#[test]
fn body_sorted_keys() {
    assert_body_reencoding(
        r#"{"amount":10000.00,"callbackUrl":"https://a.id/cb?x=1&y=<2>","city":"Düsseldorf","merchantId":"M-01","name":"Caf\u00e9"}"#,
        Reencoding::new(EscapeStyle::AsSent, NumberStyle::AsSent, KeyOrder::Sorted),
    );
}

#[test]
fn body_through_serde_json_value() {
    // What a Rust sender gets from serde_json::to_vec(&serde_json::from_slice::<Value>(body)).
    let value: serde_json::Value = serde_json::from_str(BODY).unwrap();
    let text = serde_json::to_string(&value).unwrap();
    let d = assert_body_reencoding(
        &text,
        Reencoding::new(EscapeStyle::Minimal, NumberStyle::Float, KeyOrder::Sorted),
    );
    assert!(
        d.summary().contains("as serde_json::Value prints it"),
        "{d}"
    );
}

#[test]
fn body_through_a_go_map() {
    assert_body_reencoding(
        r#"{"amount":10000,"callbackUrl":"https://a.id/cb?x=1\u0026y=\u003c2\u003e","city":"Düsseldorf","merchantId":"M-01","name":"Café"}"#,
        Reencoding::new(
            EscapeStyle::HtmlSafe,
            NumberStyle::Shortest,
            KeyOrder::Sorted,
        ),
    );
}

// ------------------------------------------------------------ empty body

fn assert_empty_body(parts_rule: impl FnOnce(TransactionParts<'_>) -> String, form: EmptyBodyForm) {
    let empty = CanonicalBody::empty();
    let parts = TransactionParts::new("GET", "/v1.0/balance", &empty, TS);
    let sig = parts_rule(parts);
    let d = explain(
        &symmetric(),
        "GET",
        "/v1.0/balance",
        &headers(&sig, TS),
        b"",
    );
    assert_only(&d, &[Axis::Body], |v| v.body = Some(BodyForm::Empty(form)));
    assert_eq!(
        d.standard().body,
        Some(BodyForm::Empty(EmptyBodyForm::HashOfEmpty))
    );
}

#[test]
fn empty_body_as_an_empty_field() {
    assert_empty_body(
        |p| {
            signer()
                .sign(&p.with_empty_body_rule(EmptyBodyRule::EmptySegment), TOKEN)
                .into_string()
        },
        EmptyBodyForm::EmptySegment,
    );
}

#[test]
fn empty_body_field_dropped() {
    assert_empty_body(
        |p| {
            signer()
                .sign(&p.with_empty_body_rule(EmptyBodyRule::DropSegment), TOKEN)
                .into_string()
        },
        EmptyBodyForm::DropSegment,
    );
}

#[test]
fn empty_body_as_the_hash_of_an_empty_object() {
    assert_empty_body(
        |_| sign_symmetric("GET", "/v1.0/balance", &minified("{}"), TS),
        EmptyBodyForm::HashOfEmptyObject,
    );
}

#[test]
fn empty_body_as_the_hash_of_an_empty_array() {
    assert_empty_body(
        |_| sign_symmetric("GET", "/v1.0/balance", &minified("[]"), TS),
        EmptyBodyForm::HashOfEmptyArray,
    );
}

#[test]
fn empty_object_sent_but_signed_as_no_body() {
    let sig = sign_symmetric("POST", URL, &CanonicalBody::empty(), TS);
    let d = explain(&symmetric(), "POST", URL, &headers(&sig, TS), b"{}");
    assert_only(&d, &[Axis::Body], |v| {
        v.body = Some(BodyForm::Empty(EmptyBodyForm::HashOfEmpty));
    });
    assert!(
        d.summary()
            .contains("the body {} was sent but signed as if there were no body"),
        "{d}"
    );
}

#[test]
fn empty_body_hashed_where_the_profile_wants_an_empty_field() {
    let sig = sign_symmetric("GET", "/v1.0/balance", &CanonicalBody::empty(), TS);
    let profile = ProviderProfile::aspi_standard()
        .to_builder()
        .empty_body_rule(EmptyBodyRule::EmptySegment)
        .build();
    let d = explain(
        &symmetric().profile(profile),
        "GET",
        "/v1.0/balance",
        &headers(&sig, TS),
        b"",
    );
    assert_eq!(
        d.standard().body,
        Some(BodyForm::Empty(EmptyBodyForm::EmptySegment))
    );
    assert_only(&d, &[Axis::Body], |v| {
        v.body = Some(BodyForm::Empty(EmptyBodyForm::HashOfEmpty));
    });
}

// ------------------------------------------------------------ token

#[test]
fn token_with_bearer_prefix() {
    let body = minified(BODY);
    let string = format!("POST:{URL}:Bearer {TOKEN}:{}:{TS}", body.digest());
    let sig = signer().sign_bytes(string.as_bytes()).into_string();
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::Token], |v| {
        v.token = Some(TokenForm::WithBearer)
    });
    assert_eq!(
        d.summary(),
        "non-standard: the access token was signed with its `Bearer ` prefix"
    );
    let shown = d.matched_string_to_sign().unwrap();
    assert!(shown.contains(":Bearer <token eyJ0…, "), "{shown}");
}

// ------------------------------------------------------------ encoding

#[test]
fn encoding_hex() {
    let body = minified(BODY);
    let parts = TransactionParts::new("POST", URL, &body, TS);
    let sig = signer()
        .with_encoding(SignatureEncoding::Hex)
        .sign(&parts, TOKEN);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(sig.as_str(), TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::Encoding], |v| v.encoding = EncodingForm::Hex);
}

#[test]
fn encoding_base64_of_the_hex_digest() {
    let body = minified(BODY);
    let parts = TransactionParts::new("POST", URL, &body, TS);
    let hex = signer()
        .with_encoding(SignatureEncoding::Hex)
        .sign(&parts, TOKEN);
    let sig = STANDARD.encode(hex.as_str());
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::Encoding], |v| {
        v.encoding = EncodingForm::Base64OfHex
    });
}

#[test]
fn encoding_base64_where_bri_wants_hex() {
    // BRI's profile also signs the path only; this URL has no query.
    let sig = sign_symmetric("POST", URL, &minified(BODY), TS);
    let bri = symmetric().profile(ProviderProfile::bri());
    let d = explain(&bri, "POST", URL, &headers(&sig, TS), BODY.as_bytes());
    assert_eq!(d.standard().encoding, EncodingForm::Hex);
    assert_only(&d, &[Axis::Encoding], |v| v.encoding = EncodingForm::Base64);
}

// ------------------------------------------------------------ timestamp

fn assert_timestamp(sent: &str, signed: &str, form: TimestampForm) {
    let sig = sign_symmetric("POST", URL, &minified(BODY), signed);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, sent),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::Timestamp], |v| v.timestamp = form);
    assert!(
        d.summary()
            .contains(&format!("the timestamp was signed as {signed} (")),
        "{d}"
    );
    assert!(
        d.summary()
            .ends_with(&format!("but X-TIMESTAMP says {sent}")),
        "{d}"
    );
}

#[test]
fn timestamp_jakarta_seconds() {
    assert_timestamp(
        "2024-09-10T06:24:42.196Z",
        "2024-09-10T13:24:42+07:00",
        TimestampForm::JakartaSeconds,
    );
}

#[test]
fn timestamp_jakarta_millis() {
    assert_timestamp(
        "2024-09-10T13:24:42+07:00",
        "2024-09-10T13:24:42.000+07:00",
        TimestampForm::JakartaMillis,
    );
}

#[test]
fn timestamp_utc_seconds() {
    assert_timestamp(
        "2024-09-10T13:24:42+07:00",
        "2024-09-10T06:24:42Z",
        TimestampForm::UtcSeconds,
    );
}

#[test]
fn timestamp_utc_millis() {
    assert_timestamp(
        "2024-09-10T13:24:42.196+07:00",
        "2024-09-10T06:24:42.196Z",
        TimestampForm::UtcMillis,
    );
}

// ------------------------------------------------------------ scheme

#[test]
fn scheme_asymmetric_where_symmetric_was_expected() {
    let body = minified(BODY);
    let parts = TransactionParts::new("POST", URL, &body, TS);
    let sig = AsymmetricSigner::new(private_key()).sign(&parts).unwrap();
    let explainer = symmetric()
        .public_key(public_key())
        .expect_scheme(SignatureScheme::Symmetric);
    let d = explain(
        &explainer,
        "POST",
        URL,
        &headers(sig.as_str(), TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::Scheme], |v| {
        v.scheme = SignatureScheme::Asymmetric;
        v.token = None;
    });
}

#[test]
fn scheme_symmetric_where_the_dana_profile_wants_asymmetric() {
    let path = "/v1.0/debit/payment-host-to-host.htm";
    let sig = sign_symmetric("POST", path, &minified(BODY), TS);
    let explainer = symmetric()
        .public_key(public_key())
        .profile(ProviderProfile::dana());
    let d = explain(
        &explainer,
        "POST",
        path,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_eq!(d.standard().scheme, SignatureScheme::Asymmetric);
    assert_only(&d, &[Axis::Scheme], |v| {
        v.scheme = SignatureScheme::Symmetric;
        v.token = Some(TokenForm::Bare);
    });
}

#[test]
fn scheme_token_signature_on_a_transaction() {
    // A client that sends its access-token signature (clientId|timestamp) as
    // the X-SIGNATURE of a transaction.
    let sig = AsymmetricSigner::new(private_key())
        .sign_token("partner-client-01", TS)
        .unwrap();
    let explainer = Explainer::new()
        .public_key(public_key())
        .client_id("partner-client-01");
    let d = explain(
        &explainer,
        "POST",
        URL,
        &headers(sig.as_str(), TS),
        BODY.as_bytes(),
    );
    assert_eq!(d.standard().scheme, SignatureScheme::Asymmetric);
    assert_only(&d, &[Axis::Scheme], |v| {
        v.scheme = SignatureScheme::Token;
        v.endpoint_url = None;
        v.body = None;
    });
}

#[test]
fn token_request_with_a_reformatted_timestamp() {
    let sig = AsymmetricSigner::new(private_key())
        .sign_token("partner-client-01", "2024-09-10T06:24:42Z")
        .unwrap();
    let mut map = HeaderMap::new();
    map.insert("x-signature", sig.to_header_value());
    map.insert("x-timestamp", TS.parse().unwrap());
    map.insert("x-client-key", "partner-client-01".parse().unwrap());
    let explainer = Explainer::new().public_key(public_key());
    let d = explain(
        &explainer,
        "POST",
        "/snap/v1.0/access-token/b2b",
        &map,
        b"{\"grantType\":\"client_credentials\"}",
    );
    assert_eq!(d.standard().scheme, SignatureScheme::Token);
    assert_eq!(
        d.standard_string_to_sign(),
        format!("partner-client-01|{TS}")
    );
    assert_only(&d, &[Axis::Timestamp], |v| {
        v.timestamp = TimestampForm::UtcSeconds
    });
}

// ------------------------------------------------------------ combinations and failures

#[test]
fn two_axes_at_once_are_both_named() {
    let target = "/v1.0/transfer-va/inquiry?lang=id";
    let raw = CanonicalBody::new(BODY.as_bytes(), BodyPolicy::Raw).unwrap();
    let sig = sign_symmetric("POST", "/v1.0/transfer-va/inquiry", &raw, TS);
    let d = explain(
        &symmetric(),
        "POST",
        target,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::EndpointUrl, Axis::Body], |v| {
        v.endpoint_url = Some(EndpointUrlForm::PathOnly);
        v.body = Some(BodyForm::Raw);
    });
    assert_eq!(
        d.rejection_message(),
        "Unauthorized. [Signature] the EndpointUrl was signed with the query string dropped \
         (/v1.0/transfer-va/inquiry, not /v1.0/transfer-va/inquiry?lang=id); \
         the body hash is over the raw, un-minified bytes"
    );
}

#[test]
fn three_axes_at_once() {
    let raw = CanonicalBody::new(BODY.as_bytes(), BodyPolicy::Raw).unwrap();
    let parts = TransactionParts::new("POST", URL, &raw, "2024-09-10T06:24:42Z");
    let sig = signer()
        .with_encoding(SignatureEncoding::Hex)
        .sign(&parts, TOKEN);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(sig.as_str(), TS),
        BODY.as_bytes(),
    );
    assert_only(&d, &[Axis::Body, Axis::Timestamp, Axis::Encoding], |v| {
        v.body = Some(BodyForm::Raw);
        v.timestamp = TimestampForm::UtcSeconds;
        v.encoding = EncodingForm::Hex;
    });
}

#[test]
fn wrong_secret_matches_nothing() {
    let body = minified(BODY);
    let parts = TransactionParts::new("POST", URL, &body, TS);
    let sig =
        SymmetricSigner::new(&ClientSecret::new("another-secret").unwrap()).sign(&parts, TOKEN);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(sig.as_str(), TS),
        BODY.as_bytes(),
    );
    assert_eq!(d.verdict(), Verdict::NoMatch);
    assert_eq!(d.summary(), "no known variant matches");
    assert!(d.matched().is_none());
    let digest = minified(BODY).digest().to_string();
    assert_eq!(d.standard_body_sha256(), Some(digest.as_str()));
    assert_eq!(
        d.standard_string_to_sign(),
        format!(
            "POST:{URL}:<token eyJ0…, {} chars>:{digest}:{TS}",
            TOKEN.len()
        )
    );
    assert!(
        d.likely_causes()
            .iter()
            .any(|c| c.contains("client secret")),
        "{d}"
    );
    assert!(
        d.rejection_message()
            .starts_with("Unauthorized. [Signature] no known signing variant matches")
    );
    // Every combination was tried: nothing was left out by the bound.
    assert!(
        d.notes().iter().all(|n| !n.contains("search stopped")),
        "{d}"
    );
}

#[test]
fn the_table_and_json_show_no_secrets() {
    let raw = CanonicalBody::new(BODY.as_bytes(), BodyPolicy::Raw).unwrap();
    let sig = sign_symmetric("POST", URL, &raw, TS);
    let d = explain(
        &symmetric(),
        "POST",
        URL,
        &headers(&sig, TS),
        BODY.as_bytes(),
    );
    let human = d.human();
    let json = serde_json::to_string(&d).unwrap();
    for text in [&human, &json, &format!("{d:?}")] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains(&sig), "{text}");
        assert!(!text.contains("sseldorf"), "body content leaked: {text}");
    }
    // Display: the verdict, then the table with the differing row marked.
    assert_eq!(human.lines().next(), Some(d.summary()));
    assert_eq!(d.to_string(), human);
    let body_row = human.lines().find(|l| l.starts_with("* ")).unwrap();
    assert!(
        body_row.contains("minified, sha256 ") && body_row.contains("raw, as received"),
        "{human}"
    );
    assert!(human.contains("  same"), "{human}");
    // JSON: machine-readable variant and rows.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["verdict"], "non_standard");
    assert_eq!(value["matched"]["body"], "raw");
    assert_eq!(value["standard"]["body"], "minified");
    assert_eq!(value["standard"]["encoding"], "base64");
    assert_eq!(value["rows"][2]["axis"], "body");
    assert_eq!(
        value["rows"][2]["difference"],
        "the body hash is over the raw, un-minified bytes"
    );
}

#[test]
fn from_parts_of_a_received_request() {
    let sig = sign_symmetric("POST", URL, &minified(BODY), TS);
    let mut request = http::Request::post(URL).body(BODY.as_bytes()).unwrap();
    *request.headers_mut() = headers(&sig, TS);
    let (parts, body) = request.into_parts();
    let d = symmetric()
        .explain(&CapturedRequest::from_parts(&parts, body))
        .unwrap();
    assert!(d.is_valid(), "{d}");
}

// ------------------------------------------------------------ properties

mod properties {
    use super::*;
    use proptest::prelude::*;
    use snap_bi::endpoint::{EndpointUrlPolicy, endpoint_url_from_str};
    use snap_bi::minify::minify;
    use snap_bi::timestamp::TimestampFormat;

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            (0u32..1_000_000).prop_map(|cents| Value::from(f64::from(cents) / 100.0)),
            "[a-zA-Z0-9 /é:.-]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec(("[a-z]{1,6}", inner), 1..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Sign with a random choice on each axis; explain finds exactly the
        /// string that was signed (whatever it calls it when two choices
        /// coincide), and calls it valid exactly when that is the standard string.
        #[test]
        fn explain_finds_the_string_that_was_signed(
            value in arb_json(),
            query in proptest::option::of("[a-z]=[0-9]{1,3}(&[a-z]=[0-9]{1,3}){0,2}"),
            seconds in 1_600_000_000i64..1_900_000_000,
            url_choice in 0usize..3,
            body_choice in 0usize..3,
            utc in any::<bool>(),
            bearer in any::<bool>(),
            hex in any::<bool>(),
        ) {
            let sent_body = serde_json::to_string_pretty(&value).unwrap();
            let target = match &query {
                Some(q) => format!("/v1.0/pay?{q}"),
                None => "/v1.0/pay".to_owned(),
            };
            let instant = chrono::DateTime::from_timestamp(seconds, 0).unwrap();
            let sent_ts = TimestampFormat::JakartaSeconds.format(instant).into_string();

            let policy = [EndpointUrlPolicy::AsSent, EndpointUrlPolicy::PathOnly, EndpointUrlPolicy::CanonicalQuery][url_choice];
            let url = endpoint_url_from_str(&target, policy).unwrap().into_owned();
            let signed_body: Vec<u8> = match body_choice {
                0 => minify(sent_body.as_bytes()).unwrap().into_owned(),
                1 => sent_body.clone().into_bytes(),
                _ => serde_json::to_vec(&value).unwrap(),
            };
            let digest = CanonicalBody::from_canonical(signed_body.into()).digest().to_string();
            let ts = if utc {
                TimestampFormat::UtcSeconds.format(instant).into_string()
            } else {
                sent_ts.clone()
            };
            let token = if bearer { format!("Bearer {TOKEN}") } else { TOKEN.to_owned() };
            let string = format!("POST:{url}:{token}:{digest}:{ts}");
            let encoding = if hex { SignatureEncoding::Hex } else { SignatureEncoding::Base64 };
            let sig = signer().with_encoding(encoding).sign_bytes(string.as_bytes());

            let d = explain(&symmetric(), "POST", &target, &headers(sig.as_str(), &sent_ts), sent_body.as_bytes());
            let redacted = string.replace(TOKEN, &format!("<token eyJ0…, {} chars>", TOKEN.len()));
            prop_assert_eq!(d.matched_string_to_sign(), Some(redacted.as_str()), "{}", d);
            let standard = !hex && redacted == d.standard_string_to_sign();
            prop_assert_eq!(d.is_valid(), standard, "{}", d);
            prop_assert!(!d.human().contains(TOKEN));
        }

        /// Whatever the bytes, explain answers (or refuses) without panicking,
        /// and never prints the token.
        #[test]
        fn explain_never_panics(
            target in "(/|https://h/)?[ -~]{0,30}",
            body in proptest::collection::vec(any::<u8>(), 0..64),
            json_body in arb_json(),
            use_json in any::<bool>(),
            timestamp in "[ -~]{0,32}",
            signature in "[A-Za-z0-9+/=]{0,100}",
        ) {
            let body = if use_json { serde_json::to_vec(&json_body).unwrap() } else { body };
            let mut map = HeaderMap::new();
            if let (Ok(ts), Ok(sig)) = (timestamp.parse(), signature.parse()) {
                map.insert("x-timestamp", ts);
                map.insert("x-signature", sig);
            }
            map.insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
            let explainer = symmetric().public_key(public_key()).client_id("c").max_attempts(64);
            if let Ok(d) = explainer.explain(&CapturedRequest::new("POST", &target, &map, &body)) {
                prop_assert!(d.variants_tried() <= 64);
                prop_assert!(!d.human().contains(TOKEN));
                prop_assert!(!d.rejection_message().contains('\n'));
            }
        }
    }
}
