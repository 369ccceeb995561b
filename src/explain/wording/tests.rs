//! Unit tests of the parent module, kept in their own file.

use super::*;

const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln";

#[test]
fn redaction() {
    assert_eq!(
        redact_token(TOKEN),
        format!("<token eyJh…, {} chars>", TOKEN.len())
    );
    assert_eq!(redact_token("short"), "<token, 5 chars>");
    assert_eq!(redact_token(""), "<token, 0 chars>");
}
