//! Unit tests of the parent module, kept in their own file.

use super::*;

const HASH: &str = "0f7dcbc9fec0ca9cc3ba6c0ed6bed8c5a1f5e7e4b6b1e5c2b6d1a0b9c8d7e6f5";
const TS: &str = "2024-09-10T13:24:42+07:00";

fn ours() -> Vec<Field> {
    vec![
        Field::new("method", "POST").variant("post", "a lower-case method"),
        Field::new("EndpointUrl", "/v1.0/qr/qr-mpm-query")
            .variant("/v1.0/qr/qr-mpm-query?x=1", "the path with its query"),
        Field::new("access token", "tok123")
            .secret()
            .variant("Bearer tok123", "the token with its `Bearer ` prefix"),
        Field::new("body hash", HASH).variant(HASH.to_uppercase(), "upper-case hex"),
        Field::new("timestamp", TS),
    ]
}

fn joined(parts: &[&str]) -> String {
    parts.join(":")
}

fn detail(theirs: &str) -> (&'static str, String) {
    match compare(&ours(), ':', theirs) {
        Outcome::Differs { field, detail } => (field, detail),
        Outcome::Same => ("", String::new()),
    }
}

#[test]
fn identical_strings_are_the_same() {
    let theirs = joined(&["POST", "/v1.0/qr/qr-mpm-query", "tok123", HASH, TS]);
    assert_eq!(compare(&ours(), ':', &theirs), Outcome::Same);
    // A pasted line break does not count.
    assert_eq!(compare(&ours(), ':', &format!("{theirs}\n")), Outcome::Same);
}

#[test]
fn the_first_differing_field_is_named_with_both_values() {
    let theirs = joined(&["POST", "/snap/v1.0/qr/qr-mpm-query", "tok123", HASH, TS]);
    assert_eq!(
        detail(&theirs),
        (
            "EndpointUrl",
            "EndpointUrl differs: ours \"/v1.0/qr/qr-mpm-query\", theirs \"/snap/v1.0/qr/qr-mpm-query\""
                .to_owned()
        )
    );
    let theirs = joined(&["POST", "/v1.0/qr/qr-mpm-query?x=1", "tok123", HASH, TS]);
    assert!(
        detail(&theirs)
            .1
            .ends_with("(theirs is the path with its query)")
    );
    let theirs = joined(&[
        "POST",
        "/v1.0/qr/qr-mpm-query",
        "tok123",
        HASH,
        "2024-09-10T13:24:42.196+07:00",
    ]);
    assert_eq!(detail(&theirs).0, "timestamp");
    let theirs = joined(&["post", "/v1.0/qr/qr-mpm-query", "tok123", HASH, TS]);
    assert_eq!(
        detail(&theirs).1,
        "method differs: ours \"POST\", theirs \"post\" (theirs is a lower-case method)"
    );
}

#[test]
fn tokens_are_shown_by_length_only() {
    let theirs = joined(&["POST", "/v1.0/qr/qr-mpm-query", "Bearer tok123", HASH, TS]);
    let (field, text) = detail(&theirs);
    assert_eq!(field, "access token");
    assert_eq!(
        text,
        "access token differs: ours <redacted: 6 chars>, theirs <redacted: 13 chars> \
         (theirs is the token with its `Bearer ` prefix)"
    );
    assert!(!text.contains("tok123"));
}

#[test]
fn a_missing_field_is_reported_as_missing() {
    let theirs = joined(&["POST", "/v1.0/qr/qr-mpm-query", "tok123", TS]);
    assert_eq!(
        detail(&theirs),
        (
            "body hash",
            format!("body hash is missing from theirs (ours {HASH:?})")
        )
    );
}

#[test]
fn several_differences_name_the_first_and_the_rest() {
    let theirs = joined(&[
        "POST",
        "/v1.0/qr/qr-mpm-query",
        "other",
        &HASH.to_uppercase(),
        TS,
    ]);
    let (field, text) = detail(&theirs);
    assert_eq!(field, "access token");
    assert!(text.ends_with("; body hash may differ too"), "{text}");
}

#[test]
fn token_strings_use_the_pipe() {
    let fields = [
        Field::new("client id", "CLIENT01"),
        Field::new("timestamp", TS),
    ];
    assert_eq!(
        compare(&fields, '|', &format!("CLIENT01|{TS}")),
        Outcome::Same
    );
    assert_eq!(
        compare(&fields, '|', &format!("CLIENT02|{TS}")),
        Outcome::Differs {
            field: "client id",
            detail: "client id differs: ours \"CLIENT01\", theirs \"CLIENT02\"".to_owned()
        }
    );
    // Garbage never panics.
    for junk in ["", "|", "||||", "é|é", "CLIENT01|"] {
        let _ = compare(&fields, '|', junk);
        let _ = compare(&ours(), ':', junk);
    }
}
