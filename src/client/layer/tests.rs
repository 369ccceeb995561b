//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn token_rejection_is_read_from_the_response_code() {
    assert!(token_rejected(
        br#"{"responseCode":"4014701","responseMessage":"Invalid Token (B2B)"}"#
    ));
    assert!(token_rejected(br#"{"responseCode":"4015103"}"#));
    assert!(!token_rejected(br#"{"responseCode":"4015100"}"#));
    assert!(!token_rejected(br#"{"responseCode":"4015102"}"#));
    assert!(!token_rejected(b"not json"));
    assert!(!token_rejected(b""));
}
